// The database: Postgres through knex + pg when DATABASE_URL is set, otherwise embedded PGlite
// (Postgres compiled to WASM) under DATA_DIR. Same SQL and migrations for both.
import fs from 'node:fs';
import path from 'node:path';
import knexPkg, { type Knex } from 'knex';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import ClientPGLite from 'knex-pglite';
import type { Logger } from '../logger.js';
import { acquireDataDirLock, type DataDirLock } from './lock.js';

const knex = knexPkg.knex ?? (knexPkg as unknown as typeof knexPkg.knex);

/** A knex instance or a transaction: every repository function takes one. */
export type Db = Knex | Knex.Transaction;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * isUuid tells whether a value can be a row id. Every lookup by an id from a URL, a form or a
 * payload asks first: anything else cannot match, and Postgres rejects it in a uuid column.
 */
export function isUuid(value: unknown): boolean {
  return typeof value === 'string' && UUID.test(value);
}

export interface Database {
  knex: Knex;
  kind: 'postgres' | 'pglite';
  /** The Postgres connection URL (null for the embedded database), for connections of their own. */
  url: string | null;
  /** Subscribes to a NOTIFY channel on a connection of its own; returns the unsubscribe. */
  listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export type DatabaseTarget = { url: string } | { embeddedDir: string } | { memory: true };

// Rows come back the same from both drivers: counts and bigserial ids as numbers, numeric as an
// exact string (money), dates as 'YYYY-MM-DD' strings (no time-zone shift), timestamps as Date.
const INT8 = 20;
const DATE = 1082;
pg.types.setTypeParser(INT8, (v: string) => Number(v));
pg.types.setTypeParser(DATE, (v: string) => v);

/** openDatabase connects to Postgres or opens the embedded database, failing with a clear message. */
export async function openDatabase(target: DatabaseTarget, log: Logger, poolMax = 10): Promise<Database> {
  if ('url' in target) return openPostgres(target.url, log, poolMax);
  return openPglite(target, log);
}

async function openPostgres(url: string, log: Logger, poolMax: number): Promise<Database> {
  const instance = knex({
    client: 'pg',
    connection: { connectionString: url, application_name: 'par-crm' },
    pool: { min: 0, max: poolMax },
    acquireConnectionTimeout: 15_000,
  });
  try {
    await instance.raw('select 1');
  } catch (err) {
    await instance.destroy();
    throw new Error(`DATABASE_URL: cannot connect to Postgres (${(err as Error).message})`);
  }
  const listeners = new Set<pg.Client>();
  return {
    knex: instance,
    kind: 'postgres',
    url,
    async listen(channel, onPayload) {
      let client: pg.Client | null = null;
      let stopped = false;
      const connect = async (): Promise<void> => {
        const c = new pg.Client({ connectionString: url, application_name: 'par-crm-listen' });
        c.on('notification', (msg) => msg.channel === channel && msg.payload !== undefined && onPayload(msg.payload));
        c.on('error', (err) => {
          log.warn({ err }, 'realtime listener lost its connection; reconnecting');
          listeners.delete(c);
          c.end().catch(() => {});
          if (!stopped) setTimeout(() => connect().catch((e) => log.error({ err: e }, 'realtime reconnect failed')), 1000);
        });
        await c.connect();
        await c.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
        client = c;
        listeners.add(c);
      };
      await connect();
      return async () => {
        stopped = true;
        if (client) {
          listeners.delete(client);
          await client.end().catch(() => {});
        }
      };
    },
    async close() {
      await Promise.all([...listeners].map((c) => c.end().catch(() => {})));
      await instance.destroy();
    },
  };
}

// knex-pglite reports a DELETE as command 'DEL', so knex would return the raw response
// instead of the number of deleted rows as it does on Postgres: count them the same way.
type ResponseObject = { method?: string; returning?: unknown; output?: unknown; response: { affectedRows?: number } };
const PgliteBase = ClientPGLite as unknown as new (config: Knex.Config) => { processResponse(obj: ResponseObject, runner: unknown): unknown };
class EmbeddedClient extends PgliteBase {
  override processResponse(obj: ResponseObject, runner: unknown): unknown {
    if (obj.method === 'del' && !obj.returning && !obj.output) return obj.response.affectedRows ?? 0;
    return super.processResponse(obj, runner);
  }
}

async function openPglite(target: { embeddedDir: string } | { memory: true }, log: Logger): Promise<Database> {
  let lock: DataDirLock | null = null;
  let dataPath: string | undefined;
  if ('embeddedDir' in target) {
    fs.mkdirSync(target.embeddedDir, { recursive: true });
    lock = acquireDataDirLock(target.embeddedDir);
    dataPath = path.join(target.embeddedDir, 'pgdata');
  }
  let pglite: PGlite;
  try {
    pglite = await PGlite.create(dataPath, { parsers: { [INT8]: (v: string) => Number(v), [DATE]: (v: string) => v } });
  } catch (err) {
    lock?.release();
    throw new Error(`DATA_DIR: cannot open the embedded database at ${dataPath} (${(err as Error).message})`);
  }
  const instance = knex({
    client: EmbeddedClient as unknown as typeof Knex.Client,
    dialect: 'postgres',
    connection: () => ({ pglite }) as object,
    // One connection: a query waiting for it while a transaction holds it fails after this long.
    acquireConnectionTimeout: 30_000,
  } as Knex.Config);
  log.debug({ dataPath: dataPath ?? 'memory' }, 'embedded database opened');
  return {
    knex: instance,
    kind: 'pglite',
    url: null,
    async listen(channel, onPayload) {
      return pglite.listen(channel, onPayload);
    },
    async close() {
      await instance.destroy();
      if (!pglite.closed) await pglite.close();
      lock?.release();
    },
  };
}
