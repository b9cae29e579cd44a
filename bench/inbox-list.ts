// Benchmark: the inbox conversation list with 100,000 conversations in one workspace.
// Target: the first page, a deep page (keyset) and the "mine" / "unassigned" views each under
// 100 ms at the 95th percentile on Postgres.
//
//   DATABASE_URL=postgres://postgres@127.0.0.1:5432/par_bench npx tsx bench/inbox-list.ts
//   (the database must exist and be empty; without DATABASE_URL an embedded one is used)
import os from 'node:os';
import fs from 'node:fs';
import path from 'node:path';
import { openDatabase } from '../src/db/index.js';
import { migrateLatest } from '../src/db/migrate.js';
import { createLogger } from '../src/logger.js';
import { inboxList, unreadConversations } from '../src/inbox/repo.js';

const CONVERSATIONS = Number(process.env.BENCH_CONVERSATIONS ?? 100_000);
const RUNS = 30;
const TARGET_MS = 100;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function main() {
  const log = createLogger('warn');
  const url = process.env.DATABASE_URL;
  const dir = url ? null : fs.mkdtempSync(path.join(os.tmpdir(), 'par-bench-'));
  const db = await openDatabase(url ? { url } : { embeddedDir: dir! }, log);
  const knex = db.knex;
  await migrateLatest(knex);
  const [ws] = await knex('workspaces').insert({ name: 'Bench' }).returning('id');
  const users = await knex('users')
    .insert(Array.from({ length: 10 }, (_, i) => ({ email: `agent${i}-${Date.now()}@bench.test`, name: `Agent ${i}`, password_hash: 'x' })))
    .returning('id');
  await knex('memberships').insert(users.map((u: { id: string }) => ({ workspace_id: ws.id, user_id: u.id, role: 'agent' })));
  const [channel] = await knex('channels')
    .insert({ workspace_id: ws.id, type: 'sandbox', name: 'Bench', webhook_key: `bench-${Date.now()}`, phone_number_id: `bench-${Date.now()}`, app_secret_enc: 'x', verify_token_enc: 'x' })
    .returning('id');
  console.log(`seeding ${CONVERSATIONS} conversations…`);
  const t0 = Date.now();
  await knex.raw(
    `INSERT INTO contacts (workspace_id, phone, phone_key, wa_id, profile_name)
     SELECT ?, '+1555' || lpad(g::text, 7, '0'), '1555' || lpad(g::text, 7, '0'), '1555' || lpad(g::text, 7, '0'), 'Customer ' || g
     FROM generate_series(1, ?) g`,
    [ws.id, CONVERSATIONS],
  );
  await knex.raw(
    `INSERT INTO conversations (workspace_id, channel_id, contact_id, status, assignee_id, last_message_at, last_message_preview, last_message_direction, unread_count, window_expires_at)
     SELECT c.workspace_id, ?, c.id,
            (ARRAY['open','open','open','resolved','snoozed'])[1 + (row_number() OVER () % 5)],
            CASE WHEN row_number() OVER () % 3 = 0 THEN NULL ELSE (ARRAY[?,?,?,?,?,?,?,?,?,?]::uuid[])[1 + (row_number() OVER () % 10)] END,
            now() - (random() * interval '90 days'), 'Hello, is the blue sofa still available', 'inbound', (random() * 3)::int, now() + interval '1 hour'
     FROM contacts c WHERE c.workspace_id = ?`,
    [channel.id, ...users.map((u: { id: string }) => u.id), ws.id],
  );
  await knex.raw('ANALYZE conversations');
  await knex.raw('ANALYZE contacts');
  console.log(`seeded in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  const me = users[0].id;
  const cases: Array<[string, () => Promise<unknown>]> = [];
  const first = await inboxList(knex, ws.id, me, { view: 'all', status: 'open' }, { limit: 40 });
  let deep = first.nextCursor!;
  for (let i = 0; i < 50; i++) deep = (await inboxList(knex, ws.id, me, { view: 'all', status: 'open' }, { limit: 40, cursor: deep })).nextCursor!;
  cases.push(['all open, first page', () => inboxList(knex, ws.id, me, { view: 'all', status: 'open' }, { limit: 40 })]);
  cases.push(['all open, page 51 (keyset)', () => inboxList(knex, ws.id, me, { view: 'all', status: 'open' }, { limit: 40, cursor: deep })]);
  cases.push(['mine', () => inboxList(knex, ws.id, me, { view: 'mine', status: 'open' }, { limit: 40 })]);
  cases.push(['unassigned', () => inboxList(knex, ws.id, me, { view: 'unassigned', status: 'open' }, { limit: 40 })]);
  cases.push(['unread count (navigation)', () => unreadConversations(knex, ws.id, me)]);
  cases.push(['resolved', () => inboxList(knex, ws.id, me, { view: 'all', status: 'resolved' }, { limit: 40 })]);

  let worst = 0;
  for (const [name, run] of cases) {
    await run();
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const s = process.hrtime.bigint();
      await run();
      times.push(Number(process.hrtime.bigint() - s) / 1e6);
    }
    const p95 = percentile(times, 95);
    worst = Math.max(worst, p95);
    console.log(`${name.padEnd(30)} p50 ${percentile(times, 50).toFixed(1).padStart(6)} ms   p95 ${p95.toFixed(1).padStart(6)} ms`);
  }
  console.log(`target: p95 < ${TARGET_MS} ms -> ${worst < TARGET_MS ? 'MET' : 'MISSED'} (worst p95 ${worst.toFixed(1)} ms)`);
  await db.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
