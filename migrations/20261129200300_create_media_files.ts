// Media: files customers sent (downloaded from Meta by a job) and files agents upload to send.
// The bytes live in a MediaStorage (DATA_DIR/media by default); this row says what they are.
import type { Knex } from 'knex';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('media_files', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('workspace_id').notNullable().references('id').inTable('workspaces').onDelete('CASCADE');
    // inbound (from a customer) | outbound (uploaded by the workspace)
    t.text('direction').notNullable();
    t.uuid('channel_id');
    // Meta's media id: of the inbound media, or of the last upload of this file to channel meta_channel_id.
    t.text('meta_media_id');
    t.uuid('meta_channel_id');
    t.timestamp('meta_uploaded_at', { useTz: true });
    t.text('mime_type');
    t.bigInteger('size');
    t.text('sha256');
    t.text('filename');
    t.text('storage_key');
    // pending (to download) | ready | failed
    t.text('status').notNullable().defaultTo('pending');
    t.text('error');
    t.integer('attempts').notNullable().defaultTo(0);
    t.timestamp('next_attempt_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['workspace_id', 'id']);
    t.foreign(['workspace_id', 'channel_id']).references(['workspace_id', 'id']).inTable('channels').onDelete('CASCADE');
    t.check("direction in ('inbound', 'outbound')", [], 'media_files_direction_check');
    t.check("status in ('pending', 'ready', 'failed')", [], 'media_files_status_check');
  });
  await knex.raw("CREATE INDEX media_files_pending_idx ON media_files (next_attempt_at) WHERE status = 'pending'");
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('media_files');
}
