// The inbox lists conversations by last activity, newest first, with keyset paging on
// (last_message_at, id). A conversation starts "active" when it is created, so the column is
// never null and the list is served from conversations_activity_idx without COALESCE.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('UPDATE conversations SET last_message_at = created_at WHERE last_message_at IS NULL');
  await knex.raw('ALTER TABLE conversations ALTER COLUMN last_message_at SET DEFAULT now()');
  await knex.raw('ALTER TABLE conversations ALTER COLUMN last_message_at SET NOT NULL');
  await knex.raw('CREATE INDEX conversations_status_activity_idx ON conversations (workspace_id, status, last_message_at DESC, id DESC)');
  await knex.raw('CREATE INDEX conversations_snoozed_idx ON conversations (snoozed_until) WHERE status = \'snoozed\'');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX conversations_snoozed_idx');
  await knex.raw('DROP INDEX conversations_status_activity_idx');
  await knex.raw('ALTER TABLE conversations ALTER COLUMN last_message_at DROP NOT NULL');
  await knex.raw('ALTER TABLE conversations ALTER COLUMN last_message_at DROP DEFAULT');
}
