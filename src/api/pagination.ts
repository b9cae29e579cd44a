// Keyset pagination for list endpoints: `?limit=&cursor=` in, `{data, next_cursor}` out.
// The cursor is opaque to clients: the sort key of the last row, base64url-encoded.
import type { Knex } from 'knex';
import { z } from 'zod';
import { isUuid } from '../db/index.js';
import { Invalid } from '../web/errors.js';

export const PageQuery = z.object({
  limit: z.coerce.number({ error: 'validation.number' }).int('validation.integer').min(1, 'api.limit_range').max(100, 'api.limit_range').default(50),
  cursor: z.string().max(500).optional(),
});

export type Page = z.output<typeof PageQuery>;

export interface Cursor {
  at: string;
  id: string;
}

/** encodeCursor writes the sort key of a row as an opaque cursor. */
export function encodeCursor(cursor: Cursor & Record<string, string>): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

/**
 * decodeCursor reads a next_cursor back into the sort key it stands for (Invalid on cursor when
 * it is not one). A cursor may carry more of the sort key (`extra`), checked by the caller.
 */
export function decodeCursor<Extra extends object = object>(cursor: string, extra?: (value: Record<string, unknown>) => boolean): Cursor & Extra {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (typeof value?.at === 'string' && !Number.isNaN(Date.parse(value.at)) && isUuid(value.id) && (!extra || extra(value))) return value;
  } catch {
    // fall through
  }
  throw new Invalid({ cursor: 'api.bad_cursor' });
}

/**
 * paginate orders `query` by (timeColumn, idColumn) ascending or descending, applies the cursor
 * and the limit, and returns the page with the cursor of the next one (null on the last page).
 */
export async function paginate<Row extends Record<string, unknown>>(
  query: Knex.QueryBuilder,
  page: Page,
  opts: { timeColumn: string; idColumn: string; direction?: 'asc' | 'desc'; idKey?: string },
): Promise<{ data: Row[]; next_cursor: string | null }> {
  const dir = opts.direction ?? 'desc';
  if (page.cursor) {
    const c = decodeCursor(page.cursor);
    query.whereRaw(`(${opts.timeColumn}, ${opts.idColumn}) ${dir === 'desc' ? '<' : '>'} (?::timestamptz, ?::uuid)`, [c.at, c.id]);
  }
  // The cursor keeps the timestamp as Postgres writes it: microseconds, which a JS Date would drop.
  query.select(query.client.raw(`(${opts.timeColumn})::text AS __cursor_at`));
  const rows = (await query.orderBy([{ column: opts.timeColumn, order: dir }, { column: opts.idColumn, order: dir }]).limit(page.limit + 1)) as Array<Row & { __cursor_at?: string }>;
  const more = rows.length > page.limit;
  const data = (more ? rows.slice(0, page.limit) : rows).map(({ __cursor_at: _c, ...row }) => row as unknown as Row);
  const last = more ? rows[page.limit - 1] : undefined;
  const idKey = opts.idKey ?? opts.idColumn.split('.').pop()!;
  const next_cursor = last ? encodeCursor({ at: last.__cursor_at!, id: String(last[idKey]) }) : null;
  return { data, next_cursor };
}
