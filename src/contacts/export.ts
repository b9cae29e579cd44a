// CSV export of contacts: all of the workspace's, or those matching the contacts page's search.
// Streamed page by page (keyset on created_at, id), so a large workspace neither fills memory
// nor holds a database connection for the whole download.
import type { Response } from 'express';
import type { Db } from '../db/index.js';
import { BOM, csvLine } from './csv.js';
import { listContactFields } from './fields.js';
import { labelsOfContacts, searchContacts } from './repo.js';

const PAGE = 500;

/** exportFilename names the download after the workspace and the day. */
export function exportFilename(workspaceName: string, now = new Date()): string {
  const slug = workspaceName.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').replace(/[^\w]+/g, '-').replace(/^-|-$/g, '').toLowerCase() || 'workspace';
  return `contacts-${slug}-${now.toISOString().slice(0, 10)}.csv`;
}

/**
 * writeContactsCsv streams the contacts as CSV: id, name, phone, email, profile_name, labels,
 * one column per custom field (by key), created_at. Cells are CSV-injection safe (csv.ts).
 */
export async function writeContactsCsv(db: Db, workspaceId: string, q: string, res: Response): Promise<void> {
  const fields = await listContactFields(db, workspaceId);
  res.write(BOM + csvLine(['id', 'name', 'phone', 'email', 'profile_name', 'labels', ...fields.map((f) => f.key), 'created_at']));
  let cursor: string | undefined;
  do {
    const page = await searchContacts(db, workspaceId, q, { limit: PAGE, cursor });
    const labels = await labelsOfContacts(db, workspaceId, page.data.map((c) => c.id));
    let chunk = '';
    for (const c of page.data) {
      const custom = c.custom ?? {};
      chunk += csvLine([
        c.id,
        c.name,
        c.phone,
        c.email,
        c.profile_name,
        (labels.get(c.id) ?? []).map((l) => l.name).join('; '),
        ...fields.map((f) => custom[f.key]),
        new Date(c.created_at).toISOString(),
      ]);
    }
    // Respect the client's pace: wait for the socket to drain before reading the next page.
    if (!res.write(chunk)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          res.off('drain', done).off('close', done);
          resolve();
        };
        res.once('drain', done).once('close', done);
      });
    }
    cursor = page.next_cursor ?? undefined;
  } while (cursor && !res.destroyed);
  res.end();
}
