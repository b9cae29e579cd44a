// The services PAR CRM builds once at boot and hands to every module: no module reaches for
// process.env or opens its own connections.
import type { Knex } from 'knex';
import type { Config } from './config.js';
import type { Database } from './db/index.js';
import type { Logger } from './logger.js';
import type { Mailer } from './mail/index.js';
import type { Realtime } from './realtime/index.js';

export interface AppContext {
  config: Readonly<Config>;
  database: Database;
  /** The shared knex instance (a pool for Postgres, the one connection for PGlite). */
  knex: Knex;
  log: Logger;
  mail: Mailer;
  realtime: Realtime;
}
