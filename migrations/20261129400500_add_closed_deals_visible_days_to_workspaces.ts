// How many days won and lost deals stay on the board after closing (they stay in the list and
// the reports for good). A workspace setting, changed in Settings -> Pipeline.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('workspaces', (t) => {
    t.integer('closed_deals_visible_days').notNullable().defaultTo(7);
    t.check('closed_deals_visible_days BETWEEN 0 AND 365', [], 'workspaces_closed_deals_visible_days_check');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('workspaces', (t) => {
    t.dropChecks(['workspaces_closed_deals_visible_days_check']);
    t.dropColumn('closed_deals_visible_days');
  });
}
