// Customers: a contact of the workspace, keyed on the phone number (normalised, see
// src/contacts/phone.ts) and on WhatsApp's business-scoped user id when there is one.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('contacts', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('workspace_id').notNullable().references('id').inTable('workspaces').onDelete('CASCADE');
    // E.164 with '+', as best known; null for a customer known only by a WhatsApp username.
    t.text('phone');
    // The matching key of the phone: digits, with Brazil's ninth digit and Mexico's '1' folded.
    t.text('phone_key');
    // wa_id as Meta sends it (digits), and the business-scoped user id (BSUID, 2026+).
    t.text('wa_id');
    t.text('wa_user_id');
    t.text('username');
    // The name agents gave the contact; profile_name is what the customer set in WhatsApp.
    t.text('name');
    t.text('profile_name');
    t.text('email');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['workspace_id', 'id']);
  });
  // Unique indexes, not check-then-insert: concurrent webhooks for a new customer make one contact.
  await knex.raw('CREATE UNIQUE INDEX contacts_phone_key_unique ON contacts (workspace_id, phone_key) WHERE phone_key IS NOT NULL');
  await knex.raw('CREATE UNIQUE INDEX contacts_wa_user_id_unique ON contacts (workspace_id, wa_user_id) WHERE wa_user_id IS NOT NULL');
  await knex.raw('CREATE INDEX contacts_workspace_created_idx ON contacts (workspace_id, created_at DESC, id DESC)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('contacts');
}
