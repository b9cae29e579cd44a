// Merging duplicate contacts: the kept contact keeps its values and fills its blanks from the
// other one; everything that belonged to the other (conversations, messages, notes, labels,
// deals and whatever later features hang on a contact) moves over; then the other is deleted.
// One transaction, so a merge happens entirely or not at all.
import { recordAudit, type Actor } from '../audit/index.js';
import type { ConversationRow } from '../inbox/conversations.js';
import { isUuid, type Db } from '../db/index.js';
import { publish } from '../realtime/index.js';
import { Conflict, Invalid, NotFound } from '../web/errors.js';
import { contactDisplayName, labelsOfContacts, type ContactRow, type LabelRef } from './repo.js';

/** The contact values a merge decides between, in the order the confirm page shows them. */
export const MERGED_FIELDS = ['name', 'profile_name', 'phone', 'email', 'username', 'wa_user_id'] as const;
export type MergedField = (typeof MERGED_FIELDS)[number];

export interface MergePlan {
  kept: ContactRow;
  other: ContactRow;
  /** The values the kept contact ends with. */
  result: Record<MergedField, string | null> & { custom: Record<string, unknown> };
  /** Which contact each value comes from (null: neither has one). */
  source: Record<MergedField, 'kept' | 'other' | null> & { custom: Record<string, 'kept' | 'other'> };
  labels: { kept: LabelRef[]; other: LabelRef[]; result: LabelRef[] };
  conversations: { kept: number; other: number; sameChannel: number };
}

function filled(value: unknown): boolean {
  return value !== null && value !== undefined && value !== '';
}

/** mergedValues computes what the kept contact ends with: its own values, blanks filled from the other. */
export function mergedValues(kept: ContactRow, other: ContactRow): Pick<MergePlan, 'result' | 'source'> {
  const result = { custom: {} } as MergePlan['result'];
  const source = { custom: {} } as MergePlan['source'];
  for (const f of MERGED_FIELDS) {
    result[f] = filled(kept[f]) ? kept[f] : filled(other[f]) ? other[f] : null;
    source[f] = filled(kept[f]) ? 'kept' : filled(other[f]) ? 'other' : null;
  }
  for (const [side, contact] of [['other', other], ['kept', kept]] as const) {
    for (const [k, v] of Object.entries(contact.custom ?? {})) {
      if (!filled(v)) continue;
      result.custom[k] = v;
      source.custom[k] = side;
    }
  }
  return { result, source };
}

async function loadPair(db: Db, workspaceId: string, keptId: string, otherId: string, lock: boolean): Promise<[ContactRow, ContactRow]> {
  if (!isUuid(keptId) || !isUuid(otherId)) throw new NotFound();
  const q = db('contacts').where('workspace_id', workspaceId).whereIn('id', [keptId, otherId]);
  if (lock) q.forUpdate();
  const rows: ContactRow[] = await q;
  const kept = rows.find((r) => r.id === keptId);
  const other = rows.find((r) => r.id === otherId);
  if (!kept || !other) throw new NotFound();
  if (kept.id === other.id) throw new Invalid({ other_contact_id: 'contacts.merge.same' });
  return [kept, other];
}

/** planMerge shows what merging `otherId` into `keptId` would do, without changing anything. */
export async function planMerge(db: Db, workspaceId: string, keptId: string, otherId: string): Promise<MergePlan> {
  const [kept, other] = await loadPair(db, workspaceId, keptId, otherId, false);
  const labels = await labelsOfContacts(db, workspaceId, [kept.id, other.id]);
  const keptLabels = labels.get(kept.id) ?? [];
  const otherLabels = labels.get(other.id) ?? [];
  const union = [...keptLabels, ...otherLabels.filter((l) => !keptLabels.some((k) => k.id === l.id))].sort((a, b) => a.name.localeCompare(b.name));
  const conversations: Array<{ contact_id: string; channel_id: string }> = await db('conversations')
    .where('workspace_id', workspaceId)
    .whereIn('contact_id', [kept.id, other.id])
    .select('contact_id', 'channel_id');
  const keptChannels = new Set(conversations.filter((c) => c.contact_id === kept.id).map((c) => c.channel_id));
  const otherConversations = conversations.filter((c) => c.contact_id === other.id);
  return {
    kept,
    other,
    ...mergedValues(kept, other),
    labels: { kept: keptLabels, other: otherLabels, result: union },
    conversations: {
      kept: keptChannels.size,
      other: otherConversations.length,
      sameChannel: otherConversations.filter((c) => keptChannels.has(c.channel_id)).length,
    },
  };
}

/**
 * referencesTo finds the columns of other tables that point at `table`.id through a foreign key
 * (information_schema, so tables added by later features — deals, follow-ups — are found too).
 */
async function referencesTo(trx: Db, table: string): Promise<Array<{ table_name: string; column_name: string; has_workspace: boolean }>> {
  const { rows } = await trx.raw(
    `SELECT DISTINCT fk.table_name, fk.column_name,
            EXISTS (SELECT 1 FROM information_schema.columns c
                     WHERE c.table_schema = fk.table_schema AND c.table_name = fk.table_name AND c.column_name = 'workspace_id') AS has_workspace
       FROM information_schema.referential_constraints rc
       JOIN information_schema.key_column_usage fk
         ON fk.constraint_schema = rc.constraint_schema AND fk.constraint_name = rc.constraint_name
       JOIN information_schema.key_column_usage pk
         ON pk.constraint_schema = rc.unique_constraint_schema AND pk.constraint_name = rc.unique_constraint_name
        AND pk.ordinal_position = fk.position_in_unique_constraint
      WHERE pk.table_schema = current_schema() AND pk.table_name = ? AND pk.column_name = 'id'
      ORDER BY fk.table_name, fk.column_name`,
    [table],
  );
  return rows;
}

/** moveReferences points every other table's reference from one row of `table` to another. */
async function moveReferences(trx: Db, workspaceId: string, table: string, fromId: string, toId: string, handled: string[]): Promise<void> {
  for (const ref of await referencesTo(trx, table)) {
    if (handled.includes(ref.table_name)) continue;
    try {
      // A savepoint: a unique clash in a table we do not know must not poison the transaction.
      await trx.transaction(async (sp) => {
        const q = sp(ref.table_name).where(ref.column_name, fromId);
        if (ref.has_workspace) q.andWhere('workspace_id', workspaceId);
        await q.update({ [ref.column_name]: toId });
      });
    } catch (err) {
      if ((err as { code?: string }).code === '23505') throw new Conflict('contacts.merge.conflict', 'merge_conflict');
      throw err;
    }
  }
}

/** The conversation columns a merge reads and recomputes. */
type ConversationForMerge = Pick<
  ConversationRow,
  | 'id'
  | 'channel_id'
  | 'status'
  | 'assignee_id'
  | 'snoozed_until'
  | 'last_message_at'
  | 'last_inbound_at'
  | 'window_expires_at'
  | 'last_message_preview'
  | 'last_message_direction'
  | 'unread_count'
>;

const later = (a: Date | null, b: Date | null): Date | null => (!a ? b : !b ? a : new Date(a).getTime() >= new Date(b).getTime() ? a : b);

/** joinConversations moves one conversation's messages, notes and labels into another of the same channel and deletes it. */
async function joinConversations(trx: Db, workspaceId: string, into: ConversationForMerge, from: ConversationForMerge, keptContactId: string): Promise<void> {
  const ws = { workspace_id: workspaceId };
  await trx('messages').where({ ...ws, conversation_id: from.id }).update({ conversation_id: into.id, contact_id: keptContactId });
  await trx('notes').where({ ...ws, conversation_id: from.id }).update({ conversation_id: into.id, contact_id: keptContactId });
  await trx.raw(
    `INSERT INTO conversation_labels (workspace_id, conversation_id, label_id)
     SELECT workspace_id, ?, label_id FROM conversation_labels WHERE workspace_id = ? AND conversation_id = ?
     ON CONFLICT DO NOTHING`,
    [into.id, workspaceId, from.id],
  );
  await moveReferences(trx, workspaceId, 'conversations', from.id, into.id, ['messages', 'notes', 'conversation_labels']);
  await trx('conversations').where({ ...ws, id: from.id }).delete();
  // The joined thread: the latest message's preview, the later window, both unread counts; a
  // customer waiting in the other thread keeps it open, and its assignee takes over only if
  // nobody had the kept one.
  const latest = later(into.last_message_at, from.last_message_at) === into.last_message_at ? into : from;
  const reopen = from.status === 'open' && into.status !== 'open';
  await trx('conversations')
    .where({ ...ws, id: into.id })
    .update({
      last_message_at: latest.last_message_at,
      last_message_preview: latest.last_message_preview,
      last_message_direction: latest.last_message_direction,
      last_inbound_at: later(into.last_inbound_at, from.last_inbound_at),
      window_expires_at: later(into.window_expires_at, from.window_expires_at),
      unread_count: into.unread_count + from.unread_count,
      assignee_id: into.assignee_id ?? from.assignee_id,
      ...(reopen ? { status: 'open', snoozed_until: null } : {}),
      updated_at: trx.fn.now(),
    });
  await publish(trx, workspaceId, { type: 'conversation.deleted', conversation_id: from.id });
  await publish(trx, workspaceId, { type: 'conversation.updated', conversation_id: into.id });
}

/**
 * mergeContacts merges `otherId` into `keptId`: conversations move over (two on the same channel
 * become one), with notes, labels and deals; the kept contact fills its blanks from the other,
 * which is then deleted. Phone number and WhatsApp user id pass to the kept contact only if it
 * has none, after the other row is gone (they are unique per workspace).
 */
export async function mergeContacts(trx: Db, workspaceId: string, keptId: string, otherId: string, actor: Actor): Promise<ContactRow> {
  const [kept, other] = await loadPair(trx, workspaceId, keptId, otherId, true);
  const ws = { workspace_id: workspaceId };
  const { result } = mergedValues(kept, other);

  const conversations: Array<ConversationForMerge & { contact_id: string }> = await trx('conversations')
    .where(ws)
    .whereIn('contact_id', [kept.id, other.id])
    .orderBy('id')
    .forUpdate();
  const keptByChannel = new Map(conversations.filter((c) => c.contact_id === kept.id).map((c) => [c.channel_id, c]));
  let joined = 0;
  for (const from of conversations.filter((c) => c.contact_id === other.id)) {
    const into = keptByChannel.get(from.channel_id);
    if (into) {
      await joinConversations(trx, workspaceId, into, from, kept.id);
      joined += 1;
    } else {
      await trx('conversations').where({ ...ws, id: from.id }).update({ contact_id: kept.id, updated_at: trx.fn.now() });
      await publish(trx, workspaceId, { type: 'conversation.updated', conversation_id: from.id });
    }
  }
  await trx('messages').where({ ...ws, contact_id: other.id }).update({ contact_id: kept.id });
  await trx('notes').where({ ...ws, contact_id: other.id }).update({ contact_id: kept.id });
  await trx.raw(
    `INSERT INTO contact_labels (workspace_id, contact_id, label_id)
     SELECT workspace_id, ?, label_id FROM contact_labels WHERE workspace_id = ? AND contact_id = ?
     ON CONFLICT DO NOTHING`,
    [kept.id, workspaceId, other.id],
  );
  // Deals (when the pipeline is installed) and anything else that points at a contact.
  await moveReferences(trx, workspaceId, 'contacts', other.id, kept.id, ['conversations', 'messages', 'notes', 'contact_labels']);

  await trx('contacts').where({ ...ws, id: other.id }).delete();
  const phoneFromOther = !kept.phone_key && Boolean(other.phone_key);
  const [row] = await trx('contacts')
    .where({ ...ws, id: kept.id })
    .update({
      name: result.name,
      profile_name: result.profile_name,
      email: result.email,
      username: result.username,
      wa_user_id: result.wa_user_id,
      ...(phoneFromOther ? { phone: other.phone, phone_key: other.phone_key, wa_id: other.wa_id } : {}),
      custom: JSON.stringify(result.custom),
      updated_at: trx.fn.now(),
    })
    .returning('*');
  await recordAudit(trx, actor, {
    workspaceId,
    action: 'contact.merged',
    subjectType: 'contact',
    subjectId: kept.id,
    data: { merged_id: other.id, name: contactDisplayName(other), phone: other.phone, conversations_joined: joined },
  });
  await publish(trx, workspaceId, { type: 'contact.merged', contact_id: kept.id, merged_contact_id: other.id });
  return row;
}
