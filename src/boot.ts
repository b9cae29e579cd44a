// Opens the services the server, the CLI and the tests share: database (migrated), mailer,
// realtime. One place, so the three run the same configuration the same way.
import path from 'node:path';
import type { Config } from './config.js';
import type { AppContext } from './context.js';
import { openDatabase, type DatabaseTarget } from './db/index.js';
import { migrateLatest, pendingMigrations } from './db/migrate.js';
import type { Logger } from './logger.js';
import { createMailer } from './mail/index.js';
import { localMediaStorage } from './media/storage.js';
import { createRealtime } from './realtime/index.js';
import { createGraphClient } from './whatsapp/graph.js';
// Features that set up every new workspace register their hook on import.
import './pipeline/setup.js';
import { createSignals } from './workers.js';

export interface OpenOptions {
  /** Apply pending migrations (the server and `cli migrate` do; other commands refuse to run on an old schema). */
  migrate: boolean;
  /** Overrides the database the config names (tests use an in-memory one). */
  target?: DatabaseTarget;
  /** Start listening for realtime events (the server does; the CLI only publishes). */
  listen?: boolean;
}

/** databaseTarget is DATABASE_URL's Postgres, or the embedded database under DATA_DIR. */
export function databaseTarget(config: Config): DatabaseTarget {
  return config.databaseUrl ? { url: config.databaseUrl } : { embeddedDir: path.join(config.dataDir) };
}

/** openContext connects everything; close it with closeContext. */
export async function openContext(config: Readonly<Config>, log: Logger, options: OpenOptions): Promise<AppContext> {
  const database = await openDatabase(options.target ?? databaseTarget(config), log, config.databasePoolMax);
  try {
    if (options.migrate) {
      const applied = await migrateLatest(database.knex);
      if (applied.length) log.info({ migrations: applied }, 'database migrated');
    } else {
      const pending = await pendingMigrations(database.knex);
      if (pending.length) throw new Error(`the database schema is out of date (${pending.length} pending migrations): run \`cli migrate\` first`);
    }
    const realtime = createRealtime(database, log);
    if (options.listen) await realtime.start();
    const mail = createMailer({ smtpUrl: config.smtpUrl, from: config.mailFrom, dataDir: config.dataDir, log });
    const graph = createGraphClient({ baseUrl: config.whatsappGraphUrl, version: config.whatsappGraphVersion });
    const media = localMediaStorage(path.join(config.dataDir, 'media'));
    return { config, database, knex: database.knex, log, mail, realtime, graph, media, signals: createSignals() };
  } catch (err) {
    await database.close();
    throw err;
  }
}

/** closeContext stops realtime, closes the mailer and the database. */
export async function closeContext(ctx: AppContext): Promise<void> {
  await ctx.realtime.stop();
  ctx.mail.close();
  await ctx.database.close();
}
