// One PAR CRM per test run, built in-process like server.ts builds it: real database (PGlite or
// the CI Postgres), real SMTP on loopback, real HTTP through supertest and a listening server
// (for the browser tests; its URL is BASE_URL, so links in mails work).
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { Express } from 'express';
import { createApp } from '../../src/app.js';
import { closeContext, openContext } from '../../src/boot.js';
import { loadConfig } from '../../src/config.js';
import type { AppContext } from '../../src/context.js';
import { createLogger } from '../../src/logger.js';
import { startWorkers } from '../../src/workers.js';
import { createTestDatabase, type TestDatabase } from './database.js';
import { startFakeGraph, type FakeGraph } from './fake-graph.js';
import { startMailSink, type MailSink } from './smtp.js';

export interface TestEnv {
  ctx: AppContext;
  app: Express;
  database: TestDatabase;
  mail: MailSink;
  /** The local stand-in for Meta's Graph API the app is configured to use. */
  graph: FakeGraph;
  dataDir: string;
  /** The listening server's URL (also the app's BASE_URL). */
  baseUrl: string;
  server: http.Server;
  /** Stops the background workers (the webhook processor, the outbox sender ...). */
  stopWorkers(): Promise<void>;
  /** Starts them again after stopWorkers(). */
  startWorkers(): void;
}

let pending: Promise<TestEnv> | null = null;

/** testConfigEnv is the environment the in-process app is configured with. */
export function testConfigEnv(dataDir: string, smtpUrl: string, baseUrl: string, graphUrl = 'http://127.0.0.1:9'): NodeJS.ProcessEnv {
  return {
    NODE_ENV: 'test',
    DATA_DIR: dataDir,
    BASE_URL: baseUrl,
    SESSION_SECRET: 'test-session-secret-that-is-long-enough-0123456789',
    ENCRYPTION_KEY: '0'.repeat(63) + '1',
    SMTP_URL: smtpUrl,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent',
    JOBS_ENABLED: 'false',
    WHATSAPP_GRAPH_URL: graphUrl,
    WHATSAPP_GRAPH_VERSION: 'v25.0',
  };
}

async function build(): Promise<TestEnv> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'par-test-'));
  const mail = await startMailSink();
  const graph = await startFakeGraph('v25.0');
  const database = await createTestDatabase();
  let app: Express | null = null;
  const server = http.createServer((req, res) => app!(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const baseUrl = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const config = loadConfig(testConfigEnv(dataDir, mail.url, baseUrl, graph.url));
  const ctx = await openContext(config, createLogger(config.logLevel), { migrate: true, listen: true, target: database.target });
  app = createApp(ctx);
  let workers: { stop(): Promise<void> } | null = startWorkers(ctx);
  return {
    ctx,
    app,
    database,
    mail,
    graph,
    dataDir,
    baseUrl,
    server,
    async stopWorkers() {
      await workers?.stop();
      workers = null;
    },
    startWorkers() {
      workers ??= startWorkers(ctx);
    },
  };
}

/** testEnv returns the run's shared environment, building it on first use. */
export function testEnv(): Promise<TestEnv> {
  return (pending ??= build());
}

/** closeTestEnv stops everything and drops the throwaway database. */
export async function closeTestEnv(): Promise<void> {
  if (!pending) return;
  const env = await pending;
  pending = null;
  env.server.closeAllConnections();
  await new Promise((resolve) => env.server.close(resolve));
  await env.stopWorkers();
  await closeContext(env.ctx);
  await env.mail.close();
  await env.graph.close();
  await env.database.drop();
  fs.rmSync(env.dataDir, { recursive: true, force: true });
}

/** eventually polls `check` until it returns a truthy value (or throws after `timeoutMs`). */
export async function eventually<T>(check: () => Promise<T> | T, timeoutMs = 10_000, what = 'condition'): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
