// Quick replies: queries take the workspace id first and filter on it in every WHERE.
import { isUuid, type Db } from '../db/index.js';

export interface QuickReplyRow {
  id: string;
  workspace_id: string;
  shortcut: string;
  text: string;
  created_by: string | null;
  created_at: Date;
  updated_at: Date;
}

export interface QuickReplyListed extends QuickReplyRow {
  author_name: string | null;
}

/** escapeLike makes user text literal inside a LIKE pattern. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** listQuickReplies lists the workspace's quick replies by shortcut, with their authors' names. */
export function listQuickReplies(db: Db, workspaceId: string): Promise<QuickReplyListed[]> {
  return db('quick_replies as q')
    .leftJoin('users as u', 'u.id', 'q.created_by')
    .where('q.workspace_id', workspaceId)
    .orderByRaw('lower(q.shortcut)')
    .select('q.*', 'u.name as author_name');
}

/** quickRepliesQuery selects the workspace's quick replies, optionally those whose shortcut starts with `prefix` (for the API's pages). */
export function quickRepliesQuery(db: Db, workspaceId: string, prefix?: string) {
  const q = db('quick_replies').where('workspace_id', workspaceId).select('*');
  if (prefix) q.andWhereRaw("lower(shortcut) LIKE lower(?) || '%'", [escapeLike(prefix.replace(/^\/+/, ''))]);
  return q;
}

/** findQuickReply loads one quick reply of the workspace. */
export function findQuickReply(db: Db, workspaceId: string, id: string): Promise<QuickReplyRow | undefined> {
  if (!isUuid(id)) return Promise.resolve(undefined);
  return db('quick_replies').where({ workspace_id: workspaceId, id }).first();
}

/** findQuickReplyByShortcut finds a quick reply by its shortcut, ignoring case (shortcuts are unique that way). */
export function findQuickReplyByShortcut(db: Db, workspaceId: string, shortcut: string): Promise<QuickReplyRow | undefined> {
  return db('quick_replies').where({ workspace_id: workspaceId }).andWhereRaw('lower(shortcut) = lower(?)', [shortcut.replace(/^\/+/, '')]).first();
}

/**
 * findQuickReplies is what the composer's `/` picker shows for the text typed after the slash:
 * shortcuts starting with it first (shortest first), then replies whose shortcut or text
 * contains it. An empty prefix lists them all by shortcut.
 */
export function findQuickReplies(db: Db, workspaceId: string, prefix: string, limit = 8): Promise<QuickReplyRow[]> {
  const typed = prefix.trim().replace(/^\/+/, '').toLowerCase();
  const q = db('quick_replies').where('workspace_id', workspaceId).limit(Math.max(1, Math.min(limit, 50)));
  if (!typed) return q.orderByRaw('lower(shortcut)').select('*');
  const starts = `${escapeLike(typed)}%`;
  const contains = `%${escapeLike(typed)}%`;
  return q
    .andWhere((w) => w.whereRaw('lower(shortcut) LIKE ?', [contains]).orWhereRaw('lower(text) LIKE ?', [contains]))
    .orderByRaw('CASE WHEN lower(shortcut) LIKE ? THEN 0 WHEN lower(shortcut) LIKE ? THEN 1 ELSE 2 END', [starts, contains])
    .orderByRaw('length(shortcut), lower(shortcut)')
    .select('*');
}

/** insertQuickReply creates a quick reply row. */
export async function insertQuickReply(db: Db, workspaceId: string, values: { shortcut: string; text: string; created_by: string | null }): Promise<QuickReplyRow> {
  const [row] = await db('quick_replies').insert({ workspace_id: workspaceId, ...values }).returning('*');
  return row;
}

/** updateQuickReplyRow changes a quick reply's shortcut or text. */
export async function updateQuickReplyRow(db: Db, workspaceId: string, id: string, values: { shortcut?: string; text?: string }): Promise<QuickReplyRow | undefined> {
  const [row] = await db('quick_replies')
    .where({ workspace_id: workspaceId, id })
    .update({ ...values, updated_at: db.fn.now() })
    .returning('*');
  return row;
}

/** deleteQuickReplyRow deletes a quick reply. */
export async function deleteQuickReplyRow(db: Db, workspaceId: string, id: string): Promise<void> {
  await db('quick_replies').where({ workspace_id: workspaceId, id }).delete();
}
