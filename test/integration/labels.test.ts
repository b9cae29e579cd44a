import { expect } from 'chai';
import { labelsOfContact, labelsOfConversations, listLabels } from '../../src/labels/repo.js';
import { createLabel, setContactLabels, setConversationLabels } from '../../src/labels/service.js';
import { Invalid, NotFound } from '../../src/web/errors.js';
import { eventually, testEnv } from '../support/context.js';
import { createMember, createWorkspace } from '../support/factories.js';
import { signIn } from '../support/http.js';
import { apiClient, customerConversation, sandboxChannel } from '../support/whatsapp.js';

const system = { userId: null };

async function label(workspaceId: string, name: string, color: 'gray' | 'red' | 'green' | 'blue' | 'purple' = 'blue') {
  const { ctx } = await testEnv();
  return ctx.knex.transaction((trx) => createLabel(trx, workspaceId, { name, color }, system));
}

async function thrown(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

describe('labels', () => {
  it('lets an owner create, rename, recolour and delete labels in settings', async () => {
    const { ctx } = await testEnv();
    const { user, workspace } = await createWorkspace();
    const s = await signIn(user.email);
    const empty = await s.get('/settings/labels').expect(200);
    expect(empty.text).to.contain('No labels yet').and.contain('New label').and.contain('name="color" value="blue" checked');
    await s.post('/settings/labels', { name: 'VIP', color: 'green' }).expect(303);
    await s.post('/settings/labels', { name: 'Wholesale', color: 'blue' }).expect(303);
    const page = await s.get('/settings/labels').expect(200);
    expect(page.text).to.contain('Label &#34;Wholesale&#34; created.').and.contain('<span class="label label-green">VIP</span>').and.contain('2 labels');
    // A new label is offered a colour no label has yet.
    expect(page.text).to.contain('name="color" value="orange" checked');

    const vip = await ctx.knex('labels').where({ workspace_id: workspace.id, name: 'VIP' }).first();
    const edit = await s.get(`/settings/labels/${vip.id}/edit`).expect(200);
    expect(edit.text).to.contain('value="VIP"').and.contain('name="color" value="green" checked');
    await s.post(`/settings/labels/${vip.id}`, { name: 'Very important', color: 'red' }).expect(303);
    expect(await ctx.knex('labels').where({ id: vip.id }).first()).to.include({ name: 'Very important', color: 'red' });

    // Deleting takes the label off conversations and contacts.
    const channel = await sandboxChannel(workspace.id);
    const conversation = await customerConversation(channel);
    await ctx.knex.transaction((trx) => setConversationLabels(trx, workspace.id, conversation.id, [vip.id], system));
    await ctx.knex.transaction((trx) => setContactLabels(trx, workspace.id, conversation.contact_id, [vip.id], system));
    const withUsage = await s.get('/settings/labels').expect(200);
    expect(withUsage.text).to.match(/Very important<\/span>.*1 conversation · 1 contact<\/span><\/td>\s*<td[^>]*>1<\/td>\s*<td[^>]*>1<\/td>/);
    await s.post(`/settings/labels/${vip.id}/delete`).expect(303);
    expect(await ctx.knex('labels').where({ id: vip.id })).to.have.length(0);
    expect(await ctx.knex('conversation_labels').where({ label_id: vip.id })).to.have.length(0);
    expect(await ctx.knex('contact_labels').where({ label_id: vip.id })).to.have.length(0);
    const actions = (await ctx.knex('audit_log').where({ workspace_id: workspace.id }).orderBy('id')).map((a) => a.action);
    expect(actions).to.include.members(['label.created', 'label.updated', 'label.deleted', 'conversation.labels_changed', 'contact.labels_changed']);
    const activity = await s.get('/settings/activity').expect(200);
    expect(activity.text).to.contain('deleted the label').and.contain('changed the labels of a conversation');
  });

  it('validates names and colours: taken names in any case, bad colours and empty names answer 422 beside the field', async () => {
    const { user, workspace } = await createWorkspace();
    await label(workspace.id, 'VIP');
    const s = await signIn(user.email);
    const taken = await s.post('/settings/labels', { name: ' vip ', color: 'red' }).expect(422);
    expect(taken.text).to.contain('A label with this name already exists').and.contain('value=" vip "');
    const color = await s.post('/settings/labels', { name: 'Hot', color: 'magenta' }).expect(422);
    expect(color.text).to.contain('Choose one of the colors');
    const noColor = await s.post('/settings/labels', { name: 'Hot' }).expect(422);
    expect(noColor.text).to.contain('Choose one of the colors');
    const blank = await s.post('/settings/labels', { name: '   ', color: 'red' }).expect(422);
    expect(blank.text).to.contain('This field is required');
    await s.post('/settings/labels', { name: 'x'.repeat(51), color: 'red' }).expect(422);
    // Renaming onto another label's name is refused too; keeping one's own name is fine.
    const hot = await label(workspace.id, 'Hot lead', 'red');
    const clash = await s.post(`/settings/labels/${hot.id}`, { name: 'VIP', color: 'red' }).expect(422);
    expect(clash.text).to.contain('A label with this name already exists');
    await s.post(`/settings/labels/${hot.id}`, { name: 'hot LEAD', color: 'blue' }).expect(303);
  });

  it('shows agents the labels but lets only owners and admins change them', async () => {
    const { ctx } = await testEnv();
    const { workspace } = await createWorkspace();
    const vip = await label(workspace.id, 'VIP');
    const agent = await signIn((await createMember(workspace.id, 'agent')).email);
    const list = await agent.get('/settings/labels').expect(200);
    expect(list.text).to.contain('<span class="label label-blue">VIP</span>').and.contain('Owners and admins manage labels');
    expect(list.text).not.to.contain('action="/settings/labels"').and.not.to.contain(`/settings/labels/${vip.id}/delete`);
    await agent.post('/settings/labels', { name: 'Mine', color: 'red' }).expect(403);
    await agent.get(`/settings/labels/${vip.id}/edit`).expect(403);
    await agent.post(`/settings/labels/${vip.id}`, { name: 'Renamed', color: 'red' }).expect(403);
    await agent.post(`/settings/labels/${vip.id}/delete`).expect(403);
    expect(await ctx.knex('labels').where({ id: vip.id }).first()).to.include({ name: 'VIP' });

    const admin = await signIn((await createMember(workspace.id, 'admin')).email);
    await admin.post('/settings/labels', { name: 'Made by admin', color: 'teal' }).expect(303);
    await admin.post(`/settings/labels/${vip.id}/delete`).expect(303);
    expect(await ctx.knex('labels').where({ id: vip.id })).to.have.length(0);
  });

  it('sets the labels of conversations and contacts, refusing labels of another workspace', async () => {
    const { ctx } = await testEnv();
    const { workspace } = await createWorkspace();
    const other = await createWorkspace();
    const channel = await sandboxChannel(workspace.id);
    const conversation = await customerConversation(channel, { name: 'Lia' });
    const vip = await label(workspace.id, 'VIP', 'green');
    const b2b = await label(workspace.id, 'b2b', 'purple');
    const foreign = await label(other.workspace.id, 'Foreign');

    const events: Array<{ type: string; conversation_id?: string; contact_id?: string }> = [];
    const unsubscribe = ctx.realtime.subscribe(workspace.id, (e) => events.push(e as (typeof events)[number]));
    const set = await ctx.knex.transaction((trx) => setConversationLabels(trx, workspace.id, conversation.id, [vip.id, b2b.id, vip.id], { userId: null }));
    expect(set.map((l) => l.name)).to.deep.equal(['b2b', 'VIP']);
    await eventually(() => events.some((e) => e.type === 'conversation.updated' && e.conversation_id === conversation.id), 5000, 'conversation.updated');

    const refused = await thrown(ctx.knex.transaction((trx) => setConversationLabels(trx, workspace.id, conversation.id, [vip.id, foreign.id], system)));
    expect(refused).to.be.instanceOf(Invalid);
    expect((refused as Invalid).fields).to.deep.equal({ labels: 'labels.unknown_id' });
    expect(await thrown(ctx.knex.transaction((trx) => setContactLabels(trx, workspace.id, conversation.contact_id, [foreign.id], system)))).to.be.instanceOf(Invalid);
    expect(await thrown(ctx.knex.transaction((trx) => setConversationLabels(trx, workspace.id, conversation.id, ['not-an-id'], system)))).to.be.instanceOf(Invalid);
    // Another workspace's conversation or contact is not found at all.
    expect(await thrown(ctx.knex.transaction((trx) => setConversationLabels(trx, other.workspace.id, conversation.id, [], system)))).to.be.instanceOf(NotFound);
    expect(await thrown(ctx.knex.transaction((trx) => setContactLabels(trx, other.workspace.id, conversation.contact_id, [], system)))).to.be.instanceOf(NotFound);

    const map = await labelsOfConversations(ctx.knex, workspace.id, [conversation.id]);
    expect(map.get(conversation.id)!.map((l) => l.name)).to.deep.equal(['b2b', 'VIP']);
    expect((await labelsOfConversations(ctx.knex, other.workspace.id, [conversation.id])).get(conversation.id)).to.deep.equal([]);

    await ctx.knex.transaction((trx) => setContactLabels(trx, workspace.id, conversation.contact_id, [b2b.id], system));
    expect((await labelsOfContact(ctx.knex, workspace.id, conversation.contact_id)).map((l) => l.name)).to.deep.equal(['b2b']);
    await eventually(() => events.some((e) => e.type === 'contact.updated' && e.contact_id === conversation.contact_id), 5000, 'contact.updated');
    await ctx.knex.transaction((trx) => setConversationLabels(trx, workspace.id, conversation.id, [], system));
    expect((await labelsOfConversations(ctx.knex, workspace.id, [conversation.id])).get(conversation.id)).to.deep.equal([]);
    expect((await listLabels(ctx.knex, workspace.id)).map((l) => l.name)).to.deep.equal(['b2b', 'VIP']);
    unsubscribe();
  });

  it('escapes label names wherever they are shown', async () => {
    const { user, workspace } = await createWorkspace();
    await label(workspace.id, '<img src=x onerror=alert(1)>');
    const s = await signIn(user.email);
    const page = await s.get('/settings/labels').expect(200);
    expect(page.text).to.contain('&lt;img src=x onerror=alert(1)&gt;').and.not.contain('<img src=x');
    expect(page.text).not.to.match(/\sstyle="|<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+="|hx-on/);
  });

  it('manages labels through the API', async () => {
    const { workspace } = await createWorkspace();
    const api = await apiClient(workspace.id);
    const created = await api.post('/labels', { name: 'VIP', color: 'green' }).expect(201);
    expect(created.body.data).to.include({ name: 'VIP', color: 'green' });
    const id = created.body.data.id;
    expect((await api.post('/labels', { name: 'vip', color: 'red' }).expect(422)).body.error.fields).to.deep.equal({ name: 'A label with this name already exists' });
    expect((await api.post('/labels', { name: 'Hot', color: 'magenta' }).expect(422)).body.error.fields).to.deep.equal({ color: 'Choose one of the colors' });
    await api.post('/labels', { color: 'red' }).expect(422);
    await api.post('/labels', { name: 'Hot', color: 'red' }).expect(201);

    const list = await api.get('/labels').expect(200);
    expect(list.body.data.map((l: { name: string }) => l.name)).to.deep.equal(['VIP', 'Hot']);
    expect(list.body.data[0]).to.include({ conversations_count: 0, contacts_count: 0 });
    expect((await api.get(`/labels/${id}`).expect(200)).body.data).to.include({ id, name: 'VIP' });
    const patched = await api.patch(`/labels/${id}`, { color: 'teal' }).expect(200);
    expect(patched.body.data).to.include({ name: 'VIP', color: 'teal' });
    await api.patch(`/labels/${id}`, { name: 'hot' }).expect(422);
    await api.patch(`/labels/${id}`, {}).expect(422);
    await api.delete(`/labels/${id}`).expect(204);
    await api.get(`/labels/${id}`).expect(404);
    await api.delete(`/labels/${id}`).expect(404);
    const doc = await api.get('/openapi.json').expect(200);
    expect(doc.body.paths['/labels']).to.have.keys('get', 'post');
    expect(doc.body.paths['/labels/{id}']).to.have.keys('get', 'patch', 'delete');
    expect(doc.body.paths['/conversations/{id}/labels'].post.requestBody.content['application/json'].schema.properties).to.have.property('labels');
  });

  it('replaces the labels of a conversation or contact through the API, by id or by name', async () => {
    const { workspace } = await createWorkspace();
    const other = await createWorkspace();
    const channel = await sandboxChannel(workspace.id);
    const conversation = await customerConversation(channel);
    const vip = await label(workspace.id, 'VIP', 'green');
    await label(workspace.id, 'Wholesale', 'purple');
    const foreign = await label(other.workspace.id, 'Foreign');
    const api = await apiClient(workspace.id);

    const set = await api.post(`/conversations/${conversation.id}/labels`, { labels: [vip.id, 'wholesale'] }).expect(200);
    expect(set.body.data.map((l: { name: string; color: string }) => [l.name, l.color])).to.deep.equal([
      ['VIP', 'green'],
      ['Wholesale', 'purple'],
    ]);
    expect((await api.get(`/conversations/${conversation.id}/labels`).expect(200)).body.data).to.have.length(2);
    const unknown = await api.post(`/conversations/${conversation.id}/labels`, { labels: ['VIP', 'Nope'] }).expect(422);
    expect(unknown.body.error.fields.labels).to.equal('There is no label named Nope');
    const foreignId = await api.post(`/conversations/${conversation.id}/labels`, { labels: [foreign.id] }).expect(422);
    expect(foreignId.body.error.fields.labels).to.contain('no label named');
    await api.post(`/conversations/${conversation.id}/labels`, { labels: 'VIP' }).expect(422);
    await api.post(`/conversations/${conversation.id}/labels`, {}).expect(422);
    expect((await api.get(`/conversations/${conversation.id}/labels`).expect(200)).body.data).to.have.length(2);
    expect((await api.post(`/conversations/${conversation.id}/labels`, { labels: [] }).expect(200)).body.data).to.deep.equal([]);

    const contact = await api.post(`/contacts/${conversation.contact_id}/labels`, { labels: ['VIP'] }).expect(200);
    expect(contact.body.data.map((l: { id: string }) => l.id)).to.deep.equal([vip.id]);
    expect((await api.get(`/contacts/${conversation.contact_id}/labels`).expect(200)).body.data[0]).to.include({ name: 'VIP' });
    const usage = await api.get(`/labels/${vip.id}`).expect(200);
    expect(usage.body.data).to.include({ conversations_count: 0, contacts_count: 1 });
  });

  it("answers 404 for another workspace's labels, conversations and contacts on every route", async () => {
    const a = await createWorkspace();
    const b = await createWorkspace();
    const theirs = await label(b.workspace.id, 'Theirs');
    const theirChannel = await sandboxChannel(b.workspace.id);
    const theirConversation = await customerConversation(theirChannel);
    const api = await apiClient(a.workspace.id);
    await label(a.workspace.id, 'Theirs');
    await api.get(`/labels/${theirs.id}`).expect(404);
    await api.patch(`/labels/${theirs.id}`, { name: 'Mine now' }).expect(404);
    await api.delete(`/labels/${theirs.id}`).expect(404);
    await api.get(`/conversations/${theirConversation.id}/labels`).expect(404);
    await api.post(`/conversations/${theirConversation.id}/labels`, { labels: ['Theirs'] }).expect(404);
    await api.get(`/contacts/${theirConversation.contact_id}/labels`).expect(404);
    await api.post(`/contacts/${theirConversation.contact_id}/labels`, { labels: [] }).expect(404);
    await api.get('/labels/not-a-uuid').expect(404);
    const owner = await signIn(a.user.email);
    await owner.get(`/settings/labels/${theirs.id}/edit`).expect(404);
    await owner.post(`/settings/labels/${theirs.id}`, { name: 'Mine now', color: 'red' }).expect(404);
    await owner.post(`/settings/labels/${theirs.id}/delete`).expect(404);
    const { ctx } = await testEnv();
    expect(await ctx.knex('labels').where({ id: theirs.id }).first()).to.include({ name: 'Theirs', workspace_id: b.workspace.id });
    expect((await api.get('/labels').expect(200)).body.data.map((l: { id: string }) => l.id)).not.to.include(theirs.id);
  });
});
