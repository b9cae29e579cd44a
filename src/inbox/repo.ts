// Inbox queries: the conversation list, one conversation with its people, the thread (messages
// and notes in order), unread counts. Every function takes the workspace id first.
import { paginate } from '../api/pagination.js';
import { isUuid, type Db } from '../db/index.js';

export type InboxView = 'mine' | 'unassigned' | 'all';

export interface InboxFilters {
  view: InboxView;
  status: 'open' | 'resolved' | 'snoozed';
  channelId?: string;
  labelId?: string;
}

export interface InboxRow {
  id: string;
  status: string;
  channel_id: string;
  contact_id: string;
  assignee_id: string | null;
  assignee_name: string | null;
  last_message_at: Date;
  last_message_preview: string | null;
  last_message_direction: string | null;
  window_expires_at: Date | null;
  unread_count: number;
  snoozed_until: Date | null;
  contact_name: string | null;
  contact_profile_name: string | null;
  contact_phone: string | null;
  contact_username: string | null;
  channel_name: string;
  last_status: string | null;
}

function listBase(db: Db, workspaceId: string) {
  return db('conversations as c')
    .join('contacts as p', function () {
      this.on('p.id', 'c.contact_id').andOn('p.workspace_id', 'c.workspace_id');
    })
    .join('channels as ch', function () {
      this.on('ch.id', 'c.channel_id').andOn('ch.workspace_id', 'c.workspace_id');
    })
    .leftJoin('users as u', 'u.id', 'c.assignee_id')
    .where('c.workspace_id', workspaceId)
    .select(
      'c.id',
      'c.status',
      'c.channel_id',
      'c.contact_id',
      'c.assignee_id',
      'u.name as assignee_name',
      'c.last_message_at',
      'c.last_message_preview',
      'c.last_message_direction',
      'c.window_expires_at',
      'c.unread_count',
      'c.snoozed_until',
      'p.name as contact_name',
      'p.profile_name as contact_profile_name',
      'p.phone as contact_phone',
      'p.username as contact_username',
      'ch.name as channel_name',
      // The delivery state of the last message when it is ours (the ticks in the list).
      db.raw(
        `(SELECT m.status FROM messages m WHERE m.workspace_id = c.workspace_id AND m.conversation_id = c.id AND m.direction = 'outbound' AND m.type <> 'reaction'
           ORDER BY m.created_at DESC LIMIT 1) AS last_status`,
      ),
    );
}

/**
 * inboxList pages the conversation list, newest activity first: mine / unassigned / all,
 * by status, channel and label. Served from the (workspace, status, last_message_at, id) index.
 */
export async function inboxList(
  db: Db,
  workspaceId: string,
  userId: string,
  filters: InboxFilters,
  opts: { cursor?: string; limit: number },
): Promise<{ rows: InboxRow[]; nextCursor: string | null }> {
  const q = listBase(db, workspaceId).andWhere('c.status', filters.status);
  if (filters.view === 'mine') q.andWhere('c.assignee_id', userId);
  if (filters.view === 'unassigned') q.whereNull('c.assignee_id');
  if (filters.channelId) q.andWhere('c.channel_id', filters.channelId);
  if (filters.labelId) {
    q.whereExists(
      db('conversation_labels as cl').whereRaw('cl.workspace_id = c.workspace_id AND cl.conversation_id = c.id').andWhere('cl.label_id', filters.labelId),
    );
  }
  const page = await paginate<InboxRow & Record<string, unknown>>(q, opts, { timeColumn: 'c.last_message_at', idColumn: 'c.id' });
  return { rows: page.data, nextCursor: page.next_cursor };
}

/** inboxRow loads one conversation as a list row (for live updates of the list). */
export async function inboxRow(db: Db, workspaceId: string, conversationId: string): Promise<InboxRow | undefined> {
  if (!isUuid(conversationId)) return undefined;
  return listBase(db, workspaceId).andWhere('c.id', conversationId).first();
}

export interface ConversationDetail {
  id: string;
  workspace_id: string;
  status: 'open' | 'resolved' | 'snoozed';
  channel_id: string;
  contact_id: string;
  assignee_id: string | null;
  snoozed_until: Date | null;
  window_expires_at: Date | null;
  last_inbound_at: Date | null;
  unread_count: number;
  created_at: Date;
  contact: {
    id: string;
    name: string | null;
    profile_name: string | null;
    phone: string | null;
    wa_id: string | null;
    wa_user_id: string | null;
    username: string | null;
    email: string | null;
    custom: Record<string, unknown>;
    created_at: Date;
  };
  channel: { id: string; name: string; type: string; display_phone_number: string | null; health: string; mark_read: boolean; deleted_at: Date | null };
}

/** conversationDetail loads a conversation with its contact and channel. */
export async function conversationDetail(db: Db, workspaceId: string, conversationId: string): Promise<ConversationDetail | undefined> {
  if (!isUuid(conversationId)) return undefined;
  const c = await db('conversations').where({ workspace_id: workspaceId, id: conversationId }).first();
  if (!c) return undefined;
  const contact = await db('contacts').where({ workspace_id: workspaceId, id: c.contact_id }).first();
  const channel = await db('channels')
    .where({ workspace_id: workspaceId, id: c.channel_id })
    .first('id', 'name', 'type', 'display_phone_number', 'health', 'mark_read', 'deleted_at');
  return { ...c, contact, channel };
}

export interface ThreadMessage {
  kind: 'message';
  id: string;
  direction: 'inbound' | 'outbound';
  type: string;
  text: string | null;
  status: string;
  wamid: string | null;
  error_code: string | null;
  error_title: string | null;
  error_details: string | null;
  media_id: string | null;
  media_mime_type: string | null;
  media_filename: string | null;
  media_size: number | null;
  media_status: string | null;
  media_error: string | null;
  reply_to_wamid: string | null;
  forwarded: boolean;
  frequently_forwarded: boolean;
  location: Record<string, unknown> | null;
  contacts: Array<Record<string, unknown>> | null;
  interactive: Record<string, unknown> | null;
  referral: Record<string, unknown> | null;
  content: Record<string, unknown> | null;
  edited_at: Date | null;
  deleted_at: Date | null;
  sent_by_name: string | null;
  sent_at: Date | null;
  created_at: Date;
  at: Date;
  /** The message this one replies to, when it is in the conversation. */
  quoted: { id: string; direction: string; type: string; text: string | null } | null;
  /** Reactions to this message: the latest emoji of each side. */
  reactions: Array<{ emoji: string; direction: string }>;
}

export interface ThreadNote {
  kind: 'note';
  id: string;
  body: string;
  author_name: string | null;
  at: Date;
}

export type ThreadItem = ThreadMessage | ThreadNote;

const THREAD_COLUMNS = [
  'm.id',
  'm.direction',
  'm.type',
  'm.text',
  'm.status',
  'm.wamid',
  'm.error_code',
  'm.error_title',
  'm.error_details',
  'm.media_id',
  'm.reply_to_wamid',
  'm.forwarded',
  'm.frequently_forwarded',
  'm.location',
  'm.contacts',
  'm.interactive',
  'm.referral',
  'm.content',
  'm.edited_at',
  'm.deleted_at',
  'm.sent_at',
  'm.created_at',
  'f.mime_type as media_mime_type',
  'f.filename as media_filename',
  'f.size as media_size',
  'f.status as media_status',
  'f.error as media_error',
  'u.name as sent_by_name',
];

function messagesQuery(db: Db, workspaceId: string, conversationId: string) {
  return db('messages as m')
    .leftJoin('media_files as f', function () {
      this.on('f.id', 'm.media_id').andOn('f.workspace_id', 'm.workspace_id');
    })
    .leftJoin('users as u', 'u.id', 'm.sent_by')
    .where({ 'm.workspace_id': workspaceId, 'm.conversation_id': conversationId })
    .whereNotIn('m.type', ['reaction', 'edit', 'revoke'])
    .select(THREAD_COLUMNS);
}

async function decorate(db: Db, workspaceId: string, conversationId: string, rows: ThreadMessage[]): Promise<ThreadMessage[]> {
  const wamids = rows.map((r) => r.wamid).filter(Boolean) as string[];
  const quotedWamids = rows.map((r) => r.reply_to_wamid).filter(Boolean) as string[];
  const [reactions, quoted] = await Promise.all([
    wamids.length
      ? db('messages')
          .where({ workspace_id: workspaceId, conversation_id: conversationId, type: 'reaction' })
          .whereIn('reaction_to_wamid', wamids)
          .orderBy('created_at')
          .select('reaction_to_wamid', 'reaction_emoji', 'direction')
      : [],
    quotedWamids.length
      ? db('messages').where({ workspace_id: workspaceId, conversation_id: conversationId }).whereIn('wamid', quotedWamids).select('id', 'wamid', 'direction', 'type', 'text')
      : [],
  ]);
  // A later reaction from the same side replaces the earlier one; an empty emoji removes it.
  const latest = new Map<string, Map<string, string | null>>();
  for (const r of reactions as Array<{ reaction_to_wamid: string; reaction_emoji: string | null; direction: string }>) {
    if (!latest.has(r.reaction_to_wamid)) latest.set(r.reaction_to_wamid, new Map());
    latest.get(r.reaction_to_wamid)!.set(r.direction, r.reaction_emoji);
  }
  const byWamid = new Map((quoted as Array<{ wamid: string; id: string; direction: string; type: string; text: string | null }>).map((q) => [q.wamid, q]));
  return rows.map((r) => ({
    ...r,
    kind: 'message' as const,
    at: r.sent_at && r.direction === 'inbound' ? r.sent_at : r.created_at,
    media_size: r.media_size === null ? null : Number(r.media_size),
    quoted: r.reply_to_wamid ? (byWamid.get(r.reply_to_wamid) ?? null) : null,
    reactions: [...(latest.get(r.wamid ?? '') ?? new Map()).entries()].filter(([, e]) => e).map(([direction, emoji]) => ({ direction, emoji: emoji! })),
  }));
}

/**
 * threadItems returns the latest `limit` messages (before a message id, for "load earlier") and
 * the notes of the same period, in time order. `hasEarlier` tells whether older ones exist.
 */
export async function threadItems(
  db: Db,
  workspaceId: string,
  conversationId: string,
  opts: { before?: string; limit: number },
): Promise<{ items: ThreadItem[]; hasEarlier: boolean }> {
  const q = messagesQuery(db, workspaceId, conversationId).orderBy([
    { column: 'm.created_at', order: 'desc' },
    { column: 'm.id', order: 'desc' },
  ]);
  if (opts.before) {
    const pivot = await db('messages').where({ workspace_id: workspaceId, conversation_id: conversationId, id: opts.before }).first('created_at', 'id');
    if (pivot) q.andWhereRaw('(m.created_at, m.id) < (?, ?)', [pivot.created_at, pivot.id]);
  }
  const rows = (await q.limit(opts.limit + 1)) as ThreadMessage[];
  const hasEarlier = rows.length > opts.limit;
  const messages = await decorate(db, workspaceId, conversationId, rows.slice(0, opts.limit).reverse());
  const from = hasEarlier ? messages[0]?.created_at : null;
  const to = opts.before ? (await db('messages').where({ workspace_id: workspaceId, id: opts.before }).first('created_at'))?.created_at : null;
  const notesQ = db('notes as n')
    .leftJoin('users as u', 'u.id', 'n.author_id')
    .where({ 'n.workspace_id': workspaceId, 'n.conversation_id': conversationId })
    .select('n.id', 'n.body', 'n.created_at as at', 'u.name as author_name')
    .orderBy('n.created_at');
  if (from) notesQ.andWhere('n.created_at', '>=', from);
  if (to) notesQ.andWhere('n.created_at', '<', to);
  const notes = ((await notesQ) as Array<Omit<ThreadNote, 'kind'>>).map((n) => ({ ...n, kind: 'note' as const }));
  const items: ThreadItem[] = [...messages, ...notes].sort((a, b) => new Date(a.at).getTime() - new Date(b.at).getTime());
  return { items, hasEarlier };
}

/** threadMessage loads one message as the thread shows it (for live updates of a bubble). */
export async function threadMessage(db: Db, workspaceId: string, messageId: string): Promise<ThreadMessage | undefined> {
  if (!isUuid(messageId)) return undefined;
  const base = await db('messages').where({ workspace_id: workspaceId, id: messageId }).first('conversation_id', 'type', 'reaction_to_wamid');
  if (!base) return undefined;
  const conversationId = base.conversation_id;
  // A reaction shows on the message it reacts to.
  const q = messagesQuery(db, workspaceId, conversationId);
  if (base.type === 'reaction') q.andWhere('m.wamid', base.reaction_to_wamid);
  else q.andWhere('m.id', messageId);
  const row = (await q.first()) as ThreadMessage | undefined;
  if (!row) return undefined;
  return (await decorate(db, workspaceId, conversationId, [row]))[0];
}

/** unreadConversations counts conversations with unread messages that are mine or unassigned. */
export async function unreadConversations(db: Db, workspaceId: string, userId: string): Promise<number> {
  const row = await db('conversations')
    .where({ workspace_id: workspaceId, status: 'open' })
    .andWhere('unread_count', '>', 0)
    .andWhere((w) => w.whereNull('assignee_id').orWhere('assignee_id', userId))
    .count<{ count: number }>('* as count')
    .first();
  return Number(row?.count ?? 0);
}
