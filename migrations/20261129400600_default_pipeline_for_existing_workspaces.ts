// Data: workspaces created before the pipeline existed get what new workspaces get at sign-up
// (src/pipeline/defaults.ts): the default pipeline with its six stages and the starter list of
// lost reasons. Safe to run twice: it only fills workspaces that have none. Written in SQL
// with its own copy of the defaults, because migrations never import application code.
import type { Knex } from 'knex';

const STAGES: Array<[name: string, kind: string, probability: number]> = [
  ['New', 'open', 10],
  ['Qualified', 'open', 25],
  ['Proposal', 'open', 50],
  ['Negotiation', 'open', 75],
  ['Won', 'won', 100],
  ['Lost', 'lost', 0],
];

const LOST_REASONS = ['Price too high', 'Chose a competitor', 'No reply from the customer', 'Not a fit', 'Bad timing'];

export async function up(knex: Knex): Promise<void> {
  const bare = await knex('workspaces as w')
    .whereNotExists(knex('pipelines as p').whereRaw('p.workspace_id = w.id'))
    .select('w.id');
  for (const { id } of bare) {
    const [pipeline] = await knex('pipelines').insert({ workspace_id: id, name: 'Sales', position: 0 }).returning('id');
    await knex('pipeline_stages').insert(
      STAGES.map(([name, kind, probability], position) => ({ workspace_id: id, pipeline_id: pipeline.id, name, kind, probability, position })),
    );
  }
  const withoutReasons = await knex('workspaces as w')
    .whereNotExists(knex('lost_reasons as r').whereRaw('r.workspace_id = w.id'))
    .select('w.id');
  for (const { id } of withoutReasons) {
    await knex('lost_reasons').insert(LOST_REASONS.map((name, position) => ({ workspace_id: id, name, position })));
  }
}

export async function down(): Promise<void> {
  // Nothing to undo: the rows are ordinary workspace data from here on.
}
