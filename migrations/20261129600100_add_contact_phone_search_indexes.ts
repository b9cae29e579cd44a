// Finding a contact by phone on the contacts page, index-backed at 100,000 contacts: the number
// as typed from its start ('+55 11 9…', a prefix of the E.164 form) or from its end (a local
// number without country code, or the last digits: a prefix of the reversed number, also in the
// folded form without Brazil's ninth digit). The folded key's own prefix index already exists.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.raw('CREATE INDEX IF NOT EXISTS contacts_phone_pattern_idx ON contacts (workspace_id, phone text_pattern_ops)');
  await knex.raw('CREATE INDEX IF NOT EXISTS contacts_phone_reverse_idx ON contacts (workspace_id, reverse(phone) text_pattern_ops)');
  await knex.raw('CREATE INDEX IF NOT EXISTS contacts_phone_key_reverse_idx ON contacts (workspace_id, reverse(phone_key) text_pattern_ops)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX IF EXISTS contacts_phone_key_reverse_idx');
  await knex.raw('DROP INDEX IF EXISTS contacts_phone_reverse_idx');
  await knex.raw('DROP INDEX IF EXISTS contacts_phone_pattern_idx');
}
