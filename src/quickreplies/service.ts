// Quick reply commands. Every member may create quick replies and use all of them; an agent edits
// and deletes the ones they wrote, owners and admins (and API tokens, which act as an admin) any.
import { recordAudit, type Actor } from '../audit/index.js';
import type { Db } from '../db/index.js';
import { Forbidden, Invalid, NotFound } from '../web/errors.js';
import type { Role } from '../workspaces/repo.js';
import {
  deleteQuickReplyRow,
  findQuickReply,
  findQuickReplyByShortcut,
  insertQuickReply,
  updateQuickReplyRow,
  type QuickReplyRow,
} from './repo.js';

/** Who is changing a quick reply: their role and user id (null for an API token). */
export interface QuickReplyEditor {
  role: Role;
  userId: string | null;
}

/** canEditQuickReply tells whether `editor` may change or delete the quick reply. */
export function canEditQuickReply(editor: QuickReplyEditor, reply: Pick<QuickReplyRow, 'created_by'>): boolean {
  return editor.role === 'owner' || editor.role === 'admin' || (editor.userId !== null && reply.created_by === editor.userId);
}

function uniqueViolation(err: unknown): boolean {
  return (err as { code?: string }).code === '23505';
}

/** createQuickReply adds a quick reply; a shortcut the workspace has (in any case) is refused on `shortcut`. */
export async function createQuickReply(trx: Db, workspaceId: string, input: { shortcut: string; text: string }, actor: Actor): Promise<QuickReplyRow> {
  if (await findQuickReplyByShortcut(trx, workspaceId, input.shortcut)) throw new Invalid({ shortcut: 'quick_replies.shortcut_taken' });
  let row: QuickReplyRow;
  try {
    row = await insertQuickReply(trx, workspaceId, { ...input, created_by: actor.userId ?? null });
  } catch (err) {
    if (uniqueViolation(err)) throw new Invalid({ shortcut: 'quick_replies.shortcut_taken' });
    throw err;
  }
  await recordAudit(trx, actor, { workspaceId, action: 'quick_reply.created', subjectType: 'quick_reply', subjectId: row.id, data: { name: `/${row.shortcut}` } });
  return row;
}

/** loadEditable loads a quick reply the editor may change: 404 when not in the workspace, 403 when not theirs. */
export async function loadEditableQuickReply(db: Db, workspaceId: string, id: string, editor: QuickReplyEditor): Promise<QuickReplyRow> {
  const reply = await findQuickReply(db, workspaceId, id);
  if (!reply) throw new NotFound();
  if (!canEditQuickReply(editor, reply)) throw new Forbidden('quick_replies.not_yours');
  return reply;
}

/** updateQuickReply changes a quick reply's shortcut and/or text. */
export async function updateQuickReply(
  trx: Db,
  workspaceId: string,
  id: string,
  input: { shortcut?: string; text?: string },
  editor: QuickReplyEditor,
  actor: Actor,
): Promise<QuickReplyRow> {
  const reply = await loadEditableQuickReply(trx, workspaceId, id, editor);
  if (input.shortcut !== undefined) {
    const other = await findQuickReplyByShortcut(trx, workspaceId, input.shortcut);
    if (other && other.id !== reply.id) throw new Invalid({ shortcut: 'quick_replies.shortcut_taken' });
  }
  let row: QuickReplyRow;
  try {
    row = (await updateQuickReplyRow(trx, workspaceId, id, input))!;
  } catch (err) {
    if (uniqueViolation(err)) throw new Invalid({ shortcut: 'quick_replies.shortcut_taken' });
    throw err;
  }
  await recordAudit(trx, actor, { workspaceId, action: 'quick_reply.updated', subjectType: 'quick_reply', subjectId: id, data: { name: `/${row.shortcut}` } });
  return row;
}

/** deleteQuickReply deletes a quick reply. */
export async function deleteQuickReply(trx: Db, workspaceId: string, id: string, editor: QuickReplyEditor, actor: Actor): Promise<QuickReplyRow> {
  const reply = await loadEditableQuickReply(trx, workspaceId, id, editor);
  await deleteQuickReplyRow(trx, workspaceId, id);
  await recordAudit(trx, actor, { workspaceId, action: 'quick_reply.deleted', subjectType: 'quick_reply', subjectId: id, data: { name: `/${reply.shortcut}` } });
  return reply;
}
