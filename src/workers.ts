// Long-running workers that move work forward as soon as there is some (the webhook processor,
// the outbox sender, media downloads, CSV contact imports), unlike cron jobs that run on a
// schedule. Code that creates work calls ctx.signals.wake(name) so the worker starts at once
// instead of waiting for its next poll. server.ts and the test environment start them with startWorkers().
import { EventEmitter } from 'node:events';
import { contactImportWorker } from './contacts/import-worker.js';
import type { AppContext } from './context.js';

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
  return [contactImportWorker()];
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
