import { findJob } from '../../src/jobs/index.js';
import { runJobOnce } from '../../src/jobs/scheduler.js';
import { expect } from 'chai';
import request from 'supertest';
import { processPendingEvents, replayEvent } from '../../src/whatsapp/processor.js';
import { receiveWebhook, signPayload } from '../../src/whatsapp/webhooks.js';
import { eventually, testEnv } from '../support/context.js';
import { createMember, createWorkspace } from '../support/factories.js';
import { signIn } from '../support/http.js';
import {
  createTestChannel,
  deliver,
  deliverAndSettle,
  fixture,
  messageByWamid,
  messagesPayload,
  post,
  settle,
  textFrom,
  uniqueWamid,
  type TestChannel,
} from '../support/webhooks.js';

async function eventsOf(ch: TestChannel) {
  const { ctx } = await testEnv();
  return ctx.knex('webhook_events').where({ channel_id: ch.channel.id }).orderBy('id');
}

describe('WhatsApp webhooks: receiving', () => {
  it('answers Meta\'s verification handshake only with the channel\'s verify token', async () => {
    const { app } = await testEnv();
    const { workspace, user } = await createWorkspace();
    const ch = await createTestChannel(workspace.id, user.id);
    const url = `/webhooks/whatsapp/${ch.channel.webhook_key}`;
    const ok = await request(app).get(url).query({ 'hub.mode': 'subscribe', 'hub.challenge': '1158201444', 'hub.verify_token': ch.verifyToken }).expect(200);
    expect(ok.text).to.equal('1158201444');
    expect(ok.headers['content-type']).to.match(/^text\/plain/);
    await request(app).get(url).query({ 'hub.mode': 'subscribe', 'hub.challenge': '1158201444', 'hub.verify_token': 'wrong' }).expect(403);
    await request(app).get(url).query({ 'hub.mode': 'unsubscribe', 'hub.challenge': '1158201444', 'hub.verify_token': ch.verifyToken }).expect(403);
    await request(app).get(url).query({ 'hub.mode': 'subscribe', 'hub.challenge': '1' }).expect(403);
    const unknown = await request(app).get('/webhooks/whatsapp/no-such-channel-key').query({ 'hub.mode': 'subscribe', 'hub.challenge': '1', 'hub.verify_token': ch.verifyToken }).expect(404);
    expect(unknown.body.error.code).to.equal('not_found');
  });

  it('answers 404 for a deleted channel, on both methods', async () => {
    const { ctx } = await testEnv();
    const { workspace } = await createWorkspace();
    const ch = await createTestChannel(workspace.id);
    await ctx.knex('channels').where({ id: ch.channel.id }).update({ deleted_at: new Date() });
    const { app } = await testEnv();
    await request(app).get(`/webhooks/whatsapp/${ch.channel.webhook_key}`).query({ 'hub.mode': 'subscribe', 'hub.challenge': '1', 'hub.verify_token': ch.verifyToken }).expect(404);
    expect((await post(ch, '{}')).status).to.equal(404);
    expect(await eventsOf(ch)).to.have.length(0);
  });

  it('stores a correctly signed body byte for byte and answers 200', async () => {
    const { workspace } = await createWorkspace();
    const ch = await createTestChannel(workspace.id);
    // Meta's own formatting (spaces, escapes) must survive: the signature is over these bytes.
    const body = fixture('text-referral', ch).replace('"Hi!', '"Hi\\u0021');
    const res = await post(ch, body);
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.equal({ received: true });
    const [event] = await eventsOf(ch);
    expect(event.body).to.equal(body);
    expect(event.workspace_id).to.equal(workspace.id);
  });

  it('refuses a missing, malformed or wrong signature, or one computed over other bytes, storing nothing', async () => {
    const { workspace } = await createWorkspace();
    const ch = await createTestChannel(workspace.id);
    const body = fixture('text-referral', ch);
    expect((await post(ch, body, null)).status).to.equal(401);
    expect((await post(ch, body, 'sha256=abc')).status).to.equal(401);
    expect((await post(ch, body, signPayload('another-app-secret', body))).status).to.equal(401);
    expect((await post(ch, body, signPayload(ch.appSecret, body).replace('sha256=', 'sha1='))).status).to.equal(401);
    // Same JSON, re-serialised: different bytes, so a different signature.
    const reserialised = JSON.stringify(JSON.parse(body));
    expect(reserialised).to.not.equal(body);
    const wrongBytes = await post(ch, body, signPayload(ch.appSecret, reserialised));
    expect(wrongBytes.status).to.equal(401);
    expect(wrongBytes.body.error.code).to.equal('unauthorized');
    expect(await eventsOf(ch)).to.have.length(0);
    // The upper-case hex form is accepted (Meta sends lower case; nothing is lost by being lenient).
    expect((await post(ch, body, signPayload(ch.appSecret, body).toUpperCase().replace('SHA256=', 'sha256='))).status).to.equal(200);
  });

  it('refuses bodies over 3 MB with 413 and accepts any content type', async () => {
    const { app } = await testEnv();
    const { workspace } = await createWorkspace();
    const ch = await createTestChannel(workspace.id);
    const huge = JSON.stringify({ object: 'whatsapp_business_account', entry: [], padding: 'x'.repeat(3.5 * 1024 * 1024) });
    const res = await post(ch, huge);
    expect(res.status).to.equal(413);
    expect(res.body.error.code).to.equal('payload_too_large');
    expect(await eventsOf(ch)).to.have.length(0);
    const body = fixture('text-referral', ch);
    await request(app)
      .post(`/webhooks/whatsapp/${ch.channel.webhook_key}`)
      .set('Content-Type', 'text/plain; charset=latin1')
      .set('X-Hub-Signature-256', signPayload(ch.appSecret, body))
      .send(body)
      .expect(200);
    expect(await eventsOf(ch)).to.have.length(1);
  });

  it('gives the sandbox simulator the same path: receiveWebhook verifies, stores and processes', async () => {
    const { ctx } = await testEnv();
    const { workspace } = await createWorkspace();
    const ch = await createTestChannel(workspace.id);
    const wamid = uniqueWamid();
    const body = JSON.stringify(messagesPayload(ch, textFrom('16505550111', 'From the simulator', { wamid })));
    try {
      await receiveWebhook(ctx, ch.channel, Buffer.from(body), signPayload(ch.appSecret, 'other'));
      expect.fail('a wrong signature must be refused');
    } catch (err) {
      expect((err as { status?: number }).status).to.equal(401);
    }
    const { eventId } = await receiveWebhook(ctx, ch.channel, Buffer.from(body), signPayload(ch.appSecret, body));
    expect(eventId).to.be.a('number');
    // The worker was woken: no explicit processing here.
    const message = await eventually(() => messageByWamid(ch, wamid), 10_000, 'the worker to store the message');
    expect(message.text).to.equal('From the simulator');
  });
});

describe('WhatsApp webhooks: processing', () => {
  it('processes a batch with several entries, changes, messages and statuses', async () => {
    const { ctx } = await testEnv();
    const { workspace } = await createWorkspace();
    const ch = await createTestChannel(workspace.id);
    await deliverAndSettle(ch, fixture('batch', ch));
    const [event] = await eventsOf(ch);
    expect(event.status).to.equal('processed');
    expect(event.summary).to.include({ messages: 4, duplicates: 0, statuses: 0, statuses_pending: 2, misrouted: 0 });
    const contacts = await ctx.knex('contacts').where({ workspace_id: workspace.id }).orderBy('phone');
    expect(contacts.map((c) => [c.phone, c.profile_name])).to.deep.equal([
      ['+5215512345678', 'Carla'],
      ['+5511911110001', 'Ana'],
      ['+5511911110002', 'Bruno'],
    ]);
    const conversations = await ctx.knex('conversations').where({ workspace_id: workspace.id });
    expect(conversations).to.have.length(3);
    const ana = contacts.find((c) => c.profile_name === 'Ana');
    const anaConversation = conversations.find((c) => c.contact_id === ana.id);
    expect(anaConversation.unread_count).to.equal(2);
    expect(anaConversation.last_message_preview).to.equal('Quero um orçamento');
    const pending = await ctx.knex('pending_statuses').where({ channel_id: ch.channel.id }).orderBy('wamid');
    expect(pending.map((p) => [p.wamid, p.status])).to.deep.equal([
      ['wamid.BATCH-OUT1', 'delivered'],
      ['wamid.BATCH-OUT2', 'read'],
    ]);
  });

  it('stores a message once however often and however concurrently Meta delivers it', async () => {
    const { ctx } = await testEnv();
    const { workspace } = await createWorkspace();
    const ch = await createTestChannel(workspace.id);
    const wamid = uniqueWamid('DUP');
    const body = JSON.stringify(messagesPayload(ch, textFrom('5511987650001', 'Only once, please', { wamid })));
    // Five deliveries at once, then processed by concurrent processors (each claims one event).
    await Promise.all(Array.from({ length: 5 }, () => deliver(ch, body)));
    await Promise.all(Array.from({ length: 5 }, () => processPendingEvents(ctx, 1)));
    await settle(ch);
    await deliverAndSettle(ch, body);
    const events = await eventsOf(ch);
    expect(events).to.have.length(6);
    expect(events.every((e) => e.status === 'processed')).to.equal(true);
    expect(events.reduce((n, e) => n + e.summary.messages, 0)).to.equal(1);
    expect(events.reduce((n, e) => n + e.summary.duplicates, 0)).to.equal(5);
    expect(await ctx.knex('messages').where({ channel_id: ch.channel.id })).to.have.length(1);
    expect(await ctx.knex('contacts').where({ workspace_id: workspace.id })).to.have.length(1);
    const [conversation] = await ctx.knex('conversations').where({ workspace_id: workspace.id });
    expect(conversation.unread_count).to.equal(1);
  });

  it('creates nothing for a change addressed to another phone number, and counts it as misrouted', async () => {
    const { ctx } = await testEnv();
    const { workspace } = await createWorkspace();
    const ch = await createTestChannel(workspace.id);
    const wamid = uniqueWamid();
    await deliverAndSettle(ch, messagesPayload(ch, textFrom('16505550100', 'Wrong number', { wamid }), '999999999999999'));
    const [event] = await eventsOf(ch);
    expect(event.status).to.equal('processed');
    expect(event.summary).to.include({ misrouted: 1, messages: 0 });
    expect(await ctx.knex('messages').where({ channel_id: ch.channel.id })).to.have.length(0);
    expect(await ctx.knex('contacts').where({ workspace_id: workspace.id })).to.have.length(0);
  });

  it('keeps a poison event as failed with its error while the rest of the batch is processed', async () => {
    const { ctx } = await testEnv();
    const { workspace } = await createWorkspace();
    const ch = await createTestChannel(workspace.id);
    const before = uniqueWamid();
    const after = uniqueWamid();
    // Stored in one transaction so one claim takes all three together.
    await ctx.knex.transaction(async (trx) => {
      for (const body of [
        JSON.stringify(messagesPayload(ch, textFrom('16505550101', 'First', { wamid: before }))),
        '["valid JSON", "but not an object"]',
        JSON.stringify(messagesPayload(ch, textFrom('16505550101', 'Third', { wamid: after }))),
      ]) {
        await receiveWebhook(ctx, ch.channel, Buffer.from(body), signPayload(ch.appSecret, body), trx);
      }
    });
    await settle(ch);
    const events = await eventsOf(ch);
    expect(events.map((e) => e.status)).to.deep.equal(['processed', 'failed', 'processed']);
    expect(events[1].last_error).to.contain('not a JSON object');
    expect(events[1].attempts).to.equal(1);
    expect(new Date(events[1].next_attempt_at).getTime()).to.be.greaterThan(Date.now());
    expect(await messageByWamid(ch, before)).to.include({ text: 'First' });
    expect(await messageByWamid(ch, after)).to.include({ text: 'Third' });
  });

  it('keeps an event that fails on a database rule, and replays it once the cause is fixed', async () => {
    const { ctx } = await testEnv();
    const { workspace, user } = await createWorkspace();
    const ch = await createTestChannel(workspace.id);
    const marker = `poison-${uniqueWamid()}`;
    const wamid = uniqueWamid();
    // Stands in for a bug: a rule the message breaks until someone "fixes" it.
    await ctx.knex.raw(`ALTER TABLE messages ADD CONSTRAINT test_poison_text CHECK (text IS DISTINCT FROM '${marker}') NOT VALID`);
    try {
      await deliverAndSettle(ch, messagesPayload(ch, textFrom('16505550102', marker, { wamid })));
      const [failed] = await eventsOf(ch);
      expect(failed.status).to.equal('failed');
      expect(failed.last_error).to.contain('test_poison_text');
      expect(await messageByWamid(ch, wamid)).to.equal(undefined);
      // Nothing half-done survives the failed attempt.
      expect(await ctx.knex('conversations').where({ workspace_id: workspace.id })).to.have.length(0);
      expect(await ctx.knex('contacts').where({ workspace_id: workspace.id })).to.have.length(0);
      const again = await replayEvent(ctx, workspace.id, failed.id);
      expect(again.status).to.equal('failed');
      expect((await eventsOf(ch))[0].attempts).to.equal(2);
    } finally {
      await ctx.knex.raw('ALTER TABLE messages DROP CONSTRAINT IF EXISTS test_poison_text');
    }
    const [event] = await eventsOf(ch);
    const owner = await signIn(user.email);
    const page = await owner.get('/settings/webhooks').expect(200);
    expect(page.text).to.contain('test_poison_text').and.contain(`/settings/webhooks/${event.id}/replay`);
    const replayed = await owner.post(`/settings/webhooks/${event.id}/replay`).expect(303);
    expect(replayed.headers.location).to.equal('/settings/webhooks');
    const after = await owner.get('/settings/webhooks').expect(200);
    expect(after.text).to.contain(`Event #${event.id} processed (new messages: 1, status updates: 0).`).and.contain('No failed events');
    expect(await messageByWamid(ch, wamid)).to.include({ text: marker });
    const [done] = await eventsOf(ch);
    expect(done).to.include({ status: 'processed', attempts: 3, last_error: null });
    const audit = await ctx.knex('audit_log').where({ workspace_id: workspace.id, action: 'webhook_event.replayed' });
    expect(audit).to.have.length(1);
    expect(audit[0].subject_id).to.equal(String(event.id));
  });

  it('retries failed events after their backoff, up to the limit, with the webhooks:retry job', async () => {
    const { ctx } = await testEnv();
    const { workspace } = await createWorkspace();
    const ch = await createTestChannel(workspace.id);
    await deliverAndSettle(ch, '"not an object"');
    const [event] = await eventsOf(ch);
    expect(event.status).to.equal('failed');
    await ctx.knex('webhook_events').where({ id: event.id }).update({ next_attempt_at: new Date(Date.now() - 1000) });
    const outcome = await runJobOnce(ctx, findJob('webhooks:retry')!);
    expect(outcome.summary).to.match(/requeued [1-9]\d* failed webhook events/);
    await settle(ch);
    const [retried] = await eventsOf(ch);
    expect(retried).to.include({ status: 'failed', attempts: 2 });
    // At the limit it waits for a person.
    await ctx.knex('webhook_events').where({ id: event.id }).update({ attempts: 8, next_attempt_at: new Date(Date.now() - 1000) });
    await runJobOnce(ctx, findJob('webhooks:retry')!);
    expect((await eventsOf(ch))[0].status).to.equal('failed');
  });

  it('shows the failed events page to owners and admins only, and answers 404 to other workspaces', async () => {
    const { ctx } = await testEnv();
    const a = await createWorkspace('Alpha Sales');
    const b = await createWorkspace('Beta Sales');
    const ch = await createTestChannel(a.workspace.id);
    await deliverAndSettle(ch, '[]');
    const [event] = await eventsOf(ch);
    const admin = await createMember(a.workspace.id, 'admin');
    const asAdmin = await signIn(admin.email);
    const page = await asAdmin.get('/settings/webhooks').expect(200);
    expect(page.text).to.contain('Webhook events').and.contain('Sales line').and.contain('an array, not a JSON object');
    expect(page.text).to.contain('href="/settings/webhooks"');
    const agent = await createMember(a.workspace.id, 'agent');
    const asAgent = await signIn(agent.email);
    await asAgent.get('/settings/webhooks').expect(403);
    await asAgent.post(`/settings/webhooks/${event.id}/replay`).expect(403);
    const other = await signIn(b.user.email);
    expect((await other.get('/settings/webhooks').expect(200)).text).to.not.contain('not a JSON object');
    await other.post(`/settings/webhooks/${event.id}/replay`).expect(404);
    await other.post('/settings/webhooks/not-a-number/replay').expect(404);
    try {
      await replayEvent(ctx, b.workspace.id, event.id);
      expect.fail('replaying another workspace\'s event must fail');
    } catch (err) {
      expect((err as { status?: number }).status).to.equal(404);
    }
    expect((await eventsOf(ch))[0].attempts).to.equal(1);
  });
});
