// Message templates approved (or not) by Meta, synced per channel from its WABA.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('templates', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('workspace_id').notNullable().references('id').inTable('workspaces').onDelete('CASCADE');
    t.uuid('channel_id').notNullable();
    t.text('meta_template_id');
    t.text('name').notNullable();
    t.text('language').notNullable();
    // APPROVED | PENDING | REJECTED | PAUSED | DISABLED | ... (as Meta says)
    t.text('status').notNullable();
    // MARKETING | UTILITY | AUTHENTICATION
    t.text('category');
    // NAMED | POSITIONAL
    t.text('parameter_format').notNullable().defaultTo('POSITIONAL');
    t.jsonb('components').notNullable().defaultTo('[]');
    t.text('status_reason');
    t.timestamp('synced_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['workspace_id', 'id']);
    t.unique(['channel_id', 'name', 'language']);
    t.foreign(['workspace_id', 'channel_id']).references(['workspace_id', 'id']).inTable('channels').onDelete('CASCADE');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('templates');
}
