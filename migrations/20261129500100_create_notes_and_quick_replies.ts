// Private notes between agents (about a contact, written in a conversation or on the contact
// panel; never sent to the customer) and quick replies (canned answers typed as /shortcut).
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('notes', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('workspace_id').notNullable().references('id').inTable('workspaces').onDelete('CASCADE');
    t.uuid('contact_id').notNullable();
    // Set when the note was written in a conversation: it then shows in that thread.
    t.uuid('conversation_id');
    t.uuid('author_id').references('id').inTable('users').onDelete('SET NULL');
    t.text('body').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['workspace_id', 'id']);
    t.foreign(['workspace_id', 'contact_id']).references(['workspace_id', 'id']).inTable('contacts').onDelete('CASCADE');
    t.foreign(['workspace_id', 'conversation_id']).references(['workspace_id', 'id']).inTable('conversations').onDelete('CASCADE');
  });
  await knex.raw('CREATE INDEX notes_contact_idx ON notes (workspace_id, contact_id, created_at)');
  await knex.raw('CREATE INDEX notes_conversation_idx ON notes (workspace_id, conversation_id, created_at)');

  await knex.schema.createTable('quick_replies', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('workspace_id').notNullable().references('id').inTable('workspaces').onDelete('CASCADE');
    t.text('shortcut').notNullable();
    t.text('text').notNullable();
    t.uuid('created_by').references('id').inTable('users').onDelete('SET NULL');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['workspace_id', 'id']);
  });
  await knex.raw('CREATE UNIQUE INDEX quick_replies_shortcut_unique ON quick_replies (workspace_id, lower(shortcut))');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('quick_replies');
  await knex.schema.dropTable('notes');
}
