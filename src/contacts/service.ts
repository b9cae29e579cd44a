// Contact commands: create, change and delete, each with its audit row.
import { recordAudit, type Actor } from '../audit/index.js';
import type { Db } from '../db/index.js';
import { publish } from '../realtime/index.js';
import { Invalid, NotFound } from '../web/errors.js';
import { applyCustomValues, listContactFields, parseCustomValues } from './fields.js';
import { normalizePhone } from './phone.js';
import { contactDisplayName, findContact, type ContactRow } from './repo.js';

export interface ContactInput {
  phone?: string;
  name?: string | null;
  email?: string | null;
  /** Custom field values by key; null or '' clears one. Keys not given stay as they are. */
  custom?: Record<string, unknown>;
}

function uniqueViolation(err: unknown): boolean {
  return (err as { code?: string }).code === '23505';
}

/** createContact adds a contact by phone number; a number already known is refused (422 on phone). */
export async function createContact(
  trx: Db,
  workspaceId: string,
  input: ContactInput & { phone: string },
  actor: Actor,
): Promise<ContactRow> {
  const phone = normalizePhone(input.phone);
  if (!phone) throw new Invalid({ phone: 'contacts.invalid_phone' });
  const custom = input.custom ? applyCustomValues({}, parseCustomValues(await listContactFields(trx, workspaceId), input.custom)) : {};
  const existing = await trx('contacts').where({ workspace_id: workspaceId, phone_key: phone.key }).first('id');
  if (existing) throw new Invalid({ phone: 'contacts.phone_taken' }, 'contacts.phone_taken', 'contact_exists');
  try {
    const [row] = await trx('contacts')
      .insert({
        workspace_id: workspaceId,
        phone: phone.e164,
        phone_key: phone.key,
        wa_id: phone.e164.slice(1),
        name: input.name ?? null,
        email: input.email ?? null,
        custom: JSON.stringify(custom),
      })
      .returning('*');
    await recordAudit(trx, actor, { workspaceId, action: 'contact.created', subjectType: 'contact', subjectId: row.id });
    return row;
  } catch (err) {
    if (uniqueViolation(err)) throw new Invalid({ phone: 'contacts.phone_taken' }, 'contacts.phone_taken', 'contact_exists');
    throw err;
  }
}

/** updateContact changes a contact's name, email, phone or custom field values. */
export async function updateContact(trx: Db, workspaceId: string, contactId: string, input: ContactInput, actor: Actor): Promise<ContactRow> {
  const contact = await findContact(trx, workspaceId, contactId);
  if (!contact) throw new NotFound();
  const changes: Record<string, unknown> = {};
  if (input.custom !== undefined) {
    const values = parseCustomValues(await listContactFields(trx, workspaceId), input.custom);
    const custom = applyCustomValues(contact.custom, values);
    if (JSON.stringify(custom) !== JSON.stringify(contact.custom ?? {})) changes.custom = JSON.stringify(custom);
  }
  if (input.name !== undefined) changes.name = input.name;
  if (input.email !== undefined) changes.email = input.email;
  if (input.phone !== undefined) {
    const phone = normalizePhone(input.phone);
    if (!phone) throw new Invalid({ phone: 'contacts.invalid_phone' });
    if (phone.e164 !== contact.phone) Object.assign(changes, { phone: phone.e164, phone_key: phone.key, wa_id: phone.e164.slice(1) });
  }
  if (!Object.keys(changes).length) return contact;
  try {
    const [row] = await trx('contacts')
      .where({ workspace_id: workspaceId, id: contactId })
      .update({ ...changes, updated_at: trx.fn.now() })
      .returning('*');
    await recordAudit(trx, actor, { workspaceId, action: 'contact.updated', subjectType: 'contact', subjectId: contactId, data: { fields: Object.keys(changes) } });
    return row;
  } catch (err) {
    if (uniqueViolation(err)) throw new Invalid({ phone: 'contacts.phone_taken' }, 'contacts.phone_taken', 'contact_exists');
    throw err;
  }
}

/**
 * deleteContact removes a contact with everything that hangs on it (its conversations and their
 * messages, notes, labels); owners and admins only, checked by the caller.
 */
export async function deleteContact(trx: Db, workspaceId: string, contactId: string, actor: Actor): Promise<ContactRow> {
  const contact = await findContact(trx, workspaceId, contactId);
  if (!contact) throw new NotFound();
  const conversations: Array<{ id: string }> = await trx('conversations').where({ workspace_id: workspaceId, contact_id: contactId }).select('id');
  await trx('contacts').where({ workspace_id: workspaceId, id: contactId }).delete();
  await recordAudit(trx, actor, {
    workspaceId,
    action: 'contact.deleted',
    subjectType: 'contact',
    subjectId: contactId,
    data: { name: contactDisplayName(contact), phone: contact.phone, conversations: conversations.length },
  });
  for (const c of conversations) await publish(trx, workspaceId, { type: 'conversation.deleted', conversation_id: c.id });
  return contact;
}
