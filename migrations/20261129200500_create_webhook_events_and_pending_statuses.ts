// Every webhook Meta delivers is stored raw before it is processed, so a parser bug loses
// nothing: a failed event keeps its error and is retried or replayed. Statuses for a wamid not
// known yet (they can outrun our own send call) wait in pending_statuses.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('webhook_events', (t) => {
    t.bigIncrements('id').primary();
    t.uuid('workspace_id').notNullable().references('id').inTable('workspaces').onDelete('CASCADE');
    t.uuid('channel_id').notNullable();
    // The exact bytes Meta signed, as text.
    t.text('body').notNullable();
    // pending | processed | failed
    t.text('status').notNullable().defaultTo('pending');
    t.integer('attempts').notNullable().defaultTo(0);
    t.text('last_error');
    t.timestamp('next_attempt_at', { useTz: true });
    // What processing found: counts of messages, statuses, errors, misrouted changes, unknown fields.
    t.jsonb('summary');
    t.timestamp('received_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('processed_at', { useTz: true });
    t.foreign(['workspace_id', 'channel_id']).references(['workspace_id', 'id']).inTable('channels').onDelete('CASCADE');
    t.check("status in ('pending', 'processed', 'failed')", [], 'webhook_events_status_check');
  });
  await knex.raw("CREATE INDEX webhook_events_pending_idx ON webhook_events (id) WHERE status = 'pending'");
  await knex.raw("CREATE INDEX webhook_events_failed_idx ON webhook_events (workspace_id, id DESC) WHERE status = 'failed'");

  await knex.schema.createTable('pending_statuses', (t) => {
    t.bigIncrements('id').primary();
    t.uuid('workspace_id').notNullable().references('id').inTable('workspaces').onDelete('CASCADE');
    t.uuid('channel_id').notNullable();
    t.text('wamid').notNullable();
    t.text('status').notNullable();
    t.timestamp('status_at', { useTz: true }).notNullable();
    t.jsonb('raw').notNullable();
    t.timestamp('received_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.foreign(['workspace_id', 'channel_id']).references(['workspace_id', 'id']).inTable('channels').onDelete('CASCADE');
  });
  await knex.raw('CREATE INDEX pending_statuses_wamid_idx ON pending_statuses (channel_id, wamid)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('pending_statuses');
  await knex.schema.dropTable('webhook_events');
}
