// WhatsApp channels: one Business phone number each (or a sandbox that needs no Meta account).
// Secrets (access token, app secret, verify token) are stored encrypted: see src/db/encryption.ts.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('channels', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('workspace_id').notNullable().references('id').inTable('workspaces').onDelete('CASCADE');
    t.text('type').notNullable();
    t.text('name').notNullable();
    // The random path segment of the webhook URL: not the phone number (no '+' in URLs, not guessable).
    t.text('webhook_key').notNullable().unique();
    t.text('phone_number_id').notNullable();
    t.text('waba_id');
    t.text('display_phone_number');
    t.text('access_token_enc');
    t.text('app_secret_enc').notNullable();
    t.text('verify_token_enc').notNullable();
    t.integer('messages_per_second').notNullable().defaultTo(80);
    // Tell Meta an inbound message was read when an agent opens the conversation.
    t.boolean('mark_read').notNullable().defaultTo(true);
    // ok | token_expired | error | unknown: shown in Settings -> Channels, red when not ok.
    t.text('health').notNullable().defaultTo('unknown');
    t.text('health_error');
    t.timestamp('health_checked_at', { useTz: true });
    t.text('verified_name');
    t.text('quality_rating');
    t.timestamp('templates_synced_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    // Deleting a channel keeps its conversations: the channel is marked deleted and stops working.
    t.timestamp('deleted_at', { useTz: true });
    t.unique(['workspace_id', 'id']);
    t.check("type in ('whatsapp_cloud', 'sandbox')", [], 'channels_type_check');
    t.check("health in ('ok', 'token_expired', 'error', 'unknown')", [], 'channels_health_check');
  });
  // One live connection per Meta phone number across the whole installation.
  await knex.raw("CREATE UNIQUE INDEX channels_phone_number_id_live ON channels (phone_number_id) WHERE deleted_at IS NULL AND type = 'whatsapp_cloud'");
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('channels');
}
