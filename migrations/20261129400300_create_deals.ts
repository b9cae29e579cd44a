// Deals: an opportunity with a contact, worth an exact amount, moving through a pipeline's stages.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('deals', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('workspace_id').notNullable().references('id').inTable('workspaces').onDelete('CASCADE');
    t.uuid('pipeline_id').notNullable();
    t.uuid('stage_id').notNullable();
    // Order inside the stage's column: integers with wide gaps, so a move writes one row; the
    // column is renumbered when two neighbours leave no integer between them.
    t.bigInteger('position').notNullable();
    t.text('title').notNullable();
    // Exact money: never a float. Four decimals cover every ISO 4217 minor unit (the API and the
    // UI accept at most the currency's own).
    t.decimal('value', 20, 4).notNullable().defaultTo(0);
    t.specificType('currency', 'char(3)').notNullable();
    t.uuid('contact_id').notNullable();
    t.uuid('owner_id');
    t.date('expected_close_date');
    t.text('source');
    t.text('notes');
    // Free-form tags for filtering the board (a deal's own, not the contact's labels).
    t.specificType('labels', 'text[]').notNullable().defaultTo('{}');
    // Values of the workspace's deal_fields, by key.
    t.jsonb('custom_fields').notNullable().defaultTo('{}');
    // When the deal last entered its stage: the card shows it, "time in stage" starts there.
    t.timestamp('stage_entered_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('won_at', { useTz: true });
    t.timestamp('lost_at', { useTz: true });
    // won_at or lost_at: closed deals leave the board some days after this.
    t.timestamp('closed_at', { useTz: true });
    t.uuid('lost_reason_id');
    // The reason's name when the deal was lost (the list may be edited later).
    t.text('lost_reason');
    t.uuid('created_by').references('id').inTable('users').onDelete('SET NULL');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['workspace_id', 'id']);
    t.foreign(['workspace_id', 'pipeline_id']).references(['workspace_id', 'id']).inTable('pipelines').onDelete('CASCADE');
    // The stage must belong to the deal's pipeline, in the deal's workspace.
    t.foreign(['workspace_id', 'pipeline_id', 'stage_id']).references(['workspace_id', 'pipeline_id', 'id']).inTable('pipeline_stages');
    // A contact's deals go with the contact (erasure); a deal cannot exist without one.
    t.foreign(['workspace_id', 'contact_id']).references(['workspace_id', 'id']).inTable('contacts').onDelete('CASCADE');
    t.foreign(['workspace_id', 'lost_reason_id']).references(['workspace_id', 'id']).inTable('lost_reasons');
    t.check('value >= 0', [], 'deals_value_check');
  });
  // The owner must be a member of the workspace; removing the member leaves the deal unowned.
  await knex.raw(`ALTER TABLE deals ADD CONSTRAINT deals_owner_fk
    FOREIGN KEY (workspace_id, owner_id) REFERENCES memberships (workspace_id, user_id) ON DELETE SET NULL (owner_id)`);
  // No two cards share a place in a column. Deferred: renumbering a column shuffles positions
  // within one statement.
  await knex.raw(`ALTER TABLE deals ADD CONSTRAINT deals_stage_position_unique
    UNIQUE (workspace_id, stage_id, position) DEFERRABLE INITIALLY DEFERRED`);
  // The board: a column's cards in order (keyset pages), and its recently closed deals.
  await knex.raw('CREATE INDEX deals_stage_position_idx ON deals (workspace_id, stage_id, position, id)');
  await knex.raw('CREATE INDEX deals_stage_closed_idx ON deals (workspace_id, stage_id, closed_at) WHERE closed_at IS NOT NULL');
  // Filters and the API's lists.
  await knex.raw('CREATE INDEX deals_contact_idx ON deals (workspace_id, contact_id)');
  await knex.raw('CREATE INDEX deals_owner_idx ON deals (workspace_id, owner_id)');
  await knex.raw('CREATE INDEX deals_created_idx ON deals (workspace_id, created_at DESC, id DESC)');
  await knex.raw('CREATE INDEX deals_labels_idx ON deals USING gin (labels)');
  // Reports: won value per month.
  await knex.raw('CREATE INDEX deals_won_idx ON deals (workspace_id, won_at) WHERE won_at IS NOT NULL');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('deals');
}
