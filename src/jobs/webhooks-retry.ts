// Puts failed webhook events back in the queue when their retry time comes (backoff doubling
// from a minute); after MAX_EVENT_ATTEMPTS they stay failed for a person to replay.
import { MAX_EVENT_ATTEMPTS, retryFailedEvents } from '../whatsapp/processor.js';
import type { Job } from './scheduler.js';

export const webhooksRetryJob: Job = {
  name: 'webhooks:retry',
  schedule: '* * * * *',
  description: `Retries failed webhook events whose backoff has passed (up to ${MAX_EVENT_ATTEMPTS} attempts)`,
  async run(ctx) {
    const requeued = await retryFailedEvents(ctx.knex);
    if (requeued) ctx.signals.wake('webhooks');
    return `requeued ${requeued} failed webhook events`;
  },
};
