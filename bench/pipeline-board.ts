// Benchmark: the pipeline board with 10,000 open deals.
//
//   npx tsx bench/pipeline-board.ts                 embedded PGlite (in memory)
//   TEST_DATABASE_URL=postgres://… npx tsx bench/pipeline-board.ts   a throwaway database there
//
// Seeds one workspace with 10,000 open deals spread over four open stages (plus 2,000 deals won
// long ago, which the board must skip), 10,000 contacts and 2,000 WhatsApp conversations, then
// times the pages sellers use, in process (no network: the time is the server's).
//
// Target: the board renders in under 300 ms (median) with 10,000 open deals. The script exits
// 1 when the median misses it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import request from 'supertest';
import { createApp } from '../src/app.js';
import { signUp } from '../src/auth/service.js';
import { closeContext, openContext } from '../src/boot.js';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { POSITION_GAP } from '../src/pipeline/service.js';
import { insertChannel } from '../src/whatsapp/channels.js';
import { testConfigEnv } from '../test/support/context.js';
import { createTestDatabase } from '../test/support/database.js';

const OPEN_DEALS = 10_000;
const OLD_WON_DEALS = 2_000;
const CONVERSATIONS = 2_000;
const TARGET_MS = 300;
const RUNS = 15;
const PASSWORD = 'benchmark password 1234';

function stats(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return { median: at(0.5), p95: at(0.95), max: sorted[sorted.length - 1] };
}

async function main() {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'par-bench-'));
  const database = await createTestDatabase();
  const config = loadConfig({ ...testConfigEnv(dataDir, 'smtp://127.0.0.1:9', 'http://localhost:3000'), LOG_LEVEL: 'silent' });
  const ctx = await openContext(config, createLogger('silent'), { migrate: true, target: database.target });
  const { knex } = ctx;
  try {
    const app = createApp(ctx);
    // As in production: templates compiled once, not read and compiled on every render.
    app.set('view cache', true);
    const email = `bench-${Date.now()}@example.test`;
    const { workspace, user } = await signUp(knex, { name: 'Bench Owner', email, password: PASSWORD, workspace_name: 'Bench Co' }, { ip: '127.0.0.1' });
    const ws = workspace.id;
    const stages = await knex('pipeline_stages').where({ workspace_id: ws }).orderBy('position');
    const open = stages.filter((s: { kind: string }) => s.kind === 'open');
    const won = stages.find((s: { kind: string }) => s.kind === 'won');
    const agents: string[] = [user.id];
    for (let i = 0; i < 4; i += 1) {
      const [u] = await knex('users').insert({ name: `Agent ${i}`, email: `agent-${i}-${Date.now()}@example.test`, password_hash: 'x' }).returning('id');
      await knex('memberships').insert({ workspace_id: ws, user_id: u.id, role: 'agent' });
      agents.push(u.id);
    }

    let t = performance.now();
    await knex.raw(
      `INSERT INTO contacts (workspace_id, phone, phone_key, wa_id, name)
       SELECT ?, '+55119' || lpad(g::text, 8, '0'), '55119' || lpad(g::text, 8, '0'), '55119' || lpad(g::text, 8, '0'), 'Customer ' || g
         FROM generate_series(1, ?) g`,
      [ws, OPEN_DEALS],
    );
    // Open deals: round-robin over the open stages, owners and a few labels and close dates.
    await knex.raw(
      `WITH c AS (SELECT id, row_number() OVER (ORDER BY id) AS n FROM contacts WHERE workspace_id = ?)
       INSERT INTO deals (workspace_id, pipeline_id, stage_id, position, title, value, currency, contact_id, owner_id, labels, expected_close_date)
       SELECT ?, ?, (?::uuid[])[1 + (c.n % ?)], (c.n / ?) * ?, 'Deal ' || c.n, ((c.n * 7919) % 100000) / 100.0 + 50, 'USD', c.id,
              (?::uuid[])[1 + (c.n % ?)], CASE WHEN c.n % 10 = 0 THEN ARRAY['vip'] ELSE '{}' END,
              CASE WHEN c.n % 3 = 0 THEN NULL ELSE current_date + (c.n % 120)::int - 30 END
         FROM c`,
      [ws, ws, open[0].pipeline_id, open.map((s: { id: string }) => s.id), open.length, open.length, POSITION_GAP, agents, agents.length],
    );
    await knex.raw(
      `WITH c AS (SELECT id, row_number() OVER (ORDER BY id) AS n FROM contacts WHERE workspace_id = ? LIMIT ?)
       INSERT INTO deals (workspace_id, pipeline_id, stage_id, position, title, value, currency, contact_id, won_at, closed_at)
       SELECT ?, ?, ?, c.n * ?, 'Old win ' || c.n, 100, 'USD', c.id, now() - interval '200 days', now() - interval '200 days' FROM c`,
      [ws, OLD_WON_DEALS, ws, won.pipeline_id, won.id, POSITION_GAP],
    );
    await knex.raw(
      `INSERT INTO deal_events (workspace_id, deal_id, type, to_stage_id, created_at)
       SELECT workspace_id, id, 'created', stage_id, created_at FROM deals WHERE workspace_id = ?`,
      [ws],
    );
    const channel = await insertChannel(knex, config.encryptionKey, ws, { type: 'sandbox', name: 'Bench' }, { userId: null });
    await knex.raw(
      `INSERT INTO conversations (workspace_id, channel_id, contact_id, last_message_at)
       SELECT workspace_id, ?, id, now() FROM contacts WHERE workspace_id = ? ORDER BY id LIMIT ?`,
      [channel.id, ws, CONVERSATIONS],
    );
    await knex.raw(
      `INSERT INTO messages (workspace_id, conversation_id, channel_id, contact_id, direction, type, text, status, created_at)
       SELECT c.workspace_id, c.id, c.channel_id, c.contact_id, d.direction, 'text', 'hello', d.status, now() - d.ago
         FROM conversations c
         CROSS JOIN (VALUES ('inbound', 'received', interval '3 hours'), ('outbound', 'sent', interval '2 hours'), ('inbound', 'received', interval '1 hour')) AS d(direction, status, ago)
        WHERE c.workspace_id = ?`,
      [ws],
    );
    await knex.raw('ANALYZE');
    console.log(`seeded ${OPEN_DEALS} open deals, ${OLD_WON_DEALS} old won deals, ${CONVERSATIONS} conversations in ${Math.round(performance.now() - t)} ms (${ctx.database.kind})`);

    // Sign in like a browser.
    const agent = request.agent(app);
    const login = await agent.get('/login');
    const csrf = /name="csrf-token" content="([^"]+)"/.exec(login.text)![1];
    const signedIn = await agent.post('/login').type('form').send({ _csrf: csrf, email, password: PASSWORD });
    if (signedIn.status !== 303) throw new Error(`sign-in failed: ${signedIn.status}`);
    const board = await agent.get('/pipeline');
    const more = /hx-get="(\/pipeline\/stages\/[^"]+)"/.exec(board.text)![1].replace(/&amp;/g, '&');

    const pages: Array<[string, string]> = [
      ['board', '/pipeline'],
      ['board, search', '/pipeline?q=Customer%2099'],
      ['board, owner + label', `/pipeline?owner=${agents[1]}&label=vip`],
      ['column, next page', more],
      ['list, by value', '/deals?sort=value&dir=desc'],
      ['reports', '/reports'],
    ];
    const results: Record<string, ReturnType<typeof stats>> = {};
    for (const [name, url] of pages) {
      for (let i = 0; i < 3; i += 1) await agent.get(url).expect(200);
      const samples: number[] = [];
      for (let i = 0; i < RUNS; i += 1) {
        t = performance.now();
        await agent.get(url).expect(200);
        samples.push(performance.now() - t);
      }
      results[name] = stats(samples);
    }
    // A move: lock two columns, place the card, record the change.
    const ids = (await knex('deals').where({ workspace_id: ws, stage_id: open[0].id }).orderBy('position').limit(RUNS * 2).select('id')).map((r: { id: string }) => r.id);
    const moveCsrf = /name="csrf-token" content="([^"]+)"/.exec(board.text)![1];
    const moves: number[] = [];
    for (let i = 0; i < RUNS; i += 1) {
      t = performance.now();
      await agent.post(`/deals/${ids[i]}/move`).type('form').send({ _csrf: moveCsrf, stage_id: open[1 + (i % 3)].id, position: String(i % 5) }).expect(303);
      moves.push(performance.now() - t);
    }
    results['move a card'] = stats(moves);

    console.log(`\n${'page'.padEnd(24)} ${'median'.padStart(8)} ${'p95'.padStart(8)} ${'max'.padStart(8)}  (ms, ${RUNS} runs)`);
    for (const [name, s] of Object.entries(results)) {
      console.log(`${name.padEnd(24)} ${s.median.toFixed(1).padStart(8)} ${s.p95.toFixed(1).padStart(8)} ${s.max.toFixed(1).padStart(8)}`);
    }
    const ok = results.board.median < TARGET_MS;
    console.log(`\ntarget: board median < ${TARGET_MS} ms with ${OPEN_DEALS} open deals: ${ok ? 'met' : 'MISSED'} (${results.board.median.toFixed(1)} ms)`);
    process.exitCode = ok ? 0 : 1;
  } finally {
    await closeContext(ctx);
    await database.drop();
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
