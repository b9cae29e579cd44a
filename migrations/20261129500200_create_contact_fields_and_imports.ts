// Custom contact fields defined per workspace (values live in contacts.custom, keyed by the
// field's key and checked against its type), and CSV contact imports run as background jobs.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('contact_fields', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('workspace_id').notNullable().references('id').inTable('workspaces').onDelete('CASCADE');
    // Stable machine name used in contacts.custom, CSV headers and the API.
    t.text('key').notNullable();
    t.text('label').notNullable();
    // text | number | date | select
    t.text('type').notNullable();
    t.jsonb('options').notNullable().defaultTo('[]');
    t.integer('position').notNullable().defaultTo(0);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['workspace_id', 'id']);
    t.unique(['workspace_id', 'key']);
    t.check("type in ('text', 'number', 'date', 'select')", [], 'contact_fields_type_check');
  });

  await knex.schema.alterTable('contacts', (t) => {
    t.jsonb('custom').notNullable().defaultTo('{}');
  });

  await knex.schema.createTable('contact_imports', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('workspace_id').notNullable().references('id').inTable('workspaces').onDelete('CASCADE');
    t.uuid('created_by').references('id').inTable('users').onDelete('SET NULL');
    t.uuid('created_by_token').references('id').inTable('api_tokens').onDelete('SET NULL');
    t.text('filename');
    // The uploaded CSV (kept until the import is done) and how its columns map to contact fields.
    t.text('storage_key');
    t.jsonb('columns').notNullable().defaultTo('[]');
    t.jsonb('mapping').notNullable().defaultTo('{}');
    // uploaded (waiting for the mapping) | queued | running | done | failed
    t.text('status').notNullable().defaultTo('uploaded');
    t.integer('total_rows').notNullable().defaultTo(0);
    t.integer('processed_rows').notNullable().defaultTo(0);
    t.integer('created_count').notNullable().defaultTo(0);
    t.integer('updated_count').notNullable().defaultTo(0);
    t.integer('rejected_count').notNullable().defaultTo(0);
    // [{row, reason, values}] for the report; capped so a hopeless file cannot bloat the row.
    t.jsonb('rejected_rows').notNullable().defaultTo('[]');
    t.text('error');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('started_at', { useTz: true });
    t.timestamp('finished_at', { useTz: true });
    t.unique(['workspace_id', 'id']);
    t.check("status in ('uploaded', 'queued', 'running', 'done', 'failed')", [], 'contact_imports_status_check');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('contact_imports');
  await knex.schema.alterTable('contacts', (t) => t.dropColumn('custom'));
  await knex.schema.dropTable('contact_fields');
}
