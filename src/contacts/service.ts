// Contact commands: create and change, each with its audit row.
import { recordAudit, type Actor } from '../audit/index.js';
import type { Db } from '../db/index.js';
import { Invalid, NotFound } from '../web/errors.js';
import { normalizePhone } from './phone.js';
import { findContact, type ContactRow } from './repo.js';

function uniqueViolation(err: unknown): boolean {
  return (err as { code?: string }).code === '23505';
}

/** createContact adds a contact by phone number; a number already known is refused (422 on phone). */
export async function createContact(
  trx: Db,
  workspaceId: string,
  input: { phone: string; name?: string | null; email?: string | null },
  actor: Actor,
): Promise<ContactRow> {
  const phone = normalizePhone(input.phone);
  if (!phone) throw new Invalid({ phone: 'contacts.invalid_phone' });
  const existing = await trx('contacts').where({ workspace_id: workspaceId, phone_key: phone.key }).first('id');
  if (existing) throw new Invalid({ phone: 'contacts.phone_taken' }, 'contacts.phone_taken', 'contact_exists');
  try {
    const [row] = await trx('contacts')
      .insert({ workspace_id: workspaceId, phone: phone.e164, phone_key: phone.key, wa_id: phone.e164.slice(1), name: input.name ?? null, email: input.email ?? null })
      .returning('*');
    await recordAudit(trx, actor, { workspaceId, action: 'contact.created', subjectType: 'contact', subjectId: row.id });
    return row;
  } catch (err) {
    if (uniqueViolation(err)) throw new Invalid({ phone: 'contacts.phone_taken' }, 'contacts.phone_taken', 'contact_exists');
    throw err;
  }
}

/** updateContact changes a contact's name, email or phone. */
export async function updateContact(
  trx: Db,
  workspaceId: string,
  contactId: string,
  input: { phone?: string; name?: string | null; email?: string | null },
  actor: Actor,
): Promise<ContactRow> {
  const contact = await findContact(trx, workspaceId, contactId);
  if (!contact) throw new NotFound();
  const changes: Record<string, unknown> = {};
  if (input.name !== undefined) changes.name = input.name;
  if (input.email !== undefined) changes.email = input.email;
  if (input.phone !== undefined) {
    const phone = normalizePhone(input.phone);
    if (!phone) throw new Invalid({ phone: 'contacts.invalid_phone' });
    Object.assign(changes, { phone: phone.e164, phone_key: phone.key, wa_id: phone.e164.slice(1) });
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
