import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import { eventually, testEnv } from '../support/context.js';
import { createMember, createWorkspace } from '../support/factories.js';
import { signIn, type Session } from '../support/http.js';
import { apiClient } from '../support/whatsapp.js';
import { findJob } from '../../src/jobs/index.js';
import { runJobOnce } from '../../src/jobs/scheduler.js';

// Semicolons, a BOM, Portuguese headers: a file as a Brazilian spreadsheet saves it.
const FILE = Buffer.from(
  '\uFEFF' +
    [
      'Nome;Telefone;E-mail;Birthday;Plan;Notes',
      'Ana;+55 11 98765-0501;ana@example.com;1990-01-02;pro;likes blue',
      'Bia;11 2222;bia@example.com;;;',
      'Caio;+55 11 98765-0502;not-an-email;;;',
      'Duda;+55 11 98765-0503;;31/12/1990;;',
      'Eva;+5511987650502;;;Gold;',
      'Fabi;+55 11 8765-0504;;;Basic;',
      'Gabi;+5511987650504;;;;',
      ';+1 415 555 0190;;;;',
      'Hugo;;;;;',
    ].join('\r\n') +
    '\r\n',
);

function upload(s: Session, file: Buffer, filename = 'clientes.csv') {
  return s.agent.post('/contacts/import').field('_csrf', s.csrf).attach('file', file, { filename, contentType: 'text/csv' });
}

async function setUp() {
  const { ctx } = await testEnv();
  const owned = await createWorkspace();
  const api = await apiClient(owned.workspace.id);
  await api.post('/contact-fields', { label: 'Birthday', type: 'date' }).expect(201);
  await api.post('/contact-fields', { label: 'Plan', type: 'select', options: ['Basic', 'Pro'] }).expect(201);
  const existing = (await api.post('/contacts', { phone: '+5511987650501', name: 'Old Name', email: 'old@example.com' }).expect(201)).body.data;
  return { ctx, ...owned, api, existing };
}

async function finished(s: Session, id: string) {
  return eventually(async () => {
    const res = await s.agent.get(`/contacts/imports/${id}`).set('HX-Request', 'true').expect(200);
    return /hx-trigger="every 1s"/.test(res.text) ? null : res.text;
  }, 30_000, 'the import to finish');
}

describe('importing contacts from CSV', () => {
  it('uploads, maps the columns, runs in the background and reports created, updated and rejected rows', async () => {
    const { ctx, workspace, existing } = await setUp();
    const agent = await createMember(workspace.id, 'agent');
    const s = await signIn(agent.email);
    expect((await s.get('/contacts/import').expect(200)).text).to.contain('enctype="multipart/form-data"');

    // Without the form's CSRF token the upload is refused.
    await s.agent.post('/contacts/import').attach('file', FILE, { filename: 'x.csv', contentType: 'text/csv' }).expect(403);
    const noFile = await s.agent.post('/contacts/import').field('_csrf', s.csrf).expect(422);
    expect(noFile.text).to.contain('id="f-file-error"');

    const uploaded = await upload(s, FILE).expect(303);
    const path = uploaded.headers.location;
    expect(path).to.match(/^\/contacts\/imports\/[0-9a-f-]{36}$/);
    const id = path.split('/').pop()!;
    const mapping = await s.get(path).expect(200);
    expect(mapping.text).to.contain('Match the columns').and.contain('clientes.csv');
    // Samples of the first three rows, and guesses from the headers.
    expect(mapping.text).to.contain('<li>Ana</li>').and.contain('<li>Bia</li>').and.contain('<li>Caio</li>').and.not.contain('<li>Duda</li>');
    const selected = [...mapping.text.matchAll(/name="mapping\[(c\d+)\]"[\s\S]*?<option value="([^"]+)" selected>/g)].map((m) => [m[1], m[2]]);
    expect(selected).to.deep.equal([
      ['c0', 'name'],
      ['c1', 'phone'],
      ['c2', 'email'],
      ['c3', 'custom:birthday'],
      ['c4', 'custom:plan'],
      ['c5', 'ignore'],
    ]);
    const imp = await ctx.knex('contact_imports').where({ id }).first();
    expect(imp).to.include({ status: 'uploaded', workspace_id: workspace.id, created_by: agent.id });

    // The mapping needs a phone column, and each field once.
    const noPhone = await s.post(`${path}/start`, { mapping: { c0: 'name', c1: 'ignore' } }).expect(422);
    expect(noPhone.text).to.contain('Choose the column that holds the phone numbers.');
    const twice = await s.post(`${path}/start`, { mapping: { c0: 'name', c1: 'phone', c5: 'name' } }).expect(422);
    expect(twice.text).to.contain('Another column is already imported as this');
    expect((await ctx.knex('contact_imports').where({ id }).first()).status).to.equal('uploaded');

    const started = await s.post(`${path}/start`, { mapping: { c0: 'name', c1: 'phone', c2: 'email', c3: 'custom:birthday', c4: 'custom:plan', c5: 'ignore' } }).expect(303);
    expect(started.headers.location).to.equal(path);
    const progress = await s.get(path).expect(200);
    expect(progress.text).to.match(/<progress|Done/);
    await s.post(`${path}/start`, { mapping: { c1: 'phone' } }).expect(422);

    const report = await finished(s, id);
    expect(report).to.contain('<span class="stat-value" data-stat="created">2</span>');
    expect(report).to.contain('<span class="stat-value" data-stat="updated">1</span>');
    expect(report).to.contain('<span class="stat-value" data-stat="rejected">6</span>');
    const rejected = [...report.matchAll(/<td data-label="Row" class="nowrap">(\d+)<\/td>\s*<td data-label="Reason">([^<]*)<\/td>/g)].map((m) => [Number(m[1]), m[2]]);
    expect(rejected).to.deep.equal([
      [3, 'Phone: Enter the number with its country code, e.g. +55 11 98765 4321'],
      [4, 'Email: Enter a valid email address'],
      [5, 'Birthday: Enter a date as YYYY-MM-DD'],
      [6, 'Plan: Choose one of the options'],
      [8, 'Phone: The same number is on row 7'],
      [10, 'Phone: No phone number'],
    ]);

    const row = await ctx.knex('contact_imports').where({ id }).first();
    expect(row).to.include({ status: 'done', total_rows: 9, processed_rows: 9, created_count: 2, updated_count: 1, rejected_count: 6, storage_key: null });
    const ana = await ctx.knex('contacts').where({ id: existing.id }).first();
    expect(ana).to.include({ name: 'Ana', email: 'ana@example.com', phone: '+5511987650501' });
    expect(ana.custom).to.deep.equal({ birthday: '1990-01-02', plan: 'Pro' });
    const fabi = await ctx.knex('contacts').where({ workspace_id: workspace.id, phone_key: '551187650504' }).first();
    expect(fabi).to.include({ name: 'Fabi', phone: '+551187650504' });
    expect(fabi.custom).to.deep.equal({ plan: 'Basic' });
    expect(await ctx.knex('contacts').where({ workspace_id: workspace.id }).count('* as n').first()).to.deep.equal({ n: 3 });

    // The rejected rows as CSV, to fix and import again.
    const csv = await s.get(`${path}/rejected.csv`).expect(200);
    expect(csv.headers['content-disposition']).to.equal('attachment; filename="clientes-rejected.csv"');
    const lines = parse(csv.text, { bom: true }) as string[][];
    expect(lines[0]).to.deep.equal(['Row', 'Reason', 'Nome', 'Telefone', 'E-mail', 'Birthday', 'Plan', 'Notes']);
    expect(lines[1]).to.deep.equal(['3', 'Phone: Enter the number with its country code, e.g. +55 11 98765 4321', 'Bia', '11 2222', 'bia@example.com', '', '', '']);
    expect(lines).to.have.length(7);
    expect((await s.get('/contacts/import').expect(200)).text).to.contain('2 created · 1 updated · 6 rejected');

    // The same file again: nothing new, the same rows refused.
    const again = (await upload(s, FILE).expect(303)).headers.location;
    await s.post(`${again}/start`, { mapping: { c0: 'name', c1: 'phone', c2: 'email', c3: 'custom:birthday', c4: 'custom:plan' } }).expect(303);
    await finished(s, again.split('/').pop()!);
    expect(await ctx.knex('contact_imports').where({ id: again.split('/').pop() }).first()).to.include({ created_count: 0, updated_count: 3, rejected_count: 6 });
    expect(await ctx.knex('contacts').where({ workspace_id: workspace.id }).count('* as n').first()).to.deep.equal({ n: 3 });
    const audit = await ctx.knex('audit_log').where({ workspace_id: workspace.id }).where('action', 'like', 'contact_import.%').pluck('action');
    expect(audit).to.include.members(['contact_import.uploaded', 'contact_import.started', 'contact_import.finished']);
  });

  it('refuses files that are too large, not UTF-8 or empty, and can cancel an upload', async () => {
    const { ctx, workspace, user } = await setUp();
    const s = await signIn(user.email);
    const big = await upload(s, Buffer.alloc(20 * 1024 * 1024 + 10, 'a')).expect(422);
    expect(big.text).to.contain('larger than 20 MB');
    const latin1 = await upload(s, Buffer.from('Nome,Telefone\nJos\xe9,+5511987650601\n', 'latin1')).expect(422);
    expect(latin1.text).to.contain('Save it as “CSV UTF-8”');
    expect((await upload(s, Buffer.from('\n\n')).expect(422)).text).to.contain('The file is empty');
    expect(await ctx.knex('contact_imports').where({ workspace_id: workspace.id }).first()).to.equal(undefined);

    const path = (await upload(s, Buffer.from('phone\n+5511987650602\n')).expect(303)).headers.location;
    await s.post(`${path}/discard`).expect(303);
    await s.get(path).expect(404);
  });

  it('imports through the API with a mapping, or guessing it from the headers', async () => {
    const { ctx } = await testEnv();
    const { workspace } = await createWorkspace();
    const api = await apiClient(workspace.id);
    await api.post('/contact-fields', { label: 'Shirt size', key: 'size', type: 'select', options: ['S', 'M', 'L'] }).expect(201);
    const file = Buffer.from('Full name,Mobile,Shirt\nJo,+14155550701,M\n"Lee, Sam",+14155550702,XXL\nMo,+1 415 555 0701,S\n');
    const queued = await api.upload('/contacts/import', file, 'people.csv', 'text/csv').field('mapping', JSON.stringify({ 'Full name': 'name', Mobile: 'phone', '3': 'size' })).expect(202);
    expect(queued.body.data).to.include({ filename: 'people.csv' });
    expect(['queued', 'running', 'done']).to.include(queued.body.data.status);
    expect(queued.body.data.mapping).to.deep.equal({ 'Full name': 'name', Mobile: 'phone', Shirt: 'size' });
    const id = queued.body.data.id;
    const done = await eventually(async () => {
      const res = await api.get(`/contacts/imports/${id}`).expect(200);
      return res.body.data.status === 'done' ? res.body.data : null;
    }, 30_000, 'the API import');
    expect(done).to.include({ total_rows: 3, processed_rows: 3, created_count: 1, updated_count: 0, rejected_count: 2 });
    expect(done.rejected_rows.map((r: { row: number; reason: string }) => [r.row, r.reason])).to.deep.equal([
      [3, 'Shirt size: Choose one of the options'],
      [4, 'Phone: The same number is on row 2'],
    ]);
    expect(done.rejected_rows[0].problems).to.deep.equal([{ field: 'size', code: 'validation.choose', message: 'Choose one of the options' }]);
    const jo = (await api.get('/contacts?phone=14155550701').expect(200)).body.data[0];
    expect(jo).to.include({ name: 'Jo' });
    expect(jo.custom).to.deep.equal({ size: 'M' });

    // Without a mapping the headers decide; a file without a phone column is refused, nothing kept.
    const guessed = await api.upload('/contacts/import', Buffer.from('name;whatsapp\nPat;+14155550703\n'), 'g.csv', 'text/csv').expect(202);
    expect(guessed.body.data.mapping).to.deep.equal({ name: 'name', whatsapp: 'phone' });
    const before = await ctx.knex('contact_imports').where({ workspace_id: workspace.id }).count('* as n').first();
    const noPhone = await api.upload('/contacts/import', Buffer.from('name,city\nPat,Recife\n'), 'n.csv', 'text/csv').expect(422);
    expect(noPhone.body.error.fields.mapping).to.equal('Choose the column that holds the phone numbers.');
    const badJson = await api.upload('/contacts/import', file, 'people.csv', 'text/csv').field('mapping', '{nope').expect(422);
    expect(badJson.body.error.fields).to.have.property('mapping');
    const unknown = await api.upload('/contacts/import', file, 'people.csv', 'text/csv').field('mapping', JSON.stringify({ Mobile: 'phone', Nope: 'name', Shirt: 'colour' })).expect(422);
    expect(unknown.body.error.fields).to.deep.equal({ 'mapping.Nope': 'The file has no such column', 'mapping.Shirt': 'Choose name, phone, email, a custom field key or ignore' });
    await api.post('/contacts/import').expect(422);
    expect(await ctx.knex('contact_imports').where({ workspace_id: workspace.id }).count('* as n').first()).to.deep.equal(before);
  });

  it('imports 5,000 rows in batches with the right counts', async function () {
    this.timeout(180_000);
    const { ctx } = await testEnv();
    const { workspace } = await createWorkspace();
    const api = await apiClient(workspace.id);
    await api.post('/contact-fields', { label: 'Orders', type: 'number' }).expect(201);
    const lines = ['name,phone,email,orders'];
    for (let i = 0; i < 5000; i++) {
      // Every 100th row has a bad number; every 250th a bad order count.
      const phone = i % 100 === 99 ? 'n/a' : `+1646${String(1000000 + i)}`;
      const orders = i % 250 === 7 ? 'lots' : String(i % 17);
      lines.push(`Customer ${i},${phone},c${i}@example.com,${orders}`);
    }
    const queued = await api.upload('/contacts/import', Buffer.from(lines.join('\n')), 'big.csv', 'text/csv').expect(202);
    const done = await eventually(async () => {
      const res = await api.get(`/contacts/imports/${queued.body.data.id}`).expect(200);
      return res.body.data.status === 'done' ? res.body.data : null;
    }, 170_000, 'the 5,000-row import');
    expect(done).to.include({ total_rows: 5000, processed_rows: 5000, created_count: 4930, updated_count: 0, rejected_count: 70 });
    expect(done.rejected_rows).to.have.length(70);
    expect(done.rejected_rows[0]).to.include({ row: 9, reason: 'Orders: Enter a number, like 42 or 3.5' });
    expect(await ctx.knex('contacts').where({ workspace_id: workspace.id }).count('* as n').first()).to.deep.equal({ n: 4930 });
    const sample = await ctx.knex('contacts').where({ workspace_id: workspace.id, phone: '+16461004321' }).first();
    expect(sample).to.include({ name: 'Customer 4321', email: 'c4321@example.com' });
    expect(sample.custom).to.deep.equal({ orders: 4321 % 17 });
  });

  it('resumes an import whose worker died, after its last committed batch', async () => {
    const { ctx } = await testEnv();
    const { workspace, user } = await createWorkspace();
    const s = await signIn(user.email);
    const path = (await upload(s, Buffer.from('name,phone\nOne,+14155550801\nTwo,+14155550802\nThree,+14155550803\n')).expect(303)).headers.location;
    const id = path.split('/').pop()!;
    // As if a process had committed the first row and died two minutes ago.
    await ctx.knex('contacts').insert({ workspace_id: workspace.id, phone: '+14155550801', phone_key: '14155550801', name: 'One' });
    await ctx.knex('contact_imports')
      .where({ id })
      .update({ status: 'running', mapping: JSON.stringify({ 0: 'name', 1: 'phone' }), total_rows: 3, processed_rows: 1, created_count: 1, heartbeat_at: new Date(Date.now() - 5 * 60_000) });
    ctx.signals.wake('contact-imports');
    await finished(s, id);
    expect(await ctx.knex('contact_imports').where({ id }).first()).to.include({ status: 'done', processed_rows: 3, created_count: 3, updated_count: 0, rejected_count: 0 });
    expect(await ctx.knex('contacts').where({ workspace_id: workspace.id }).orderBy('phone').pluck('name')).to.deep.equal(['One', 'Two', 'Three']);
  });

  it("answers 404 for another workspace's imports", async () => {
    const a = await createWorkspace();
    const b = await createWorkspace();
    const sb = await signIn(b.user.email);
    const path = (await upload(sb, Buffer.from('phone\n+14155550901\n')).expect(303)).headers.location;
    const id = path.split('/').pop()!;
    const sa = await signIn(a.user.email);
    await sa.get(path).expect(404);
    await sa.post(`${path}/start`, { mapping: { c0: 'phone' } }).expect(404);
    await sa.post(`${path}/discard`).expect(404);
    await sa.get(`${path}/rejected.csv`).expect(404);
    const apiA = await apiClient(a.workspace.id);
    await apiA.get(`/contacts/imports/${id}`).expect(404);
    expect((await sa.get('/contacts/import').expect(200)).text).not.to.contain(id);
    await sb.get(path).expect(200);
  });

  it('forgets uploads nobody imported after a day, with their files', async () => {
    const { ctx } = await testEnv();
    const { user } = await createWorkspace();
    const s = await signIn(user.email);
    const old = (await upload(s, Buffer.from('phone\n+14155551001\n')).expect(303)).headers.location.split('/').pop()!;
    const fresh = (await upload(s, Buffer.from('phone\n+14155551002\n')).expect(303)).headers.location.split('/').pop()!;
    const oldRow = await ctx.knex('contact_imports').where({ id: old }).first();
    await ctx.knex('contact_imports').where({ id: old }).update({ created_at: new Date(Date.now() - 2 * 24 * 3600_000) });
    const outcome = await runJobOnce(ctx, findJob('contact-imports-cleanup')!);
    expect(outcome.ran).to.equal(true);
    expect(await ctx.knex('contact_imports').where({ id: old }).first()).to.equal(undefined);
    expect(await ctx.knex('contact_imports').where({ id: fresh }).first()).to.include({ status: 'uploaded' });
    let gone = false;
    await ctx.media.read(oldRow.storage_key).catch(() => (gone = true));
    expect(gone).to.equal(true);
  });
});
