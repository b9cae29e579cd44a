// Delivery statuses of our outbound messages (Meta's value.statuses). Forward-only: Meta
// delivers them at least once and in no particular order, so 'delivered' after 'read' must not
// move a message back; 'failed' is final. A status for a wamid we have not recorded yet (it can
// outrun our own send call) waits in pending_statuses until the sender records the wamid.
import type { Db } from '../db/index.js';
import { publish } from '../realtime/index.js';
import { parseStatus, type ParsedStatus } from './parser.js';

/** How far along a message is; a status only ever moves up this scale. */
const RANK: Record<string, number> = { queued: 0, sending: 1, sent: 2, delivered: 3, read: 4, played: 5 };

/** The timestamp column each status fills. */
const TIMESTAMP_COLUMN: Record<string, 'sent_at' | 'delivered_at' | 'read_at'> = {
  sent: 'sent_at',
  delivered: 'delivered_at',
  read: 'read_at',
  played: 'read_at',
};

export interface StatusTarget {
  id: string;
  workspace_id: string;
  conversation_id: string;
  channel_id: string;
  direction: 'inbound' | 'outbound';
  wamid: string | null;
  status: string;
  sent_at: Date | null;
  delivered_at: Date | null;
  read_at: Date | null;
  failed_at: Date | null;
}

const TARGET_COLUMNS = ['id', 'workspace_id', 'conversation_id', 'channel_id', 'direction', 'wamid', 'status', 'sent_at', 'delivered_at', 'read_at', 'failed_at'];

/** isKnownStatus tells whether PAR CRM understands a status value Meta sent. */
export function isKnownStatus(status: string | null): boolean {
  return status === 'failed' || (status !== null && status in TIMESTAMP_COLUMN);
}

/** findMessageForStatus locks the channel's message with this wamid. */
export function findMessageForStatus(db: Db, workspaceId: string, channelId: string, wamid: string): Promise<StatusTarget | undefined> {
  return db('messages').where({ workspace_id: workspaceId, channel_id: channelId, wamid }).forUpdate().first(TARGET_COLUMNS);
}

/**
 * applyStatus moves a message forward by one status update and tells what changed (null when
 * nothing did). Timestamps are filled when missing even if the status does not move (a late
 * 'delivered' after 'read' still records when it was delivered); nothing moves a failed message.
 */
export async function applyStatus(db: Db, message: StatusTarget, status: ParsedStatus, receivedAt: Date = new Date()): Promise<StatusTarget | null> {
  if (message.direction !== 'outbound' || !isKnownStatus(status.status)) return null;
  const at = status.timestamp ?? receivedAt;
  const changes: Record<string, unknown> = {};
  const current = message.status;
  if (status.status === 'failed') {
    // A message the customer already has cannot fail any more: such a report is stale.
    if (current !== 'failed' && (RANK[current] ?? 0) < RANK.delivered) {
      const error = status.errors[0];
      Object.assign(changes, {
        status: 'failed',
        failed_at: at,
        error_code: error?.code !== null && error?.code !== undefined ? String(error.code) : null,
        error_title: error?.title ?? error?.message ?? null,
        error_details: error?.details ?? error?.message ?? null,
      });
    }
  } else {
    const column = TIMESTAMP_COLUMN[status.status!];
    if (!message[column]) changes[column] = at;
    if (current !== 'failed' && RANK[status.status!] > (RANK[current] ?? 0)) changes.status = status.status;
  }
  if (!Object.keys(changes).length) return null;
  const update: Record<string, unknown> = { ...changes };
  if (status.pricing) update.content = db.raw("coalesce(content, '{}'::jsonb) || jsonb_build_object('pricing', ?::jsonb)", [JSON.stringify(status.pricing)]);
  const [updated] = await db('messages').where({ workspace_id: message.workspace_id, id: message.id }).update(update).returning(TARGET_COLUMNS);
  if ('status' in changes) {
    await publish(db, message.workspace_id, { type: 'message.updated', conversation_id: message.conversation_id, message_id: message.id, status: updated.status });
  }
  return updated;
}

/** holdStatus keeps a status for a wamid we do not know yet, for applyPendingStatuses. */
export async function holdStatus(db: Db, workspaceId: string, channelId: string, status: ParsedStatus, receivedAt: Date = new Date()): Promise<void> {
  await db('pending_statuses').insert({
    workspace_id: workspaceId,
    channel_id: channelId,
    wamid: status.id,
    status: status.status ?? 'unknown',
    status_at: status.timestamp ?? receivedAt,
    raw: JSON.stringify(status.raw ?? {}),
  });
}

/**
 * applyPendingStatuses applies (in time order) and deletes the statuses that arrived for a
 * wamid before we recorded it. The sender calls it in the transaction that records the wamid.
 * Returns how many were waiting.
 */
export async function applyPendingStatuses(trx: Db, workspaceId: string, channelId: string, wamid: string): Promise<number> {
  const waiting: Array<{ id: number; raw: unknown; received_at: Date }> = await trx('pending_statuses')
    .where({ workspace_id: workspaceId, channel_id: channelId, wamid })
    .orderBy([{ column: 'status_at' }, { column: 'id' }])
    .forUpdate()
    .select('id', 'raw', 'received_at');
  if (!waiting.length) return 0;
  let message = await findMessageForStatus(trx, workspaceId, channelId, wamid);
  if (!message) return 0;
  for (const row of waiting) {
    const raw = typeof row.raw === 'string' ? JSON.parse(row.raw) : row.raw;
    message = (await applyStatus(trx, message, parseStatus(raw), new Date(row.received_at))) ?? message;
  }
  await trx('pending_statuses')
    .where({ workspace_id: workspaceId })
    .whereIn(
      'id',
      waiting.map((w) => w.id),
    )
    .delete();
  return waiting.length;
}
