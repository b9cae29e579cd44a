// Sales pipelines and their stages. A stage is open, won or lost; deals move between stages.
// Stages are archived, never deleted, so the history of a deal (and the reports built on it)
// keeps pointing at real rows.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('pipelines', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('workspace_id').notNullable().references('id').inTable('workspaces').onDelete('CASCADE');
    t.text('name').notNullable();
    // Order of the pipelines in menus; the first one is the workspace's default.
    t.integer('position').notNullable().defaultTo(0);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['workspace_id', 'id']);
  });
  await knex.raw('CREATE INDEX pipelines_workspace_idx ON pipelines (workspace_id, position)');

  await knex.schema.createTable('pipeline_stages', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('workspace_id').notNullable().references('id').inTable('workspaces').onDelete('CASCADE');
    t.uuid('pipeline_id').notNullable();
    t.text('name').notNullable();
    // Left-to-right order on the board; renumbered 0..n-1 whenever stages are reordered.
    t.integer('position').notNullable();
    // open | won | lost: moving a deal into a won or lost stage closes it.
    t.text('kind').notNullable().defaultTo('open');
    // Chance (percent) that a deal in this stage is won: weights the pipeline value. Optional.
    t.smallint('probability');
    t.timestamp('archived_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['workspace_id', 'id']);
    // Lets deals reference (workspace, pipeline, stage) so a deal's stage is always in its pipeline.
    t.unique(['workspace_id', 'pipeline_id', 'id']);
    t.foreign(['workspace_id', 'pipeline_id']).references(['workspace_id', 'id']).inTable('pipelines').onDelete('CASCADE');
    t.check("kind in ('open', 'won', 'lost')", [], 'pipeline_stages_kind_check');
    t.check('probability IS NULL OR probability BETWEEN 0 AND 100', [], 'pipeline_stages_probability_check');
  });
  await knex.raw('CREATE INDEX pipeline_stages_pipeline_idx ON pipeline_stages (workspace_id, pipeline_id, position)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('pipeline_stages');
  await knex.schema.dropTable('pipelines');
}
