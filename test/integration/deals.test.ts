import { expect } from 'chai';
import { testEnv } from '../support/context.js';
import { createMember, createWorkspace } from '../support/factories.js';
import { signIn } from '../support/http.js';
import { addMessage, apiClient, createContact, createSandboxChannel, makeDeal, stagesByName } from '../support/pipeline.js';

describe('deals', () => {
  it('creates a deal from a conversation in one click: the contact is prefilled and the title named after them', async () => {
    const { ctx } = await testEnv();
    const { user, workspace } = await createWorkspace();
    const contact = await createContact(workspace.id, 'Ana Souza');
    const s = await signIn(user.email);
    const form = await s.get(`/deals/new?contact_id=${contact.id}`).expect(200);
    expect(form.text).to.contain('value="Ana Souza deal"').and.contain(`name="contact_id" value="${contact.id}"`).and.contain('<strong>Ana Souza</strong>');
    // The owner defaults to whoever creates the deal, the currency to the workspace's.
    expect(form.text).to.match(new RegExp(`<option value="${user.id}" selected>`));
    expect(form.text).to.contain('<option value="USD" selected>');
    const stages = await stagesByName(workspace.id);
    const created = await s.post('/deals', { contact_id: contact.id, title: 'Ana Souza deal', value: '1,250.50', currency: 'USD', stage_id: stages.New.id, owner_id: user.id, labels: 'vip, wholesale, vip' }).expect(303);
    const deal = await ctx.knex('deals').where({ workspace_id: workspace.id }).first();
    expect(created.headers.location).to.equal(`/deals/${deal.id}`);
    expect(deal).to.include({ title: 'Ana Souza deal', value: '1250.5000', currency: 'USD', stage_id: stages.New.id, owner_id: user.id, created_by: user.id });
    expect(deal.labels).to.deep.equal(['vip', 'wholesale']);
    const events = await ctx.knex('deal_events').where({ deal_id: deal.id });
    expect(events.map((e: { type: string; to_stage_id: string }) => [e.type, e.to_stage_id])).to.deep.equal([['created', stages.New.id]]);
    const page = await s.get(`/deals/${deal.id}`).expect(200);
    expect(page.text).to.contain('$1,250.50').and.contain('created the deal in New');
    expect(await ctx.knex('audit_log').where({ workspace_id: workspace.id, action: 'deal.created', subject_id: deal.id })).to.have.length(1);
  });

  it('creates a deal from the board, picking the contact, with a default title', async () => {
    const { ctx } = await testEnv();
    const { user, workspace } = await createWorkspace();
    await createContact(workspace.id, 'Bruno Lima');
    const carla = await createContact(workspace.id, 'Carla Dias');
    const s = await signIn(user.email);
    const stages = await stagesByName(workspace.id);
    const form = await s.get(`/deals/new?stage_id=${stages.Proposal.id}`).expect(200);
    expect(form.text).to.contain('Bruno Lima').and.contain('Carla Dias');
    expect(form.text).to.match(new RegExp(`<option value="${stages.Proposal.id}" selected>`));
    const search = await s.get('/deals/contact-options?contact_q=carl').expect(200);
    expect(search.text).to.contain('Carla Dias').and.not.contain('Bruno Lima');
    const missing = await s.post('/deals', { title: 'x', value: '10' }).expect(422);
    expect(missing.text).to.contain('Choose the contact this deal is with');
    const res = await s.post('/deals', { contact_id: carla.id, title: '', value: '', stage_id: stages.Proposal.id, currency: 'USD', owner_id: '' });
    expect(res.status, res.text.match(/class="error"[^<]*>([^<]*)/)?.[1]).to.equal(303);
    const deal = await ctx.knex('deals').where({ workspace_id: workspace.id }).first();
    expect(deal).to.include({ title: 'Carla Dias deal', value: '0.0000', stage_id: stages.Proposal.id, owner_id: null });
  });

  it('validates currency and money: ISO 4217 only, decimals no finer than the currency, never a float', async () => {
    const { workspace } = await createWorkspace();
    const contact = await createContact(workspace.id, 'Dora');
    const api = await apiClient(workspace.id);
    const base = { title: 'Money', contact_id: contact.id };
    const bad = async (body: Record<string, unknown>, field: string) => {
      const res = await api.post('/deals', { ...base, ...body }).expect(422);
      expect(res.body.error.fields, JSON.stringify(body)).to.have.property(field);
      return res.body.error.fields[field];
    };
    expect(await bad({ value: '10', currency: 'XYZ' }, 'currency')).to.contain('ISO 4217');
    await bad({ value: '10', currency: 'dollars' }, 'currency');
    expect(await bad({ value: 1234.5 }, 'value')).to.contain('decimal string');
    await bad({ value: '1.234' }, 'value');
    await bad({ value: '1e6' }, 'value');
    await bad({ value: '-5' }, 'value');
    await bad({ value: '12345678901234567' }, 'value');
    await bad({ value: '100.5', currency: 'JPY' }, 'value');
    // Lower case is accepted and stored upper case; each currency keeps its own decimals.
    const jpy = await api.post('/deals', { ...base, value: '1500', currency: 'jpy' }).expect(201);
    expect(jpy.body.data).to.include({ value: '1500', currency: 'JPY' });
    const kwd = await api.post('/deals', { ...base, value: '12.345', currency: 'KWD' }).expect(201);
    expect(kwd.body.data).to.include({ value: '12.345', currency: 'KWD' });
    const usd = await api.post('/deals', { ...base, value: '7.5' }).expect(201);
    expect(usd.body.data).to.include({ value: '7.50', currency: 'USD' });
  });

  it('stores values exactly: big amounts round-trip and sums are exact', async () => {
    const { ctx } = await testEnv();
    const { user, workspace } = await createWorkspace();
    const contact = await createContact(workspace.id, 'Eva');
    const api = await apiClient(workspace.id);
    const big = await api.post('/deals', { title: 'Big', contact_id: contact.id, value: '12345678901234.56', currency: 'USD' }).expect(201);
    expect(big.body.data.value).to.equal('12345678901234.56');
    expect((await api.get(`/deals/${big.body.data.id}`).expect(200)).body.data.value).to.equal('12345678901234.56');
    // 0.1 + 0.2 is 0.3 here, not 0.30000000000000004; and big + small keeps every cent.
    await api.post('/deals', { title: 'A', contact_id: contact.id, value: '0.10' }).expect(201);
    await api.post('/deals', { title: 'B', contact_id: contact.id, value: '0.20' }).expect(201);
    const [{ sum }] = await ctx.knex('deals').where({ workspace_id: workspace.id }).sum('value as sum');
    expect(sum).to.equal('12345678901234.8600');
    const s = await signIn(user.email);
    const board = await s.get('/pipeline').expect(200);
    expect(board.text).to.contain('$12,345,678,901,234.86');
    const csv = await s.get('/deals/export.csv').expect(200);
    expect(csv.text).to.contain(',12345678901234.56,USD,');
  });

  it('validates owners and contacts: members and contacts of this workspace only', async () => {
    const a = await createWorkspace();
    const b = await createWorkspace();
    const contactA = await createContact(a.workspace.id, 'Fabio');
    const contactB = await createContact(b.workspace.id, 'Gil');
    const api = await apiClient(a.workspace.id);
    const foreignContact = await api.post('/deals', { title: 'x', contact_id: contactB.id }).expect(422);
    expect(foreignContact.body.error.fields.contact_id).to.equal('There is no such contact in this workspace');
    const foreignOwner = await api.post('/deals', { title: 'x', contact_id: contactA.id, owner_id: b.user.id }).expect(422);
    expect(foreignOwner.body.error.fields.owner_id).to.equal('The owner must be a member of this workspace');
    const stagesB = await stagesByName(b.workspace.id);
    await api.post('/deals', { title: 'x', contact_id: contactA.id, stage_id: stagesB.New.id }).expect(422);
    const owned = await api.post('/deals', { title: 'x', contact_id: contactA.id, owner_id: a.user.id }).expect(201);
    expect(owned.body.data.owner_id).to.equal(a.user.id);
  });

  it('validates custom fields against the workspace definitions', async () => {
    const { user, workspace } = await createWorkspace();
    const contact = await createContact(workspace.id, 'Hana');
    const s = await signIn(user.email);
    await s.post('/settings/deal-fields', { label: 'Budget', type: 'number' }).expect(303);
    await s.post('/settings/deal-fields', { label: 'Size', type: 'select', options: 'Small\nLarge' }).expect(303);
    await s.post('/settings/deal-fields', { label: 'Kickoff', type: 'date' }).expect(303);
    const api = await apiClient(workspace.id);
    const bad = await api.post('/deals', { title: 'x', contact_id: contact.id, custom_fields: { budget: 'lots', size: 'Huge', kickoff: '2026-13-45', nope: 'x' } }).expect(422);
    expect(bad.body.error.fields).to.have.keys('custom_fields.budget', 'custom_fields.size', 'custom_fields.kickoff', 'custom_fields.nope');
    const ok = await api.post('/deals', { title: 'x', contact_id: contact.id, custom_fields: { budget: '2500.75', size: 'Large', kickoff: '2026-12-01' } }).expect(201);
    expect(ok.body.data.custom_fields).to.deep.equal({ budget: '2500.75', size: 'Large', kickoff: '2026-12-01' });
    const patched = await api.patch(`/deals/${ok.body.data.id}`, { custom_fields: { size: null, budget: 10 } }).expect(200);
    expect(patched.body.data.custom_fields).to.deep.equal({ budget: '10', kickoff: '2026-12-01' });
    // The form shows them and saves them too.
    const edit = await s.get(`/deals/${ok.body.data.id}/edit`).expect(200);
    expect(edit.text).to.contain('name="custom_fields[budget]"').and.contain('value="10"');
    await s.post(`/deals/${ok.body.data.id}`, { title: 'x', value: '1', currency: 'USD', custom_fields: { budget: '', size: 'Small', kickoff: '' } }).expect(303);
    expect((await api.get(`/deals/${ok.body.data.id}`)).body.data.custom_fields).to.deep.equal({ size: 'Small' });
    const page = await s.get(`/deals/${ok.body.data.id}`).expect(200);
    expect(page.text).to.contain('Size').and.contain('Small');
  });

  it('edits a deal from its page and keeps a note on the timeline', async () => {
    const { ctx } = await testEnv();
    const { user, workspace } = await createWorkspace();
    const contact = await createContact(workspace.id, 'Ivo');
    const deal = await makeDeal(workspace, contact, { title: 'Old title', value: '10' }, user.id);
    const s = await signIn(user.email);
    await s.post(`/deals/${deal.id}`, { title: 'New title', value: '99.90', currency: 'EUR', owner_id: '', expected_close_date: '2027-01-15', source: 'Referral', labels: 'hot', notes: 'Call after lunch' }).expect(303);
    const row = await ctx.knex('deals').where({ id: deal.id }).first();
    expect(row).to.include({ title: 'New title', value: '99.9000', currency: 'EUR', owner_id: null, expected_close_date: '2027-01-15', source: 'Referral', notes: 'Call after lunch' });
    expect(row.labels).to.deep.equal(['hot']);
    const invalid = await s.post(`/deals/${deal.id}`, { title: 'New title', value: 'abc', currency: 'EUR' }).expect(422);
    expect(invalid.text).to.contain('Enter an amount like 1234.50');
    await s.post(`/deals/${deal.id}/notes`, { body: '' }).expect(422);
    await s.post(`/deals/${deal.id}/notes`, { body: 'Asked for the catalogue <b>PDF</b>' }).expect(303);
    const page = await s.get(`/deals/${deal.id}`).expect(200);
    expect(page.text).to.contain('added a note').and.contain('Asked for the catalogue &lt;b&gt;PDF&lt;/b&gt;');
    expect(page.text).to.contain('€99.90').and.contain('Referral').and.contain('Jan 15, 2027');
  });

  it('shows the contact\'s WhatsApp messages interleaved with the deal\'s history, and links the conversation', async () => {
    const { user, workspace } = await createWorkspace();
    const contact = await createContact(workspace.id, 'Julia');
    const channel = await createSandboxChannel(workspace.id);
    const t0 = Date.now() - 3 * 3600_000;
    const { conversationId } = await addMessage(workspace.id, channel, contact, 'inbound', 'Hi, do you ship to Recife?', new Date(t0));
    await addMessage(workspace.id, channel, contact, 'outbound', 'Yes, in 3 days!', new Date(t0 + 60_000), user.id);
    const deal = await makeDeal(workspace, contact, { title: 'Recife order' }, user.id);
    await addMessage(workspace.id, channel, contact, 'inbound', 'Great, send me the quote', new Date(Date.now() + 1000));
    const s = await signIn(user.email);
    const page = await s.get(`/deals/${deal.id}`).expect(200);
    const order = ['Great, send me the quote', 'created the deal in New', 'Yes, in 3 days!', 'Hi, do you ship to Recife?'].map((x) => page.text.indexOf(x));
    expect(order.every((i) => i > 0), JSON.stringify(order)).to.equal(true);
    expect([...order].sort((a, b) => a - b)).to.deep.equal(order);
    expect(page.text).to.contain(`href="/inbox/conversations/${conversationId}"`).and.contain('Open conversation');
    // The customer wrote last: the deal waits for a reply, on its page and on the board.
    expect(page.text).to.contain('Waiting for reply');
    expect((await s.get('/pipeline').expect(200)).text).to.contain('Waiting for reply');
    await addMessage(workspace.id, channel, contact, 'outbound', 'Quote sent', new Date(Date.now() + 2000), user.id);
    expect((await s.get('/pipeline').expect(200)).text).not.to.contain('Waiting for reply');
    expect((await s.get(`/deals/${deal.id}`).expect(200)).text).not.to.contain('Waiting for reply');
  });

  it('lets agents create, edit and move deals, and only admins delete them', async () => {
    const { ctx } = await testEnv();
    const { workspace } = await createWorkspace();
    const agent = await createMember(workspace.id, 'agent');
    const contact = await createContact(workspace.id, 'Kai');
    const stages = await stagesByName(workspace.id);
    const s = await signIn(agent.email);
    await s.post('/deals', { contact_id: contact.id, title: 'By agent', value: '5', currency: 'USD', stage_id: stages.New.id, owner_id: agent.id }).expect(303);
    const deal = await ctx.knex('deals').where({ workspace_id: workspace.id }).first();
    await s.post(`/deals/${deal.id}`, { title: 'By agent, edited', value: '6', currency: 'USD' }).expect(303);
    await s.post(`/deals/${deal.id}/move`, { stage_id: stages.Qualified.id }).expect(303);
    expect((await ctx.knex('deals').where({ id: deal.id }).first()).stage_id).to.equal(stages.Qualified.id);
    await s.post(`/deals/${deal.id}/delete`).expect(403);
    const page = await s.get(`/deals/${deal.id}`).expect(200);
    expect(page.text).not.to.contain(`/deals/${deal.id}/delete`);
    const admin = await createMember(workspace.id, 'admin');
    const asAdmin = await signIn(admin.email);
    await asAdmin.post(`/deals/${deal.id}/delete`).expect(303);
    expect(await ctx.knex('deals').where({ id: deal.id }).first()).to.equal(undefined);
    expect(await ctx.knex('deal_events').where({ deal_id: deal.id })).to.have.length(0);
    expect(await ctx.knex('audit_log').where({ action: 'deal.deleted', subject_id: deal.id })).to.have.length(1);
  });

  it('answers 404 for another workspace\'s deals on every page and API route', async () => {
    const { ctx } = await testEnv();
    const a = await createWorkspace();
    const b = await createWorkspace();
    const contactB = await createContact(b.workspace.id, 'Lia');
    const dealB = await makeDeal(b.workspace, contactB, { title: 'Secret deal', value: '100' });
    const stagesB = await stagesByName(b.workspace.id);
    const stagesA = await stagesByName(a.workspace.id);
    const s = await signIn(a.user.email);
    await s.get(`/deals/${dealB.id}`).expect(404);
    await s.get(`/deals/${dealB.id}/edit`).expect(404);
    await s.post(`/deals/${dealB.id}`, { title: 'Hijack', value: '1', currency: 'USD' }).expect(404);
    await s.post(`/deals/${dealB.id}/move`, { stage_id: stagesA.Qualified.id }).expect(404);
    await s.post(`/deals/${dealB.id}/move`, { stage_id: stagesB.Qualified.id }).expect(404);
    await s.post(`/deals/${dealB.id}/notes`, { body: 'Hijack' }).expect(404);
    await s.post(`/deals/${dealB.id}/delete`).expect(404);
    await s.get(`/deals/new?contact_id=${contactB.id}`).expect(404);
    await s.get(`/deals?stage=${stagesB.New.id}`).expect(404);
    const pipelineB = await ctx.knex('pipelines').where({ workspace_id: b.workspace.id }).first();
    await s.get(`/deals?pipeline=${pipelineB.id}`).expect(404);
    await s.get(`/deals/export.csv?pipeline=${pipelineB.id}`).expect(404);
    expect((await s.get('/deals').expect(200)).text).not.to.contain('Secret deal');
    expect((await s.get('/deals/export.csv').expect(200)).text).not.to.contain('Secret deal');
    expect((await s.get('/pipeline').expect(200)).text).not.to.contain('Secret deal');
    expect((await s.get('/deals/contact-options?contact_q=Lia').expect(200)).text).not.to.contain(contactB.id);

    const api = await apiClient(a.workspace.id);
    await api.get(`/deals/${dealB.id}`).expect(404);
    await api.patch(`/deals/${dealB.id}`, { title: 'Hijack' }).expect(404);
    await api.delete(`/deals/${dealB.id}`).expect(404);
    await api.post(`/deals/${dealB.id}/move`, { stage_id: stagesB.Won.id }).expect(404);
    expect((await api.get(`/deals?pipeline_id=${pipelineB.id}`).expect(200)).body.data).to.deep.equal([]);
    const untouched = await ctx.knex('deals').where({ id: dealB.id }).first();
    expect(untouched).to.include({ title: 'Secret deal', stage_id: stagesB.New.id });
    expect(await ctx.knex('deal_events').where({ deal_id: dealB.id })).to.have.length(1);
  });
});

describe('deals list and CSV export', () => {
  it('sorts, filters and pages the list', async () => {
    const { user, workspace } = await createWorkspace();
    const contact = await createContact(workspace.id, 'Mia');
    const stages = await stagesByName(workspace.id);
    await makeDeal(workspace, contact, { title: 'Bravo', value: '300' });
    await makeDeal(workspace, contact, { title: 'alpha', value: '1000', stage_id: stages.Proposal.id });
    await makeDeal(workspace, contact, { title: 'Charlie', value: '20', stage_id: stages.Won.id });
    const s = await signIn(user.email);
    const titles = (html: string) => [...html.matchAll(/<a href="\/deals\/[0-9a-f-]{36}"><strong>([^<]+)<\/strong>/g)].map((m) => m[1]);
    expect(titles((await s.get('/deals?sort=title&dir=asc').expect(200)).text)).to.deep.equal(['alpha', 'Bravo', 'Charlie']);
    expect(titles((await s.get('/deals?sort=value&dir=desc').expect(200)).text)).to.deep.equal(['alpha', 'Bravo', 'Charlie']);
    expect(titles((await s.get('/deals?sort=stage&dir=asc').expect(200)).text)).to.deep.equal(['Bravo', 'alpha', 'Charlie']);
    expect(titles((await s.get('/deals?sort=title&dir=asc&status=open').expect(200)).text)).to.deep.equal(['alpha', 'Bravo']);
    expect(titles((await s.get('/deals?sort=title&dir=asc&status=won').expect(200)).text)).to.deep.equal(['Charlie']);
    expect(titles((await s.get('/deals?q=brav').expect(200)).text)).to.deep.equal(['Bravo']);
    expect(titles((await s.get(`/deals?stage=${stages.Proposal.id}`).expect(200)).text)).to.deep.equal(['alpha']);
    // Bad sort parameters fall back to the default instead of failing.
    await s.get('/deals?sort=drop%20table&dir=sideways&page=-3').expect(200);
    // htmx gets the list alone.
    const partial = await s.get('/deals?q=alpha').set('HX-Request', 'true').expect(200);
    expect(partial.text).not.to.contain('<!doctype html>');
    expect(partial.text).to.contain('id="deal-list"');
  });

  it('exports the filtered deals as CSV with every column and custom field, safe for spreadsheets', async () => {
    const { user, workspace } = await createWorkspace();
    const s = await signIn(user.email);
    await s.post('/settings/deal-fields', { label: 'Budget', type: 'number' }).expect(303);
    const contact = await createContact(workspace.id, 'Nora "The Boss"');
    const stages = await stagesByName(workspace.id);
    await makeDeal(workspace, contact, { title: '=HYPERLINK("http://evil")', value: '1500.5', labels: ['vip', 'b2b'], custom_fields: { budget: '2000' } }, user.id);
    await makeDeal(workspace, contact, { title: 'Lost one', value: '10', stage_id: stages.Lost.id, lost_reason: 'Price too high' });
    const res = await s.get('/deals/export.csv?sort=title&dir=asc').expect(200);
    expect(res.headers['content-type']).to.equal('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).to.match(/^attachment; filename="deals-\d{4}-\d{2}-\d{2}\.csv"$/);
    const lines = res.text.replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(lines[0]).to.equal(
      'id,title,value,currency,pipeline,stage,status,contact,contact_phone,owner,owner_email,expected_close_date,source,labels,lost_reason,won_at,lost_at,created_at,updated_at,notes,budget',
    );
    expect(lines).to.have.length(3);
    const first = lines[1];
    expect(first).to.contain(`,"'=HYPERLINK(""http://evil"")",1500.50,USD,Sales,New,open,"Nora ""The Boss""",`);
    expect(first).to.contain(`,Olivia Owner,${user.email},`);
    expect(first).to.contain(',"vip, b2b",');
    expect(first.endsWith(',2000')).to.equal(true);
    expect(lines[2]).to.contain(',Lost one,10.00,USD,Sales,Lost,lost,').and.contain(',Price too high,');
    const filtered = await s.get('/deals/export.csv?status=lost').expect(200);
    expect(filtered.text.trim().split('\r\n')).to.have.length(2);
  });
});

describe('deals API', () => {
  it('creates, reads, lists, changes and deletes deals', async () => {
    const { workspace, user } = await createWorkspace();
    const contact = await createContact(workspace.id, 'Otto');
    const other = await createContact(workspace.id, 'Pia');
    const api = await apiClient(workspace.id);
    const stages = await stagesByName(workspace.id);
    const created = await api
      .post('/deals', { title: 'Sofa order', value: '1234.50', currency: 'BRL', contact_id: contact.id, owner_id: user.id, expected_close_date: '2027-02-01', labels: ['vip'] })
      .expect(201);
    const deal = created.body.data;
    expect(deal).to.include({ title: 'Sofa order', value: '1234.50', currency: 'BRL', contact_id: contact.id, owner_id: user.id, stage_id: stages.New.id, status: 'open', expected_close_date: '2027-02-01' });
    expect(deal.labels).to.deep.equal(['vip']);
    await api.post('/deals', { title: 'Second', value: '1', contact_id: other.id, stage_id: stages.Proposal.id }).expect(201);
    await api.post('/deals', { value: '1', contact_id: other.id }).expect(422);

    const all = await api.get('/deals').expect(200);
    expect(all.body.data.map((d: { title: string }) => d.title)).to.deep.equal(['Second', 'Sofa order']);
    expect((await api.get(`/deals?contact_id=${contact.id}`)).body.data.map((d: { id: string }) => d.id)).to.deep.equal([deal.id]);
    expect((await api.get(`/deals?stage_id=${stages.Proposal.id}`)).body.data.map((d: { title: string }) => d.title)).to.deep.equal(['Second']);
    expect((await api.get(`/deals?owner_id=${user.id}`)).body.data).to.have.length(1);
    const paged = await api.get('/deals?limit=1').expect(200);
    expect(paged.body.data).to.have.length(1);
    expect((await api.get(`/deals?limit=1&cursor=${paged.body.next_cursor}`)).body.data[0].title).to.equal('Sofa order');
    await api.get('/deals?stage_id=nope').expect(422);

    const patched = await api.patch(`/deals/${deal.id}`, { title: 'Sofa + chairs', value: '2000', owner_id: null, notes: 'Wants blue' }).expect(200);
    expect(patched.body.data).to.include({ title: 'Sofa + chairs', value: '2000.00', owner_id: null, notes: 'Wants blue', currency: 'BRL' });
    // A currency with fewer decimals refuses a value that needs more.
    await api.patch(`/deals/${deal.id}`, { value: '10.5', currency: 'JPY' }).expect(422);
    const moved = await api.patch(`/deals/${deal.id}`, { stage_id: stages.Lost.id }).expect(422);
    expect(moved.body.error.fields.lost_reason).to.equal('Choose why the deal was lost');
    const lost = await api.patch(`/deals/${deal.id}`, { stage_id: stages.Lost.id, lost_reason: 'price too high' }).expect(200);
    expect(lost.body.data).to.include({ status: 'lost', lost_reason: 'Price too high', stage_id: stages.Lost.id });
    await api.delete(`/deals/${deal.id}`).expect(204);
    await api.get(`/deals/${deal.id}`).expect(404);
  });

  it('documents every pipeline and deal route in the OpenAPI document', async () => {
    const { workspace } = await createWorkspace();
    const api = await apiClient(workspace.id);
    const doc = (await api.get('/openapi.json').expect(200)).body;
    expect(doc.paths).to.include.keys('/pipelines', '/pipelines/{id}', '/pipelines/{id}/stages', '/pipelines/{id}/stages/{stage_id}', '/lost-reasons', '/deals', '/deals/{id}', '/deals/{id}/move');
    expect(doc.paths['/deals'].post.requestBody.content['application/json'].schema.properties).to.include.keys('title', 'value', 'currency', 'contact_id', 'pipeline_id', 'stage_id', 'owner_id', 'expected_close_date');
    expect(doc.paths['/deals/{id}/move'].post.requestBody.content['application/json'].schema.properties).to.include.keys('stage_id', 'position', 'lost_reason');
    expect(doc.paths['/deals/{id}'].delete.responses).to.have.property('204');
  });
});
