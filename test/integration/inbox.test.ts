import { wakeSnoozedJob } from '../../src/jobs/snoozed.js';
import { expect } from 'chai';
import { testEnv, eventually } from '../support/context.js';
import { createMember, createWorkspace } from '../support/factories.js';
import { signIn } from '../support/http.js';
import { apiClient, approvedTemplate, customerConversation, PNG_1PX, storedMessage, whatsappChannel } from '../support/whatsapp.js';

describe('the inbox', () => {
  it('lists conversations newest first with unread counts, previews and the closed-window badge', async () => {
    const { user, workspace } = await createWorkspace();
    const channel = await whatsappChannel(workspace.id);
    const older = await customerConversation(channel, { name: 'Olga Older', windowOpen: false });
    await storedMessage(older, { text: 'Is it still available?' });
    const newer = await customerConversation(channel, { name: 'Nora Newer' });
    await storedMessage(newer, { text: 'Hello <b>there</b>' });
    await storedMessage(newer, { text: 'Second message' });
    const s = await signIn(user.email);
    const page = await s.get('/inbox').expect(200);
    const i = page.text.indexOf('Nora Newer');
    const j = page.text.indexOf('Olga Older');
    expect(i).to.be.greaterThan(0);
    expect(j).to.be.greaterThan(i);
    expect(page.text).to.contain('Second message');
    expect(page.text).to.contain('aria-label="2 unread messages"');
    expect(page.text).to.contain('24h closed');
    expect(page.text).not.to.contain('<b>there</b>');
    // The navigation shows the count of conversations waiting for me or anyone.
    expect(page.text).to.match(/<span class="nav-badge">2<\/span>/);
  });

  it('filters mine / unassigned / all and by status, and pages the list', async () => {
    const { ctx } = await testEnv();
    const { user, workspace } = await createWorkspace();
    const channel = await whatsappChannel(workspace.id);
    const conversations = [];
    for (let n = 0; n < 45; n++) conversations.push(await customerConversation(channel, { name: `Customer ${n}` }));
    await ctx.knex('conversations').where({ id: conversations[0].id }).update({ assignee_id: user.id });
    await ctx.knex('conversations').where({ id: conversations[1].id }).update({ status: 'resolved' });
    const s = await signIn(user.email);
    const mine = await s.get('/inbox/list?view=mine').expect(200);
    expect((mine.text.match(/class="conv-row/g) ?? []).length).to.equal(1);
    const resolved = await s.get('/inbox/list?status=resolved').expect(200);
    expect((resolved.text.match(/class="conv-row/g) ?? []).length).to.equal(1);
    const all = await s.get('/inbox/list').expect(200);
    expect((all.text.match(/class="conv-row/g) ?? []).length).to.equal(40);
    const next = /hx-get="\/inbox\/list\?([^"]+)"/.exec(all.text)![1].replace(/&amp;/g, '&');
    const more = await s.get(`/inbox/list?${next}`).expect(200);
    expect((more.text.match(/class="conv-row/g) ?? []).length).to.equal(4);
    expect(more.text).not.to.contain('hx-trigger="revealed"');
  });

  it('opens a conversation: the thread, read receipt to WhatsApp, and unread cleared', async () => {
    const { ctx, graph } = await testEnv();
    const { user, workspace } = await createWorkspace();
    const channel = await whatsappChannel(workspace.id);
    const c = await customerConversation(channel, { name: 'Rita Reader' });
    const first = await storedMessage(c, { text: 'Hi, *do* you ship to Recife? https://shop.example/item_1' });
    await storedMessage(c, { type: 'image', text: 'this one', media_id: null });
    await storedMessage(c, { type: 'location', text: null, location: { latitude: -8.05, longitude: -34.9, name: 'Marco Zero' } });
    await storedMessage(c, { type: 'interactive', text: 'Yes, please', interactive: { type: 'button_reply', id: 'yes', title: 'Yes, please' } });
    await storedMessage(c, { direction: 'outbound', text: 'We do!', status: 'read', reply_to_wamid: first.wamid });
    await storedMessage(c, { type: 'reaction', reaction_emoji: '❤️', reaction_to_wamid: first.wamid, text: null });
    await storedMessage(c, { direction: 'outbound', text: 'Failed one', status: 'failed', error_code: '131047', error_title: 'Re-engagement message' });
    const s = await signIn(user.email);
    const page = await s.get(`/inbox/conversations/${c.id}`).expect(200);
    expect(page.text).to.contain('<strong>do</strong>');
    expect(page.text).to.contain('href="https://shop.example/item_1" target="_blank" rel="noopener noreferrer nofollow"');
    expect(page.text).to.contain('Marco Zero').and.contain('openstreetmap.org/?mlat=-8.05');
    expect(page.text).to.contain('Chose').and.contain('Yes, please');
    expect(page.text).to.contain('class="msg-quote in"');
    expect(page.text).to.contain('❤️');
    expect(page.text).to.contain('More than 24 hours have passed since the customer last wrote');
    expect(page.text).to.contain('class="ticks read"');
    const row = await ctx.knex('conversations').where({ id: c.id }).first();
    expect(row.unread_count).to.equal(0);
    await eventually(() => graph.readReceipts.some((r) => r.phoneNumberId === channel.phone_number_id), 5000, 'read receipt');
    // htmx asks for the conversation alone.
    const partial = await s.get(`/inbox/conversations/${c.id}`).set('HX-Request', 'true').expect(200);
    expect(partial.text).not.to.contain('<!doctype html>');
    expect(partial.text).to.contain('id="conversation"');
  });

  it('sends a text from the composer, and a file, and answers htmx with the bubble', async () => {
    const { ctx } = await testEnv();
    const { user, workspace } = await createWorkspace();
    const channel = await whatsappChannel(workspace.id);
    const c = await customerConversation(channel);
    const s = await signIn(user.email);
    const bubble = await s.agent.post(`/inbox/conversations/${c.id}/messages`).set('HX-Request', 'true').set('X-CSRF-Token', s.csrf).type('form').send({ text: 'On its way 🚚' }).expect(200);
    expect(bubble.text).to.match(/^\s*<article class="msg out"/);
    expect(bubble.text).to.contain('On its way 🚚');
    const file = await s.agent
      .post(`/inbox/conversations/${c.id}/attachments`)
      .set('X-CSRF-Token', s.csrf)
      .field('caption', 'The photo')
      .attach('file', PNG_1PX, { filename: 'photo.png', contentType: 'image/png' })
      .expect(303);
    expect(file.headers.location).to.match(new RegExp(`/inbox/conversations/${c.id}#msg-`));
    const rows = await ctx.knex('messages').where({ conversation_id: c.id }).orderBy('created_at');
    expect(rows.map((r: { type: string }) => r.type)).to.deep.equal(['text', 'image']);
    expect(rows[1].text).to.equal('The photo');
    // Without the CSRF token the upload is refused.
    await s.agent.post(`/inbox/conversations/${c.id}/attachments`).attach('file', PNG_1PX, { filename: 'x.png', contentType: 'image/png' }).expect(403);
  });

  it('offers templates when the window is closed and checks their values in the form', async () => {
    const { ctx } = await testEnv();
    const { user, workspace } = await createWorkspace();
    const channel = await whatsappChannel(workspace.id);
    const template = await approvedTemplate(channel, { name: 'follow_up', language: 'en_US', components: [{ type: 'BODY', text: 'Hi {{1}}, still interested in {{2}}?' }] });
    const c = await customerConversation(channel, { windowOpen: false });
    const s = await signIn(user.email);
    const page = await s.get(`/inbox/conversations/${c.id}`).expect(200);
    expect(page.text).to.contain('The 24-hour window is closed.').and.contain('follow_up (en_US)');
    expect(page.text).not.to.contain('data-composer-text');
    const form = await s.get(`/inbox/conversations/${c.id}/template?template=${template.id}`).set('HX-Request', 'true').expect(200);
    expect(form.text).to.contain('name="var_1"').and.contain('name="var_2"');
    const preview = await s.agent.post(`/inbox/conversations/${c.id}/template/preview`).set('HX-Request', 'true').set('X-CSRF-Token', s.csrf).type('form').send({ template: template.id, var_1: 'Ana', var_2: '' }).expect(200);
    expect(preview.text).to.contain('Hi Ana, still interested in {{2}}?');
    const bad = await s.agent.post(`/inbox/conversations/${c.id}/template`).set('HX-Request', 'true').set('X-CSRF-Token', s.csrf).field('template', template.id).field('var_1', 'Ana').field('var_2', ' ').expect(422);
    expect(bad.headers['hx-retarget']).to.equal('#template-form');
    expect(bad.text).to.contain('This field is required');
    await s.agent.post(`/inbox/conversations/${c.id}/template`).set('HX-Request', 'true').set('X-CSRF-Token', s.csrf).field('template', template.id).field('var_1', 'Ana').field('var_2', 'the blue sofa').expect(200);
    const m = await ctx.knex('messages').where({ conversation_id: c.id, type: 'template' }).first();
    expect(m.text).to.equal('Hi Ana, still interested in the blue sofa?');
    // A free-form text is refused while the window is closed.
    const refused = await s.agent.post(`/inbox/conversations/${c.id}/messages`).set('HX-Request', 'true').set('X-CSRF-Token', s.csrf).type('form').send({ text: 'hello' }).expect(422);
    expect(refused.text).to.contain('only an approved template');
  });

  it('assigns, resolves, reopens, snoozes, marks unread and writes notes, announcing each live', async () => {
    const { ctx } = await testEnv();
    const { user, workspace } = await createWorkspace();
    const agent = await createMember(workspace.id, 'agent', 'Ari Agent');
    const outsider = await createWorkspace();
    const channel = await whatsappChannel(workspace.id);
    const c = await customerConversation(channel);
    const events: Array<{ type: string; change?: string }> = [];
    const stop = ctx.realtime.subscribe(workspace.id, (e) => events.push(e as never));
    const s = await signIn(user.email);
    const header = await s.agent.post(`/inbox/conversations/${c.id}/assign`).set('HX-Request', 'true').set('X-CSRF-Token', s.csrf).type('form').send({ user_id: agent.id }).expect(200);
    expect(header.text).to.contain(`<option value="${agent.id}" selected>`);
    await s.post(`/inbox/conversations/${c.id}/assign`, { user_id: outsider.user.id }).expect(422);
    await s.post(`/inbox/conversations/${c.id}/resolve`).expect(303);
    expect((await ctx.knex('conversations').where({ id: c.id }).first()).status).to.equal('resolved');
    await s.post(`/inbox/conversations/${c.id}/reopen`).expect(303);
    await s.post(`/inbox/conversations/${c.id}/snooze`, { preset: 'tomorrow' }).expect(303);
    const snoozed = await ctx.knex('conversations').where({ id: c.id }).first();
    expect(snoozed.status).to.equal('snoozed');
    expect(new Date(snoozed.snoozed_until).getTime()).to.be.greaterThan(Date.now());
    await s.post(`/inbox/conversations/${c.id}/snooze`, { preset: 'custom', until: '2001-01-01T10:00' }).expect(422);
    await s.post(`/inbox/conversations/${c.id}/unread`).expect(303);
    expect((await ctx.knex('conversations').where({ id: c.id }).first()).unread_count).to.equal(1);
    const note = await s.agent.post(`/inbox/conversations/${c.id}/notes`).set('HX-Request', 'true').set('X-CSRF-Token', s.csrf).type('form').send({ body: 'VIP: gets 10% off' }).expect(200);
    expect(note.text).to.contain('class="note"').and.contain('VIP: gets 10% off').and.contain('only your team sees it');
    expect(await ctx.knex('notes').where({ conversation_id: c.id })).to.have.length(1);
    await eventually(() => events.filter((e) => e.type === 'conversation.updated').length >= 5 && events.some((e) => e.type === 'note.created'), 5000, 'events');
    stop();
    // The snooze job wakes it once the time has come.
    await ctx.knex('conversations').where({ id: c.id }).update({ status: 'snoozed', snoozed_until: new Date(Date.now() - 1000) });
    await wakeSnoozedJob.run(ctx);
    expect((await ctx.knex('conversations').where({ id: c.id }).first()).status).to.equal('open');
  });

  it('gives the same actions through the API', async () => {
    const { workspace } = await createWorkspace();
    const agent = await createMember(workspace.id, 'agent');
    const channel = await whatsappChannel(workspace.id);
    const c = await customerConversation(channel);
    const api = await apiClient(workspace.id);
    expect((await api.post(`/conversations/${c.id}/assign`, { user_id: agent.id }).expect(200)).body.data.assignee_id).to.equal(agent.id);
    expect((await api.post(`/conversations/${c.id}/assign`, { user_id: null }).expect(200)).body.data.assignee_id).to.equal(null);
    expect((await api.post(`/conversations/${c.id}/resolve`).expect(200)).body.data.status).to.equal('resolved');
    expect((await api.post(`/conversations/${c.id}/reopen`).expect(200)).body.data.status).to.equal('open');
    const until = new Date(Date.now() + 3600_000).toISOString();
    expect((await api.post(`/conversations/${c.id}/snooze`, { until }).expect(200)).body.data.status).to.equal('snoozed');
    await api.post(`/conversations/${c.id}/snooze`, { until: 'tomorrow' }).expect(422);
    await api.post(`/conversations/${c.id}/notes`, { body: '' }).expect(422);
    await api.post(`/conversations/${c.id}/notes`, { body: 'Called them' }).expect(201);
    const notes = await api.get(`/conversations/${c.id}/notes`).expect(200);
    expect(notes.body.data.map((n: { body: string }) => n.body)).to.deep.equal(['Called them']);
  });

  it('filters the API conversation list by assignee, labels and snooze time', async () => {
    const { ctx } = await testEnv();
    const { workspace } = await createWorkspace();
    const agent = await createMember(workspace.id, 'agent');
    const channel = await whatsappChannel(workspace.id);
    const [mine, unassigned, snoozed] = [await customerConversation(channel), await customerConversation(channel), await customerConversation(channel)];
    const [vip] = await ctx.knex('labels').insert({ workspace_id: workspace.id, name: 'VIP', color: 'purple' }).returning('*');
    await ctx.knex('conversations').where({ id: mine.id }).update({ assignee_id: agent.id });
    await ctx.knex('conversation_labels').insert({ workspace_id: workspace.id, conversation_id: mine.id, label_id: vip.id });
    await ctx.knex('conversations').where({ id: snoozed.id }).update({ status: 'snoozed', snoozed_until: new Date(Date.now() + 2 * 3600_000) });
    const api = await apiClient(workspace.id);
    const ids = async (q: string) => (await api.get(`/conversations?${q}`).expect(200)).body.data.map((c: { id: string }) => c.id);
    expect(await ids(`assignee_id=${agent.id}`)).to.deep.equal([mine.id]);
    expect(await ids('assignee_id=none&status=open')).to.deep.equal([unassigned.id]);
    expect(await ids('labels=vip')).to.deep.equal([mine.id]);
    expect(await ids(`labels=${vip.id}`)).to.deep.equal([mine.id]);
    expect(await ids(`snoozed_until_before=${encodeURIComponent(new Date(Date.now() + 3 * 3600_000).toISOString())}`)).to.deep.equal([snoozed.id]);
    expect(await ids(`snoozed_until_after=${encodeURIComponent(new Date(Date.now() + 3 * 3600_000).toISOString())}`)).to.deep.equal([]);
    const one = await api.get(`/conversations/${mine.id}`).expect(200);
    expect(one.body.data.labels).to.have.length(1);
    expect(one.body.data.labels[0]).to.include({ id: vip.id, name: 'VIP', color: 'purple' });
    expect((await api.get('/conversations?labels=nope').expect(422)).body.error.fields).to.have.property('labels');
    await api.get('/conversations?assignee_id=someone').expect(422);
  });

  it("answers 404 for another workspace's conversations in every inbox route", async () => {
    const a = await createWorkspace();
    const b = await createWorkspace();
    const channelB = await whatsappChannel(b.workspace.id);
    const cB = await customerConversation(channelB);
    const mB = await storedMessage(cB, { text: 'secret' });
    const s = await signIn(a.user.email);
    for (const path of [`/inbox/conversations/${cB.id}`, `/inbox/conversations/${cB.id}/header`, `/inbox/conversations/${cB.id}/composer`, `/inbox/conversations/${cB.id}/panel`, `/inbox/conversations/${cB.id}/items/${mB.id}`, `/inbox/rows/${cB.id}`, `/inbox/notify/${mB.id}`]) {
      await s.get(path).expect(404);
    }
    for (const path of ['assign', 'resolve', 'reopen', 'unread', 'notes', 'read', 'contact']) {
      await s.post(`/inbox/conversations/${cB.id}/${path}`, { body: 'x', name: 'x', user_id: '' }).expect(404);
    }
    await s.post(`/inbox/conversations/${cB.id}/messages`, { text: 'x' }).expect(404);
    await s.post(`/inbox/messages/${mB.id}/retry`).expect(404);
    const api = await apiClient(a.workspace.id);
    await api.post(`/conversations/${cB.id}/resolve`).expect(404);
    await api.get(`/conversations/${cB.id}/notes`).expect(404);
  });
});

describe('the contact panel and labels in the inbox', () => {
  it('labels the conversation and the contact, and edits custom fields with errors named', async () => {
    const { ctx } = await testEnv();
    const { user, workspace } = await createWorkspace();
    const channel = await whatsappChannel(workspace.id);
    const c = await customerConversation(channel, { name: 'Vera Vip' });
    const [vip] = await ctx.knex('labels').insert({ workspace_id: workspace.id, name: 'VIP', color: 'purple' }).returning('*');
    const [hot] = await ctx.knex('labels').insert({ workspace_id: workspace.id, name: 'Hot lead', color: 'red' }).returning('*');
    await ctx.knex('contact_fields').insert({ workspace_id: workspace.id, key: 'city', label: 'City', type: 'text', position: 1 });
    await ctx.knex('contact_fields').insert({ workspace_id: workspace.id, key: 'budget', label: 'Budget', type: 'number', position: 2 });
    const s = await signIn(user.email);
    const header = await s.agent.post(`/inbox/conversations/${c.id}/labels`).set('HX-Request', 'true').set('X-CSRF-Token', s.csrf).type('form').send({ labels: [vip.id, hot.id] }).expect(200);
    expect(header.text).to.contain('label label-purple').and.contain('Hot lead');
    const list = await s.get('/inbox/list').expect(200);
    expect(list.text).to.contain('VIP');
    const filtered = await s.get(`/inbox/list?label=${hot.id}`).expect(200);
    expect((filtered.text.match(/class="conv-row/g) ?? []).length).to.equal(1);
    const panel = await s.agent.post(`/inbox/conversations/${c.id}/contact-labels`).set('HX-Request', 'true').set('X-CSRF-Token', s.csrf).type('form').send({ labels: vip.id }).expect(200);
    expect(panel.text).to.contain('Contact labels').and.contain('VIP');
    const bad = await s.agent.post(`/inbox/conversations/${c.id}/contact-fields`).set('HX-Request', 'true').set('X-CSRF-Token', s.csrf).type('form').send({ 'custom[city]': 'Recife', 'custom[budget]': 'lots' }).expect(422);
    expect(bad.text).to.contain('id="f-custom-budget-error"');
    const ok = await s.agent.post(`/inbox/conversations/${c.id}/contact-fields`).set('HX-Request', 'true').set('X-CSRF-Token', s.csrf).type('form').send({ 'custom[city]': 'Recife', 'custom[budget]': '1500.5' }).expect(200);
    expect(ok.text).to.contain('Recife').and.contain('1,500.5');
    const contact = await ctx.knex('contacts').where({ id: c.contact_id }).first();
    expect(contact.custom).to.deep.equal({ city: 'Recife', budget: 1500.5 });
  });
});
