import { expect } from 'chai';
import { testEnv, eventually } from '../support/context.js';
import { createWorkspace } from '../support/factories.js';
import { signIn } from '../support/http.js';
import { approvedTemplate, PNG_1PX, sandboxChannel, whatsappChannel } from '../support/whatsapp.js';

describe('the sandbox channel and its simulator', function () {
  this.timeout(60_000);

  it('runs the whole loop: the customer writes, the agent answers, the ticks move to read', async () => {
    const { ctx } = await testEnv();
    const { user, workspace } = await createWorkspace();
    const channel = await sandboxChannel(workspace.id);
    const s = await signIn(user.email);
    const page = await s.get(`/sandbox/${channel.id}`).expect(200);
    expect(page.text).to.contain('Play the customer').and.contain('Sam Sandbox');
    await s.post(`/sandbox/${channel.id}/text`, { phone: '+1 555 0199', name: 'Tina Tester', text: 'Do you have the sofa in grey?' }).expect(303);
    const inbound = await ctx.knex('messages').where({ channel_id: channel.id, direction: 'inbound' }).first();
    expect(inbound).to.include({ type: 'text', text: 'Do you have the sofa in grey?', status: 'received' });
    expect(inbound.wamid).to.match(/^wamid\.SANDBOX\./);
    const contact = await ctx.knex('contacts').where({ id: inbound.contact_id }).first();
    expect(contact).to.include({ phone: '+15550199', profile_name: 'Tina Tester' });
    const conversation = await ctx.knex('conversations').where({ id: inbound.conversation_id }).first();
    expect(new Date(conversation.window_expires_at).getTime()).to.be.greaterThan(Date.now());

    await s.post(`/inbox/conversations/${conversation.id}/messages`, { text: 'Yes! Grey and blue.' }).expect(303);
    const reply = await ctx.knex('messages').where({ conversation_id: conversation.id, direction: 'outbound' }).first();
    const read = await eventually(async () => {
      const m = await ctx.knex('messages').where({ id: reply.id }).first();
      return m.status === 'read' ? m : null;
    }, 15_000, 'the reply to be read');
    expect(read.wamid).to.match(/^wamid\.SANDBOX\./);
    expect(read.sent_at).to.be.instanceOf(Date);
    expect(read.delivered_at).to.be.instanceOf(Date);
    expect(read.read_at).to.be.instanceOf(Date);
    // The simulated phone shows the business's reply.
    const phone = await s.get(`/sandbox/${channel.id}/thread?phone=%2B15550199&name=Tina`).expect(200);
    expect(phone.text).to.contain('Yes! Grey and blue.');

    // The customer reacts to it and sends a photo.
    await s.post(`/sandbox/${channel.id}/react`, { phone: '+15550199', name: 'Tina Tester', message_id: reply.id, emoji: '❤️' }).expect(303);
    const reaction = await ctx.knex('messages').where({ conversation_id: conversation.id, type: 'reaction' }).first();
    expect(reaction).to.include({ reaction_emoji: '❤️', reaction_to_wamid: read.wamid, direction: 'inbound' });
    await s.agent
      .post(`/sandbox/${channel.id}/image`)
      .set('X-CSRF-Token', s.csrf)
      .field('phone', '+15550199')
      .field('name', 'Tina Tester')
      .field('caption', 'Like this one')
      .attach('file', PNG_1PX, { filename: 'sofa.png', contentType: 'image/png' })
      .expect(303);
    const image = await ctx.knex('messages').where({ conversation_id: conversation.id, type: 'image' }).first();
    expect(image.text).to.equal('Like this one');
    await eventually(async () => (await ctx.knex('media_files').where({ id: image.media_id }).first()).status === 'ready', 15_000, 'the photo to be ready');
    const served = await s.get(`/media/${image.media_id}`).expect(200);
    expect(served.headers['content-type']).to.equal('image/png');
    expect(Buffer.compare(served.body, PNG_1PX)).to.equal(0);
  });

  it('lets the customer press a template quick reply and an interactive button', async () => {
    const { ctx } = await testEnv();
    const { user, workspace } = await createWorkspace();
    const channel = await sandboxChannel(workspace.id);
    await approvedTemplate(channel, {
      name: 'delivery_check',
      language: 'en_US',
      components: [{ type: 'BODY', text: 'Can we deliver tomorrow?' }, { type: 'BUTTONS', buttons: [{ type: 'QUICK_REPLY', text: 'Yes' }, { type: 'QUICK_REPLY', text: 'Another day' }] }],
    });
    const s = await signIn(user.email);
    await s.post(`/sandbox/${channel.id}/text`, { phone: '+15550188', name: 'Bob', text: 'hi' }).expect(303);
    const conversation = await ctx.knex('conversations').where({ channel_id: channel.id }).first();
    await ctx.knex('conversations').where({ id: conversation.id }).update({ window_expires_at: new Date(Date.now() - 1000) });
    const template = await ctx.knex('templates').where({ channel_id: channel.id, name: 'delivery_check' }).first();
    await s.agent.post(`/inbox/conversations/${conversation.id}/template`).set('X-CSRF-Token', s.csrf).field('template', template.id).expect(303);
    const sent = await eventually(async () => {
      const m = await ctx.knex('messages').where({ conversation_id: conversation.id, type: 'template' }).first();
      return m?.wamid ? m : null;
    }, 15_000, 'the template to be sent');
    const phone = await s.get(`/sandbox/${channel.id}/thread?phone=%2B15550188&name=Bob`).expect(200);
    expect(phone.text).to.contain('Another day');
    await s.post(`/sandbox/${channel.id}/press`, { phone: '+15550188', name: 'Bob', message_id: sent.id, id: 'Another day', title: 'Another day', interactive: 'false' }).expect(303);
    const pressed = await ctx.knex('messages').where({ conversation_id: conversation.id, type: 'button' }).first();
    expect(pressed).to.include({ text: 'Another day', reply_to_wamid: sent.wamid });
    // Pressing reopens the 24-hour window.
    expect(new Date((await ctx.knex('conversations').where({ id: conversation.id }).first()).window_expires_at).getTime()).to.be.greaterThan(Date.now());
  });

  it('answers 404 for a channel that is not a sandbox, or another workspace\'s', async () => {
    const a = await createWorkspace();
    const b = await createWorkspace();
    const real = await whatsappChannel(a.workspace.id);
    const other = await sandboxChannel(b.workspace.id);
    const s = await signIn(a.user.email);
    await s.get(`/sandbox/${real.id}`).expect(404);
    await s.get(`/sandbox/${other.id}`).expect(404);
    await s.post(`/sandbox/${other.id}/text`, { text: 'intrusion' }).expect(404);
  });
});
