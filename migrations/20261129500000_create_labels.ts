// Labels: workspace-defined, coloured tags for conversations and contacts. Colours come from a
// fixed palette (CSS classes), so they read well in light and dark mode and need no inline style.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('labels', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('workspace_id').notNullable().references('id').inTable('workspaces').onDelete('CASCADE');
    t.text('name').notNullable();
    t.text('color').notNullable().defaultTo('gray');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['workspace_id', 'id']);
    t.check("color in ('gray', 'red', 'orange', 'yellow', 'green', 'teal', 'blue', 'purple', 'pink')", [], 'labels_color_check');
  });
  await knex.raw('CREATE UNIQUE INDEX labels_name_unique ON labels (workspace_id, lower(name))');

  await knex.schema.createTable('conversation_labels', (t) => {
    t.uuid('workspace_id').notNullable();
    t.uuid('conversation_id').notNullable();
    t.uuid('label_id').notNullable();
    t.primary(['workspace_id', 'conversation_id', 'label_id']);
    t.foreign(['workspace_id', 'conversation_id']).references(['workspace_id', 'id']).inTable('conversations').onDelete('CASCADE');
    t.foreign(['workspace_id', 'label_id']).references(['workspace_id', 'id']).inTable('labels').onDelete('CASCADE');
  });
  await knex.raw('CREATE INDEX conversation_labels_label_idx ON conversation_labels (workspace_id, label_id)');

  await knex.schema.createTable('contact_labels', (t) => {
    t.uuid('workspace_id').notNullable();
    t.uuid('contact_id').notNullable();
    t.uuid('label_id').notNullable();
    t.primary(['workspace_id', 'contact_id', 'label_id']);
    t.foreign(['workspace_id', 'contact_id']).references(['workspace_id', 'id']).inTable('contacts').onDelete('CASCADE');
    t.foreign(['workspace_id', 'label_id']).references(['workspace_id', 'id']).inTable('labels').onDelete('CASCADE');
  });
  await knex.raw('CREATE INDEX contact_labels_label_idx ON contact_labels (workspace_id, label_id)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('contact_labels');
  await knex.schema.dropTable('conversation_labels');
  await knex.schema.dropTable('labels');
}
