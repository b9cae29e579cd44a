import { expect } from 'chai';
import { findQuickReplies } from '../../src/quickreplies/repo.js';
import { testEnv } from '../support/context.js';
import { createMember, createWorkspace } from '../support/factories.js';
import { signIn } from '../support/http.js';
import { apiClient, customerConversation, sandboxChannel } from '../support/whatsapp.js';

async function reply(workspaceId: string, shortcut: string, text: string, createdBy: string | null = null) {
  const { ctx } = await testEnv();
  const [row] = await ctx.knex('quick_replies').insert({ workspace_id: workspaceId, shortcut, text, created_by: createdBy }).returning('*');
  return row;
}

describe('quick replies', () => {
  it('lets any member create quick replies in settings, with shortcuts unique in any case', async () => {
    const { ctx } = await testEnv();
    const { workspace } = await createWorkspace();
    const agentUser = await createMember(workspace.id, 'agent', 'Ana Agent');
    const agent = await signIn(agentUser.email);
    const empty = await agent.get('/settings/quick-replies').expect(200);
    expect(empty.text).to.contain('No quick replies yet').and.contain('{{contact_name}}').and.contain('{{agent_name}}');
    await agent.post('/settings/quick-replies', { shortcut: '/thanks', text: 'Thank you, {{contact_name}}!\r\nBest, {{agent_name}}' }).expect(303);
    const row = await ctx.knex('quick_replies').where({ workspace_id: workspace.id }).first();
    expect(row).to.include({ shortcut: 'thanks', text: 'Thank you, {{contact_name}}!\nBest, {{agent_name}}', created_by: agentUser.id });
    const page = await agent.get('/settings/quick-replies').expect(200);
    expect(page.text).to.contain('Quick reply /thanks created.').and.contain('/thanks').and.contain('by Ana Agent');
    expect(page.text).to.contain('<span class="placeholder">{{contact_name}}</span>');

    const taken = await agent.post('/settings/quick-replies', { shortcut: 'THANKS', text: 'Again' }).expect(422);
    expect(taken.text).to.contain('Another quick reply already uses this shortcut');
    expect((await agent.post('/settings/quick-replies', { shortcut: 'two words', text: 'x' }).expect(422)).text).to.contain('Use only letters, digits, - and _');
    expect((await agent.post('/settings/quick-replies', { shortcut: 'x'.repeat(33), text: 'x' }).expect(422)).text).to.contain('Use at most 32 characters');
    expect((await agent.post('/settings/quick-replies', { shortcut: 'long', text: 'x'.repeat(4097) }).expect(422)).text).to.contain('at most 4096 characters');
    expect((await agent.post('/settings/quick-replies', { shortcut: 'blank', text: '  ' }).expect(422)).text).to.contain('This field is required');
    await agent.post('/settings/quick-replies', { shortcut: 'Ship-time_2', text: 'x'.repeat(4096) }).expect(303);
    const audit = await ctx.knex('audit_log').where({ workspace_id: workspace.id, action: 'quick_reply.created' });
    expect(audit).to.have.length(2);
  });

  it('lets agents edit and delete their own quick replies and owners and admins any', async () => {
    const { ctx } = await testEnv();
    const { workspace } = await createWorkspace();
    const aUser = await createMember(workspace.id, 'agent', 'Agent A');
    const bUser = await createMember(workspace.id, 'agent', 'Agent B');
    const mine = await reply(workspace.id, 'mine', 'Mine', aUser.id);
    const theirs = await reply(workspace.id, 'theirs', 'Theirs', bUser.id);
    const a = await signIn(aUser.email);

    const list = await a.get('/settings/quick-replies').expect(200);
    expect(list.text).to.contain(`/settings/quick-replies/${mine.id}/edit`).and.not.contain(`/settings/quick-replies/${theirs.id}/edit`);
    expect(list.text).to.contain('You can edit and delete the ones you wrote');
    const edit = await a.get(`/settings/quick-replies/${mine.id}/edit`).expect(200);
    expect(edit.text).to.contain('value="mine"');
    await a.post(`/settings/quick-replies/${mine.id}`, { shortcut: 'mine2', text: 'Mine, changed' }).expect(303);
    expect(await ctx.knex('quick_replies').where({ id: mine.id }).first()).to.include({ shortcut: 'mine2', text: 'Mine, changed' });
    const clash = await a.post(`/settings/quick-replies/${mine.id}`, { shortcut: 'Theirs', text: 'x' }).expect(422);
    expect(clash.text).to.contain('Another quick reply already uses this shortcut').and.contain(`action="/settings/quick-replies/${mine.id}"`);

    await a.get(`/settings/quick-replies/${theirs.id}/edit`).expect(403);
    await a.post(`/settings/quick-replies/${theirs.id}`, { shortcut: 'stolen', text: 'x' }).expect(403);
    await a.post(`/settings/quick-replies/${theirs.id}/delete`).expect(403);
    expect(await ctx.knex('quick_replies').where({ id: theirs.id }).first()).to.include({ shortcut: 'theirs' });

    const admin = await signIn((await createMember(workspace.id, 'admin')).email);
    await admin.post(`/settings/quick-replies/${theirs.id}`, { shortcut: 'theirs', text: 'Edited by an admin' }).expect(303);
    await admin.post(`/settings/quick-replies/${theirs.id}/delete`).expect(303);
    await a.post(`/settings/quick-replies/${mine.id}/delete`).expect(303);
    expect(await ctx.knex('quick_replies').where({ workspace_id: workspace.id })).to.have.length(0);
  });

  it('suggests quick replies for the composer, filled in for the conversation and escaped', async () => {
    const { workspace } = await createWorkspace();
    const other = await createWorkspace();
    const channel = await sandboxChannel(workspace.id);
    const conversation = await customerConversation(channel, { name: 'Zé <b>Bold</b>' });
    const agentUser = await createMember(workspace.id, 'agent', 'Rita "R" Agent');
    await reply(workspace.id, 'thanks', 'Thanks {{ contact_name }}! — {{agent_name}} <img src=x onerror=alert(1)>');
    await reply(workspace.id, 'th', 'Short');
    await reply(workspace.id, 'shipping', 'Shipping takes 3 days');
    await reply(workspace.id, 'pix', 'Pay with PIX, thanks');
    await reply(other.workspace.id, 'thanks-other', 'From another workspace');
    const s = await signIn(agentUser.email);

    const res = await s.get(`/quick-replies/suggest?q=th&conversation_id=${conversation.id}`).set('HX-Request', 'true').expect(200);
    expect(res.text).not.to.contain('<html');
    expect(res.text).to.contain('role="listbox"').and.contain('role="option"').and.contain('aria-selected="true"');
    const shortcuts = [...res.text.matchAll(/data-shortcut="([^"]+)"/g)].map((m) => m[1]);
    // Shortcuts starting with the typed text first (shortest first), then others containing it.
    expect(shortcuts).to.deep.equal(['th', 'thanks', 'pix']);
    expect(res.text).to.contain('data-text="Thanks Zé &lt;b&gt;Bold&lt;/b&gt;! — Rita &#34;R&#34; Agent &lt;img src=x onerror=alert(1)&gt;"');
    expect(res.text).not.to.contain('<img').and.not.to.contain('<b>');
    expect(res.text).not.to.contain('From another workspace');

    const all = await s.get('/quick-replies/suggest').expect(200);
    expect([...all.text.matchAll(/data-shortcut="([^"]+)"/g)].map((m) => m[1])).to.deep.equal(['pix', 'shipping', 'th', 'thanks']);
    const slash = await s.get('/quick-replies/suggest?q=/SHIP').expect(200);
    expect(slash.text).to.contain('data-shortcut="shipping"').and.contain('data-text="Shipping takes 3 days"');
    const none = await s.get('/quick-replies/suggest?q=zzz').expect(200);
    expect(none.text).to.contain('No quick reply matches /zzz').and.contain('href="/settings/quick-replies"').and.not.contain('role="listbox"');
    // Without a conversation (or with another workspace's), the contact placeholder stays for the agent to fill.
    const theirChannel = await sandboxChannel(other.workspace.id);
    const theirs = await customerConversation(theirChannel, { name: 'Secret Customer' });
    const foreign = await s.get(`/quick-replies/suggest?q=thanks&conversation_id=${theirs.id}`).expect(200);
    expect(foreign.text).to.contain('data-text="Thanks {{ contact_name }}! — Rita').and.not.contain('Secret Customer');
    await s.get('/quick-replies/suggest?limit=99').expect(422);
    expect((await findQuickReplies((await testEnv()).ctx.knex, workspace.id, 'ship', 5)).map((r) => r.shortcut)).to.deep.equal(['shipping']);
  });

  it('manages quick replies through the API', async () => {
    const { workspace } = await createWorkspace();
    const api = await apiClient(workspace.id);
    const created = await api.post('/quick-replies', { shortcut: '/hello', text: 'Hello {{contact_name}}' }).expect(201);
    expect(created.body.data).to.include({ shortcut: 'hello', text: 'Hello {{contact_name}}', created_by: null });
    const id = created.body.data.id;
    expect((await api.post('/quick-replies', { shortcut: 'HELLO', text: 'x' }).expect(422)).body.error.fields).to.deep.equal({ shortcut: 'Another quick reply already uses this shortcut' });
    expect((await api.post('/quick-replies', { shortcut: 'a b', text: 'x' }).expect(422)).body.error.fields).to.have.property('shortcut');
    expect((await api.post('/quick-replies', { shortcut: 'ok' }).expect(422)).body.error.fields).to.have.property('text');
    await api.post('/quick-replies', { shortcut: 'help', text: 'How can I help?' }).expect(201);
    await api.post('/quick-replies', { shortcut: 'bye', text: 'Bye!' }).expect(201);

    const list = await api.get('/quick-replies').expect(200);
    expect(list.body.data.map((r: { shortcut: string }) => r.shortcut)).to.deep.equal(['hello', 'help', 'bye']);
    expect((await api.get('/quick-replies?q=HEL').expect(200)).body.data.map((r: { shortcut: string }) => r.shortcut)).to.deep.equal(['hello', 'help']);
    const paged = await api.get('/quick-replies?limit=2').expect(200);
    expect(paged.body.next_cursor).to.be.a('string');
    expect((await api.get(`/quick-replies?limit=2&cursor=${paged.body.next_cursor}`).expect(200)).body.data.map((r: { shortcut: string }) => r.shortcut)).to.deep.equal(['bye']);
    expect((await api.get(`/quick-replies/${id}`).expect(200)).body.data).to.include({ id, shortcut: 'hello' });
    expect((await api.patch(`/quick-replies/${id}`, { text: 'Hi {{contact_name}}!' }).expect(200)).body.data).to.include({ shortcut: 'hello', text: 'Hi {{contact_name}}!' });
    await api.patch(`/quick-replies/${id}`, { shortcut: 'help' }).expect(422);
    await api.patch(`/quick-replies/${id}`, {}).expect(422);
    await api.delete(`/quick-replies/${id}`).expect(204);
    await api.get(`/quick-replies/${id}`).expect(404);
    const doc = await api.get('/openapi.json').expect(200);
    expect(doc.body.paths['/quick-replies']).to.have.keys('get', 'post');
    expect(doc.body.paths['/quick-replies/{id}']).to.have.keys('get', 'patch', 'delete');
  });

  it('renders its pages without inline scripts, styles or event handlers', async () => {
    const { user, workspace } = await createWorkspace();
    const mine = await reply(workspace.id, 'hi', 'Hi {{contact_name}}', user.id);
    const [label] = await (await testEnv()).ctx.knex('labels').insert({ workspace_id: workspace.id, name: 'VIP', color: 'pink' }).returning('*');
    const s = await signIn(user.email);
    for (const path of ['/settings/quick-replies', `/settings/quick-replies/${mine.id}/edit`, '/settings/labels', `/settings/labels/${label.id}/edit`, '/search', '/search?q=hi', '/quick-replies/suggest?q=h']) {
      const page = await s.get(path).expect(200);
      expect(page.text, path).not.to.match(/<script(?![^>]*\bsrc=)[^>]*>/);
      expect(page.text, path).not.to.match(/\sstyle="/);
      expect(page.text, path).not.to.match(/\son[a-z]+="/);
      expect(page.text, path).not.to.match(/hx-on/);
    }
  });

  it("answers 404 for another workspace's quick replies on every route", async () => {
    const a = await createWorkspace();
    const b = await createWorkspace();
    const theirs = await reply(b.workspace.id, 'secret', 'Their text', b.user.id);
    const api = await apiClient(a.workspace.id);
    await api.get(`/quick-replies/${theirs.id}`).expect(404);
    await api.patch(`/quick-replies/${theirs.id}`, { text: 'Mine now' }).expect(404);
    await api.delete(`/quick-replies/${theirs.id}`).expect(404);
    expect((await api.get('/quick-replies').expect(200)).body.data).to.deep.equal([]);
    const owner = await signIn(a.user.email);
    await owner.get(`/settings/quick-replies/${theirs.id}/edit`).expect(404);
    await owner.post(`/settings/quick-replies/${theirs.id}`, { shortcut: 'secret', text: 'Mine now' }).expect(404);
    await owner.post(`/settings/quick-replies/${theirs.id}/delete`).expect(404);
    const list = await owner.get('/settings/quick-replies').expect(200);
    expect(list.text).not.to.contain('Their text');
    const { ctx } = await testEnv();
    expect(await ctx.knex('quick_replies').where({ id: theirs.id }).first()).to.include({ text: 'Their text' });
  });
});
