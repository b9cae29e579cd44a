// CSV contact imports run in a background worker on any replica. The worker renews a heartbeat
// with every batch it commits; an import left 'running' with an old heartbeat belongs to a
// process that died, and another worker resumes it where its last batch ended (processed_rows).
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE contact_imports ADD COLUMN IF NOT EXISTS heartbeat_at timestamptz');
  // The worker's claim query looks only at imports waiting or in flight: a small partial index.
  await knex.raw("CREATE INDEX IF NOT EXISTS contact_imports_pending_idx ON contact_imports (created_at) WHERE status IN ('queued', 'running')");
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS contact_imports_pending_idx');
  await knex.raw('ALTER TABLE contact_imports DROP COLUMN IF EXISTS heartbeat_at');
}
