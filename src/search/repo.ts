// Search over a workspace's contacts and message text (issue 4, item 7). Postgres full-text
// search with the 'simple' configuration on the generated tsvector columns contacts.search and
// messages.search (GIN indexes, see migrations/20261129500300_add_search_indexes.ts), and phone
// digits on contacts.phone_key. Every query is scoped to the workspace.
//
// The query as typed is read with websearch_to_tsquery ("phrases", -not, or); its last word is
// also matched as a prefix so results appear while typing. Rank: a document matching the whole
// query as typed scores 1 more than one matching only through the prefix, plus ts_rank (how
// often and how prominently the words occur; not normalised by length, which says little about
// chat messages), rounded so that among equally good matches the newest comes first. Contacts
// also score on phone digits (whole number > start > inside) and email. Messages are ranked in
// batches of the most recent matches (RANKED_BATCH), which keeps a search fast however many
// messages contain a common word.
import type { Knex } from 'knex';
import { z } from 'zod';
import { decodeCursor, encodeCursor } from '../api/pagination.js';
import { contactDisplayName } from '../contacts/repo.js';
import type { Db } from '../db/index.js';
import { Invalid } from '../web/errors.js';
import { HIDDEN_CHARS, plainSnippet, START_MARK, STOP_MARK } from './highlight.js';
import type { SearchTerms } from './query.js';

export interface ContactHit {
  id: string;
  name: string | null;
  profile_name: string | null;
  phone: string | null;
  username: string | null;
  email: string | null;
  display_name: string;
  created_at: Date;
  updated_at: Date;
  rank: string;
}

export interface MessageHit {
  id: string;
  conversation_id: string;
  contact_id: string;
  channel_id: string;
  direction: 'inbound' | 'outbound';
  type: string;
  text: string;
  created_at: Date;
  /** ts_headline of the text, matches between START_MARK and STOP_MARK; see highlight.ts. */
  snippet: string;
  contact_name: string;
  channel_name: string;
  rank: string;
}

export interface HitPage<T> {
  items: T[];
  /** Give it back as `cursor` for the next page; null on the last one. */
  next_cursor: string | null;
}

export interface PageRequest {
  limit: number;
  cursor?: string | null;
}

/** A result cursor: the rank, then the contact's update time and id, as the results are ordered. */
const decodeRankCursor = (cursor: string) => decodeCursor<{ r: string }>(cursor, (c) => typeof c.r === 'string' && /^-?\d+(\.\d+)?$/.test(c.r));

// ts_headline drops what its parser takes for HTML tags and entities; hiding < > & from it (as
// private-use characters that highlight.ts turns back) keeps a customer's text as they wrote it.
// The two marker characters are taken out of the text so only ts_headline can place them.
const HEADLINE_FROM = `${Object.values(HIDDEN_CHARS).join('')}${START_MARK}${STOP_MARK}`;
const HEADLINE_TO = Object.keys(HIDDEN_CHARS).join('');
// A short message is shown whole; a long one as up to two fragments around its matches.
const SHORT_TEXT = 280;
const HEADLINE_SHORT = `StartSel=${START_MARK}, StopSel=${STOP_MARK}, MaxWords=100, MinWords=60, ShortWord=0`;
const HEADLINE_LONG = `StartSel=${START_MARK}, StopSel=${STOP_MARK}, MaxWords=24, MinWords=12, ShortWord=1, MaxFragments=2, FragmentDelimiter=" … "`;

/** withEllipses marks where a snippet leaves out the start or the end of the text. */
function withEllipses(snippet: string, text: string): string {
  const plain = plainSnippet(snippet).trim();
  const whole = text.trim();
  const head = plain.slice(0, 12);
  const tail = plain.slice(-12);
  return `${whole.startsWith(head) ? '' : '… '}${snippet.trim()}${whole.endsWith(tail) ? '' : ' …'}`;
}

/**
 * searchTsqueries are the tsqueries of a search, as SQL with bindings: `exact` is the query as
 * typed, `match` what a document must match (the query with its last word as a prefix).
 */
export function searchTsqueries(db: Db, terms: SearchTerms): { exact: Knex.Raw; match: Knex.Raw } {
  const exact = db.raw("websearch_to_tsquery('simple', ?)", [terms.text]);
  const p = terms.prefix;
  if (!p) return { exact, match: exact };
  const hasRest = /[\p{L}\p{N}]/u.test(p.rest);
  // A one-letter last word would match a large part of every language: leave it out until
  // the next letter comes.
  if (p.word.length < 2) return { exact, match: hasRest ? db.raw("websearch_to_tsquery('simple', ?)", [p.rest]) : exact };
  const prefix = db.raw("to_tsquery('simple', ?)", [`'${p.word}':*`]);
  if (!hasRest) return { exact, match: prefix };
  return { exact, match: db.raw(`(websearch_to_tsquery('simple', ?) ${p.joiner === '|' ? '||' : '&&'} ?)`, [p.rest, prefix]) };
}

/** searchContacts finds the workspace's contacts by name, WhatsApp name, username, email or phone digits. */
export async function searchContacts(db: Db, workspaceId: string, terms: SearchTerms, page: PageRequest): Promise<HitPage<ContactHit>> {
  const { exact, match } = searchTsqueries(db, terms);
  const conditions: Knex.Raw[] = [db.raw('c.search @@ ?', [match])];
  const scores: Knex.Raw[] = [db.raw('CASE WHEN c.search @@ ? THEN (c.search @@ ?)::int + ts_rank(c.search, ?) ELSE 0 END', [match, exact, match])];
  if (terms.phoneDigits) {
    const digits = terms.phoneDigits;
    conditions.push(db.raw('c.phone_key LIKE ANY(?::text[])', [digits.map((d) => `%${d}%`)]));
    // The whole number beats its start, which beats digits found inside it.
    scores.push(
      db.raw('CASE WHEN c.phone_key = ANY(?::text[]) THEN 3 WHEN c.phone_key LIKE ANY(?::text[]) THEN 2 WHEN c.phone_key LIKE ANY(?::text[]) THEN 1 ELSE 0 END', [
        digits,
        digits.map((d) => `${d}%`),
        digits.map((d) => `%${d}%`),
      ]),
    );
  }
  if (terms.email) {
    const like = `${terms.email.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
    conditions.push(db.raw('lower(c.email) LIKE ?', [like]));
    scores.push(db.raw('CASE WHEN lower(c.email) = ? THEN 2 WHEN lower(c.email) LIKE ? THEN 1 ELSE 0 END', [terms.email, like]));
  }
  const ranked = db('contacts as c')
    .where('c.workspace_id', workspaceId)
    .andWhere((w) => {
      for (const c of conditions) w.orWhere(c);
    })
    .select(
      'c.id',
      'c.name',
      'c.profile_name',
      'c.phone',
      'c.username',
      'c.email',
      'c.created_at',
      'c.updated_at',
      db.raw('c.updated_at::text AS at_text'),
      db.raw(`round((${scores.map(() => '?').join(' + ')})::numeric, 4) AS rank_value`, scores),
    );
  const query = db.select('r.*', db.raw('r.rank_value::text AS rank')).from(ranked.as('r'));
  if (page.cursor) {
    const c = decodeRankCursor(page.cursor);
    query.whereRaw('(r.rank_value, r.updated_at, r.id) < (?::numeric, ?::timestamptz, ?::uuid)', [c.r, c.at, c.id]);
  }
  const rows = await query.orderByRaw('r.rank_value DESC, r.updated_at DESC, r.id DESC').limit(page.limit + 1);
  const more = rows.length > page.limit;
  const items = (more ? rows.slice(0, page.limit) : rows).map(({ at_text: _a, rank_value: _r, ...row }) => ({ ...row, display_name: contactDisplayName(row) }) as ContactHit);
  return { items, next_cursor: more ? encodeCursor({ r: rows[page.limit - 1].rank, at: rows[page.limit - 1].at_text, id: rows[page.limit - 1].id }) : null };
}

/**
 * How many of the most recent matches one ranking covers. Ranking every match of a common word
 * would read each of its rows (tens of thousands at a million messages); the newest matches are
 * found by walking messages_workspace_recent_idx and stop early. A search matching more pages on
 * into the next, older, batch of matches, ranked in turn.
 */
export const RANKED_BATCH = 1000;

interface MessageCursor {
  /** Position in the batch: the last row shown (rank, created_at, id). */
  r?: string;
  at?: string;
  id?: string;
  /** The batch holds matches older than this message (created_at, id); none for the first batch. */
  bat?: string;
  bid?: string;
}

const timestamp = z.string().refine((v) => !Number.isNaN(Date.parse(v)));
const MessageCursorShape = z
  .object({ r: z.string().regex(/^-?\d+(\.\d+)?$/).optional(), at: timestamp.optional(), id: z.uuid().optional(), bat: timestamp.optional(), bid: z.uuid().optional() })
  .refine((c) => [c.r, c.at, c.id].every((v) => v === undefined) || [c.r, c.at, c.id].every((v) => v !== undefined))
  .refine((c) => (c.bat === undefined) === (c.bid === undefined))
  .refine((c) => c.r !== undefined || c.bat !== undefined);

function decodeMessageCursor(cursor: string): MessageCursor {
  try {
    const c = MessageCursorShape.safeParse(JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')));
    if (c.success) return c.data;
  } catch {
    // fall through
  }
  throw new Invalid({ cursor: 'api.bad_cursor' });
}

function encodeMessageCursor(c: MessageCursor): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url');
}

/** searchMessages finds the workspace's messages by their text, with a highlighted snippet each. */
export async function searchMessages(db: Db, workspaceId: string, terms: SearchTerms, page: PageRequest): Promise<HitPage<MessageHit>> {
  const { exact, match } = searchTsqueries(db, terms);
  const cursor = page.cursor ? decodeMessageCursor(page.cursor) : {};
  const batch = db('messages as m')
    .where('m.workspace_id', workspaceId)
    .whereRaw('m.search @@ ?', [match])
    .whereNull('m.deleted_at')
    .orderByRaw('m.created_at DESC, m.id DESC')
    .limit(RANKED_BATCH)
    .select('m.id', 'm.conversation_id', 'm.contact_id', 'm.channel_id', 'm.direction', 'm.type', 'm.text', 'm.created_at', 'm.search');
  if (cursor.bat) batch.whereRaw('(m.created_at, m.id) < (?::timestamptz, ?::uuid)', [cursor.bat, cursor.bid!]);
  const ranked = db
    .select('b.id', 'b.conversation_id', 'b.contact_id', 'b.channel_id', 'b.direction', 'b.type', 'b.text', 'b.created_at')
    .select(db.raw('round(((b.search @@ ?)::int + ts_rank(b.search, ?))::numeric, 4) AS rank_value', [exact, match]))
    .from('batch as b');
  const top = db.select('*').from(ranked.as('ranked'));
  if (cursor.r !== undefined) top.whereRaw('(ranked.rank_value, ranked.created_at, ranked.id) < (?::numeric, ?::timestamptz, ?::uuid)', [cursor.r, cursor.at!, cursor.id!]);
  top.orderByRaw('ranked.rank_value DESC, ranked.created_at DESC, ranked.id DESC').limit(page.limit + 1);
  // Snippets, contact and channel names only for the page's rows.
  const rows = await db
    .withMaterialized('batch', batch)
    .select(
      'h.*',
      db.raw('h.rank_value::text AS rank'),
      db.raw('h.created_at::text AS at_text'),
      db.raw("ts_headline('simple', translate(h.text, ?, ?), ?, CASE WHEN length(h.text) <= ? THEN ? ELSE ? END) AS snippet", [
        HEADLINE_FROM,
        HEADLINE_TO,
        match,
        SHORT_TEXT,
        HEADLINE_SHORT,
        HEADLINE_LONG,
      ]),
      'ct.name as contact_name_given',
      'ct.profile_name as contact_profile_name',
      'ct.phone as contact_phone',
      'ct.username as contact_username',
      'ch.name as channel_name',
      db.raw('(SELECT count(*) FROM batch) AS batch_size'),
      db.raw('(SELECT created_at::text FROM batch ORDER BY created_at, id LIMIT 1) AS batch_oldest_at'),
      db.raw('(SELECT id FROM batch ORDER BY created_at, id LIMIT 1) AS batch_oldest_id'),
    )
    .from(top.as('h'))
    .join('contacts as ct', function () {
      this.on('ct.workspace_id', db.raw('?', [workspaceId])).andOn('ct.id', 'h.contact_id');
    })
    .join('channels as ch', function () {
      this.on('ch.workspace_id', db.raw('?', [workspaceId])).andOn('ch.id', 'h.channel_id');
    })
    .orderByRaw('h.rank_value DESC, h.created_at DESC, h.id DESC');
  const more = rows.length > page.limit;
  const items: MessageHit[] = (more ? rows.slice(0, page.limit) : rows).map((r) => ({
    id: r.id,
    conversation_id: r.conversation_id,
    contact_id: r.contact_id,
    channel_id: r.channel_id,
    direction: r.direction,
    type: r.type,
    text: r.text,
    created_at: r.created_at,
    snippet: withEllipses(r.snippet, r.text),
    contact_name: contactDisplayName({ name: r.contact_name_given, profile_name: r.contact_profile_name, phone: r.contact_phone, username: r.contact_username }),
    channel_name: r.channel_name,
    rank: r.rank,
  }));
  // More in this batch: continue after the last row shown. Batch used up but full: the next,
  // older batch may hold more.
  let next: MessageCursor | null = null;
  const last = rows[Math.min(rows.length, page.limit) - 1];
  const boundary = cursor.bat ? { bat: cursor.bat, bid: cursor.bid } : {};
  if (more) next = { ...boundary, r: last.rank, at: last.at_text, id: last.id };
  else if (rows.length && Number(rows[0].batch_size) >= RANKED_BATCH) next = { bat: rows[0].batch_oldest_at, bid: rows[0].batch_oldest_id };
  return { items, next_cursor: next ? encodeMessageCursor(next) : null };
}

export interface SearchResults {
  contacts: HitPage<ContactHit>;
  messages: HitPage<MessageHit>;
}

const emptyPage = { items: [], next_cursor: null };

/**
 * searchWorkspace runs one search over contacts and messages (or only the one `only` names, to
 * page it with its cursor). Terms too short to search find nothing.
 */
export async function searchWorkspace(
  db: Db,
  workspaceId: string,
  terms: SearchTerms | null,
  options: { contacts: PageRequest; messages: PageRequest; only?: 'contacts' | 'messages' },
): Promise<SearchResults> {
  if (!terms) return { contacts: emptyPage, messages: emptyPage };
  const [contacts, messages] = await Promise.all([
    options.only === 'messages' ? emptyPage : searchContacts(db, workspaceId, terms, options.contacts),
    options.only === 'contacts' ? emptyPage : searchMessages(db, workspaceId, terms, options.messages),
  ]);
  return { contacts, messages };
}
