// Long-running workers that move work forward as soon as there is some (the webhook processor,
// the outbox sender, media downloads, CSV contact imports), unlike cron jobs that run on a
// schedule. Code that creates work calls ctx.signals.wake(name) so the worker starts at once
// instead of waiting for its next poll. server.ts and the test environment start them with startWorkers().
import { EventEmitter } from 'node:events';
import { contactImportWorker } from './contacts/import-worker.js';
import type { AppContext } from './context.js';
import { mediaWorker } from './media/download.js';
import { outboxWorker } from './whatsapp/sender.js';
import { webhookWorker } from './whatsapp/processor.js';

export type WorkerName = 'webhooks' | 'outbox' | 'media' | 'contact-imports';

/** Signals wakes workers of this process. */
export interface Signals {
  wake(name: WorkerName): void;
  onWake(name: WorkerName, fn: () => void): () => void;
}

/** createSignals makes the in-process wake-up channel. */
export function createSignals(): Signals {
  const bus = new EventEmitter();
  bus.setMaxListeners(50);
  return {
    wake: (name) => void bus.emit(name),
    onWake(name, fn) {
      bus.on(name, fn);
      return () => bus.off(name, fn);
    },
  };
}

export interface Worker {
  name: WorkerName;
  start(ctx: AppContext): void;
  /** Finishes the work in hand and stops. */
  stop(): Promise<void>;
}

/** The workers every PAR CRM process runs. */
export function allWorkers(): Worker[] {
  return [webhookWorker(), mediaWorker(), outboxWorker(), contactImportWorker()];
}

/**
 * pollingWorker runs `runOnce` again and again: at once while it says there is more work, on a
 * wake-up signal, and every `intervalMs` otherwise (work made by other replicas, retry times).
 * A failing run is logged and tried again at the next poll. `isStopping` lets a long run end
 * between two steps when the process shuts down.
 */
export function pollingWorker(name: WorkerName, intervalMs: number, runOnce: (ctx: AppContext, isStopping: () => boolean) => Promise<boolean>): Worker {
  let stopping = false;
  let woken = false;
  let wakeUp: (() => void) | null = null;
  let unsubscribe: (() => void) | null = null;
  let loop: Promise<void> | null = null;

  const sleep = () =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, intervalMs);
      timer.unref();
      function done() {
        clearTimeout(timer);
        wakeUp = null;
        resolve();
      }
      wakeUp = done;
    });

  async function run(ctx: AppContext): Promise<void> {
    while (!stopping) {
      woken = false;
      let more = false;
      try {
        more = await runOnce(ctx, () => stopping);
      } catch (err) {
        ctx.log.error({ err, worker: name }, 'worker run failed; trying again at the next poll');
      }
      if (stopping) break;
      if (!more && !woken) await sleep();
    }
  }

  return {
    name,
    start(ctx) {
      stopping = false;
      unsubscribe = ctx.signals.onWake(name, () => {
        woken = true;
        wakeUp?.();
      });
      loop = run(ctx);
    },
    async stop() {
      stopping = true;
      unsubscribe?.();
      wakeUp?.();
      await loop;
    },
  };
}

/** startWorkers starts the given workers; the returned stop() stops them all. */
export function startWorkers(ctx: AppContext, workers: Worker[] = allWorkers()): { stop(): Promise<void> } {
  for (const w of workers) w.start(ctx);
  return {
    async stop() {
      await Promise.all(workers.map((w) => w.stop()));
    },
  };
}
