// The test database: a fresh in-memory PGlite by default; with TEST_DATABASE_URL, a throwaway
// database created on that Postgres server for this run and dropped at its end.
import crypto from 'node:crypto';
import pg from 'pg';
import type { DatabaseTarget } from '../../src/db/index.js';
import { testDatabaseUrl } from './env.js';

export interface TestDatabase {
  target: DatabaseTarget;
  /** The Postgres URL of the throwaway database (null for PGlite). */
  url: string | null;
  drop(): Promise<void>;
}

/** createTestDatabase makes the database one test run works in. */
export async function createTestDatabase(): Promise<TestDatabase> {
  if (!testDatabaseUrl) return { target: { memory: true }, url: null, drop: async () => {} };
  const name = `par_test_${Date.now()}_${crypto.randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: testDatabaseUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(testDatabaseUrl);
  url.pathname = `/${name}`;
  return {
    target: { url: url.toString() },
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: testDatabaseUrl! });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}
