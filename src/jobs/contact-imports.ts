// Hourly: forget CSV uploads nobody went on to import, and the files of failed imports, so
// abandoned 20 MB uploads do not pile up in media storage.
import { discardAbandonedImports } from '../contacts/import.js';
import type { Job } from './scheduler.js';

export const contactImportsCleanupJob: Job = {
  name: 'contact-imports-cleanup',
  schedule: '41 * * * *',
  description: 'Deletes CSV contact uploads left without a mapping for a day, and the files of failed imports',
  async run(ctx) {
    const { discarded, files } = await discardAbandonedImports(ctx, new Date(Date.now() - 24 * 3600_000));
    return `discarded ${discarded} abandoned imports, deleted ${files} files`;
  },
};
