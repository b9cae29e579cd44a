import { expect } from 'chai';
import { upsertWhatsAppContact } from '../../src/contacts/repo.js';
import { ensureConversation } from '../../src/inbox/conversations.js';
import { applyPendingStatuses } from '../../src/whatsapp/statuses.js';
import { eventually, testEnv } from '../support/context.js';
import { createWorkspace } from '../support/factories.js';
import { createTestChannel, deliverAndSettle, fixture, messagesPayload, uniqueWamid, unixSeconds, type TestChannel } from '../support/webhooks.js';

type Channel = TestChannel & { workspaceId: string };

async function newChannel(): Promise<Channel> {
  const { workspace } = await createWorkspace();
  return { ...(await createTestChannel(workspace.id)), workspaceId: workspace.id };
}

/** outbound writes a message as the sender leaves it (the sender itself is another feature). */
async function outbound(ch: Channel, values: { wamid?: string | null; status?: string; sent_at?: Date | null } = {}) {
  const { ctx } = await testEnv();
  const contact = await upsertWhatsAppContact(ctx.knex, ch.workspaceId, { waId: '16505557000' });
  const conversation = await ensureConversation(ctx.knex, ch.workspaceId, ch.channel.id, contact.id);
  const [row] = await ctx
    .knex('messages')
    .insert({
      workspace_id: ch.workspaceId,
      conversation_id: conversation.id,
      channel_id: ch.channel.id,
      contact_id: contact.id,
      direction: 'outbound',
      wamid: values.wamid === undefined ? uniqueWamid('OUT') : values.wamid,
      type: 'text',
      text: 'Your order shipped',
      status: values.status ?? 'sent',
      sent_at: values.sent_at ?? null,
    })
    .returning('*');
  return row;
}

function status(wamid: string, value: string, at: Date, extra: Record<string, unknown> = {}) {
  return { id: wamid, status: value, timestamp: unixSeconds(at), recipient_id: '16505557000', ...extra };
}

async function reload(id: string) {
  const { ctx } = await testEnv();
  return ctx.knex('messages').where({ id }).first();
}

const t = (s: number) => new Date(Date.UTC(2026, 2, 1, 12, 0, s));

describe('WhatsApp delivery statuses', () => {
  it('moves forward only: read then delivered ends at read with both times, and announces changes', async () => {
    const { ctx } = await testEnv();
    const ch = await newChannel();
    const m = await outbound(ch);
    const seen: Array<Record<string, unknown>> = [];
    const unsubscribe = ctx.realtime.subscribe(ch.workspaceId, (e) => seen.push(e));
    try {
      await deliverAndSettle(ch, messagesPayload(ch, { statuses: [status(m.wamid, 'read', t(20))] }));
      await deliverAndSettle(ch, messagesPayload(ch, { statuses: [status(m.wamid, 'delivered', t(10)), status(m.wamid, 'sent', t(5))] }));
      const after = await reload(m.id);
      expect(after.status).to.equal('read');
      expect(after.read_at.toISOString()).to.equal(t(20).toISOString());
      expect(after.delivered_at.toISOString()).to.equal(t(10).toISOString());
      expect(after.sent_at.toISOString()).to.equal(t(5).toISOString());
      await eventually(() => seen.some((e) => e.type === 'message.updated' && e.message_id === m.id && e.status === 'read'), 5000, 'message.updated');
      expect(seen.find((e) => e.type === 'message.updated')).to.include({ conversation_id: m.conversation_id });
      // A voice message that was played moves on from read; a later read does not move it back.
      await deliverAndSettle(ch, messagesPayload(ch, { statuses: [status(m.wamid, 'played', t(30)), status(m.wamid, 'read', t(25))] }));
      expect((await reload(m.id)).status).to.equal('played');
    } finally {
      unsubscribe();
    }
  });

  it('records a failure with Meta\'s error, and nothing moves a failed message', async () => {
    const ch = await newChannel();
    const m = await outbound(ch, { sent_at: t(0) });
    const body = fixture('statuses', ch).replaceAll('wamid.OUT2', m.wamid);
    await deliverAndSettle(ch, body);
    const failed = await reload(m.id);
    expect(failed).to.include({ status: 'failed', error_code: '131047', error_title: 'Re-engagement message' });
    expect(failed.error_details).to.contain('more than 24 hours');
    expect(failed.failed_at.toISOString()).to.equal(new Date(1750030100_000).toISOString());
    await deliverAndSettle(ch, messagesPayload(ch, { statuses: [status(m.wamid, 'delivered', t(50)), status(m.wamid, 'read', t(60))] }));
    const still = await reload(m.id);
    expect(still.status).to.equal('failed');
    expect(still.error_code).to.equal('131047');
  });

  it('does not let a stale failure undo a delivery', async () => {
    const ch = await newChannel();
    const m = await outbound(ch, { status: 'delivered' });
    await deliverAndSettle(ch, messagesPayload(ch, { statuses: [status(m.wamid, 'failed', t(1), { errors: [{ code: 131026, title: 'Message undeliverable' }] })] }));
    expect(await reload(m.id)).to.include({ status: 'delivered', error_code: null });
  });

  it('keeps statuses for a wamid not known yet, and applies them when the sender records it', async () => {
    const { ctx } = await testEnv();
    const ch = await newChannel();
    const wamid = uniqueWamid('EARLY');
    await deliverAndSettle(ch, messagesPayload(ch, { statuses: [status(wamid, 'read', t(9)), status(wamid, 'delivered', t(8))] }));
    const [event] = await ctx.knex('webhook_events').where({ channel_id: ch.channel.id });
    expect(event.summary).to.include({ statuses: 0, statuses_pending: 2 });
    const waiting = await ctx.knex('pending_statuses').where({ channel_id: ch.channel.id, wamid }).orderBy('status_at');
    expect(waiting.map((w) => w.status)).to.deep.equal(['delivered', 'read']);
    expect(waiting[1].raw).to.include({ id: wamid, status: 'read' });

    // What the sender does once Meta answered: record the wamid, then apply what waited.
    const m = await outbound(ch, { wamid: null, status: 'sending' });
    const applied = await ctx.knex.transaction(async (trx) => {
      await trx('messages').where({ id: m.id }).update({ wamid, status: 'sent', sent_at: t(7) });
      return applyPendingStatuses(trx, ch.workspaceId, ch.channel.id, wamid);
    });
    expect(applied).to.equal(2);
    const after = await reload(m.id);
    expect(after.status).to.equal('read');
    expect(after.delivered_at.toISOString()).to.equal(t(8).toISOString());
    expect(after.read_at.toISOString()).to.equal(t(9).toISOString());
    expect(await ctx.knex('pending_statuses').where({ channel_id: ch.channel.id })).to.have.length(0);
    expect(await ctx.knex.transaction((trx) => applyPendingStatuses(trx, ch.workspaceId, ch.channel.id, wamid))).to.equal(0);
  });

  it('finds our message by biz_opaque_callback_data when the status outran the wamid, and records the wamid', async () => {
    const { ctx } = await testEnv();
    const ch = await newChannel();
    const m = await outbound(ch, { wamid: null, status: 'sending' });
    const wamid = uniqueWamid('CB');
    const pricing = { billable: true, pricing_model: 'PMP', category: 'utility', type: 'regular' };
    await deliverAndSettle(ch, messagesPayload(ch, { statuses: [status(wamid, 'sent', t(3), { biz_opaque_callback_data: m.id, pricing })] }));
    const after = await reload(m.id);
    expect(after).to.include({ wamid, status: 'sent' });
    expect(after.sent_at.toISOString()).to.equal(t(3).toISOString());
    expect(after.content).to.deep.equal({ pricing });
    // Another workspace's message id in the callback data finds nothing there.
    const other = await newChannel();
    const theirs = await outbound(other, { wamid: null, status: 'sending' });
    const stray = uniqueWamid('STRAY');
    await deliverAndSettle(ch, messagesPayload(ch, { statuses: [status(stray, 'sent', t(4), { biz_opaque_callback_data: theirs.id })] }));
    expect((await reload(theirs.id)).wamid).to.equal(null);
    expect(await ctx.knex('pending_statuses').where({ channel_id: ch.channel.id, wamid: stray })).to.have.length(1);
  });

  it('marks the channel when Meta reports an expired token, and counts account-level errors', async () => {
    const { ctx } = await testEnv();
    const ch = await newChannel();
    await deliverAndSettle(ch, fixture('statuses', ch));
    const [event] = await ctx.knex('webhook_events').where({ channel_id: ch.channel.id });
    expect(event.summary.errors).to.deep.equal([{ code: 130429, title: 'Rate limit hit' }]);
    expect((await ctx.knex('channels').where({ id: ch.channel.id }).first()).health).to.equal('unknown');
    await deliverAndSettle(ch, messagesPayload(ch, { errors: [{ code: 190, title: 'Access token has expired', message: 'Error validating access token' }] }));
    const channel = await ctx.knex('channels').where({ id: ch.channel.id }).first();
    expect(channel).to.include({ health: 'token_expired', health_error: 'Access token has expired' });
  });

  it('updates template statuses, and counts other account fields without failing', async () => {
    const { ctx } = await testEnv();
    const ch = await newChannel();
    const body = fixture('account-fields', ch).replaceAll('102290129340398', ch.wabaId);
    const [byId] = await ctx
      .knex('templates')
      .insert({ workspace_id: ch.workspaceId, channel_id: ch.channel.id, meta_template_id: '1689556908129832', name: 'order_update', language: 'en_US', status: 'APPROVED' })
      .returning('*');
    await deliverAndSettle(ch, body);
    expect(await ctx.knex('templates').where({ id: byId.id }).first()).to.include({ status: 'REJECTED', status_reason: 'INCORRECT_CATEGORY' });
    const [event] = await ctx.knex('webhook_events').where({ channel_id: ch.channel.id });
    expect(event.status).to.equal('processed');
    expect(event.summary).to.deep.include({ templates: 1, templates_unknown: 0, other: { phone_number_quality_update: 1, account_update: 1, business_capability_update: 1 } });

    // By name and language when Meta's id is not known yet. A template PAR CRM does not know is
    // counted, and the channel's templates are synced from Meta to bring it in.
    (await testEnv()).graph.templates.set(ch.wabaId, [
      { id: '1689556908129832', name: 'order_update', language: 'en_US', status: 'REJECTED', category: 'UTILITY', components: [] },
      { id: '998', name: 'welcome', language: 'pt_BR', status: 'APPROVED', category: 'UTILITY', components: [] },
      { id: '999', name: 'nobody_knows', language: 'pt_BR', status: 'APPROVED', category: 'MARKETING', components: [] },
    ]);
    const [byName] = await ctx.knex('templates').insert({ workspace_id: ch.workspaceId, channel_id: ch.channel.id, name: 'welcome', language: 'pt_BR', status: 'PENDING' }).returning('*');
    const change = (name: string, event: string, reason = 'NONE') => ({ field: 'message_template_status_update', value: { event, message_template_id: 999, message_template_name: name, message_template_language: 'pt_BR', reason } });
    await deliverAndSettle(ch, { object: 'whatsapp_business_account', entry: [{ id: ch.wabaId, changes: [change('welcome', 'APPROVED'), change('nobody_knows', 'APPROVED')] }] });
    expect(await ctx.knex('templates').where({ id: byName.id }).first()).to.include({ status: 'APPROVED', status_reason: null });
    const events = await ctx.knex('webhook_events').where({ channel_id: ch.channel.id }).orderBy('id');
    expect(events[1].summary).to.include({ templates: 1, templates_unknown: 1 });
    await eventually(() => ctx.knex('templates').where({ channel_id: ch.channel.id, name: 'nobody_knows' }).first(), 10_000, 'the unknown template to be synced');
    // A change for another WABA is not applied.
    await deliverAndSettle(ch, { object: 'whatsapp_business_account', entry: [{ id: '1111', changes: [change('welcome', 'PAUSED')] }] });
    expect(await ctx.knex('templates').where({ id: byName.id }).first()).to.include({ status: 'APPROVED' });
  });
});
