// Channel commands: connect a Meta number or a sandbox, edit, delete, test the connection.
// Each runs in one transaction with its audit row; calls to Meta happen before the transaction
// so no connection is held while Meta answers.
import type { Knex } from 'knex';
import { recordAudit, type Actor } from '../audit/index.js';
import type { AppContext } from '../context.js';
import { encryptSecret } from '../db/encryption.js';
import { Invalid, NotFound } from '../web/errors.js';
import {
  channelSecrets,
  failureHealth,
  findChannel,
  insertChannel,
  softDeleteChannel,
  updateChannelRow,
  type ChannelRow,
  type ChannelUpdate,
  type NewChannel,
} from './channels.js';
import type { PhoneNumberInfo } from './graph.js';
import { sandboxTemplates, storeTemplates } from './templates.js';

/** isPhoneNumberTaken tells whether a database error is the one-live-channel-per-number index. */
function isPhoneNumberTaken(err: unknown): boolean {
  const e = err as { code?: string; constraint?: string; message?: string };
  return e?.code === '23505' && (!e.constraint || e.constraint === 'channels_phone_number_id_live' || /channels_phone_number_id_live/.test(e.message ?? ''));
}

/**
 * addChannel connects a channel to the workspace. A Meta phone number already connected (and not
 * deleted) in any workspace is refused on phone_number_id. A sandbox starts with its built-in
 * templates, so template sends can be tried at once.
 */
export async function addChannel(knex: Knex, key: Buffer, workspaceId: string, input: NewChannel, actor: Actor): Promise<ChannelRow> {
  try {
    return await knex.transaction(async (trx) => {
      const channel = await insertChannel(trx, key, workspaceId, input, actor);
      if (channel.type === 'sandbox') await storeTemplates(trx, channel, sandboxTemplates);
      return (await findChannel(trx, workspaceId, channel.id))!;
    });
  } catch (err) {
    if (isPhoneNumberTaken(err)) throw new Invalid({ phone_number_id: 'channels.phone_number_taken' });
    throw err;
  }
}

/** What may change on a channel; secrets in clear (encrypted here), undefined = keep. */
export interface ChannelChanges {
  name?: string;
  phone_number_id?: string;
  waba_id?: string;
  display_phone_number?: string | null;
  access_token?: string;
  app_secret?: string;
  verify_token?: string;
  messages_per_second?: number;
  mark_read?: boolean;
}

/**
 * updateChannel applies changes to a live channel of the workspace. A new token or phone number
 * makes the health "not checked yet" again. The audit row names the changed fields, never a
 * secret's value.
 */
export async function updateChannel(knex: Knex, key: Buffer, workspaceId: string, channelId: string, changes: ChannelChanges, actor: Actor): Promise<ChannelRow> {
  try {
    return await knex.transaction(async (trx) => {
      const channel = await findChannel(trx, workspaceId, channelId);
      if (!channel) throw new NotFound();
      const sandbox = channel.type === 'sandbox';
      if (sandbox) {
        const metaOnly = (['phone_number_id', 'waba_id', 'access_token', 'app_secret', 'verify_token'] as const).filter((f) => changes[f] !== undefined);
        if (metaOnly.length) throw new Invalid(Object.fromEntries(metaOnly.map((f) => [f, 'channels.sandbox_field'])));
      }
      const values: ChannelUpdate = {};
      const changed: string[] = [];
      for (const field of ['name', 'phone_number_id', 'waba_id', 'display_phone_number', 'messages_per_second', 'mark_read'] as const) {
        if (changes[field] !== undefined && changes[field] !== channel[field]) {
          (values as Record<string, unknown>)[field] = changes[field];
          changed.push(field);
        }
      }
      const secrets: Array<['access_token' | 'app_secret' | 'verify_token', 'access_token_enc' | 'app_secret_enc' | 'verify_token_enc']> = [
        ['access_token', 'access_token_enc'],
        ['app_secret', 'app_secret_enc'],
        ['verify_token', 'verify_token_enc'],
      ];
      for (const [field, column] of secrets) {
        if (changes[field]) {
          values[column] = encryptSecret(key, changes[field]!);
          changed.push(field);
        }
      }
      if (!changed.length) return channel;
      if (values.phone_number_id !== undefined || values.access_token_enc !== undefined) {
        Object.assign(values, { health: 'unknown', health_error: null, health_checked_at: null } satisfies ChannelUpdate);
        if (values.phone_number_id !== undefined) Object.assign(values, { verified_name: null, quality_rating: null } satisfies ChannelUpdate);
      }
      const row = (await updateChannelRow(trx, workspaceId, channelId, values))!;
      await recordAudit(trx, actor, { workspaceId, action: 'channel.updated', subjectType: 'channel', subjectId: channelId, data: { name: row.name, changed } });
      return row;
    });
  } catch (err) {
    if (isPhoneNumberTaken(err)) throw new Invalid({ phone_number_id: 'channels.phone_number_taken' });
    throw err;
  }
}

/**
 * deleteChannel marks a channel deleted: its webhook URL stops working, its conversations and
 * messages stay, and its phone number may be connected again.
 */
export async function deleteChannel(knex: Knex, workspaceId: string, channelId: string, actor: Actor): Promise<ChannelRow> {
  return knex.transaction(async (trx) => {
    const row = await softDeleteChannel(trx, workspaceId, channelId);
    if (!row) throw new NotFound();
    await recordAudit(trx, actor, {
      workspaceId,
      action: 'channel.deleted',
      subjectType: 'channel',
      subjectId: channelId,
      data: { name: row.name, type: row.type, phone_number_id: row.phone_number_id },
    });
    return row;
  });
}

/** The outcome of a connection test, for the flash message or the API. */
export interface ConnectionTest {
  channel: ChannelRow;
  health: 'ok' | 'token_expired' | 'error';
  error: string | null;
}

/**
 * testConnection asks Meta for the channel's phone number with its token. Success stores the
 * verified name, the quality rating and the display number (if it had none) and marks the
 * channel healthy; an expired or invalid token marks it token_expired; any other failure marks
 * it error with Meta's message. A sandbox is always connected.
 */
export async function testConnection(ctx: AppContext, workspaceId: string, channel: ChannelRow, actor: Actor): Promise<ConnectionTest> {
  let info: PhoneNumberInfo | null = null;
  let outcome: { health: ConnectionTest['health']; error: string | null } = { health: 'ok', error: null };
  if (channel.type !== 'sandbox') {
    try {
      const token = channelSecrets(ctx.config.encryptionKey, channel).accessToken ?? '';
      info = await ctx.graph.phoneNumber(channel.phone_number_id, token);
    } catch (err) {
      outcome = failureHealth(err);
    }
  }
  const updated = await ctx.knex.transaction(async (trx) => {
    const values: ChannelUpdate = { health: outcome.health, health_error: outcome.error, health_checked_at: new Date() };
    if (info) {
      values.verified_name = info.verified_name ?? channel.verified_name;
      values.quality_rating = info.quality_rating ?? channel.quality_rating;
      if (!channel.display_phone_number && info.display_phone_number) values.display_phone_number = info.display_phone_number;
    }
    const row = await updateChannelRow(trx, workspaceId, channel.id, values);
    if (!row) throw new NotFound();
    await recordAudit(trx, actor, {
      workspaceId,
      action: 'channel.tested',
      subjectType: 'channel',
      subjectId: channel.id,
      data: { name: row.name, health: outcome.health, ...(outcome.error ? { error: outcome.error } : {}) },
    });
    return row;
  });
  return { channel: updated, ...outcome };
}
