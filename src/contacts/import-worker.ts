// The contact-import worker: claims queued imports (any workspace, oldest first) and runs them
// in batches. Claiming is an UPDATE of one row picked with FOR UPDATE SKIP LOCKED, so with
// several replicas each import runs on one of them. Each committed batch renews the import's
// heartbeat; an import 'running' with a heartbeat older than two minutes lost its process and
// is resumed by the next worker from its last committed batch.
import type { AppContext } from '../context.js';
import { pollingWorker, type Worker } from '../workers.js';
import { failImport, ImportTakenOver, runImport, type ContactImportRow } from './import.js';

/** How often the worker looks for imports queued by another replica (a local one wakes it at once). */
const POLL_MS = 5_000;
const STALE_AFTER = '2 minutes';

/** claimNextImport marks the oldest waiting (or abandoned) import as running here and returns it. */
export async function claimNextImport(ctx: AppContext): Promise<ContactImportRow | undefined> {
  // Across workspaces by design: the worker serves them all, each import's own workspace id
  // scopes everything it then touches.
  const { rows } = await ctx.knex.raw(
    `UPDATE contact_imports SET status = 'running', started_at = coalesce(started_at, now()), heartbeat_at = now()
      WHERE id = (SELECT id FROM contact_imports
                   WHERE status = 'queued' OR (status = 'running' AND heartbeat_at < now() - interval '${STALE_AFTER}')
                   ORDER BY created_at, id
                   LIMIT 1
                   FOR UPDATE SKIP LOCKED)
      RETURNING *`,
  );
  return rows[0];
}

/** runNextImport runs the next waiting import, if any; false when there was none. */
async function runNextImport(ctx: AppContext, isStopping: () => boolean): Promise<boolean> {
  const imp = await claimNextImport(ctx);
  if (!imp) return false;
  try {
    const outcome = await runImport(ctx, imp, isStopping);
    if (outcome === 'stopped') {
      // Shutting down between batches: hand the import to the next worker at once.
      await ctx.knex('contact_imports').where({ workspace_id: imp.workspace_id, id: imp.id, status: 'running' }).update({ status: 'queued', heartbeat_at: null });
    }
  } catch (err) {
    if (err instanceof ImportTakenOver) return true;
    ctx.log.error({ err, importId: imp.id }, 'contact import failed');
    await failImport(ctx, imp).catch((e) => ctx.log.error({ err: e }, 'could not record the failed import'));
  }
  return true;
}

/** contactImportWorker runs CSV contact imports in the background. */
export function contactImportWorker(): Worker {
  return pollingWorker('contact-imports', POLL_MS, runNextImport);
}
