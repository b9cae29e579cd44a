// A deal's history: creation, every stage change (who, when, from, to) and notes. The deal page's
// timeline reads it, and the reports compute time in stage and stage-to-stage conversion from it.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('deal_events', (t) => {
    t.bigIncrements('id').primary();
    t.uuid('workspace_id').notNullable().references('id').inTable('workspaces').onDelete('CASCADE');
    t.uuid('deal_id').notNullable();
    // created | stage_changed | note
    t.text('type').notNullable();
    // created: to = the first stage. stage_changed: from -> to.
    t.uuid('from_stage_id');
    t.uuid('to_stage_id');
    // A note's text.
    t.text('body');
    // The lost reason of a move to a lost stage, and other details.
    t.jsonb('data').notNullable().defaultTo('{}');
    t.uuid('actor_user_id').references('id').inTable('users').onDelete('SET NULL');
    t.uuid('actor_token_id').references('id').inTable('api_tokens').onDelete('SET NULL');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.foreign(['workspace_id', 'deal_id']).references(['workspace_id', 'id']).inTable('deals').onDelete('CASCADE');
    t.foreign(['workspace_id', 'from_stage_id']).references(['workspace_id', 'id']).inTable('pipeline_stages');
    t.foreign(['workspace_id', 'to_stage_id']).references(['workspace_id', 'id']).inTable('pipeline_stages');
    t.check("type in ('created', 'stage_changed', 'note')", [], 'deal_events_type_check');
  });
  await knex.raw('CREATE INDEX deal_events_deal_idx ON deal_events (workspace_id, deal_id, created_at, id)');
  await knex.raw("CREATE INDEX deal_events_stage_idx ON deal_events (workspace_id, created_at) WHERE type <> 'note'");
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('deal_events');
}
