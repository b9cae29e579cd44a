// Hourly template sync: every live channel's templates from Meta (sandboxes get their built-in
// set). A channel that fails has the failure recorded in its health and does not stop the others.
import { allLiveChannels } from '../whatsapp/channels.js';
import { syncTemplates } from '../whatsapp/templates.js';
import type { Job } from './scheduler.js';

export const templatesSyncJob: Job = {
  name: 'templates:sync',
  schedule: '41 * * * *',
  description: "Syncs every live channel's message templates from Meta",
  async run(ctx) {
    let synced = 0;
    let failed = 0;
    for (const channel of await allLiveChannels(ctx.knex)) {
      try {
        await syncTemplates(ctx, channel);
        synced += 1;
      } catch (err) {
        failed += 1;
        ctx.log.warn({ err, channelId: channel.id, workspaceId: channel.workspace_id }, 'template sync failed');
      }
    }
    return `synced ${synced} channels, ${failed} failed`;
  },
};
