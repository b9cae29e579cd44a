// Daily housekeeping: expired sessions, stale rate-limit counters, spent or expired links.
import type { Job } from './scheduler.js';

export const cleanupJob: Job = {
  name: 'cleanup',
  schedule: '17 * * * *',
  description: 'Deletes expired sessions, old rate-limit counters, and spent or expired reset and invitation links',
  async run({ knex }) {
    const now = new Date();
    const dayAgo = new Date(now.getTime() - 24 * 3600_000);
    const monthAgo = new Date(now.getTime() - 30 * 24 * 3600_000);
    const sessions = await knex('sessions').where('expires_at', '<', now).delete();
    const limits = await knex('rate_limits').where('window_started_at', '<', dayAgo).delete();
    const resets = await knex('password_resets').where('expires_at', '<', dayAgo).delete();
    const invitations = await knex('invitations')
      .whereNull('accepted_at')
      .andWhere((q) => q.where('expires_at', '<', monthAgo).orWhere('revoked_at', '<', monthAgo))
      .delete();
    return `deleted ${sessions} sessions, ${limits} rate-limit counters, ${resets} reset links, ${invitations} invitations`;
  },
};
