// One conversation per channel and contact: the thread an agent answers.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('conversations', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('workspace_id').notNullable().references('id').inTable('workspaces').onDelete('CASCADE');
    t.uuid('channel_id').notNullable();
    t.uuid('contact_id').notNullable();
    // open | resolved | snoozed
    t.text('status').notNullable().defaultTo('open');
    t.uuid('assignee_id');
    t.timestamp('snoozed_until', { useTz: true });
    t.timestamp('last_message_at', { useTz: true });
    t.timestamp('last_inbound_at', { useTz: true });
    // Free-form messages are allowed until then (24 h after the customer's last message).
    t.timestamp('window_expires_at', { useTz: true });
    t.text('last_message_preview');
    t.text('last_message_direction');
    t.integer('unread_count').notNullable().defaultTo(0);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['workspace_id', 'id']);
    t.unique(['workspace_id', 'channel_id', 'contact_id']);
    t.foreign(['workspace_id', 'channel_id']).references(['workspace_id', 'id']).inTable('channels').onDelete('CASCADE');
    t.foreign(['workspace_id', 'contact_id']).references(['workspace_id', 'id']).inTable('contacts').onDelete('CASCADE');
    t.check("status in ('open', 'resolved', 'snoozed')", [], 'conversations_status_check');
  });
  // The assignee must be a member of the same workspace; removing the member unassigns.
  await knex.raw(`ALTER TABLE conversations ADD CONSTRAINT conversations_assignee_fk
    FOREIGN KEY (workspace_id, assignee_id) REFERENCES memberships (workspace_id, user_id) ON DELETE SET NULL (assignee_id)`);
  await knex.raw('CREATE INDEX conversations_activity_idx ON conversations (workspace_id, last_message_at DESC NULLS LAST, id DESC)');
  await knex.raw('CREATE INDEX conversations_contact_idx ON conversations (workspace_id, contact_id)');
  await knex.raw('CREATE INDEX conversations_assignee_idx ON conversations (workspace_id, assignee_id, status)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('conversations');
}
