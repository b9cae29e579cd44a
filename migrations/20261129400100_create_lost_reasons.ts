// The workspace's list of reasons a deal is lost: losing a deal asks for one, and the reports
// group lost deals by it. Archived reasons stay for the deals that name them.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('lost_reasons', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('workspace_id').notNullable().references('id').inTable('workspaces').onDelete('CASCADE');
    t.text('name').notNullable();
    t.integer('position').notNullable().defaultTo(0);
    t.timestamp('archived_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['workspace_id', 'id']);
  });
  // Two active reasons with the same name would be indistinguishable in the picker.
  await knex.raw('CREATE UNIQUE INDEX lost_reasons_name_unique ON lost_reasons (workspace_id, lower(name)) WHERE archived_at IS NULL');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('lost_reasons');
}
