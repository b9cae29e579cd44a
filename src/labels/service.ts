// Label commands: create, rename/recolour, delete, and set the labels of a conversation or a
// contact. Each writes its audit row in the caller's transaction; changes that open screens
// show are announced with publish() in the same transaction.
import { recordAudit, type Actor } from '../audit/index.js';
import { findContact } from '../contacts/repo.js';
import { isUuid, type Db } from '../db/index.js';
import { findConversation } from '../inbox/conversations.js';
import { publish } from '../realtime/index.js';
import { Invalid, NotFound } from '../web/errors.js';
import {
  deleteLabelRow,
  findLabel,
  findLabelByName,
  findLabelsByIds,
  findLabelsByNames,
  insertLabel,
  labelsOfContact,
  labelsOfConversation,
  replaceContactLabelRows,
  replaceConversationLabelRows,
  updateLabelRow,
  type LabelColor,
  type LabelRow,
} from './repo.js';

function uniqueViolation(err: unknown): boolean {
  return (err as { code?: string }).code === '23505';
}

/** createLabel adds a label; a name the workspace already has (in any case) is refused on `name`. */
export async function createLabel(trx: Db, workspaceId: string, input: { name: string; color: LabelColor }, actor: Actor): Promise<LabelRow> {
  if (await findLabelByName(trx, workspaceId, input.name)) throw new Invalid({ name: 'labels.name_taken' });
  let label: LabelRow;
  try {
    label = await insertLabel(trx, workspaceId, input);
  } catch (err) {
    if (uniqueViolation(err)) throw new Invalid({ name: 'labels.name_taken' });
    throw err;
  }
  await recordAudit(trx, actor, { workspaceId, action: 'label.created', subjectType: 'label', subjectId: label.id, data: { name: label.name, color: label.color } });
  await publish(trx, workspaceId, { type: 'labels.updated', label_id: label.id });
  return label;
}

/** updateLabel renames and/or recolours a label of the workspace. */
export async function updateLabel(
  trx: Db,
  workspaceId: string,
  labelId: string,
  input: { name?: string; color?: LabelColor },
  actor: Actor,
): Promise<LabelRow> {
  const label = await findLabel(trx, workspaceId, labelId);
  if (!label) throw new NotFound();
  if (input.name !== undefined) {
    const other = await findLabelByName(trx, workspaceId, input.name);
    if (other && other.id !== label.id) throw new Invalid({ name: 'labels.name_taken' });
  }
  let row: LabelRow;
  try {
    row = (await updateLabelRow(trx, workspaceId, labelId, input))!;
  } catch (err) {
    if (uniqueViolation(err)) throw new Invalid({ name: 'labels.name_taken' });
    throw err;
  }
  await recordAudit(trx, actor, {
    workspaceId,
    action: 'label.updated',
    subjectType: 'label',
    subjectId: labelId,
    data: { name: row.name, ...(label.name !== row.name ? { from: label.name } : {}), color: row.color },
  });
  await publish(trx, workspaceId, { type: 'labels.updated', label_id: labelId });
  return row;
}

/** deleteLabel deletes a label, taking it off every conversation and contact. */
export async function deleteLabel(trx: Db, workspaceId: string, labelId: string, actor: Actor): Promise<LabelRow> {
  const label = await findLabel(trx, workspaceId, labelId);
  if (!label) throw new NotFound();
  await deleteLabelRow(trx, workspaceId, labelId);
  await recordAudit(trx, actor, { workspaceId, action: 'label.deleted', subjectType: 'label', subjectId: labelId, data: { name: label.name } });
  await publish(trx, workspaceId, { type: 'labels.updated', label_id: labelId });
  return label;
}

/** checkedLabels loads `labelIds` in the workspace, refusing (422 on `labels`) any id it does not have. */
async function checkedLabels(trx: Db, workspaceId: string, labelIds: string[]): Promise<LabelRow[]> {
  const ids = [...new Set(labelIds)];
  const labels = await findLabelsByIds(trx, workspaceId, ids);
  if (labels.length !== ids.length) throw new Invalid({ labels: 'labels.unknown_id' });
  return labels;
}

/**
 * resolveLabelRefs turns what an API client sent (label ids or names, any case) into label ids of
 * the workspace; an unknown one answers 422 naming it.
 */
export async function resolveLabelRefs(db: Db, workspaceId: string, refs: string[]): Promise<string[]> {
  const byId = new Map((await findLabelsByIds(db, workspaceId, refs.filter(isUuid))).map((l) => [l.id, l]));
  const names = refs.filter((r) => !byId.has(r));
  const byName = new Map((await findLabelsByNames(db, workspaceId, names)).map((l) => [l.name.toLowerCase(), l]));
  const ids: string[] = [];
  for (const ref of refs) {
    const label = byId.get(ref) ?? byName.get(ref.trim().toLowerCase());
    if (!label) throw new Invalid({ labels: `labels.unknown:${ref}` });
    if (!ids.includes(label.id)) ids.push(label.id);
  }
  return ids;
}

function changeOf(before: LabelRow[], after: LabelRow[]) {
  const had = new Set(before.map((l) => l.id));
  const has = new Set(after.map((l) => l.id));
  return {
    added: after.filter((l) => !had.has(l.id)).map((l) => l.name),
    removed: before.filter((l) => !has.has(l.id)).map((l) => l.name),
  };
}

/**
 * setConversationLabels makes a conversation carry exactly `labelIds` (ids of this workspace,
 * else 422), records the change and tells open inboxes (conversation.updated). Returns the labels.
 */
export async function setConversationLabels(trx: Db, workspaceId: string, conversationId: string, labelIds: string[], actor: Actor): Promise<LabelRow[]> {
  const conversation = await findConversation(trx, workspaceId, conversationId);
  if (!conversation) throw new NotFound();
  const labels = await checkedLabels(trx, workspaceId, labelIds);
  const before = await labelsOfConversation(trx, workspaceId, conversationId);
  const { added, removed } = changeOf(before, labels);
  if (!added.length && !removed.length) return labels;
  await replaceConversationLabelRows(trx, workspaceId, conversationId, labels.map((l) => l.id));
  await recordAudit(trx, actor, { workspaceId, action: 'conversation.labels_changed', subjectType: 'conversation', subjectId: conversationId, data: { added, removed } });
  await publish(trx, workspaceId, { type: 'conversation.updated', conversation_id: conversationId });
  return labels;
}

/**
 * setContactLabels makes a contact carry exactly `labelIds` (ids of this workspace, else 422),
 * records the change and tells open screens (contact.updated, and conversation.updated for each
 * of the contact's conversations, whose panels show the labels). Returns the labels.
 */
export async function setContactLabels(trx: Db, workspaceId: string, contactId: string, labelIds: string[], actor: Actor): Promise<LabelRow[]> {
  const contact = await findContact(trx, workspaceId, contactId);
  if (!contact) throw new NotFound();
  const labels = await checkedLabels(trx, workspaceId, labelIds);
  const before = await labelsOfContact(trx, workspaceId, contactId);
  const { added, removed } = changeOf(before, labels);
  if (!added.length && !removed.length) return labels;
  await replaceContactLabelRows(trx, workspaceId, contactId, labels.map((l) => l.id));
  await recordAudit(trx, actor, { workspaceId, action: 'contact.labels_changed', subjectType: 'contact', subjectId: contactId, data: { added, removed } });
  await publish(trx, workspaceId, { type: 'contact.updated', contact_id: contactId });
  const conversations = await trx('conversations').where({ workspace_id: workspaceId, contact_id: contactId }).select('id');
  for (const c of conversations) await publish(trx, workspaceId, { type: 'conversation.updated', conversation_id: c.id });
  return labels;
}
