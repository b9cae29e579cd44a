import { expect } from 'chai';
import { parse } from 'csv-parse/sync';
import { testEnv } from '../support/context.js';
import { createMember, createWorkspace } from '../support/factories.js';
import { signIn } from '../support/http.js';
import { apiClient, customerConversation, whatsappChannel } from '../support/whatsapp.js';

/** addLabel gives a contact a label (labels are managed by the inbox; here they are plain rows). */
async function addLabel(workspaceId: string, contactId: string, name: string, color: string): Promise<string> {
  const { ctx } = await testEnv();
  const existing = await ctx.knex('labels').where({ workspace_id: workspaceId, name }).first();
  const label = existing ?? (await ctx.knex('labels').insert({ workspace_id: workspaceId, name, color }).returning('*'))[0];
  await ctx.knex('contact_labels').insert({ workspace_id: workspaceId, contact_id: contactId, label_id: label.id }).onConflict().ignore();
  return label.id;
}

function rowsOf(html: string): string[] {
  return [...html.matchAll(/<tr class="contact-row">[\s\S]*?<strong>([^<]*)<\/strong>/g)].map((m) => m[1]);
}

describe('the contacts page', () => {
  it('lists contacts with their labels and finds them by name, phone in any form, or email', async () => {
    const { workspace, user } = await createWorkspace();
    const api = await apiClient(workspace.id);
    const ana = (await api.post('/contacts', { phone: '+55 11 98765-4321', name: 'Ana Beatriz Souza', email: 'ana.souza@example.com' }).expect(201)).body.data;
    await api.post('/contacts', { phone: '+52 55 1234 5678', name: 'Lucía Pérez' }).expect(201);
    await api.post('/contacts', { phone: '+1 415 555 0133', name: 'Anderson Silva', email: 'asilva@example.org' }).expect(201);
    await addLabel(workspace.id, ana.id, 'VIP', 'purple');
    const channel = await whatsappChannel(workspace.id);
    const conversation = await customerConversation(channel, { phone: '14155550144', name: 'Walk-in Wanda' });
    const { ctx } = await testEnv();
    await ctx.knex('conversations').where({ id: conversation.id }).update({ last_message_at: new Date(Date.now() - 3 * 3600_000) });

    const s = await signIn(user.email);
    const page = await s.get('/contacts').expect(200);
    expect(rowsOf(page.text)).to.deep.equal(['Walk-in Wanda', 'Anderson Silva', 'Lucía Pérez', 'Ana Beatriz Souza']);
    expect(page.text).to.contain('<span class="badge label-purple">VIP</span>');
    expect(page.text).to.contain('3 hr. ago').and.contain('No messages yet');

    const find = async (q: string) => rowsOf((await s.get(`/contacts?q=${encodeURIComponent(q)}`).expect(200)).text);
    expect(await find('an')).to.deep.equal(['Anderson Silva', 'Ana Beatriz Souza']);
    expect(await find('ana sou')).to.deep.equal(['Ana Beatriz Souza']);
    expect(await find('BEATRIZ')).to.deep.equal(['Ana Beatriz Souza']);
    expect(await find('lucía')).to.deep.equal(['Lucía Pérez']);
    expect(await find('wanda')).to.deep.equal(['Walk-in Wanda']);
    // Phone numbers, however they are written.
    expect(await find('+55 (11) 98765-4321')).to.deep.equal(['Ana Beatriz Souza']);
    expect(await find('551187654321')).to.deep.equal(['Ana Beatriz Souza']);
    expect(await find('98765-4321')).to.deep.equal(['Ana Beatriz Souza']);
    expect(await find('5215512345678')).to.deep.equal(['Lucía Pérez']);
    expect(await find('+1 415 555')).to.deep.equal(['Walk-in Wanda', 'Anderson Silva']);
    expect(await find('(11) 8765-4321')).to.deep.equal(['Ana Beatriz Souza']);
    expect(await find('0133')).to.deep.equal(['Anderson Silva']);
    expect(await find('011 98765 4321')).to.deep.equal(['Ana Beatriz Souza']);
    // Email, whole or typed in part.
    expect(await find('ana.souza@example.com')).to.deep.equal(['Ana Beatriz Souza']);
    expect(await find('asilva@exam')).to.deep.equal(['Anderson Silva']);
    // Odd input is just text.
    expect(await find(`o'brien & | ! :* \\`)).to.deep.equal([]);
    const none = await s.get('/contacts?q=zebra').expect(200);
    expect(none.text).to.contain('No contact matches “zebra”.');

    // The search box asks htmx for the list alone.
    const partial = await s.agent.get('/contacts?q=ana').set('HX-Request', 'true').expect(200);
    expect(partial.text).not.to.contain('<!doctype html>');
    expect(partial.text).to.match(/^<div id="contact-list">/);
    expect(rowsOf(partial.text)).to.deep.equal(['Ana Beatriz Souza']);
    // The search pushed its URL: going back to it restores the whole page.
    const restored = await s.agent.get('/contacts?q=ana').set('HX-Request', 'true').set('HX-History-Restore-Request', 'true').expect(200);
    expect(restored.text).to.contain('<!doctype html>');
  });

  it('pages through many contacts with a keyset cursor, also through a search', async () => {
    const { ctx } = await testEnv();
    const { workspace, user } = await createWorkspace();
    const base = Date.now() - 1000 * 1000;
    const rows = Array.from({ length: 120 }, (_, i) => ({
      workspace_id: workspace.id,
      phone: `+1415600${String(i).padStart(4, '0')}`,
      phone_key: `1415600${String(i).padStart(4, '0')}`,
      name: `Person ${String(i).padStart(3, '0')}`,
      // Some share a creation time: the id breaks the tie.
      created_at: new Date(base + Math.floor(i / 3) * 1000),
    }));
    await ctx.knex('contacts').insert(rows);
    const s = await signIn(user.email);
    const seen: string[] = [];
    let html = (await s.get('/contacts').expect(200)).text;
    for (let i = 0; i < 5; i++) {
      seen.push(...rowsOf(html));
      const more = /hx-get="([^"]*cursor=[^"]*)"/.exec(html);
      if (!more) break;
      html = (await s.agent.get(more[1].replace(/&amp;/g, '&')).set('HX-Request', 'true').expect(200)).text;
      expect(html).not.to.contain('<table');
    }
    expect(seen).to.have.length(120);
    expect(new Set(seen).size).to.equal(120);
    // Newest first: the last three made share the newest second.
    expect(seen.slice(0, 3).sort()).to.deep.equal(['Person 117', 'Person 118', 'Person 119']);
    expect(seen.slice(117).sort()).to.deep.equal(['Person 000', 'Person 001', 'Person 002']);
    // Paging a search keeps the search, and finds every match once.
    let searched = (await s.get('/contacts?q=person').expect(200)).text;
    expect(searched).to.match(/hx-get="\/contacts\?q=person&amp;cursor=/);
    const found: string[] = [];
    for (let i = 0; i < 5; i++) {
      found.push(...rowsOf(searched));
      const more = /hx-get="([^"]*cursor=[^"]*)"/.exec(searched);
      if (!more) break;
      searched = (await s.agent.get(more[1].replace(/&amp;/g, '&')).set('HX-Request', 'true').expect(200)).text;
    }
    expect(found).to.deep.equal(seen);
    // A rare search (answered from the indexes) pages the same way.
    expect(rowsOf((await s.get('/contacts?q=person+007').expect(200)).text)).to.deep.equal(['Person 007']);
    const byNumber = rowsOf((await s.get(`/contacts?q=${encodeURIComponent('+1 415 6000 11')}`).expect(200)).text);
    expect(byNumber.sort()).to.deep.equal(Array.from({ length: 10 }, (_, i) => `Person ${110 + i}`));
    await s.get('/contacts?cursor=not-a-cursor').expect(422);
  });

  it('creates and edits a contact, naming each bad field', async () => {
    const { ctx } = await testEnv();
    const { workspace } = await createWorkspace();
    const agent = await createMember(workspace.id, 'agent');
    const s = await signIn(agent.email);
    const bad = await s.post('/contacts', { phone: 'call me', name: 'x'.repeat(201), email: 'nope' }).expect(422);
    expect(bad.text).to.contain('id="f-phone-error"').and.contain('Enter the number with its country code');
    expect(bad.text).to.contain('id="f-name-error"').and.contain('This is too long');
    expect(bad.text).to.contain('id="f-email-error"').and.contain('Enter a valid email address');
    const missing = await s.post('/contacts', { phone: '' }).expect(422);
    expect(missing.text).to.contain('id="f-phone-error"').and.contain('This field is required');

    const created = await s.post('/contacts', { phone: '+55 21 99876-5432', name: 'Bruno', email: 'bruno@example.test' }).expect(303);
    const id = created.headers.location.split('/').pop();
    const page = await s.get(created.headers.location).expect(200);
    expect(page.text).to.contain('Contact Bruno created.').and.contain('value="+5521998765432"').and.contain('No conversations with this contact yet.');
    const dup = await s.post('/contacts', { phone: '552198765432' }).expect(422);
    expect(dup.text).to.contain('A contact with this phone number already exists');

    await s.post(`/contacts/${id}`, { name: 'Bruno Costa', phone: '+55 21 99876-5432', email: '' }).expect(303);
    expect(await ctx.knex('contacts').where({ id }).first()).to.include({ name: 'Bruno Costa', email: null, phone: '+5521998765432' });
    const badEdit = await s.post(`/contacts/${id}`, { name: 'Bruno', phone: '', email: 'x@' }).expect(422);
    expect(badEdit.text).to.contain('id="f-phone-error"').and.contain('id="f-email-error"');
    // The page around the form is still the contact's.
    expect(badEdit.text).to.contain('Bruno Costa');
    const audit = await ctx.knex('audit_log').where({ workspace_id: workspace.id, subject_id: id }).pluck('action');
    expect(audit).to.include.members(['contact.created', 'contact.updated']);

    // A customer known only by their WhatsApp username may stay without a number.
    const [byUsername] = await ctx.knex('contacts').insert({ workspace_id: workspace.id, wa_user_id: 'BR.99887766', username: 'dona.rosa', profile_name: 'Rosa' }).returning('*');
    const rosa = await s.get(`/contacts/${byUsername.id}`).expect(200);
    expect(rosa.text).to.contain('@dona.rosa').and.not.to.match(/id="f-phone"[^>]*required/);
    await s.post(`/contacts/${byUsername.id}`, { name: 'Dona Rosa', phone: '', email: '' }).expect(303);
    expect(await ctx.knex('contacts').where({ id: byUsername.id }).first()).to.include({ name: 'Dona Rosa', phone: null });
  });

  it('shows a contact with its conversations and notes', async () => {
    const { ctx } = await testEnv();
    const { workspace, user } = await createWorkspace();
    const channel = await whatsappChannel(workspace.id, { name: 'Loja Centro' });
    const conversation = await customerConversation(channel, { name: 'Marta Dias' });
    await ctx.knex('conversations').where({ id: conversation.id }).update({ last_message_at: new Date(), last_message_preview: 'Is the blue sofa in stock?' });
    await ctx.knex('notes').insert({ workspace_id: workspace.id, contact_id: conversation.contact_id, conversation_id: conversation.id, author_id: user.id, body: 'Prefers <b>evening</b> calls' });
    await addLabel(workspace.id, conversation.contact_id, 'Hot lead', 'red');
    const s = await signIn(user.email);
    const page = await s.get(`/contacts/${conversation.contact_id}`).expect(200);
    expect(page.text).to.contain('Marta Dias').and.contain(`href="/inbox/conversations/${conversation.id}"`).and.contain('Loja Centro').and.contain('Is the blue sofa in stock?');
    expect(page.text).to.contain('Prefers &lt;b&gt;evening&lt;/b&gt; calls').and.contain('Olivia Owner');
    expect(page.text).to.contain('<span class="badge label-red">Hot lead</span>');
    expect(page.text).to.contain('Merge with…').and.contain(`action="/contacts/${conversation.contact_id}/delete"`);
  });

  it('lets only owners and admins delete contacts', async () => {
    const { ctx } = await testEnv();
    const { workspace } = await createWorkspace();
    const channel = await whatsappChannel(workspace.id);
    const conversation = await customerConversation(channel);
    const agent = await createMember(workspace.id, 'agent');
    const a = await signIn(agent.email);
    const page = await a.get(`/contacts/${conversation.contact_id}`).expect(200);
    expect(page.text).not.to.contain('/delete"').and.not.to.contain('Merge with…');
    await a.post(`/contacts/${conversation.contact_id}/delete`).expect(403);
    await a.get(`/contacts/${conversation.contact_id}/merge`).expect(403);
    await a.get('/contacts/export.csv').expect(403);
    expect(await ctx.knex('contacts').where({ id: conversation.contact_id }).first()).to.not.equal(undefined);

    const admin = await createMember(workspace.id, 'admin');
    const s = await signIn(admin.email);
    const done = await s.post(`/contacts/${conversation.contact_id}/delete`).expect(303);
    expect(done.headers.location).to.equal('/contacts');
    expect(await ctx.knex('contacts').where({ id: conversation.contact_id }).first()).to.equal(undefined);
    expect(await ctx.knex('conversations').where({ id: conversation.id }).first()).to.equal(undefined);
    expect(await ctx.knex('audit_log').where({ workspace_id: workspace.id, action: 'contact.deleted', subject_id: conversation.contact_id }).first()).to.not.equal(undefined);
    const api = await apiClient(workspace.id);
    const other = await customerConversation(channel);
    await api.delete(`/contacts/${other.contact_id}`).expect(204);
    await api.get(`/contacts/${other.contact_id}`).expect(404);
  });

  it('exports contacts as CSV with labels and custom fields, safe from formula injection', async () => {
    const { workspace, user } = await createWorkspace('Móveis & Cia');
    const api = await apiClient(workspace.id);
    await api.post('/contact-fields', { label: 'City', type: 'text' }).expect(201);
    await api.post('/contact-fields', { label: 'Orders', type: 'number' }).expect(201);
    await api.post('/contact-fields', { label: 'Nickname', type: 'text' }).expect(201);
    const evil = (
      await api
        .post('/contacts', { phone: '+14155550199', name: '=HYPERLINK("http://evil.example","click")', email: 'x@evil.example', custom: { city: '-2+3', orders: -7, nickname: '@SUM(A1)' } })
        .expect(201)
    ).body.data;
    const plain = (await api.post('/contacts', { phone: '+5511912345678', name: 'Júlia "Ju" Lima, Jr', custom: { city: 'São Paulo' } }).expect(201)).body.data;
    await addLabel(workspace.id, plain.id, 'VIP', 'purple');
    await addLabel(workspace.id, plain.id, 'Atacado', 'blue');
    const s = await signIn(user.email);
    const res = await s.get('/contacts/export.csv').expect(200);
    expect(res.headers['content-type']).to.equal('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).to.match(/^attachment; filename="contacts-moveis-cia-\d{4}-\d{2}-\d{2}\.csv"$/);
    const text = res.text;
    expect(text.startsWith('\uFEFF')).to.equal(true);
    const rows = parse(text, { bom: true, columns: true }) as Array<Record<string, string>>;
    expect(Object.keys(rows[0])).to.deep.equal(['id', 'name', 'phone', 'email', 'profile_name', 'labels', 'city', 'orders', 'nickname', 'created_at']);
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(byId.get(plain.id)).to.include({ name: 'Júlia "Ju" Lima, Jr', phone: "'+5511912345678", labels: 'Atacado; VIP', city: 'São Paulo', orders: '' });
    expect(byId.get(evil.id)).to.include({ name: `'=HYPERLINK("http://evil.example","click")`, email: 'x@evil.example', city: "'-2+3", orders: "'-7", nickname: "'@SUM(A1)" });
    expect(byId.get(evil.id)!.created_at).to.match(/^\d{4}-\d{2}-\d{2}T/);
    // No cell starts with a formula character.
    for (const r of rows) for (const v of Object.values(r)) expect(v, v).not.to.match(/^[=+\-@]/);

    // The current search only.
    const searched2 = await s.get(`/contacts/export.csv?q=${encodeURIComponent('júlia')}`).expect(200);
    expect((parse(String(searched2.text), { bom: true, columns: true }) as Array<Record<string, string>>).map((r) => r.id)).to.deep.equal([plain.id]);
  });

  it("answers 404 for another workspace's contacts on every page and action", async () => {
    const { ctx } = await testEnv();
    const a = await createWorkspace();
    const b = await createWorkspace();
    const apiB = await apiClient(b.workspace.id);
    const theirs = (await apiB.post('/contacts', { phone: '+14155550155', name: 'Theirs' }).expect(201)).body.data;
    const apiA = await apiClient(a.workspace.id);
    const mine = (await apiA.post('/contacts', { phone: '+14155550156', name: 'Mine' }).expect(201)).body.data;
    const s = await signIn(a.user.email);
    await s.get(`/contacts/${theirs.id}`).expect(404);
    await s.post(`/contacts/${theirs.id}`, { name: 'Hijacked', phone: '+14155550155' }).expect(404);
    await s.post(`/contacts/${theirs.id}/delete`).expect(404);
    await s.get(`/contacts/${theirs.id}/merge`).expect(404);
    await s.get(`/contacts/${mine.id}/merge/${theirs.id}`).expect(404);
    await s.get(`/contacts/${theirs.id}/merge/${mine.id}`).expect(404);
    await s.post(`/contacts/${mine.id}/merge/${theirs.id}`).expect(404);
    await apiA.delete(`/contacts/${theirs.id}`).expect(404);
    await apiA.post(`/contacts/${mine.id}/merge`, { other_contact_id: theirs.id }).expect(404);
    await apiA.post(`/contacts/${theirs.id}/merge`, { other_contact_id: mine.id }).expect(404);
    // Not listed, searched or exported either.
    expect(rowsOf((await s.get('/contacts?q=theirs').expect(200)).text)).to.deep.equal([]);
    expect((await s.get('/contacts/export.csv').expect(200)).text).not.to.contain(theirs.id);
    expect(await ctx.knex('contacts').where({ id: theirs.id }).first()).to.include({ name: 'Theirs' });
  });

  it('renders its pages without inline scripts, styles or event handlers', async () => {
    const { workspace, user } = await createWorkspace();
    const api = await apiClient(workspace.id);
    await api.post('/contact-fields', { label: 'Plan', type: 'select', options: ['Basic', 'Pro'] }).expect(201);
    const a = (await api.post('/contacts', { phone: '+14155550601', name: 'Page A' }).expect(201)).body.data;
    const b = (await api.post('/contacts', { phone: '+14155550602', name: 'Page B' }).expect(201)).body.data;
    const s = await signIn(user.email);
    const upload = await s.agent.post('/contacts/import').field('_csrf', s.csrf).attach('file', Buffer.from('phone,name\n+14155550603,C\n'), { filename: 'c.csv', contentType: 'text/csv' }).expect(303);
    const paths = ['/contacts', '/contacts?q=page', '/contacts/new', `/contacts/${a.id}`, `/contacts/${a.id}/merge`, `/contacts/${a.id}/merge/${b.id}`, '/contacts/import', upload.headers.location, '/settings/contact-fields'];
    for (const path of paths) {
      const page = await s.get(path).expect(200);
      expect(page.text, path).not.to.match(/<script(?![^>]*\bsrc=)[^>]*>/);
      expect(page.text, path).not.to.match(/\sstyle="/);
      expect(page.text, path).not.to.match(/\son[a-z]+="/);
      expect(page.text, path).not.to.match(/hx-on/);
    }
  });
});
