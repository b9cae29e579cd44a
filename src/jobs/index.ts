// Every scheduled job, by name (the name `cli job:run NAME` takes).
import { cleanupJob } from './cleanup.js';
import { contactImportsCleanupJob } from './contact-imports.js';
import type { Job } from './scheduler.js';
import { wakeSnoozedJob } from './snoozed.js';
import { templatesSyncJob } from './templates-sync.js';
import { webhooksRetryJob } from './webhooks-retry.js';

export const jobs: Job[] = [cleanupJob, wakeSnoozedJob, webhooksRetryJob, templatesSyncJob, contactImportsCleanupJob];

/** findJob looks a job up by name. */
export function findJob(name: string): Job | undefined {
  return jobs.find((j) => j.name === name);
}
