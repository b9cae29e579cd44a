// Browser sessions live in the database so every replica behind a load balancer shares them.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('sessions', (t) => {
    t.text('sid').primary();
    t.jsonb('sess').notNullable();
    // Copied out of sess so "sign out everywhere" (after a password reset) is one DELETE.
    t.uuid('user_id').references('id').inTable('users').onDelete('CASCADE');
    t.timestamp('expires_at', { useTz: true }).notNullable();
  });
  await knex.raw('CREATE INDEX sessions_expires_at_idx ON sessions (expires_at)');
  await knex.raw('CREATE INDEX sessions_user_idx ON sessions (user_id)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('sessions');
}
