// Keyset pagination for list endpoints: `?limit=&cursor=` in, `{data, next_cursor}` out.
// The cursor is opaque to clients: the sort key of the last row, base64url-encoded.
import type { Knex } from 'knex';
import { z } from 'zod';
import { Invalid } from '../web/errors.js';

export const PageQuery = z.object({
  limit: z.coerce.number({ error: 'validation.number' }).int('validation.integer').min(1, 'api.limit_range').max(100, 'api.limit_range').default(50),
  cursor: z.string().max(500).optional(),
});

export type Page = z.output<typeof PageQuery>;

interface Cursor {
  at: string;
  id: string;
}

function decodeCursor(cursor: string): Cursor {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (typeof value?.at === 'string' && typeof value?.id === 'string' && !Number.isNaN(Date.parse(value.at))) return value;
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
  opts: { timeColumn: string; idColumn: string; direction?: 'asc' | 'desc'; timeKey?: string; idKey?: string },
): Promise<{ data: Row[]; next_cursor: string | null }> {
  const dir = opts.direction ?? 'desc';
  // Postgres keeps microseconds, a JavaScript Date (and so the cursor) milliseconds: sort and
  // compare on the millisecond, or the last row of a page would come again on the next page.
  const time = `date_trunc('milliseconds', ${opts.timeColumn})`;
  if (page.cursor) {
    const c = decodeCursor(page.cursor);
    query.whereRaw(`(${time}, ${opts.idColumn}) ${dir === 'desc' ? '<' : '>'} (?::timestamptz, ?::uuid)`, [c.at, c.id]);
  }
  const rows = (await query.orderByRaw(`${time} ${dir}, ${opts.idColumn} ${dir}`).limit(page.limit + 1)) as Row[];
  const more = rows.length > page.limit;
  const data = more ? rows.slice(0, page.limit) : rows;
  const last = data[data.length - 1];
  const timeKey = opts.timeKey ?? opts.timeColumn.split('.').pop()!;
  const idKey = opts.idKey ?? opts.idColumn.split('.').pop()!;
  const next_cursor =
    more && last
      ? Buffer.from(JSON.stringify({ at: new Date(last[timeKey] as Date).toISOString(), id: String(last[idKey]) })).toString('base64url')
      : null;
  return { data, next_cursor };
}
