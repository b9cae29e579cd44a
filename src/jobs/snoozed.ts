// Every minute: snoozed conversations whose time has come go back to the open list.
import { wakeSnoozed } from '../inbox/service.js';
import type { Job } from './scheduler.js';

export const wakeSnoozedJob: Job = {
  name: 'conversations:wake',
  schedule: '* * * * *',
  description: 'Reopens snoozed conversations whose snooze ended',
  async run({ knex }) {
    return `reopened ${await wakeSnoozed(knex)} conversations`;
  },
};
