// The contacts a deal form offers: the most recently active ones, or those matching a search.
// (A read of the contacts table for the pipeline's own picker; contacts are their module's.)
import type { Db } from '../db/index.js';
import { CONTACT_NAME_SQL } from './deals.js';

export interface ContactChoice {
  id: string;
  name: string;
  phone: string | null;
}

/** contactChoices finds up to `limit` contacts by name or phone, or the latest ones. */
export function contactChoices(db: Db, workspaceId: string, query: string, limit: number): Promise<ContactChoice[]> {
  const q = db('contacts as c').where('c.workspace_id', workspaceId).limit(limit).select('c.id', db.raw(`${CONTACT_NAME_SQL} as name`), 'c.phone');
  if (query) {
    const like = `%${query.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
    const digits = query.replace(/\D/g, '');
    q.andWhere((w) => {
      w.whereRaw("c.name ILIKE ? ESCAPE '\\'", [like]).orWhereRaw("c.profile_name ILIKE ? ESCAPE '\\'", [like]);
      if (digits.length >= 3) w.orWhere('c.phone_key', 'like', `%${digits}%`);
    });
    q.orderByRaw(`lower(${CONTACT_NAME_SQL})`);
  } else {
    q.orderBy([{ column: 'c.updated_at', order: 'desc' }, { column: 'c.id', order: 'desc' }]);
  }
  return q;
}
