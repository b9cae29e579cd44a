import { processPendingEvents } from '../../src/whatsapp/processor.js';
import { expect } from 'chai';
import { testEnv, eventually } from '../support/context.js';
import { createWorkspace } from '../support/factories.js';
import { apiClient, approvedTemplate, customerConversation, PNG_1PX, whatsappChannel } from '../support/whatsapp.js';
import { createSender, settleInterrupted } from '../../src/whatsapp/sender.js';
import { channelSecrets } from '../../src/whatsapp/channels.js';
import { signPayload } from '../../src/whatsapp/webhooks.js';
import { statusPayload } from '../../src/whatsapp/sandbox.js';
import request from 'supertest';

async function messageRow(id: string) {
  const { ctx } = await testEnv();
  return ctx.knex('messages').where({ id }).first();
}

describe('the outbox sender', function () {
  this.timeout(60_000);

  beforeEach(async () => {
    (await testEnv()).graph.reset();
  });

  it('sends a queued message at once (woken, not polled) and records the wamid', async () => {
    const { graph } = await testEnv();
    const { workspace } = await createWorkspace();
    const channel = await whatsappChannel(workspace.id);
    const c = await customerConversation(channel, { phone: '5511987654321' });
    const api = await apiClient(workspace.id);
    const first = (await api.post(`/conversations/${c.id}/messages`, { text: 'Hello from PAR' }).expect(202)).body.data.id;
    const sent = await eventually(async () => {
      const m = await messageRow(first);
      return m.status === 'sent' ? m : null;
    }, 10_000, 'the message to be sent');
    const call = graph.sent.find((s) => s.payload.biz_opaque_callback_data === first)!;
    expect(sent.wamid).to.equal(call.wamid);
    expect(call.phoneNumberId).to.equal(channel.phone_number_id);
    expect(call.token).to.equal(channelSecrets((await testEnv()).ctx.config.encryptionKey, channel).accessToken);
    expect(call.payload).to.deep.include({ messaging_product: 'whatsapp', recipient_type: 'individual', to: '+5511987654321', type: 'text', text: { body: 'Hello from PAR', preview_url: false } });
    // A reply carries its context.
    const reply = (await api.post(`/conversations/${c.id}/messages`, { text: 'Replying', reply_to: first }).expect(202)).body.data.id;
    await eventually(async () => (await messageRow(reply)).status === 'sent', 10_000, 'the reply to be sent');
    expect(graph.sent.find((s) => s.payload.biz_opaque_callback_data === reply)!.payload.context).to.deep.equal({ message_id: sent.wamid });
  });

  it('retries a retryable error with backoff and gives up on a final one with Meta\'s reason', async () => {
    const { graph } = await testEnv();
    const { workspace } = await createWorkspace();
    const channel = await whatsappChannel(workspace.id);
    const api = await apiClient(workspace.id);
    const c1 = await customerConversation(channel);
    graph.failSends(130429, { message: 'Rate limit hit' });
    const retried = (await api.post(`/conversations/${c1.id}/messages`, { text: 'Try twice' }).expect(202)).body.data.id;
    const done = await eventually(async () => {
      const m = await messageRow(retried);
      return m.status === 'sent' ? m : null;
    }, 20_000, 'the retried message to be sent');
    expect(done.attempts).to.equal(2);
    expect(done.error_code).to.equal(null);

    const c2 = await customerConversation(channel);
    graph.failSends(131026, { message: 'Message undeliverable' });
    const failed = (await api.post(`/conversations/${c2.id}/messages`, { text: 'Nobody home' }).expect(202)).body.data.id;
    const row = await eventually(async () => {
      const m = await messageRow(failed);
      return m.status === 'failed' ? m : null;
    }, 10_000, 'the message to fail');
    expect(row).to.include({ error_code: '131026', attempts: 1 });
    expect(row.error_title).to.contain('Message undeliverable');
    expect(row.failed_at).to.be.instanceOf(Date);
    // The API shows the error; a retry sends it again.
    const list = await api.get(`/conversations/${c2.id}/messages`).expect(200);
    expect(list.body.data[0].error).to.include({ code: '131026' });
    await api.post(`/messages/${failed}/retry`).expect(202);
    await eventually(async () => (await messageRow(failed)).status === 'sent', 10_000, 'the retried message to be sent');
  });

  it('marks the channel red on an expired token and holds its other messages until it is fixed', async () => {
    const { ctx, graph } = await testEnv();
    const { workspace } = await createWorkspace();
    const channel = await whatsappChannel(workspace.id);
    const token = channelSecrets(ctx.config.encryptionKey, channel).accessToken!;
    graph.expiredTokens.add(token);
    const api = await apiClient(workspace.id);
    const c = await customerConversation(channel);
    const first = (await api.post(`/conversations/${c.id}/messages`, { text: 'one' }).expect(202)).body.data.id;
    await eventually(async () => (await messageRow(first)).status === 'failed', 10_000, 'the first message to fail');
    expect((await messageRow(first)).error_code).to.equal('190');
    expect((await ctx.knex('channels').where({ id: channel.id }).first()).health).to.equal('token_expired');
    const c2 = await customerConversation(channel);
    const second = (await api.post(`/conversations/${c2.id}/messages`, { text: 'two' }).expect(202)).body.data.id;
    await new Promise((r) => setTimeout(r, 1500));
    expect((await messageRow(second)).status).to.equal('queued');
    // An admin fixes the token: the channel is healthy again and the message leaves.
    graph.expiredTokens.clear();
    await ctx.knex('channels').where({ id: channel.id }).update({ health: 'unknown' });
    ctx.signals.wake('outbox');
    await eventually(async () => (await messageRow(second)).status === 'sent', 10_000, 'the held message to be sent');
  });

  it('uploads media to Meta and sends it by id, once per channel', async () => {
    const { ctx, graph } = await testEnv();
    const { workspace } = await createWorkspace();
    const channel = await whatsappChannel(workspace.id);
    await approvedTemplate(channel, { name: 'promo', language: 'en_US', category: 'MARKETING', components: [{ type: 'HEADER', format: 'IMAGE' }, { type: 'BODY', text: 'New in store!' }] });
    const api = await apiClient(workspace.id);
    const media = (await api.upload('/media', PNG_1PX, 'sofa.png', 'image/png').expect(201)).body.data.id;
    const c = await customerConversation(channel);
    const m1 = (await api.post(`/conversations/${c.id}/messages`, { media_id: media, caption: 'The blue one' }).expect(202)).body.data.id;
    await eventually(async () => (await messageRow(m1)).status === 'sent', 10_000, 'the image to be sent');
    const upload = graph.requests.filter((r) => r.path.endsWith('/media') && r.method === 'POST');
    expect(upload).to.have.length(1);
    const file = await ctx.knex('media_files').where({ id: media }).first();
    expect(file.meta_channel_id).to.equal(channel.id);
    const call = graph.sent.find((s) => s.payload.biz_opaque_callback_data === m1)!;
    expect(call.payload).to.deep.include({ type: 'image', image: { id: file.meta_media_id, caption: 'The blue one' } });
    expect(graph.media.get(file.meta_media_id)!.data.equals(PNG_1PX)).to.equal(true);
    // The same file in a template header reuses the upload.
    const c2 = await customerConversation(channel, { windowOpen: false });
    const m2 = (await api.post(`/conversations/${c2.id}/messages`, { template: { name: 'promo', language: 'en_US', header: { media_id: media } } }).expect(202)).body.data.id;
    await eventually(async () => (await messageRow(m2)).status === 'sent', 10_000, 'the template to be sent');
    const template = graph.sent.find((s) => s.payload.biz_opaque_callback_data === m2)!.payload.template as { components: unknown[] };
    expect(template.components).to.deep.equal([{ type: 'header', parameters: [{ type: 'image', image: { id: file.meta_media_id } }] }]);
    expect(graph.requests.filter((r) => r.path.endsWith('/media') && r.method === 'POST')).to.have.length(1);
  });

  it('keeps messages to one customer in order and honours the channel\'s messages per second', async () => {
    const { ctx, graph } = await testEnv();
    const { workspace } = await createWorkspace();
    const channel = await whatsappChannel(workspace.id, { messages_per_second: 2 });
    const api = await apiClient(workspace.id);
    const c = await customerConversation(channel);
    graph.sendDelayMs = 50;
    for (const text of ['first', 'second', 'third']) await api.post(`/conversations/${c.id}/messages`, { text }).expect(202);
    const others = [];
    for (let i = 0; i < 4; i++) others.push(await customerConversation(channel));
    for (const o of others) await api.post(`/conversations/${o.id}/messages`, { text: 'hi' }).expect(202);
    await eventually(async () => (await ctx.knex('messages').where({ channel_id: channel.id, status: 'sent' })).length === 7, 20_000, 'all sent');
    const ours = graph.sent.filter((s) => s.phoneNumberId === channel.phone_number_id);
    const texts = ours.filter((s) => s.payload.to === (ours[0].payload.to as string) && ['first', 'second', 'third'].includes((s.payload.text as { body: string }).body));
    expect(texts.map((s) => (s.payload.text as { body: string }).body)).to.deep.equal(['first', 'second', 'third']);
    // 7 messages at 2 per second (starting with a full budget of 2) take at least 2.5 seconds.
    const span = ours[ours.length - 1].at.getTime() - ours[0].at.getTime();
    expect(span).to.be.at.least(2000);
  });

  it('loses nothing and sends nothing twice when the sender dies mid-batch', async () => {
    const env = await testEnv();
    const { ctx, graph } = env;
    await env.stopWorkers();
    try {
      const { workspace } = await createWorkspace();
      const channel = await whatsappChannel(workspace.id, { messages_per_second: 2 });
      const api = await apiClient(workspace.id);
      const ids: string[] = [];
      for (let i = 0; i < 6; i++) {
        const c = await customerConversation(channel);
        ids.push((await api.post(`/conversations/${c.id}/messages`, { text: `message ${i}` }).expect(202)).body.data.id);
      }
      graph.sendDelayMs = 400;
      let crashed = false;
      const doomed = createSender(ctx, { isCrashed: () => crashed });
      const running = doomed.drain();
      const sendRequests = () => graph.requests.filter((r) => r.path.endsWith('/messages') && r.json?.type === 'text').length;
      await eventually(() => sendRequests() >= 2, 10_000, 'the first sends to reach Meta');
      crashed = true; // the process dies while Meta is answering
      await running;
      await eventually(() => graph.sent.length >= 2, 10_000, 'Meta to accept the in-flight messages');
      const inDoubt = await ctx.knex('messages').whereIn('id', ids).andWhere({ status: 'sending' });
      expect(inDoubt).to.have.length(2);

      // A new sender (after the restart) sends the rest, and leaves the two in doubt alone.
      graph.sendDelayMs = 0;
      const restarted = createSender(ctx);
      // The channel sends 2 per second: drain until the budget has let everything out.
      await eventually(async () => (await restarted.drain(), graph.sent.length >= 6), 15_000, 'the rest to be sent');
      expect(graph.sent).to.have.length(6);
      // Meta's status webhooks carry our message id and settle the two that were in doubt.
      const appSecret = channelSecrets(ctx.config.encryptionKey, channel).appSecret;
      for (const s of graph.sent.slice(0, 2)) {
        const body = JSON.stringify(statusPayload(channel, s.wamid, 'sent', String(s.payload.to).slice(1), String(s.payload.biz_opaque_callback_data)));
        await request(env.app).post(`/webhooks/whatsapp/${channel.webhook_key}`).set('X-Hub-Signature-256', signPayload(appSecret, body)).set('Content-Type', 'application/json').send(body).expect(200);
      }
      await processPendingEvents(ctx);
      const rows = await ctx.knex('messages').whereIn('id', ids);
      expect(rows.every((m: { status: string; wamid: string }) => m.status === 'sent' && m.wamid)).to.equal(true);
      // Each message went to Meta exactly once.
      const callbacks = graph.sent.map((s) => s.payload.biz_opaque_callback_data);
      expect(new Set(callbacks).size).to.equal(6);
      expect([...callbacks].sort()).to.deep.equal([...ids].sort());
    } finally {
      graph.sendDelayMs = 0;
      env.startWorkers();
    }
  });

  it('declares a send interrupted when Meta never confirms it, so a person can decide', async () => {
    const { ctx } = await testEnv();
    const { workspace } = await createWorkspace();
    const channel = await whatsappChannel(workspace.id);
    const c = await customerConversation(channel);
    const [stuck] = await ctx.knex('messages')
      .insert({ workspace_id: workspace.id, conversation_id: c.id, channel_id: channel.id, contact_id: c.contact_id, direction: 'outbound', type: 'text', text: 'lost?', status: 'sending', attempt_started_at: new Date(Date.now() - 10 * 60_000) })
      .returning('id');
    expect(await settleInterrupted(ctx)).to.be.at.least(1);
    const row = await messageRow(stuck.id);
    expect(row).to.include({ status: 'failed', error_code: 'interrupted' });
  });
});
