// The unread count beside "Inbox" is computed on every page: a partial index over the few
// conversations that are open and unread keeps it cheap with 100,000 conversations
// (bench/inbox-list.ts, where two thirds of 100,000 conversations are unread: 23 ms -> 12 ms).
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE INDEX conversations_unread_idx ON conversations (workspace_id, assignee_id) WHERE status = \'open\' AND unread_count > 0');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX conversations_unread_idx');
}
