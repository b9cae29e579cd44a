// Receiving Meta's webhooks: check the signature over the exact bytes, store the body durably,
// wake the processor. One path for the HTTP route and for the sandbox simulator, so a payload
// the simulator plays goes through exactly what Meta's do. Also the queries of stored events.
import crypto from 'node:crypto';
import type { AppContext } from '../context.js';
import type { Db } from '../db/index.js';
import { Unauthorized } from '../web/errors.js';
import { channelSecrets, type ChannelRow } from './channels.js';

/** Meta sends bodies up to 3 MB; a little slack for the 1000-vs-1024 question. */
export const WEBHOOK_BODY_LIMIT = 3 * 1024 * 1024;

export type WebhookEventStatus = 'pending' | 'processed' | 'failed';

export interface WebhookEventRow {
  id: number;
  workspace_id: string;
  channel_id: string;
  body: string;
  status: WebhookEventStatus;
  attempts: number;
  last_error: string | null;
  next_attempt_at: Date | null;
  summary: Record<string, unknown> | null;
  received_at: Date;
  processed_at: Date | null;
}

/** signPayload computes the X-Hub-Signature-256 header value Meta would send for a body. */
export function signPayload(appSecret: string, body: Buffer | string): string {
  return `sha256=${crypto.createHmac('sha256', appSecret).update(body).digest('hex')}`;
}

/** verifySignature checks an X-Hub-Signature-256 header against the raw body, in constant time. */
export function verifySignature(appSecret: string, body: Buffer | string, header: string | undefined): boolean {
  const match = /^sha256=([0-9a-f]{64})$/i.exec(header?.trim() ?? '');
  if (!match) return false;
  const given = Buffer.from(match[1], 'hex');
  const expected = crypto.createHmac('sha256', appSecret).update(body).digest();
  return crypto.timingSafeEqual(given, expected);
}

/** verifyTokenMatches compares Meta's hub.verify_token with the channel's, in constant time. */
export function verifyTokenMatches(expected: string, given: unknown): boolean {
  if (typeof given !== 'string' || !given) return false;
  const a = crypto.createHash('sha256').update(expected).digest();
  const b = crypto.createHash('sha256').update(given).digest();
  return crypto.timingSafeEqual(a, b);
}

/**
 * receiveWebhook verifies a webhook body's signature with the channel's app secret (throws
 * Unauthorized when it does not match: nothing is stored), stores the body as a pending event
 * and wakes the processor. `db` may be a transaction of the caller's (the sandbox simulator).
 */
export async function receiveWebhook(
  ctx: AppContext,
  channel: ChannelRow,
  rawBody: Buffer | string,
  signatureHeader: string | undefined,
  db: Db = ctx.knex,
): Promise<{ eventId: number }> {
  const { appSecret } = channelSecrets(ctx.config.encryptionKey, channel);
  if (!verifySignature(appSecret, rawBody, signatureHeader)) {
    ctx.log.warn({ channelId: channel.id, workspaceId: channel.workspace_id, signed: Boolean(signatureHeader) }, 'webhook refused: signature does not match the app secret');
    throw new Unauthorized('webhooks.bad_signature');
  }
  // Text columns cannot hold NUL bytes; valid JSON never has raw ones, so this only keeps a
  // broken body storable (it then fails processing visibly instead of being refused).
  const text = (typeof rawBody === 'string' ? rawBody : rawBody.toString('utf8')).replace(/\u0000/g, '\uFFFD');
  const [row] = await db('webhook_events').insert({ workspace_id: channel.workspace_id, channel_id: channel.id, body: text }).returning('id');
  ctx.signals.wake('webhooks');
  return { eventId: Number(row.id) };
}

/** findWebhookEvent loads a stored event of the workspace. */
export function findWebhookEvent(db: Db, workspaceId: string, id: number | string): Promise<WebhookEventRow | undefined> {
  if (!/^\d{1,15}$/.test(String(id))) return Promise.resolve(undefined);
  return db('webhook_events').where({ workspace_id: workspaceId, id: Number(id) }).first();
}

export interface FailedEventListItem {
  id: number;
  channel_id: string;
  channel_name: string;
  received_at: Date;
  attempts: number;
  last_error: string | null;
  next_attempt_at: Date | null;
}

/** listFailedEvents lists the workspace's failed events, newest first. */
export function listFailedEvents(db: Db, workspaceId: string, limit = 50): Promise<FailedEventListItem[]> {
  return db('webhook_events as e')
    .join('channels as c', function () {
      this.on('c.id', '=', 'e.channel_id').andOn('c.workspace_id', '=', 'e.workspace_id');
    })
    .where({ 'e.workspace_id': workspaceId, 'e.status': 'failed' })
    .orderBy('e.id', 'desc')
    .limit(limit)
    .select('e.id', 'e.channel_id', 'c.name as channel_name', 'e.received_at', 'e.attempts', 'e.last_error', 'e.next_attempt_at');
}

/** recentEventCounts counts the workspace's events of the last `hours` by status. */
export async function recentEventCounts(db: Db, workspaceId: string, hours = 24): Promise<Record<WebhookEventStatus, number>> {
  const rows: Array<{ status: WebhookEventStatus; count: number }> = await db('webhook_events')
    .where({ workspace_id: workspaceId })
    .andWhere('received_at', '>', new Date(Date.now() - hours * 3600_000))
    .groupBy('status')
    .select('status')
    .count({ count: '*' });
  const counts = { pending: 0, processed: 0, failed: 0 };
  for (const r of rows) counts[r.status] = Number(r.count);
  return counts;
}
