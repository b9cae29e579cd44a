// Messages in and out. An outbound message is written 'queued' in the transaction of the
// agent's action (the outbox) and moved forward by the sender and by Meta's status webhooks.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('messages', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('workspace_id').notNullable().references('id').inTable('workspaces').onDelete('CASCADE');
    t.uuid('conversation_id').notNullable();
    t.uuid('channel_id').notNullable();
    t.uuid('contact_id').notNullable();
    // inbound | outbound
    t.text('direction').notNullable();
    t.text('wamid');
    // Meta's type: text, image, video, audio, document, sticker, location, contacts, interactive,
    // button, reaction, order, system, request_welcome, template, unsupported.
    t.text('type').notNullable();
    // The readable text: body, caption, or the chosen button / list title.
    t.text('text');
    // inbound: received. outbound: queued -> sending -> sent -> delivered -> read | played; failed.
    t.text('status').notNullable();
    t.text('error_code');
    t.text('error_title');
    t.text('error_details');
    t.uuid('media_id');
    t.text('reply_to_wamid');
    t.boolean('forwarded').notNullable().defaultTo(false);
    t.boolean('frequently_forwarded').notNullable().defaultTo(false);
    t.text('reaction_emoji');
    t.text('reaction_to_wamid');
    t.jsonb('location');
    t.jsonb('contacts');
    t.jsonb('interactive');
    t.jsonb('referral');
    // Everything else of the type: order, system change, template name and parameters, button payload.
    t.jsonb('content');
    // The message as Meta sent it (inbound) or as we sent it (outbound).
    t.jsonb('raw');
    // Earlier versions when the customer edited or deleted the message: [{text, at, raw}].
    t.jsonb('history');
    t.timestamp('edited_at', { useTz: true });
    t.timestamp('deleted_at', { useTz: true });
    // Who sent an outbound message (null for automations and the API).
    t.uuid('sent_by');
    // Meta's timestamp of an inbound message; when Meta accepted an outbound one.
    t.timestamp('sent_at', { useTz: true });
    t.timestamp('delivered_at', { useTz: true });
    t.timestamp('read_at', { useTz: true });
    t.timestamp('failed_at', { useTz: true });
    // Outbox bookkeeping.
    t.integer('attempts').notNullable().defaultTo(0);
    t.timestamp('next_attempt_at', { useTz: true });
    t.timestamp('attempt_started_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['workspace_id', 'id']);
    t.foreign(['workspace_id', 'conversation_id']).references(['workspace_id', 'id']).inTable('conversations').onDelete('CASCADE');
    t.foreign(['workspace_id', 'channel_id']).references(['workspace_id', 'id']).inTable('channels').onDelete('CASCADE');
    t.foreign(['workspace_id', 'contact_id']).references(['workspace_id', 'id']).inTable('contacts').onDelete('CASCADE');
    t.foreign(['workspace_id', 'media_id']).references(['workspace_id', 'id']).inTable('media_files');
    t.check("direction in ('inbound', 'outbound')", [], 'messages_direction_check');
    t.check("status in ('received', 'queued', 'sending', 'sent', 'delivered', 'read', 'played', 'failed')", [], 'messages_status_check');
  });
  // Meta delivers at least once: a wamid is stored once per channel, enforced by the database.
  await knex.raw('CREATE UNIQUE INDEX messages_channel_wamid_unique ON messages (channel_id, wamid) WHERE wamid IS NOT NULL');
  await knex.raw('CREATE INDEX messages_conversation_idx ON messages (workspace_id, conversation_id, created_at, id)');
  await knex.raw("CREATE INDEX messages_outbox_idx ON messages (next_attempt_at) WHERE status = 'queued'");
  await knex.raw("CREATE INDEX messages_in_flight_idx ON messages (attempt_started_at) WHERE status = 'sending'");
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('messages');
}
