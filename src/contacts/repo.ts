// Contacts: queries take the workspace id first.
import type { Knex } from 'knex';
import { decodeCursor, paginate, type Page } from '../api/pagination.js';
import { isUuid, type Db } from '../db/index.js';
import { digitsOf, normalizePhone } from './phone.js';

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
  /** Custom field values by field key (see fields.ts). */
  custom: Record<string, unknown>;
  created_at: Date;
  updated_at: Date;
}

/** findContact loads a contact of the workspace. */
export function findContact(db: Db, workspaceId: string, id: string): Promise<ContactRow | undefined> {
  if (!isUuid(id)) return Promise.resolve(undefined);
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

/** A label as contact lists and the API show it. */
export interface LabelRef {
  id: string;
  name: string;
  color: string;
}

/** labelsOfContacts returns each contact's labels (by name), for a page of contacts. */
export async function labelsOfContacts(db: Db, workspaceId: string, contactIds: string[]): Promise<Map<string, LabelRef[]>> {
  const byContact = new Map<string, LabelRef[]>(contactIds.map((id) => [id, []]));
  if (!contactIds.length) return byContact;
  const rows = await db('contact_labels as cl')
    .join('labels as l', function () {
      this.on('l.id', 'cl.label_id').andOn('l.workspace_id', 'cl.workspace_id');
    })
    .where('cl.workspace_id', workspaceId)
    .whereIn('cl.contact_id', contactIds)
    .orderBy('l.name')
    .select('cl.contact_id', 'l.id', 'l.name', 'l.color');
  for (const r of rows) byContact.get(r.contact_id)?.push({ id: r.id, name: r.name, color: r.color });
  return byContact;
}

/** labelsOfContact returns one contact's labels, by name. */
export async function labelsOfContact(db: Db, workspaceId: string, contactId: string): Promise<LabelRef[]> {
  return (await labelsOfContacts(db, workspaceId, [contactId])).get(contactId) ?? [];
}

/** lastActivityOfContacts returns when each contact last wrote or was written to (any channel). */
export async function lastActivityOfContacts(db: Db, workspaceId: string, contactIds: string[]): Promise<Map<string, Date>> {
  if (!contactIds.length) return new Map();
  const rows = await db('conversations')
    .where('workspace_id', workspaceId)
    .whereIn('contact_id', contactIds)
    .whereNotNull('last_message_at')
    .groupBy('contact_id')
    .select('contact_id', db.raw('max(last_message_at) AS at'));
  return new Map(rows.map((r: { contact_id: string; at: Date }) => [r.contact_id, r.at]));
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** tsPrefix quotes a word as one tsquery lexeme with prefix matching ('ana.souza@exa' -> 'ana.souza@exa':*). */
function tsPrefix(word: string): string {
  return `'${word.replace(/\\/g, '\\\\').replace(/'/g, "''")}':*`;
}

/**
 * whereContactMatches narrows a contacts query to a search. Words: each must start a word of the
 * name, WhatsApp name, username or email (the `search` tsvector, GIN-indexed). A number (only
 * digits and phone punctuation): the whole number in any written form ('+55 (11) 98765-4321',
 * '5511987654321', Brazil's form without the ninth digit), its beginning with the country code,
 * or its end (the local number, the last digits); each through an index.
 */
export function whereContactMatches(query: Knex.QueryBuilder, q: string, alias = 'contacts'): Knex.QueryBuilder {
  const text = q.trim();
  if (!text) return query;
  const digits = digitsOf(text).replace(/^0+/, '');
  if (/^[+\d\s().-]+$/.test(text) && digits.length >= 3) {
    const whole = normalizePhone(text);
    const reversed = [...digits].reverse().join('');
    return query.andWhere((w) => {
      if (whole) w.orWhere(`${alias}.phone_key`, 'like', `${escapeLike(whole.key)}%`);
      w.orWhere(`${alias}.phone`, 'like', `+${digits}%`);
      w.orWhereRaw(`reverse(${alias}.phone) LIKE ?`, [`${reversed}%`]);
      w.orWhereRaw(`reverse(${alias}.phone_key) LIKE ?`, [`${reversed}%`]);
    });
  }
  const words = text.toLowerCase().split(/\s+/).filter(Boolean).slice(0, 8);
  // Each word either as the parser reads it (names, "o'brien") or as one lexeme (a partly typed email).
  const parts = words.map(() => `(to_tsquery('simple', ?) || ?::tsquery)`).join(' && ');
  return query.andWhereRaw(`${alias}.search @@ (${parts})`, words.flatMap((word) => [tsPrefix(word), tsPrefix(word)]));
}

/** How many of the newest contacts a search looks through before asking the indexes instead. */
const SEARCH_WINDOW = 5000;

/**
 * searchContacts pages through the workspace's contacts, newest first, optionally matching a
 * search. A common search fills its page from the newest few thousand contacts (walking the
 * created_at index); a rarer one, which would walk far, is answered from the search indexes and
 * sorted. Either way the page is exact.
 */
export async function searchContacts(
  db: Db,
  workspaceId: string,
  q: string,
  page: Page,
  /** More conditions on the contacts (the API's phone and wa_id filters). */
  narrow?: (query: Knex.QueryBuilder) => void,
): Promise<{ data: ContactRow[]; next_cursor: string | null }> {
  const order = { timeColumn: 'contacts.created_at', idColumn: 'contacts.id' };
  const base = () => {
    const query = db('contacts').where('contacts.workspace_id', workspaceId).select('contacts.*');
    narrow?.(query);
    return query;
  };
  if (!q.trim()) return paginate<ContactRow & Record<string, unknown>>(base(), page, order);
  const recent = base()
    .orderBy([{ column: 'contacts.created_at', order: 'desc' }, { column: 'contacts.id', order: 'desc' }])
    .limit(SEARCH_WINDOW);
  if (page.cursor) {
    const after = decodeCursor(page.cursor);
    recent.whereRaw('(contacts.created_at, contacts.id) < (?::timestamptz, ?::uuid)', [after.at, after.id]);
  }
  const inWindow = whereContactMatches(db.from(recent.as('contacts')).select('contacts.*'), q);
  const first = await paginate<ContactRow & Record<string, unknown>>(inWindow, page, order);
  // A full page with more to come is exactly the newest matches; otherwise ask the indexes.
  if (first.next_cursor) return first;
  const found = db.withMaterialized('contacts_found', whereContactMatches(base(), q)).from({ contacts: 'contacts_found' }).select('contacts.*');
  return paginate<ContactRow & Record<string, unknown>>(found, page, order);
}

export interface ContactConversation {
  id: string;
  channel_id: string;
  channel_name: string | null;
  status: string;
  last_message_at: Date | null;
  last_message_preview: string | null;
  unread_count: number;
}

/** conversationsOfContact lists a contact's conversations (one per channel), latest activity first. */
export function conversationsOfContact(db: Db, workspaceId: string, contactId: string): Promise<ContactConversation[]> {
  return db('conversations as c')
    .leftJoin('channels as ch', function () {
      this.on('ch.id', 'c.channel_id').andOn('ch.workspace_id', 'c.workspace_id');
    })
    .where({ 'c.workspace_id': workspaceId, 'c.contact_id': contactId })
    .orderByRaw('c.last_message_at DESC NULLS LAST, c.id')
    .select('c.id', 'c.channel_id', 'ch.name as channel_name', 'c.status', 'c.last_message_at', 'c.last_message_preview', 'c.unread_count');
}

export interface ContactNote {
  id: string;
  body: string;
  conversation_id: string | null;
  author_name: string | null;
  created_at: Date;
}

/** notesOfContact lists the private notes about a contact, newest first. */
export function notesOfContact(db: Db, workspaceId: string, contactId: string, limit = 100): Promise<ContactNote[]> {
  return db('notes as n')
    .leftJoin('users as u', 'u.id', 'n.author_id')
    .where({ 'n.workspace_id': workspaceId, 'n.contact_id': contactId })
    .orderBy([{ column: 'n.created_at', order: 'desc' }, { column: 'n.id', order: 'desc' }])
    .limit(limit)
    .select('n.id', 'n.body', 'n.conversation_id', 'u.name as author_name', 'n.created_at');
}
