// Background jobs on node-cron. Each run takes a Postgres advisory lock named after the job,
// so with several replicas one of them runs each tick; the embedded database has a single
// process, so an in-process guard is enough there.
import cron, { type ScheduledTask } from 'node-cron';
import type { AppContext } from '../context.js';

export interface Job {
  name: string;
  /** A cron expression (with seconds allowed as the first field). */
  schedule: string;
  description: string;
  /** Does one run's work; idempotent; returns a short summary for the log and the CLI. */
  run(ctx: AppContext): Promise<string | void>;
}

export interface JobOutcome {
  ran: boolean;
  summary?: string;
}

const runningHere = new Set<string>();

/** runJobOnce runs a job under its lock; `ran` is false when another run holds the lock. */
export async function runJobOnce(ctx: AppContext, job: Job): Promise<JobOutcome> {
  if (runningHere.has(job.name)) return { ran: false };
  runningHere.add(job.name);
  try {
    if (ctx.database.kind === 'pglite') {
      return { ran: true, summary: (await job.run(ctx)) ?? undefined };
    }
    let outcome: JobOutcome = { ran: false };
    // The transaction only holds the lock (released at its end); the job uses other connections.
    await ctx.knex.transaction(async (trx) => {
      const { rows } = await trx.raw('SELECT pg_try_advisory_xact_lock(hashtext(?)) AS locked', [`par-crm:job:${job.name}`]);
      if (!rows[0].locked) return;
      outcome = { ran: true, summary: (await job.run(ctx)) ?? undefined };
    });
    return outcome;
  } finally {
    runningHere.delete(job.name);
  }
}

export interface Scheduler {
  start(): void;
  stop(): Promise<void>;
}

/** createScheduler schedules every job; a failing run is logged and the next tick tries again. */
export function createScheduler(ctx: AppContext, jobs: Job[]): Scheduler {
  const tasks: ScheduledTask[] = [];
  const inFlight = new Set<Promise<unknown>>();
  return {
    start() {
      for (const job of jobs) {
        const task = cron.schedule(
          job.schedule,
          () => {
            const started = Date.now();
            const p = runJobOnce(ctx, job)
              .then((o) => o.ran && ctx.log.debug({ job: job.name, ms: Date.now() - started, summary: o.summary }, 'job ran'))
              .catch((err) => ctx.log.error({ err, job: job.name }, 'job failed'))
              .finally(() => inFlight.delete(p));
            inFlight.add(p);
          },
          { name: job.name },
        );
        tasks.push(task);
      }
    },
    async stop() {
      for (const task of tasks) await task.destroy();
      await Promise.allSettled([...inFlight]);
    },
  };
}
