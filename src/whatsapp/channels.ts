// Channels: a WhatsApp Business number (or a sandbox) connected to a workspace. Queries take the
// workspace id first, except the webhook lookup by the key in Meta's URL.
import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { recordAudit, type Actor } from '../audit/index.js';
import { isUuid, type Db } from '../db/index.js';
import { decryptSecret, encryptSecret, SecretDecryptionError } from '../db/encryption.js';
import { GraphError } from './graph.js';

export type ChannelType = 'whatsapp_cloud' | 'sandbox';
export type ChannelHealth = 'ok' | 'token_expired' | 'error' | 'unknown';

export interface ChannelRow {
  id: string;
  workspace_id: string;
  type: ChannelType;
  name: string;
  webhook_key: string;
  phone_number_id: string;
  waba_id: string | null;
  display_phone_number: string | null;
  access_token_enc: string | null;
  app_secret_enc: string;
  verify_token_enc: string;
  messages_per_second: number;
  mark_read: boolean;
  health: ChannelHealth;
  health_error: string | null;
  health_checked_at: Date | null;
  verified_name: string | null;
  quality_rating: string | null;
  templates_synced_at: Date | null;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
}

export interface ChannelSecrets {
  accessToken: string | null;
  appSecret: string;
  verifyToken: string;
}

/** channelSecrets decrypts a channel's secrets with ENCRYPTION_KEY. */
export function channelSecrets(key: Buffer, channel: ChannelRow): ChannelSecrets {
  return {
    accessToken: channel.access_token_enc ? decryptSecret(key, channel.access_token_enc) : null,
    appSecret: decryptSecret(key, channel.app_secret_enc),
    verifyToken: decryptSecret(key, channel.verify_token_enc),
  };
}

/** webhookUrl is the URL to give Meta for this channel. */
export function webhookUrl(baseUrl: string, channel: Pick<ChannelRow, 'webhook_key'>): string {
  return `${baseUrl}/webhooks/whatsapp/${channel.webhook_key}`;
}

/** randomSecret makes a URL-safe random string (webhook keys, verify tokens, sandbox secrets). */
export function randomSecret(bytes = 24): string {
  return crypto.randomBytes(bytes).toString('base64url');
}

/** findChannelByWebhookKey finds the live channel a webhook URL names (any workspace). */
export function findChannelByWebhookKey(db: Db, key: string): Promise<ChannelRow | undefined> {
  return db('channels').where({ webhook_key: key }).whereNull('deleted_at').first();
}

/** findChannel loads a live channel of the workspace. */
export function findChannel(db: Db, workspaceId: string, id: string): Promise<ChannelRow | undefined> {
  if (!isUuid(id)) return Promise.resolve(undefined);
  return db('channels').where({ workspace_id: workspaceId, id }).whereNull('deleted_at').first();
}

/** listChannels lists the workspace's live channels, oldest first. */
export function listChannels(db: Db, workspaceId: string): Promise<ChannelRow[]> {
  return db('channels').where({ workspace_id: workspaceId }).whereNull('deleted_at').orderBy('created_at');
}

/** liveChannelsQuery is the unordered query of the workspace's live channels (for API paging). */
export function liveChannelsQuery(db: Db, workspaceId: string): Knex.QueryBuilder {
  return db('channels').where({ workspace_id: workspaceId }).whereNull('deleted_at').select('*');
}

/** allLiveChannels lists every live channel of every workspace: only for jobs that serve them all. */
export function allLiveChannels(db: Db): Promise<ChannelRow[]> {
  return db('channels').whereNull('deleted_at').orderBy('created_at');
}

/** Columns a channel's owner may change after connecting it (secrets already encrypted). */
export type ChannelUpdate = Partial<
  Pick<
    ChannelRow,
    | 'name'
    | 'phone_number_id'
    | 'waba_id'
    | 'display_phone_number'
    | 'access_token_enc'
    | 'app_secret_enc'
    | 'verify_token_enc'
    | 'messages_per_second'
    | 'mark_read'
    | 'health'
    | 'health_error'
    | 'health_checked_at'
    | 'verified_name'
    | 'quality_rating'
  >
>;

/** updateChannelRow changes a live channel of the workspace and returns it (undefined if gone). */
export async function updateChannelRow(db: Db, workspaceId: string, channelId: string, values: ChannelUpdate): Promise<ChannelRow | undefined> {
  const [row] = await db('channels')
    .where({ workspace_id: workspaceId, id: channelId })
    .whereNull('deleted_at')
    .update({ ...values, updated_at: db.fn.now() })
    .returning('*');
  return row;
}

/** softDeleteChannel marks a live channel deleted (its conversations stay); undefined if there was none. */
export async function softDeleteChannel(db: Db, workspaceId: string, channelId: string): Promise<ChannelRow | undefined> {
  const [row] = await db('channels')
    .where({ workspace_id: workspaceId, id: channelId })
    .whereNull('deleted_at')
    .update({ deleted_at: db.fn.now(), updated_at: db.fn.now() })
    .returning('*');
  return row;
}

/**
 * readableVerifyToken decrypts the verify token for display (Meta needs it pasted in its
 * dashboard); a secret made with another ENCRYPTION_KEY gives the reason instead of failing.
 */
export function readableVerifyToken(key: Buffer, channel: ChannelRow): { value: string | null; error: string | null } {
  try {
    return { value: decryptSecret(key, channel.verify_token_enc), error: null };
  } catch (err) {
    if (err instanceof SecretDecryptionError) return { value: null, error: err.message };
    throw err;
  }
}

/**
 * failureHealth says what a failed call to Meta means for the channel: an expired or invalid
 * token (Meta code 190, HTTP 401) needs a new token; anything else is shown with its message.
 * Secrets that cannot be decrypted (another ENCRYPTION_KEY) are reported as such. Other errors
 * are bugs and are rethrown.
 */
export function failureHealth(err: unknown): { health: 'token_expired' | 'error'; error: string } {
  if (err instanceof GraphError) {
    const details = err.details && !err.message.includes(err.details) ? `: ${err.details}` : '';
    return { health: err.kind === 'auth' ? 'token_expired' : 'error', error: `${err.message}${details}`.slice(0, 1000) };
  }
  if (err instanceof SecretDecryptionError) {
    return { health: 'error', error: `The stored secrets cannot be decrypted: ${err.message}` };
  }
  throw err;
}

export interface NewChannel {
  type: ChannelType;
  name: string;
  phone_number_id?: string;
  waba_id?: string | null;
  display_phone_number?: string | null;
  access_token?: string | null;
  app_secret?: string | null;
  verify_token?: string | null;
  messages_per_second?: number;
  mark_read?: boolean;
}

/**
 * insertChannel stores a channel with its secrets encrypted. A sandbox gets made-up Meta ids
 * and generated secrets; a verify token left blank is generated.
 */
export async function insertChannel(db: Db, key: Buffer, workspaceId: string, input: NewChannel, actor: Actor): Promise<ChannelRow> {
  const sandbox = input.type === 'sandbox';
  const phoneNumberId = sandbox ? `sandbox-${crypto.randomInt(10 ** 9, 10 ** 10)}` : input.phone_number_id!;
  const [row] = await db('channels')
    .insert({
      workspace_id: workspaceId,
      type: input.type,
      name: input.name,
      webhook_key: randomSecret(24),
      phone_number_id: phoneNumberId,
      waba_id: sandbox ? `sandbox-waba-${phoneNumberId.slice(8)}` : (input.waba_id ?? null),
      display_phone_number: sandbox ? '+1 555 0100' : (input.display_phone_number ?? null),
      access_token_enc: sandbox ? null : encryptSecret(key, input.access_token!),
      app_secret_enc: encryptSecret(key, sandbox || !input.app_secret ? randomSecret(32) : input.app_secret),
      verify_token_enc: encryptSecret(key, input.verify_token || randomSecret(18)),
      messages_per_second: input.messages_per_second ?? 80,
      mark_read: input.mark_read ?? true,
      health: sandbox ? 'ok' : 'unknown',
    })
    .returning('*');
  await recordAudit(db, actor, {
    workspaceId,
    action: 'channel.created',
    subjectType: 'channel',
    subjectId: row.id,
    data: { name: row.name, type: row.type, phone_number_id: row.phone_number_id },
  });
  return row;
}

/** setChannelHealth records what the last call to Meta said about the channel. */
export async function setChannelHealth(db: Db, workspaceId: string, channelId: string, health: ChannelHealth, error: string | null): Promise<void> {
  await db('channels')
    .where({ workspace_id: workspaceId, id: channelId })
    .update({ health, health_error: error, health_checked_at: db.fn.now(), updated_at: db.fn.now() });
}

/** createChannel runs insertChannel in its own transaction. */
export function createChannel(knex: Knex, key: Buffer, workspaceId: string, input: NewChannel, actor: Actor): Promise<ChannelRow> {
  return knex.transaction((trx) => insertChannel(trx, key, workspaceId, input, actor));
}
