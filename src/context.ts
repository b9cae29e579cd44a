// The services PAR CRM builds once at boot and hands to every module: no module reaches for
// process.env or opens its own connections.
import type { Knex } from 'knex';
import type { Config } from './config.js';
import type { Database } from './db/index.js';
import type { Logger } from './logger.js';
import type { Mailer } from './mail/index.js';
import type { MediaStorage } from './media/storage.js';
import type { Realtime } from './realtime/index.js';
import type { GraphClient } from './whatsapp/graph.js';
import type { Signals } from './workers.js';

export interface AppContext {
  config: Readonly<Config>;
  database: Database;
  /** The shared knex instance (a pool for Postgres, the one connection for PGlite). */
  knex: Knex;
  log: Logger;
  mail: Mailer;
  realtime: Realtime;
  /** Meta's Graph API (WhatsApp Cloud API). */
  graph: GraphClient;
  /** Where media files are kept. */
  media: MediaStorage;
  /** Wakes this process's workers when there is new work for them. */
  signals: Signals;
}
