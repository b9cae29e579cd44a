// Custom fields of deals, defined per workspace. The values live in deals.custom_fields (jsonb,
// keyed by `key`) and are validated against these definitions by the application.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('deal_fields', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('workspace_id').notNullable().references('id').inTable('workspaces').onDelete('CASCADE');
    // Stable machine name (the jsonb key, the API field, the CSV column); the label can change.
    t.text('key').notNullable();
    t.text('label').notNullable();
    // text | number | date | select
    t.text('type').notNullable();
    // The choices of a select field: ["Small", "Large"].
    t.jsonb('options').notNullable().defaultTo('[]');
    t.integer('position').notNullable().defaultTo(0);
    t.timestamp('archived_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['workspace_id', 'id']);
    // A key is never reused, even after archiving: old values keep their meaning.
    t.unique(['workspace_id', 'key']);
    t.check("type in ('text', 'number', 'date', 'select')", [], 'deal_fields_type_check');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('deal_fields');
}
