import { expect } from 'chai';
import { testEnv } from '../support/context.js';
import { createMember, createWorkspace } from '../support/factories.js';
import { signIn } from '../support/http.js';
import { apiClient, customerConversation, whatsappChannel } from '../support/whatsapp.js';

async function message(conversation: { id: string; workspace_id: string; channel_id: string; contact_id: string }, text: string, at: Date, direction = 'inbound') {
  const { ctx } = await testEnv();
  const [row] = await ctx.knex('messages')
    .insert({
      workspace_id: conversation.workspace_id,
      conversation_id: conversation.id,
      channel_id: conversation.channel_id,
      contact_id: conversation.contact_id,
      direction,
      type: 'text',
      text,
      status: direction === 'inbound' ? 'received' : 'sent',
      created_at: at,
    })
    .returning('*');
  return row;
}

async function label(workspaceId: string, name: string, color = 'blue') {
  const { ctx } = await testEnv();
  return (await ctx.knex('labels').insert({ workspace_id: workspaceId, name, color }).returning('*'))[0];
}

describe('merging duplicate contacts', () => {
  it('moves conversations, messages, notes and labels to the kept contact, joining threads on the same number', async () => {
    const { ctx } = await testEnv();
    const { workspace, user } = await createWorkspace();
    const knex = ctx.knex;
    const api = await apiClient(workspace.id);
    await api.post('/contact-fields', { label: 'City', type: 'text' }).expect(201);
    await api.post('/contact-fields', { label: 'Size', type: 'select', options: ['S', 'M'] }).expect(201);
    const sales = await whatsappChannel(workspace.id, { name: 'Sales' });
    const support = await whatsappChannel(workspace.id, { name: 'Support' });
    const keptConversation = await customerConversation(sales, { phone: '5511987650101', name: 'Kate Kept' });
    const otherConversation = await customerConversation(sales, { phone: '5511987650202', name: 'Kate (work phone)' });
    const otherSupport = await customerConversation(support, { phone: '5511987650202' });
    const keptId = keptConversation.contact_id;
    const otherId = otherConversation.contact_id;
    expect(otherSupport.contact_id).to.equal(otherId);
    await knex('contacts').where({ id: keptId }).update({ name: 'Kate', email: null, custom: JSON.stringify({ city: 'Recife' }) });
    await knex('contacts').where({ id: otherId }).update({ name: 'K. Duplicate', email: 'kate@example.test', custom: JSON.stringify({ city: 'Olinda', size: 'M' }) });

    const t0 = Date.now() - 10 * 3600_000;
    const m1 = await message(keptConversation, 'Hi from the first number', new Date(t0));
    const m2 = await message(otherConversation, 'Hi again from my work phone', new Date(t0 + 3600_000));
    const m3 = await message(otherSupport, 'Support question', new Date(t0 + 7200_000));
    await knex('conversations').where({ id: keptConversation.id }).update({ last_message_at: new Date(t0), last_message_preview: 'Hi from the first number', unread_count: 1, status: 'resolved', assignee_id: null, window_expires_at: new Date(t0 + 24 * 3600_000) });
    await knex('conversations').where({ id: otherConversation.id }).update({ last_message_at: new Date(t0 + 3600_000), last_message_preview: 'Hi again from my work phone', last_message_direction: 'inbound', unread_count: 2, status: 'open', assignee_id: user.id, window_expires_at: new Date(t0 + 25 * 3600_000) });
    const noteInThread = (await knex('notes').insert({ workspace_id: workspace.id, contact_id: otherId, conversation_id: otherConversation.id, author_id: user.id, body: 'Asked for a discount' }).returning('*'))[0];
    const noteOnContact = (await knex('notes').insert({ workspace_id: workspace.id, contact_id: otherId, author_id: user.id, body: 'Met at the fair' }).returning('*'))[0];
    const vip = await label(workspace.id, 'VIP', 'purple');
    const wholesale = await label(workspace.id, 'Wholesale', 'green');
    const urgent = await label(workspace.id, 'Urgent', 'red');
    await knex('contact_labels').insert([
      { workspace_id: workspace.id, contact_id: keptId, label_id: vip.id },
      { workspace_id: workspace.id, contact_id: otherId, label_id: vip.id },
      { workspace_id: workspace.id, contact_id: otherId, label_id: wholesale.id },
    ]);
    await knex('conversation_labels').insert({ workspace_id: workspace.id, conversation_id: otherConversation.id, label_id: urgent.id });

    const s = await signIn(user.email);
    // Pick the duplicate: the search starts with the kept contact's name.
    const search = await s.get(`/contacts/${keptId}/merge?q=${encodeURIComponent('K. Duplicate')}`).expect(200);
    expect(search.text).to.contain(`href="/contacts/${keptId}/merge/${otherId}"`);
    const confirm = await s.get(`/contacts/${keptId}/merge/${otherId}`).expect(200);
    expect(confirm.text).to.contain('Merge these contacts?').and.contain('K. Duplicate will be merged into Kate.');
    expect(confirm.text).to.contain('kate@example.test').and.contain('Olinda').and.contain(`href="/contacts/${otherId}/merge/${keptId}"`);
    expect(confirm.text).to.contain('Both have a conversation on the same WhatsApp number');
    expect(confirm.text).to.match(/<span class="wins">Kate</).and.match(/<span class="loses">K\. Duplicate</);

    const done = await s.post(`/contacts/${keptId}/merge/${otherId}`).expect(303);
    expect(done.headers.location).to.equal(`/contacts/${keptId}`);
    expect((await s.get(done.headers.location).expect(200)).text).to.contain('Contacts merged into Kate.');

    // The other contact is gone, its things are the kept one's.
    expect(await knex('contacts').where({ id: otherId }).first()).to.equal(undefined);
    const kept = await knex('contacts').where({ id: keptId }).first();
    expect(kept).to.include({ name: 'Kate', email: 'kate@example.test', phone: '+5511987650101' });
    expect(kept.custom).to.deep.equal({ city: 'Recife', size: 'M' });
    const conversations = await knex('conversations').where({ workspace_id: workspace.id, contact_id: keptId }).orderBy('channel_id');
    expect(conversations.map((c) => c.id).sort()).to.deep.equal([keptConversation.id, otherSupport.id].sort());
    expect(await knex('conversations').where({ id: otherConversation.id }).first()).to.equal(undefined);
    const joined = conversations.find((c) => c.id === keptConversation.id);
    expect(new Date(joined.last_message_at).getTime()).to.equal(t0 + 3600_000);
    expect(joined).to.include({ last_message_preview: 'Hi again from my work phone', unread_count: 3, status: 'open', assignee_id: user.id });
    expect(new Date(joined.window_expires_at).getTime()).to.equal(t0 + 25 * 3600_000);
    const messages = await knex('messages').whereIn('id', [m1.id, m2.id, m3.id]).orderBy('created_at');
    expect(messages.map((m) => [m.conversation_id, m.contact_id])).to.deep.equal([
      [keptConversation.id, keptId],
      [keptConversation.id, keptId],
      [otherSupport.id, keptId],
    ]);
    const notes = await knex('notes').whereIn('id', [noteInThread.id, noteOnContact.id]).orderBy('body');
    expect(notes.map((n) => [n.body, n.contact_id, n.conversation_id])).to.deep.equal([
      ['Asked for a discount', keptId, keptConversation.id],
      ['Met at the fair', keptId, null],
    ]);
    expect((await knex('contact_labels').where({ contact_id: keptId }).pluck('label_id')).sort()).to.deep.equal([vip.id, wholesale.id].sort());
    expect(await knex('conversation_labels').where({ conversation_id: keptConversation.id }).pluck('label_id')).to.deep.equal([urgent.id]);
    const audit = await knex('audit_log').where({ workspace_id: workspace.id, action: 'contact.merged' }).first();
    expect(audit).to.include({ subject_id: keptId, actor_user_id: user.id });
    expect(audit.data).to.include({ merged_id: otherId, conversations_joined: 1 });
  });

  it('passes the number and WhatsApp user id to a kept contact that has none, after the other is gone', async () => {
    const { ctx } = await testEnv();
    const { workspace } = await createWorkspace();
    const [byUsername] = await ctx.knex('contacts').insert({ workspace_id: workspace.id, wa_user_id: 'BR.1234567890', username: 'carla.shop', profile_name: 'Carla' }).returning('*');
    const [byPhone] = await ctx.knex('contacts').insert({ workspace_id: workspace.id, phone: '+5511987650303', phone_key: '551187650303', wa_id: '5511987650303', name: 'Carla Lima' }).returning('*');
    const api = await apiClient(workspace.id);
    const merged = await api.post(`/contacts/${byUsername.id}/merge`, { other_contact_id: byPhone.id }).expect(200);
    expect(merged.body.data).to.include({ id: byUsername.id, phone: '+5511987650303', user_id: 'BR.1234567890', username: 'carla.shop', name: 'Carla Lima', profile_name: 'Carla' });
    const row = await ctx.knex('contacts').where({ id: byUsername.id }).first();
    expect(row.phone_key).to.equal('551187650303');
    await api.get(`/contacts/${byPhone.id}`).expect(404);
    // The folded number now finds the kept contact.
    expect((await api.get('/contacts?phone=551187650303').expect(200)).body.data.map((c: { id: string }) => c.id)).to.deep.equal([byUsername.id]);
    await api.post(`/contacts/${byUsername.id}/merge`, { other_contact_id: byUsername.id }).expect(422);
    await api.post(`/contacts/${byUsername.id}/merge`, { other_contact_id: 'nope' }).expect(422);
  });

  it('moves deals and anything else that points at the merged contact', async () => {
    const { ctx } = await testEnv();
    const { workspace } = await createWorkspace();
    const api = await apiClient(workspace.id);
    const kept = (await api.post('/contacts', { phone: '+14155550301', name: 'Kept' }).expect(201)).body.data;
    const other = (await api.post('/contacts', { phone: '+14155550302', name: 'Other' }).expect(201)).body.data;
    // A table a later feature could add (as the pipeline's deals do): found by its foreign key.
    const hasDeals = await ctx.knex.schema.hasTable('deals');
    const table = hasDeals ? 'merge_test_refs' : 'deals';
    await ctx.knex.raw(`CREATE TABLE ${table} (
      id serial PRIMARY KEY, workspace_id uuid NOT NULL, contact_id uuid NOT NULL, title text,
      FOREIGN KEY (workspace_id, contact_id) REFERENCES contacts (workspace_id, id) ON DELETE CASCADE)`);
    try {
      await ctx.knex(table).insert([
        { workspace_id: workspace.id, contact_id: other.id, title: 'Sofa' },
        { workspace_id: workspace.id, contact_id: kept.id, title: 'Table' },
      ]);
      await api.post(`/contacts/${kept.id}/merge`, { other_contact_id: other.id }).expect(200);
      const rows = await ctx.knex(table).orderBy('title');
      expect(rows.map((r) => [r.title, r.contact_id])).to.deep.equal([
        ['Sofa', kept.id],
        ['Table', kept.id],
      ]);
    } finally {
      await ctx.knex.schema.dropTable(table);
    }
  });

  it('keeps merging to owners and admins and refuses contacts of another workspace', async () => {
    const { ctx } = await testEnv();
    const a = await createWorkspace();
    const b = await createWorkspace();
    const apiA = await apiClient(a.workspace.id);
    const apiB = await apiClient(b.workspace.id);
    const mine = (await apiA.post('/contacts', { phone: '+14155550401', name: 'Mine' }).expect(201)).body.data;
    const alsoMine = (await apiA.post('/contacts', { phone: '+14155550402', name: 'Mine too' }).expect(201)).body.data;
    const theirs = (await apiB.post('/contacts', { phone: '+14155550403', name: 'Theirs' }).expect(201)).body.data;
    await apiA.post(`/contacts/${mine.id}/merge`, { other_contact_id: theirs.id }).expect(404);
    const s = await signIn(a.user.email);
    await s.post(`/contacts/${mine.id}/merge/${theirs.id}`).expect(404);
    expect(await ctx.knex('contacts').where({ id: theirs.id }).first()).to.include({ workspace_id: b.workspace.id, name: 'Theirs' });

    const agent = await createMember(a.workspace.id, 'agent');
    const as = await signIn(agent.email);
    await as.get(`/contacts/${mine.id}/merge/${alsoMine.id}`).expect(403);
    await as.post(`/contacts/${mine.id}/merge/${alsoMine.id}`).expect(403);
    expect(await ctx.knex('contacts').where({ id: alsoMine.id }).first()).to.not.equal(undefined);
  });
});
