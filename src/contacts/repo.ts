// Contacts: queries take the workspace id first.
import type { Db } from '../db/index.js';
import { normalizePhone } from './phone.js';

export interface ContactRow {
  id: string;
  workspace_id: string;
  phone: string | null;
  phone_key: string | null;
  wa_id: string | null;
  wa_user_id: string | null;
  username: string | null;
  name: string | null;
  profile_name: string | null;
  email: string | null;
  created_at: Date;
  updated_at: Date;
}

/** findContact loads a contact of the workspace. */
export function findContact(db: Db, workspaceId: string, id: string): Promise<ContactRow | undefined> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return Promise.resolve(undefined);
  return db('contacts').where({ workspace_id: workspaceId, id }).first();
}

/** findContactByPhone finds the contact a phone number belongs to, whatever form it is written in. */
export function findContactByPhone(db: Db, workspaceId: string, phone: string): Promise<ContactRow | undefined> {
  const normalized = normalizePhone(phone);
  if (!normalized) return Promise.resolve(undefined);
  return db('contacts').where({ workspace_id: workspaceId, phone_key: normalized.key }).first();
}

/** contactDisplayName is what the UI calls a contact: the given name, the WhatsApp name, or the number. */
export function contactDisplayName(c: Pick<ContactRow, 'name' | 'profile_name' | 'phone' | 'username'>): string {
  return c.name || c.profile_name || c.phone || (c.username ? `@${c.username}` : '') || 'Unknown';
}

export interface WhatsAppIdentity {
  /** wa_id or a phone number; may be missing for a customer who uses a username. */
  waId?: string | null;
  /** Business-scoped user id (contacts[].user_id / from_user_id). */
  userId?: string | null;
  profileName?: string | null;
  username?: string | null;
}

/**
 * upsertWhatsAppContact finds the workspace's contact for a WhatsApp identity (by phone key, then
 * by user id) or creates it, and refreshes what WhatsApp tells about them (profile name, ids).
 * Unique indexes decide between concurrent creators: the loser reads the winner's row.
 */
export async function upsertWhatsAppContact(db: Db, workspaceId: string, who: WhatsAppIdentity): Promise<ContactRow> {
  const phone = who.waId ? normalizePhone(who.waId) : null;
  if (!phone && !who.userId) throw new Error('a WhatsApp contact needs a wa_id or a user_id');
  const find = async (): Promise<ContactRow | undefined> => {
    if (phone) {
      const byPhone = await db('contacts').where({ workspace_id: workspaceId, phone_key: phone.key }).first();
      if (byPhone) return byPhone;
    }
    if (who.userId) return db('contacts').where({ workspace_id: workspaceId, wa_user_id: who.userId }).first();
    return undefined;
  };
  let contact = await find();
  if (!contact) {
    const inserted = await db.raw(
      `INSERT INTO contacts (workspace_id, phone, phone_key, wa_id, wa_user_id, username, profile_name)
       VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING *`,
      [workspaceId, phone?.e164 ?? null, phone?.key ?? null, who.waId ? who.waId.replace(/\D/g, '') : null, who.userId ?? null, who.username ?? null, who.profileName ?? null],
    );
    contact = inserted.rows[0] ?? (await find());
    if (!contact) throw new Error('contact upsert found no row after a conflict');
    return contact;
  }
  const changes: Partial<ContactRow> = {};
  if (who.profileName && who.profileName !== contact.profile_name) changes.profile_name = who.profileName;
  if (who.username && who.username !== contact.username) changes.username = who.username;
  if (who.userId && !contact.wa_user_id) changes.wa_user_id = who.userId;
  if (phone && !contact.phone_key) Object.assign(changes, { phone: phone.e164, phone_key: phone.key });
  if (who.waId && contact.wa_id !== who.waId.replace(/\D/g, '')) changes.wa_id = who.waId.replace(/\D/g, '');
  if (Object.keys(changes).length) {
    try {
      const [updated] = await db('contacts')
        .where({ workspace_id: workspaceId, id: contact.id })
        .update({ ...changes, updated_at: db.fn.now() })
        .returning('*');
      contact = updated;
    } catch (err) {
      // Another contact already holds that user id or phone key: keep this one as it was.
      if ((err as { code?: string }).code !== '23505') throw err;
    }
  }
  return contact!;
}
