// Messages of a workspace newest first, by index. Search ranks the most recent matches of a
// query (see src/search/repo.ts): for a word found in many messages, Postgres walks this index
// backwards and stops after enough matches instead of reading every matching row of the table.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE INDEX IF NOT EXISTS messages_workspace_recent_idx ON messages (workspace_id, created_at DESC, id DESC)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS messages_workspace_recent_idx');
}
