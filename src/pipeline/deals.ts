// Queries for deals: one deal, the board's columns and their totals, the list, the timeline.
// Every function takes the workspace id first and filters on it.
import type { Knex } from 'knex';
import { isUuid, type Db } from '../db/index.js';
import { presentAmount } from './money.js';
import type { DealFilterInput } from './schema.js';

export interface DealRow {
  id: string;
  workspace_id: string;
  pipeline_id: string;
  stage_id: string;
  position: number;
  title: string;
  /** Exact decimal string as stored ("1234.5000"): present with presentAmount(). */
  value: string;
  currency: string;
  contact_id: string;
  owner_id: string | null;
  expected_close_date: string | null;
  source: string | null;
  notes: string | null;
  labels: string[];
  custom_fields: Record<string, unknown>;
  stage_entered_at: Date;
  won_at: Date | null;
  lost_at: Date | null;
  closed_at: Date | null;
  lost_reason_id: string | null;
  lost_reason: string | null;
  created_by: string | null;
  created_at: Date;
  updated_at: Date;
}

/** A deal with the names the pages show beside it. */
export interface DealView extends DealRow {
  contact_name: string;
  contact_phone: string | null;
  owner_name: string | null;
  owner_email: string | null;
  stage_name: string;
  stage_kind: 'open' | 'won' | 'lost';
  stage_probability: number | null;
  pipeline_name: string;
  /** The contact's latest message is from them and nobody answered yet. */
  waiting: boolean;
}

/** What filters need to know besides the query string. */
export interface FilterContext {
  userId: string | null;
  timeZone: string;
  /** Won and lost deals stay on the board this many days after closing. */
  visibleDays: number;
  now?: Date;
}

/** The name the UI shows for a contact, in SQL (same rule as contactDisplayName). */
export const CONTACT_NAME_SQL = "coalesce(nullif(c.name, ''), nullif(c.profile_name, ''), c.phone, '@' || c.username, 'Unknown')";

// Whether the contact is waiting for a reply: the latest message (reactions aside) of their most
// recent conversation is inbound. Walks the contact's conversations and each one's newest
// message through the existing (workspace, contact) and (workspace, conversation, time) indexes.
const WAITING_SQL = `coalesce((
  SELECT lm.direction = 'inbound' FROM conversations cv
  CROSS JOIN LATERAL (
    SELECT m.direction, m.created_at FROM messages m
    WHERE m.workspace_id = cv.workspace_id AND m.conversation_id = cv.id AND m.type <> 'reaction'
    ORDER BY m.created_at DESC, m.id DESC LIMIT 1
  ) lm
  WHERE cv.workspace_id = d.workspace_id AND cv.contact_id = d.contact_id
  ORDER BY lm.created_at DESC LIMIT 1
), false)`;

function dealsWithNames(db: Db, workspaceId: string): Knex.QueryBuilder {
  return db('deals as d')
    .join('contacts as c', (j) => j.on('c.workspace_id', 'd.workspace_id').andOn('c.id', 'd.contact_id'))
    .join('pipeline_stages as s', (j) => j.on('s.workspace_id', 'd.workspace_id').andOn('s.id', 'd.stage_id'))
    .join('pipelines as p', (j) => j.on('p.workspace_id', 'd.workspace_id').andOn('p.id', 'd.pipeline_id'))
    .leftJoin('users as u', 'u.id', 'd.owner_id')
    .where('d.workspace_id', workspaceId);
}

const VIEW_COLUMNS = (db: Db) => [
  'd.*',
  db.raw(`${CONTACT_NAME_SQL} as contact_name`),
  'c.phone as contact_phone',
  'u.name as owner_name',
  'u.email as owner_email',
  's.name as stage_name',
  's.kind as stage_kind',
  's.probability as stage_probability',
  'p.name as pipeline_name',
];

/** findDeal loads a deal of the workspace (the bare row). */
export function findDeal(db: Db, workspaceId: string, id: string): Promise<DealRow | undefined> {
  if (!isUuid(id)) return Promise.resolve(undefined);
  return db('deals').where({ workspace_id: workspaceId, id }).first();
}

/** findDealForUpdate loads and row-locks a deal inside a transaction. */
export function findDealForUpdate(db: Db, workspaceId: string, id: string): Promise<DealRow | undefined> {
  if (!isUuid(id)) return Promise.resolve(undefined);
  return db('deals').where({ workspace_id: workspaceId, id }).forUpdate().first();
}

/** findDealView loads a deal with its contact, owner, stage and pipeline names. */
export async function findDealView(db: Db, workspaceId: string, id: string): Promise<DealView | undefined> {
  if (!isUuid(id)) return undefined;
  return dealsWithNames(db, workspaceId)
    .andWhere('d.id', id)
    .first([...VIEW_COLUMNS(db), db.raw(`${WAITING_SQL} as waiting`)]);
}

/** insertDeal stores a new deal. */
export async function insertDeal(db: Db, values: Partial<DealRow> & Pick<DealRow, 'workspace_id' | 'pipeline_id' | 'stage_id' | 'position' | 'title' | 'value' | 'currency' | 'contact_id'>): Promise<DealRow> {
  const [row] = await db('deals')
    .insert({ ...values, custom_fields: JSON.stringify(values.custom_fields ?? {}) })
    .returning('*');
  return row;
}

/** updateDeal changes a deal's columns. */
export async function updateDeal(db: Db, workspaceId: string, id: string, values: Partial<DealRow>): Promise<DealRow> {
  const row: Record<string, unknown> = { ...values, updated_at: db.fn.now() };
  if (values.custom_fields) row.custom_fields = JSON.stringify(values.custom_fields);
  const [updated] = await db('deals').where({ workspace_id: workspaceId, id }).update(row).returning('*');
  return updated;
}

/** deleteDeal removes a deal (its events go with it). */
export async function deleteDeal(db: Db, workspaceId: string, id: string): Promise<number> {
  return db('deals').where({ workspace_id: workspaceId, id }).delete();
}

// ---------- Column order ----------

/** The place of a deal in its column. */
export interface Slot {
  id: string;
  position: number;
}

function column(db: Db, workspaceId: string, stageId: string, excludeId: string | null) {
  const q = db('deals').where({ workspace_id: workspaceId, stage_id: stageId });
  if (excludeId) q.andWhereNot('id', excludeId);
  return q;
}

/** slotAfter is the deal right after `position` in the column (skipping `excludeId`). */
export function slotAfter(db: Db, workspaceId: string, stageId: string, position: number, excludeId: string | null): Promise<Slot | undefined> {
  return column(db, workspaceId, stageId, excludeId).andWhere('position', '>', position).orderBy([{ column: 'position' }, { column: 'id' }]).first('id', 'position');
}

/** slotBefore is the deal right before `position` in the column (skipping `excludeId`). */
export function slotBefore(db: Db, workspaceId: string, stageId: string, position: number, excludeId: string | null): Promise<Slot | undefined> {
  return column(db, workspaceId, stageId, excludeId)
    .andWhere('position', '<', position)
    .orderBy([{ column: 'position', order: 'desc' }, { column: 'id', order: 'desc' }])
    .first('id', 'position');
}

/** slotAt is the deal at 0-based `index` of the column (skipping `excludeId`). */
export function slotAt(db: Db, workspaceId: string, stageId: string, index: number, excludeId: string | null): Promise<Slot | undefined> {
  return column(db, workspaceId, stageId, excludeId).orderBy([{ column: 'position' }, { column: 'id' }]).offset(index).first('id', 'position');
}

/** lastSlot is the column's last deal (skipping `excludeId`). */
export function lastSlot(db: Db, workspaceId: string, stageId: string, excludeId: string | null): Promise<Slot | undefined> {
  return column(db, workspaceId, stageId, excludeId).orderBy([{ column: 'position', order: 'desc' }, { column: 'id', order: 'desc' }]).first('id', 'position');
}

/** findSlot loads a deal's place if the deal is in that column. */
export function findSlot(db: Db, workspaceId: string, stageId: string, dealId: string): Promise<Slot | undefined> {
  if (!isUuid(dealId)) return Promise.resolve(undefined);
  return db('deals').where({ workspace_id: workspaceId, stage_id: stageId, id: dealId }).first('id', 'position');
}

/** renumberColumn spreads a column's positions `gap` apart again, keeping the order. */
export async function renumberColumn(db: Db, workspaceId: string, stageId: string, gap: number): Promise<void> {
  await db.raw(
    `UPDATE deals SET position = r.rn * ? FROM (
       SELECT id, row_number() OVER (ORDER BY position, id) AS rn FROM deals WHERE workspace_id = ? AND stage_id = ?
     ) r WHERE deals.workspace_id = ? AND deals.id = r.id`,
    [gap, workspaceId, stageId, workspaceId],
  );
}

// ---------- Filters ----------

/** todayIn is the calendar date (YYYY-MM-DD) in a time zone. */
export function todayIn(timeZone: string, now = new Date()): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(now);
}

function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** closeRange turns a named period into [from, to] dates (inclusive) in the workspace's time zone. */
export function closeRange(range: string, timeZone: string, now = new Date()): [string | null, string | null] {
  const today = todayIn(timeZone, now);
  const d = new Date(`${today}T00:00:00Z`);
  switch (range) {
    case 'overdue':
      return [null, addDays(today, -1)];
    case 'this_week': {
      const monday = addDays(today, -((d.getUTCDay() + 6) % 7));
      return [monday, addDays(monday, 6)];
    }
    case 'this_month': {
      const first = today.slice(0, 8) + '01';
      const next = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)).toISOString().slice(0, 10);
      return [first, addDays(next, -1)];
    }
    case 'next_month': {
      const first = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1)).toISOString().slice(0, 10);
      const after = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 2, 1)).toISOString().slice(0, 10);
      return [first, addDays(after, -1)];
    }
    default:
      return [null, null];
  }
}

const likeEscape = (s: string) => s.replace(/[\\%_]/g, (ch) => `\\${ch}`);

/** applyFilters narrows a query on `deals as d` joined to `contacts as c` by the board/list filters. */
export function applyFilters(q: Knex.QueryBuilder, filters: DealFilterInput, fctx: FilterContext): Knex.QueryBuilder {
  if (filters.owner === 'me') q.andWhere('d.owner_id', fctx.userId ?? '00000000-0000-0000-0000-000000000000');
  else if (filters.owner === 'none') q.whereNull('d.owner_id');
  else if (filters.owner) q.andWhere('d.owner_id', filters.owner);
  if (filters.label) q.andWhereRaw('d.labels @> ARRAY[?]::text[]', [filters.label]);
  if (filters.close === 'none') q.whereNull('d.expected_close_date');
  else if (filters.close) {
    const [from, to] = closeRange(filters.close, fctx.timeZone, fctx.now);
    if (from) q.andWhere('d.expected_close_date', '>=', from);
    if (to) q.andWhere('d.expected_close_date', '<=', to);
    if (filters.close === 'overdue') q.whereNull('d.closed_at');
  }
  if (filters.q) {
    const like = `%${likeEscape(filters.q)}%`;
    q.andWhere((w) =>
      w
        .whereRaw("d.title ILIKE ? ESCAPE '\\'", [like])
        .orWhereRaw("c.name ILIKE ? ESCAPE '\\'", [like])
        .orWhereRaw("c.profile_name ILIKE ? ESCAPE '\\'", [like])
        .orWhereRaw("c.phone ILIKE ? ESCAPE '\\'", [like]),
    );
  }
  if (filters.status === 'open') q.whereNull('d.closed_at');
  else if (filters.status === 'won') q.whereNotNull('d.won_at');
  else if (filters.status === 'lost') q.whereNotNull('d.lost_at');
  if (filters.stage) q.andWhere('d.stage_id', filters.stage);
  return q;
}

/** onBoard keeps deals the board shows: open ones, and closed ones for `visibleDays` after closing. */
function onBoard(q: Knex.QueryBuilder, fctx: FilterContext): Knex.QueryBuilder {
  const cutoff = new Date((fctx.now ?? new Date()).getTime() - fctx.visibleDays * 86_400_000);
  return q.andWhere((w) => w.whereNull('d.closed_at').orWhere('d.closed_at', '>=', cutoff));
}

// ---------- Board ----------

/** A card on the board. */
export interface DealCard {
  id: string;
  stage_id: string;
  position: number;
  title: string;
  value: string;
  currency: string;
  /** value in the currency's format ("1234.50"). */
  amount: string;
  expected_close_date: string | null;
  /** Open and its expected close date has passed (in the workspace's time zone). */
  overdue?: boolean;
  labels: string[];
  stage_entered_at: Date;
  closed_at: Date | null;
  owner_id: string | null;
  owner_name: string | null;
  contact_id: string;
  contact_name: string;
  waiting: boolean;
}

function cardQuery(db: Db, workspaceId: string): Knex.QueryBuilder {
  return db('deals as d')
    .join('contacts as c', (j) => j.on('c.workspace_id', 'd.workspace_id').andOn('c.id', 'd.contact_id'))
    .leftJoin('users as u', 'u.id', 'd.owner_id')
    .where('d.workspace_id', workspaceId)
    .select(
      'd.id',
      'd.stage_id',
      'd.position',
      'd.title',
      'd.value',
      'd.currency',
      'd.expected_close_date',
      'd.labels',
      'd.stage_entered_at',
      'd.closed_at',
      'd.owner_id',
      'u.name as owner_name',
      'd.contact_id',
      db.raw(`${CONTACT_NAME_SQL} as contact_name`),
      db.raw(`${WAITING_SQL} as waiting`),
    );
}

/** columnCards loads a page of a stage's cards in board order, after the keyset `after`. */
export async function columnCards(
  db: Db,
  workspaceId: string,
  stageId: string,
  filters: DealFilterInput,
  fctx: FilterContext,
  opts: { after?: Slot; limit: number },
): Promise<DealCard[]> {
  const q = cardQuery(db, workspaceId)
    .select(db.raw('(d.closed_at IS NULL AND d.expected_close_date < (now() AT TIME ZONE ?)::date) AS overdue', [fctx.timeZone]))
    .andWhere('d.stage_id', stageId);
  onBoard(q, fctx);
  applyFilters(q, filters, fctx);
  if (opts.after) q.andWhereRaw('(d.position, d.id) > (?, ?::uuid)', [opts.after.position, opts.after.id]);
  const rows: DealCard[] = await q.orderBy([{ column: 'd.position' }, { column: 'd.id' }]).limit(opts.limit);
  return rows.map(withAmount);
}

function withAmount(card: DealCard): DealCard {
  const currency = card.currency.trim();
  return { ...card, currency, position: Number(card.position), amount: presentAmount(card.value, currency) };
}

/** findCard loads one deal as a board card. */
export function findCard(db: Db, workspaceId: string, dealId: string): Promise<DealCard | undefined> {
  if (!isUuid(dealId)) return Promise.resolve(undefined);
  return cardQuery(db, workspaceId).andWhere('d.id', dealId).first().then((c: DealCard | undefined) => c && withAmount(c));
}

/** One stage's count and sum in one currency. */
export interface ColumnTotal {
  stage_id: string;
  currency: string;
  count: number;
  /** Exact sum (numeric as a string). */
  total: string;
}

/** columnTotals counts and sums (in SQL, exactly) the board's deals per stage and currency. */
export async function columnTotals(
  db: Db,
  workspaceId: string,
  stageIds: string[],
  filters: DealFilterInput,
  fctx: FilterContext,
): Promise<ColumnTotal[]> {
  if (!stageIds.length) return [];
  const q = db('deals as d')
    .where('d.workspace_id', workspaceId)
    .whereIn('d.stage_id', stageIds);
  if (filters.q) q.join('contacts as c', (j) => j.on('c.workspace_id', 'd.workspace_id').andOn('c.id', 'd.contact_id'));
  onBoard(q, fctx);
  applyFilters(q, filters, fctx);
  return q.groupBy('d.stage_id', 'd.currency').select('d.stage_id', 'd.currency', db.raw('count(*) as count'), db.raw('sum(d.value) as total'));
}

/** boardLabels lists the labels used on the workspace's deals, for the label filter. */
export async function boardLabels(db: Db, workspaceId: string): Promise<string[]> {
  const rows = await db.raw('SELECT DISTINCT unnest(labels) AS label FROM deals WHERE workspace_id = ? ORDER BY 1 LIMIT 200', [workspaceId]);
  return rows.rows.map((r: { label: string }) => r.label);
}

// ---------- List and export ----------

const SORT_SQL: Record<string, string> = {
  title: 'lower(d.title)',
  value: 'd.value',
  stage: 's.position',
  owner: 'lower(u.name)',
  contact: `lower(${CONTACT_NAME_SQL})`,
  expected_close_date: 'd.expected_close_date',
  created_at: 'd.created_at',
  updated_at: 'd.updated_at',
};

/** listDeals pages through deals (open, won and lost) with the list's sort. */
export async function listDeals(
  db: Db,
  workspaceId: string,
  pipelineId: string | null,
  filters: DealFilterInput,
  fctx: FilterContext,
  opts: { sort: string; dir: 'asc' | 'desc'; offset: number; limit: number },
): Promise<{ rows: DealView[]; total: number }> {
  const base = () => {
    const q = dealsWithNames(db, workspaceId);
    if (pipelineId) q.andWhere('d.pipeline_id', pipelineId);
    return applyFilters(q, filters, fctx);
  };
  const [{ count }] = await base().count<{ count: number }[]>('* as count');
  const order = SORT_SQL[opts.sort] ?? SORT_SQL.updated_at;
  const dir = opts.dir === 'asc' ? 'ASC' : 'DESC';
  const rows = await base()
    .orderByRaw(`${order} ${dir} NULLS LAST, d.id ${dir}`)
    .offset(opts.offset)
    .limit(opts.limit)
    .select([...VIEW_COLUMNS(db), db.raw('false as waiting')]);
  return { rows, total: Number(count) };
}

/** apiDealQuery is the API's list of deals, filtered by ids and status (paged by the caller). */
export function apiDealQuery(
  db: Db,
  workspaceId: string,
  filters: { pipeline_id?: string; stage_id?: string; owner_id?: string; contact_id?: string; status?: string },
): Knex.QueryBuilder {
  const q = db('deals as d').where('d.workspace_id', workspaceId).select('d.*');
  if (filters.pipeline_id) q.andWhere('d.pipeline_id', filters.pipeline_id);
  if (filters.stage_id) q.andWhere('d.stage_id', filters.stage_id);
  if (filters.owner_id) q.andWhere('d.owner_id', filters.owner_id);
  if (filters.contact_id) q.andWhere('d.contact_id', filters.contact_id);
  if (filters.status === 'open') q.whereNull('d.closed_at');
  else if (filters.status === 'won') q.whereNotNull('d.won_at');
  else if (filters.status === 'lost') q.whereNotNull('d.lost_at');
  return q;
}

// ---------- Events and the timeline ----------

export interface DealEventRow {
  id: number;
  workspace_id: string;
  deal_id: string;
  type: 'created' | 'stage_changed' | 'note';
  from_stage_id: string | null;
  to_stage_id: string | null;
  body: string | null;
  data: Record<string, unknown>;
  actor_user_id: string | null;
  actor_token_id: string | null;
  created_at: Date;
}

/** insertDealEvent appends to a deal's history. */
export async function insertDealEvent(
  db: Db,
  values: Pick<DealEventRow, 'workspace_id' | 'deal_id' | 'type'> & Partial<Pick<DealEventRow, 'from_stage_id' | 'to_stage_id' | 'body' | 'data' | 'actor_user_id' | 'actor_token_id'>>,
): Promise<DealEventRow> {
  const [row] = await db('deal_events')
    .insert({ ...values, data: JSON.stringify(values.data ?? {}) })
    .returning('*');
  return row;
}

/** A history entry with the names the timeline shows. */
export interface DealEventView extends DealEventRow {
  from_stage_name: string | null;
  to_stage_name: string | null;
  to_stage_kind: string | null;
  actor_name: string | null;
  actor_token_name: string | null;
}

/** dealEvents lists a deal's history, newest first. */
export function dealEvents(db: Db, workspaceId: string, dealId: string, limit = 200): Promise<DealEventView[]> {
  return db('deal_events as e')
    .leftJoin('pipeline_stages as fs', (j) => j.on('fs.workspace_id', 'e.workspace_id').andOn('fs.id', 'e.from_stage_id'))
    .leftJoin('pipeline_stages as ts', (j) => j.on('ts.workspace_id', 'e.workspace_id').andOn('ts.id', 'e.to_stage_id'))
    .leftJoin('users as u', 'u.id', 'e.actor_user_id')
    .leftJoin('api_tokens as t', 't.id', 'e.actor_token_id')
    .where({ 'e.workspace_id': workspaceId, 'e.deal_id': dealId })
    .orderBy([{ column: 'e.created_at', order: 'desc' }, { column: 'e.id', order: 'desc' }])
    .limit(limit)
    .select('e.*', 'fs.name as from_stage_name', 'ts.name as to_stage_name', 'ts.kind as to_stage_kind', 'u.name as actor_name', 't.name as actor_token_name');
}

/** A WhatsApp message on a deal's timeline. */
export interface TimelineMessage {
  id: string;
  conversation_id: string;
  direction: 'inbound' | 'outbound';
  type: string;
  text: string | null;
  status: string;
  created_at: Date;
  sender_name: string | null;
}

/** contactMessages lists the contact's WhatsApp messages (every conversation), newest first. */
export function contactMessages(db: Db, workspaceId: string, contactId: string, limit = 100): Promise<TimelineMessage[]> {
  return db('messages as m')
    .leftJoin('users as u', 'u.id', 'm.sent_by')
    .where('m.workspace_id', workspaceId)
    .whereIn('m.conversation_id', db('conversations').where({ workspace_id: workspaceId, contact_id: contactId }).select('id'))
    .whereNot('m.type', 'reaction')
    .orderBy([{ column: 'm.created_at', order: 'desc' }, { column: 'm.id', order: 'desc' }])
    .limit(limit)
    .select('m.id', 'm.conversation_id', 'm.direction', 'm.type', 'm.text', 'm.status', 'm.created_at', 'u.name as sender_name');
}

/** latestConversation is the contact's most recently active conversation, if any. */
export function latestConversation(db: Db, workspaceId: string, contactId: string): Promise<{ id: string } | undefined> {
  return db('conversations')
    .where({ workspace_id: workspaceId, contact_id: contactId })
    .orderByRaw('last_message_at DESC NULLS LAST, created_at DESC')
    .first('id');
}

/** contactDeals lists a contact's deals, open ones first (for the inbox's contact panel). */
export function contactDeals(db: Db, workspaceId: string, contactId: string): Promise<DealView[]> {
  return dealsWithNames(db, workspaceId)
    .andWhere('d.contact_id', contactId)
    .orderByRaw('d.closed_at IS NOT NULL, d.updated_at DESC')
    .select([...VIEW_COLUMNS(db), db.raw('false as waiting')]);
}
