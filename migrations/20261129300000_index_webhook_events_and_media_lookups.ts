// Indexes for the webhook processor and media downloader's queries: failed events whose retry
// time has come (the webhooks:retry job, across workspaces), a workspace's recent events by time
// (Settings -> Webhook events counts them), the message a media file belongs to, and customer
// edits or deletions that arrived before the message they change (looked up for every new
// inbound message, so it must not scan the conversation; such rows are rare, the index tiny).
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw("CREATE INDEX IF NOT EXISTS webhook_events_retry_idx ON webhook_events (next_attempt_at) WHERE status = 'failed'");
  await knex.raw('CREATE INDEX IF NOT EXISTS webhook_events_received_idx ON webhook_events (workspace_id, received_at DESC)');
  await knex.raw('CREATE INDEX IF NOT EXISTS messages_media_idx ON messages (workspace_id, media_id) WHERE media_id IS NOT NULL');
  await knex.raw("CREATE INDEX IF NOT EXISTS messages_waiting_changes_idx ON messages (channel_id, (content->>'original_message_id')) WHERE type IN ('edit', 'revoke')");
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS messages_waiting_changes_idx');
  await knex.raw('DROP INDEX IF EXISTS messages_media_idx');
  await knex.raw('DROP INDEX IF EXISTS webhook_events_received_idx');
  await knex.raw('DROP INDEX IF EXISTS webhook_events_retry_idx');
}
