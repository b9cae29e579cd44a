// Labels: queries take the workspace id first and filter on it in every WHERE. A label of
// another workspace is simply not found.
import { isUuid, type Db } from '../db/index.js';

/** The palette a label's colour comes from (CSS classes .label-<color> in public/css/app.css). */
export const LABEL_COLORS = ['gray', 'red', 'orange', 'yellow', 'green', 'teal', 'blue', 'purple', 'pink'] as const;
export type LabelColor = (typeof LABEL_COLORS)[number];

export interface LabelRow {
  id: string;
  workspace_id: string;
  name: string;
  color: LabelColor;
  created_at: Date;
}

export interface LabelUsage extends LabelRow {
  conversations_count: number;
  contacts_count: number;
}

/** listLabels lists the workspace's labels by name: for pickers, filters and badges. */
export function listLabels(db: Db, workspaceId: string): Promise<LabelRow[]> {
  return db('labels').where({ workspace_id: workspaceId }).orderByRaw('lower(name), id').select('*');
}

/** labelsWithUsage selects the workspace's labels with their usage counts (a query to page or filter further). */
export function labelsWithUsage(db: Db, workspaceId: string) {
  return db('labels as l')
    .where('l.workspace_id', workspaceId)
    .select(
      'l.*',
      db.raw('(SELECT count(*) FROM conversation_labels cl WHERE cl.workspace_id = l.workspace_id AND cl.label_id = l.id)::int AS conversations_count'),
      db.raw('(SELECT count(*) FROM contact_labels kl WHERE kl.workspace_id = l.workspace_id AND kl.label_id = l.id)::int AS contacts_count'),
    );
}

/** listLabelsWithUsage lists the labels by name with how many conversations and contacts carry each. */
export async function listLabelsWithUsage(db: Db, workspaceId: string): Promise<LabelUsage[]> {
  return labelsWithUsage(db, workspaceId).orderByRaw('lower(l.name), l.id');
}

/** findLabel loads one label of the workspace. */
export function findLabel(db: Db, workspaceId: string, id: string): Promise<LabelRow | undefined> {
  if (!isUuid(id)) return Promise.resolve(undefined);
  return db('labels').where({ workspace_id: workspaceId, id }).first();
}

/** findLabelByName finds a label by name, ignoring case (names are unique that way). */
export function findLabelByName(db: Db, workspaceId: string, name: string): Promise<LabelRow | undefined> {
  return db('labels').where({ workspace_id: workspaceId }).andWhereRaw('lower(name) = lower(?)', [name.trim()]).first();
}

/** findLabelsByIds loads the workspace's labels among `ids` (ids of other workspaces are left out). */
export function findLabelsByIds(db: Db, workspaceId: string, ids: string[]): Promise<LabelRow[]> {
  const valid = ids.filter(isUuid);
  if (!valid.length) return Promise.resolve([]);
  return db('labels').where({ workspace_id: workspaceId }).whereIn('id', valid).orderByRaw('lower(name), id');
}

/** findLabelsByNames loads the workspace's labels whose names are among `names`, ignoring case. */
export function findLabelsByNames(db: Db, workspaceId: string, names: string[]): Promise<LabelRow[]> {
  const lowered = [...new Set(names.map((n) => n.trim().toLowerCase()).filter(Boolean))];
  if (!lowered.length) return Promise.resolve([]);
  return db('labels').where({ workspace_id: workspaceId }).whereRaw('lower(name) = ANY(?)', [lowered]).orderByRaw('lower(name), id');
}

/** insertLabel creates a label row. */
export async function insertLabel(db: Db, workspaceId: string, values: { name: string; color: LabelColor }): Promise<LabelRow> {
  const [row] = await db('labels').insert({ workspace_id: workspaceId, ...values }).returning('*');
  return row;
}

/** updateLabelRow renames or recolours a label; undefined when it is not in the workspace. */
export async function updateLabelRow(db: Db, workspaceId: string, id: string, values: Partial<Pick<LabelRow, 'name' | 'color'>>): Promise<LabelRow | undefined> {
  const [row] = await db('labels').where({ workspace_id: workspaceId, id }).update(values).returning('*');
  return row;
}

/** deleteLabelRow deletes a label; the foreign keys take it off every conversation and contact. */
export async function deleteLabelRow(db: Db, workspaceId: string, id: string): Promise<boolean> {
  const n = await db('labels').where({ workspace_id: workspaceId, id }).delete();
  return Number(n) > 0;
}

/** labelsOfConversations maps each conversation id to its labels (by name); for the conversation list. */
export async function labelsOfConversations(db: Db, workspaceId: string, conversationIds: string[]): Promise<Map<string, LabelRow[]>> {
  const ids = [...new Set(conversationIds.filter(isUuid))];
  const map = new Map<string, LabelRow[]>(ids.map((id) => [id, []]));
  if (!ids.length) return map;
  const rows = await db('conversation_labels as cl')
    .join('labels as l', function () {
      this.on('l.workspace_id', 'cl.workspace_id').andOn('l.id', 'cl.label_id');
    })
    .where('cl.workspace_id', workspaceId)
    .whereIn('cl.conversation_id', ids)
    .orderByRaw('lower(l.name), l.id')
    .select('cl.conversation_id', 'l.*');
  for (const { conversation_id, ...label } of rows) map.get(conversation_id)!.push(label as LabelRow);
  return map;
}

/** labelsOfContacts maps each contact id to its labels (by name); for contact lists. */
export async function labelsOfContacts(db: Db, workspaceId: string, contactIds: string[]): Promise<Map<string, LabelRow[]>> {
  const ids = [...new Set(contactIds.filter(isUuid))];
  const map = new Map<string, LabelRow[]>(ids.map((id) => [id, []]));
  if (!ids.length) return map;
  const rows = await db('contact_labels as kl')
    .join('labels as l', function () {
      this.on('l.workspace_id', 'kl.workspace_id').andOn('l.id', 'kl.label_id');
    })
    .where('kl.workspace_id', workspaceId)
    .whereIn('kl.contact_id', ids)
    .orderByRaw('lower(l.name), l.id')
    .select('kl.contact_id', 'l.*');
  for (const { contact_id, ...label } of rows) map.get(contact_id)!.push(label as LabelRow);
  return map;
}

/** labelsOfConversation lists one conversation's labels by name. */
export async function labelsOfConversation(db: Db, workspaceId: string, conversationId: string): Promise<LabelRow[]> {
  return (await labelsOfConversations(db, workspaceId, [conversationId])).get(conversationId) ?? [];
}

/** labelsOfContact lists one contact's labels by name; for the contact panel. */
export async function labelsOfContact(db: Db, workspaceId: string, contactId: string): Promise<LabelRow[]> {
  return (await labelsOfContacts(db, workspaceId, [contactId])).get(contactId) ?? [];
}

/** replaceConversationLabelRows makes the conversation carry exactly `labelIds`. */
export async function replaceConversationLabelRows(db: Db, workspaceId: string, conversationId: string, labelIds: string[]): Promise<void> {
  const q = db('conversation_labels').where({ workspace_id: workspaceId, conversation_id: conversationId });
  if (labelIds.length) q.whereNotIn('label_id', labelIds);
  await q.delete();
  if (labelIds.length) {
    await db('conversation_labels')
      .insert(labelIds.map((label_id) => ({ workspace_id: workspaceId, conversation_id: conversationId, label_id })))
      .onConflict(['workspace_id', 'conversation_id', 'label_id'])
      .ignore();
  }
}

/** replaceContactLabelRows makes the contact carry exactly `labelIds`. */
export async function replaceContactLabelRows(db: Db, workspaceId: string, contactId: string, labelIds: string[]): Promise<void> {
  const q = db('contact_labels').where({ workspace_id: workspaceId, contact_id: contactId });
  if (labelIds.length) q.whereNotIn('label_id', labelIds);
  await q.delete();
  if (labelIds.length) {
    await db('contact_labels')
      .insert(labelIds.map((label_id) => ({ workspace_id: workspaceId, contact_id: contactId, label_id })))
      .onConflict(['workspace_id', 'contact_id', 'label_id'])
      .ignore();
  }
}
