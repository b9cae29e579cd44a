// Search over message text and contact names, fast at a million messages: Postgres full-text
// search with the 'simple' configuration (no stemming: customers write in many languages and
// names must match as typed) on generated tsvector columns with GIN indexes. Phone numbers are
// matched on their digits (contacts.phone_key). pg_trgm would also work but is an extension not
// every managed Postgres or the embedded database has enabled by default.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw("ALTER TABLE messages ADD COLUMN search tsvector GENERATED ALWAYS AS (to_tsvector('simple', coalesce(text, ''))) STORED");
  await knex.raw('CREATE INDEX messages_search_idx ON messages USING GIN (search)');
  await knex.raw(
    "ALTER TABLE contacts ADD COLUMN search tsvector GENERATED ALWAYS AS (to_tsvector('simple', coalesce(name, '') || ' ' || coalesce(profile_name, '') || ' ' || coalesce(username, '') || ' ' || coalesce(email, ''))) STORED",
  );
  await knex.raw('CREATE INDEX contacts_search_idx ON contacts USING GIN (search)');
  await knex.raw('CREATE INDEX contacts_phone_key_pattern_idx ON contacts (workspace_id, phone_key text_pattern_ops)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE contacts DROP COLUMN search');
  await knex.raw('ALTER TABLE messages DROP COLUMN search');
}
