// What happened, who did it, from where. Workspace events carry their workspace; account
// events that belong to no workspace (a failed sign-in, a password reset) leave it null,
// which is why this is the one table with a nullable workspace_id.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('audit_log', (t) => {
    t.bigIncrements('id').primary();
    t.uuid('workspace_id').references('id').inTable('workspaces').onDelete('CASCADE');
    t.uuid('actor_user_id').references('id').inTable('users').onDelete('SET NULL');
    t.uuid('actor_token_id').references('id').inTable('api_tokens').onDelete('SET NULL');
    t.text('action').notNullable();
    t.text('subject_type');
    t.text('subject_id');
    t.text('ip');
    t.jsonb('data').notNullable().defaultTo('{}');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw('CREATE INDEX audit_log_workspace_idx ON audit_log (workspace_id, id DESC)');
  await knex.raw('CREATE INDEX audit_log_actor_idx ON audit_log (actor_user_id, id DESC)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('audit_log');
}
