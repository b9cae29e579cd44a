import { expect } from 'chai';
import { testEnv, eventually } from '../support/context.js';
import { createWorkspace } from '../support/factories.js';
import { apiClient, approvedTemplate, customerConversation, PNG_1PX, whatsappChannel } from '../support/whatsapp.js';

describe('API: conversations, contacts, media and sending', () => {
  it('starts a conversation by phone, matching the contact across Brazilian number forms', async () => {
    const { workspace } = await createWorkspace();
    const channel = await whatsappChannel(workspace.id);
    const api = await apiClient(workspace.id);
    const first = await api.post('/conversations', { channel_id: channel.id, phone: '+55 11 98765-4321', name: 'Bruno' }).expect(201);
    expect(first.body.data).to.include({ channel_id: channel.id, status: 'open', window_open: false, unread_count: 0 });
    const again = await api.post('/conversations', { channel_id: channel.id, phone: '551187654321' }).expect(200);
    expect(again.body.data.id).to.equal(first.body.data.id);
    const contact = await api.get(`/contacts/${first.body.data.contact_id}`).expect(200);
    expect(contact.body.data).to.include({ phone: '+5511987654321', name: 'Bruno' });
    const found = await api.get('/contacts?phone=5511987654321').expect(200);
    expect(found.body.data.map((c: { id: string }) => c.id)).to.deep.equal([first.body.data.contact_id]);
    const bad = await api.post('/conversations', { channel_id: channel.id, phone: 'call me maybe' }).expect(422);
    expect(bad.body.error.fields.phone).to.contain('country code');
    await api.post('/conversations', { channel_id: channel.id }).expect(422);
  });

  it('refuses free-form messages outside the 24-hour window and queues them inside it', async () => {
    const { ctx } = await testEnv();
    const { workspace } = await createWorkspace();
    const channel = await whatsappChannel(workspace.id);
    const api = await apiClient(workspace.id);
    const closed = await customerConversation(channel, { windowOpen: false });
    const refused = await api.post(`/conversations/${closed.id}/messages`, { text: 'Hello!' }).expect(422);
    expect(refused.body.error.code).to.equal('window_closed');
    expect(refused.body.error.message).to.contain('only an approved template');
    expect(await ctx.knex('messages').where({ conversation_id: closed.id })).to.have.length(0);

    const open = await customerConversation(channel);
    const events: Array<{ type: string }> = [];
    const unsubscribe = ctx.realtime.subscribe(workspace.id, (e) => events.push(e));
    const queued = await api.post(`/conversations/${open.id}/messages`, { text: 'Hello! See https://shop.example' }).expect(202);
    expect(queued.body.data.status).to.equal('queued');
    const row = await ctx.knex('messages').where({ id: queued.body.data.id }).first();
    expect(row).to.include({ direction: 'outbound', type: 'text', text: 'Hello! See https://shop.example', channel_id: channel.id });
    expect(row.content).to.deep.equal({ preview_url: true });
    const conversation = await ctx.knex('conversations').where({ id: open.id }).first();
    expect(conversation.last_message_preview).to.equal('Hello! See https://shop.example');
    await eventually(() => events.some((e) => e.type === 'message.created'), 5000, 'message.created event');
    unsubscribe();
  });

  it('validates what is sent and names the field', async () => {
    const { workspace } = await createWorkspace();
    const channel = await whatsappChannel(workspace.id);
    const api = await apiClient(workspace.id);
    const c = await customerConversation(channel);
    expect((await api.post(`/conversations/${c.id}/messages`, {}).expect(422)).body.error.fields.text).to.contain('exactly one');
    expect((await api.post(`/conversations/${c.id}/messages`, { text: 'a', reaction: { message_id: 'x', emoji: '👍' } }).expect(422)).body.error.fields).to.have.property('reaction');
    expect((await api.post(`/conversations/${c.id}/messages`, { text: 'x'.repeat(4097) }).expect(422)).body.error.fields.text).to.contain('4096');
    expect((await api.post(`/conversations/${c.id}/messages`, { text: 'hi', reply_to: '00000000-0000-4000-8000-000000000000' }).expect(422)).body.error.fields.reply_to).to.contain('not part of this conversation');
    const buttons = { type: 'button', body: 'Pick one', buttons: [1, 2, 3, 4].map((i) => ({ id: `b${i}`, title: `Option ${i}` })) };
    expect((await api.post(`/conversations/${c.id}/messages`, { interactive: buttons }).expect(422)).body.error.fields).to.have.property('interactive.buttons');
    const queued = await api.post(`/conversations/${c.id}/messages`, { interactive: { ...buttons, buttons: buttons.buttons.slice(0, 3) } }).expect(202);
    expect(queued.body.data.status).to.equal('queued');
  });

  it('sends templates when the window is closed, checking their variables first', async () => {
    const { ctx } = await testEnv();
    const { workspace } = await createWorkspace();
    const channel = await whatsappChannel(workspace.id);
    await approvedTemplate(channel, {
      name: 'order_update',
      language: 'en_US',
      components: [
        { type: 'BODY', text: 'Hi {{1}}, your order {{2}} is on its way.' },
        { type: 'BUTTONS', buttons: [{ type: 'URL', text: 'Track', url: 'https://shop.example/t/{{1}}' }] },
      ],
    });
    await approvedTemplate(channel, { name: 'paused_one', language: 'en_US', status: 'PAUSED', components: [{ type: 'BODY', text: 'x' }] });
    const api = await apiClient(workspace.id);
    const c = await customerConversation(channel, { windowOpen: false });
    const bad = await api.post(`/conversations/${c.id}/messages`, { template: { name: 'order_update', language: 'en_US', variables: ['Ana'] } }).expect(422);
    expect(bad.body.error.code).to.equal('invalid_template_variables');
    expect(bad.body.error.fields).to.deep.equal({ 'template.variables': 'This template needs 2 values', 'template.buttons.0': 'The button "Track" needs the end of its link' });
    const unknown = await api.post(`/conversations/${c.id}/messages`, { template: { name: 'nope', language: 'en_US' } }).expect(422);
    expect(unknown.body.error.code).to.equal('unknown_template');
    const paused = await api.post(`/conversations/${c.id}/messages`, { template: { name: 'paused_one', language: 'en_US' } }).expect(422);
    expect(paused.body.error.fields['template.name']).to.equal('This template cannot be sent: its status is PAUSED');
    const ok = await api.post(`/conversations/${c.id}/messages`, { template: { name: 'order_update', language: 'en_US', variables: ['Ana', '#1234'], buttons: [{ index: 0, text: '1234' }] } }).expect(202);
    const row = await ctx.knex('messages').where({ id: ok.body.data.id }).first();
    expect(row.type).to.equal('template');
    expect(row.text).to.equal('Hi Ana, your order #1234 is on its way.');
    expect(row.content.category).to.equal('UTILITY');
  });

  it('uploads media within WhatsApp limits and sends it with a caption', async () => {
    const { ctx } = await testEnv();
    const { workspace } = await createWorkspace();
    const channel = await whatsappChannel(workspace.id);
    const api = await apiClient(workspace.id);
    const uploaded = await api.upload('/media', PNG_1PX, 'dot.png', 'image/png').expect(201);
    expect(uploaded.body.data).to.include({ mime_type: 'image/png', filename: 'dot.png', size: PNG_1PX.length, status: 'ready' });
    const content = await api.get(`/media/${uploaded.body.data.id}/content`).expect(200);
    expect(Buffer.compare(content.body, PNG_1PX)).to.equal(0);
    expect(content.headers['content-disposition']).to.match(/^attachment; filename="dot.png"/);

    const html = await api.upload('/media', Buffer.from('<script>alert(1)</script>'), 'x.html', 'text/html').expect(422);
    expect(html.body.error.fields.file).to.contain('does not accept this type');
    const big = await api.upload('/media', Buffer.alloc(5 * 1024 * 1024 + 1, 1), 'big.png', 'image/png').expect(422);
    expect(big.body.error.fields.file).to.equal('Images can be at most 5 MB');
    await api.post('/media').expect(422);

    const c = await customerConversation(channel);
    const sent = await api.post(`/conversations/${c.id}/messages`, { media_id: uploaded.body.data.id, caption: 'Our catalogue' }).expect(202);
    const row = await ctx.knex('messages').where({ id: sent.body.data.id }).first();
    expect(row).to.include({ type: 'image', text: 'Our catalogue', media_id: uploaded.body.data.id });
    const list = await api.get(`/conversations/${c.id}/messages`).expect(200);
    expect(list.body.data[0].media).to.include({ id: uploaded.body.data.id, mime_type: 'image/png', filename: 'dot.png' });
  });

  it('lists messages oldest first, pages them, and lists conversations', async () => {
    const { workspace } = await createWorkspace();
    const channel = await whatsappChannel(workspace.id);
    const api = await apiClient(workspace.id);
    const c = await customerConversation(channel);
    for (const text of ['one', 'two', 'three']) await api.post(`/conversations/${c.id}/messages`, { text }).expect(202);
    const page1 = await api.get(`/conversations/${c.id}/messages?limit=2`).expect(200);
    expect(page1.body.data.map((m: { text: string }) => m.text)).to.deep.equal(['one', 'two']);
    const page2 = await api.get(`/conversations/${c.id}/messages?limit=2&cursor=${page1.body.next_cursor}`).expect(200);
    expect(page2.body.data.map((m: { text: string }) => m.text)).to.deep.equal(['three']);
    const conversations = await api.get(`/conversations?channel_id=${channel.id}&status=open`).expect(200);
    expect(conversations.body.data.map((x: { id: string }) => x.id)).to.deep.equal([c.id]);
    await api.get('/conversations?status=done').expect(422);
  });

  it('answers 404 for another workspace\'s conversations, messages, contacts and media', async () => {
    const a = await createWorkspace();
    const b = await createWorkspace();
    const channelB = await whatsappChannel(b.workspace.id);
    const conversationB = await customerConversation(channelB);
    const apiB = await apiClient(b.workspace.id);
    const mediaB = (await apiB.upload('/media', PNG_1PX, 'b.png', 'image/png').expect(201)).body.data.id;
    const messageB = (await apiB.post(`/conversations/${conversationB.id}/messages`, { text: 'for B' }).expect(202)).body.data.id;
    const api = await apiClient(a.workspace.id);
    await api.get(`/conversations/${conversationB.id}`).expect(404);
    await api.get(`/conversations/${conversationB.id}/messages`).expect(404);
    await api.post(`/conversations/${conversationB.id}/messages`, { text: 'intrusion' }).expect(404);
    await api.get(`/contacts/${conversationB.contact_id}`).expect(404);
    await api.patch(`/contacts/${conversationB.contact_id}`, { name: 'Hijacked' }).expect(404);
    await api.get(`/media/${mediaB}`).expect(404);
    await api.get(`/media/${mediaB}/content`).expect(404);
    await api.post(`/messages/${messageB}/retry`).expect(404);
    const start = await api.post('/conversations', { channel_id: channelB.id, phone: '+15550001111' }).expect(422);
    expect(start.body.error.fields.channel_id).to.equal('No such channel in this workspace');
    // A's message using B's file is refused as unknown.
    const channelA = await whatsappChannel(a.workspace.id);
    const conversationA = await customerConversation(channelA);
    const foreignMedia = await api.post(`/conversations/${conversationA.id}/messages`, { media_id: mediaB }).expect(422);
    expect(foreignMedia.body.error.fields.media_id).to.contain('No such file');
    expect((await api.get('/contacts').expect(200)).body.data.every((c: { id: string }) => c.id !== conversationB.contact_id)).to.equal(true);
  });

  it('creates and edits contacts, refusing a number already known', async () => {
    const { workspace } = await createWorkspace();
    const api = await apiClient(workspace.id);
    const created = await api.post('/contacts', { phone: '+52 55 1234 5678', name: 'Lucía', email: 'lucia@example.test' }).expect(201);
    expect(created.body.data).to.include({ phone: '+525512345678', name: 'Lucía', email: 'lucia@example.test' });
    const dup = await api.post('/contacts', { phone: '5215512345678' }).expect(422);
    expect(dup.body.error.fields.phone).to.equal('A contact with this phone number already exists');
    const patched = await api.patch(`/contacts/${created.body.data.id}`, { name: 'Lucía Pérez', email: '' }).expect(200);
    expect(patched.body.data).to.include({ name: 'Lucía Pérez', email: null });
    await api.patch(`/contacts/${created.body.data.id}`, { email: 'nope' }).expect(422);
    const search = await api.get('/contacts?q=pérez').expect(200);
    expect(search.body.data).to.have.length(1);
  });
});
