import { expect } from 'chai';
import { eventually, testEnv } from '../support/context.js';
import { createWorkspace } from '../support/factories.js';
import {
  createTestChannel,
  deliverAndSettle,
  fixture,
  messageByWamid,
  messagesPayload,
  textFrom,
  uniqueWamid,
  unixSeconds,
  type TestChannel,
} from '../support/webhooks.js';

const DAY_MS = 24 * 3600_000;

async function newChannel(): Promise<TestChannel & { workspaceId: string }> {
  const { workspace } = await createWorkspace();
  return { ...(await createTestChannel(workspace.id)), workspaceId: workspace.id };
}

async function conversationOf(ch: TestChannel, contactId: string) {
  const { ctx } = await testEnv();
  return ctx.knex('conversations').where({ channel_id: ch.channel.id, contact_id: contactId }).first();
}

describe('WhatsApp inbound messages', () => {
  it('stores a text from an ad with its referral, makes the contact and conversation, opens the window and announces it', async () => {
    const { ctx } = await testEnv();
    const ch = await newChannel();
    const seen: Array<Record<string, unknown>> = [];
    const unsubscribe = ctx.realtime.subscribe(ch.workspaceId, (e) => seen.push(e));
    try {
      await deliverAndSettle(ch, fixture('text-referral', ch));
      const m = await messageByWamid(ch, 'wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUQ0N0VFMDA2MTQ0RkJFNkNDNAA=');
      expect(m).to.include({ workspace_id: ch.workspaceId, direction: 'inbound', type: 'text', status: 'received', text: 'Hi! I saw your ad. Is the blue sofa still available?', media_id: null, reply_to_wamid: null, forwarded: false });
      expect(m.sent_at.toISOString()).to.equal('2025-06-15T22:05:36.000Z');
      expect(m.referral).to.include({ source_type: 'ad', source_url: 'https://fb.me/3cr4Wqqkv', headline: 'Summer sale', media_type: 'image' });
      expect(m.raw).to.have.nested.property('text.body', 'Hi! I saw your ad. Is the blue sofa still available?');
      expect(m.content).to.equal(null);

      const contact = await ctx.knex('contacts').where({ id: m.contact_id }).first();
      expect(contact).to.include({ workspace_id: ch.workspaceId, phone: '+16505551234', phone_key: '16505551234', wa_id: '16505551234', profile_name: 'Sheena Nelson', name: null });
      const conversation = await conversationOf(ch, contact.id);
      expect(conversation.id).to.equal(m.conversation_id);
      expect(conversation).to.include({ status: 'open', unread_count: 1, last_message_preview: 'Hi! I saw your ad. Is the blue sofa still available?', last_message_direction: 'inbound' });
      expect(conversation.last_message_at.toISOString()).to.equal('2025-06-15T22:05:36.000Z');
      expect(conversation.last_inbound_at.toISOString()).to.equal('2025-06-15T22:05:36.000Z');
      expect(conversation.window_expires_at.toISOString()).to.equal('2025-06-16T22:05:36.000Z');

      await eventually(() => seen.some((e) => e.type === 'message.created' && e.message_id === m.id), 5000, 'message.created');
      const created = seen.find((e) => e.type === 'message.created')!;
      expect(created).to.include({ conversation_id: conversation.id, direction: 'inbound' });
      await eventually(() => seen.some((e) => e.type === 'conversation.updated' && e.conversation_id === conversation.id), 5000, 'conversation.updated');
    } finally {
      unsubscribe();
    }
  });

  it('stores image, video, voice, document and sticker messages with a pending media file each', async () => {
    const { ctx } = await testEnv();
    const ch = await newChannel();
    await deliverAndSettle(ch, fixture('media', ch));
    const expected: Array<[string, string, string | null, string, string | null]> = [
      ['wamid.IMAGE1', 'image', 'The sofa in my living room', 'image/jpeg', null],
      ['wamid.VIDEO1', 'video', 'How it looks', 'video/mp4', null],
      ['wamid.AUDIO1', 'audio', null, 'audio/ogg; codecs=opus', null],
      ['wamid.DOC1', 'document', 'My invoice', 'application/pdf', 'Invoice 2026-004 (São Paulo).pdf'],
      ['wamid.STICKER1', 'sticker', null, 'image/webp', null],
    ];
    for (const [wamid, type, text, mime, filename] of expected) {
      const m = await messageByWamid(ch, wamid);
      expect(m, wamid).to.include({ type, text, status: 'received' });
      expect(m.media_id, wamid).to.be.a('string');
      const file = await ctx.knex('media_files').where({ id: m.media_id }).first();
      expect(file, wamid).to.include({ workspace_id: ch.workspaceId, direction: 'inbound', channel_id: ch.channel.id, mime_type: mime, filename });
      expect(file.meta_media_id).to.match(/^100338342138725\d|100338342138726\d$/);
    }
    expect((await messageByWamid(ch, 'wamid.IMAGE1')).media_id).to.not.equal((await messageByWamid(ch, 'wamid.VIDEO1')).media_id);
    const image = await ctx.knex('media_files').where({ id: (await messageByWamid(ch, 'wamid.IMAGE1')).media_id }).first();
    expect(image.meta_media_id).to.equal('1003383421387256');
    expect((await messageByWamid(ch, 'wamid.AUDIO1')).content).to.deep.equal({ voice: true });
    expect((await messageByWamid(ch, 'wamid.STICKER1')).content).to.deep.equal({ animated: true });
    const [conversation] = await ctx.knex('conversations').where({ channel_id: ch.channel.id });
    expect(conversation.unread_count).to.equal(5);
    expect(conversation.last_message_preview).to.equal('Sticker');
  });

  it('stores button, list and flow replies, and template button replies, with the message they answer', async () => {
    const ch = await newChannel();
    await deliverAndSettle(ch, fixture('interactive', ch));
    const button = await messageByWamid(ch, 'wamid.BUTTONREPLY1');
    expect(button).to.include({ type: 'interactive', text: 'Cancel', reply_to_wamid: 'wamid.SENT1' });
    expect(button.interactive).to.include({ type: 'button_reply', id: 'cancel-button', title: 'Cancel' });
    const list = await messageByWamid(ch, 'wamid.LISTREPLY1');
    expect(list).to.include({ text: 'Express', reply_to_wamid: 'wamid.SENT2' });
    expect(list.interactive).to.include({ type: 'list_reply', id: 'priority-express', description: 'Next day delivery' });
    const flow = await messageByWamid(ch, 'wamid.NFMREPLY1');
    expect(flow.text).to.equal('Sent');
    expect(flow.interactive).to.deep.include({ type: 'nfm_reply', name: 'flow', response_json: { flow_token: 'abc', size: 'L', colors: ['blue', 'red'] } });
    expect((await messageByWamid(ch, 'wamid.NFMREPLY2')).interactive.response_json).to.equal('{not json');
    const templateButton = await messageByWamid(ch, 'wamid.BUTTON1');
    expect(templateButton).to.include({ type: 'button', text: 'Stop promotions', reply_to_wamid: 'wamid.TEMPLATE1' });
    expect(templateButton.content).to.deep.equal({ button: { payload: 'STOP_PROMOTIONS', text: 'Stop promotions' } });
    expect(templateButton.sent_at.getTime()).to.equal(1750025140_000);
  });

  it('stores locations, contact cards, reactions, orders, notices, unsupported and unknown types without dropping any', async () => {
    const { ctx } = await testEnv();
    const ch = await newChannel();
    await deliverAndSettle(ch, fixture('other-types', ch));
    const [event] = await ctx.knex('webhook_events').where({ channel_id: ch.channel.id });
    expect(event.summary).to.include({ messages: 17, duplicates: 0 });
    expect(await ctx.knex('messages').where({ channel_id: ch.channel.id })).to.have.length(17);

    const location = await messageByWamid(ch, 'wamid.LOCATION1');
    expect(location).to.include({ type: 'location', text: null });
    expect(location.location).to.include({ latitude: -23.5613, longitude: -46.6565, name: 'Avenida Paulista', address: 'Av. Paulista, 1578 - Bela Vista, São Paulo' });
    const cards = await messageByWamid(ch, 'wamid.CONTACTS1');
    expect(cards.type).to.equal('contacts');
    expect(cards.contacts).to.have.length(1);
    expect(cards.contacts[0]).to.have.nested.property('phones[0].wa_id', '5511988887777');

    expect(await messageByWamid(ch, 'wamid.REACTION1')).to.include({ type: 'reaction', reaction_emoji: '👍', reaction_to_wamid: 'wamid.SENT1', text: null });
    expect(await messageByWamid(ch, 'wamid.REACTION2')).to.include({ type: 'reaction', reaction_emoji: null, reaction_to_wamid: 'wamid.SENT1' });
    expect(await messageByWamid(ch, 'wamid.REACTION3')).to.include({ type: 'reaction', reaction_emoji: null, reaction_to_wamid: 'wamid.SENT1' });

    const order = await messageByWamid(ch, 'wamid.ORDER1');
    expect(order).to.include({ type: 'order', text: 'Please deliver on Friday' });
    expect(order.content.order.product_items).to.have.length(2);
    expect(order.content.order.product_items[0]).to.include({ product_retailer_id: 'sofa-blue', item_price: '299.90' });

    const identity = await messageByWamid(ch, 'wamid.SYSTEM2');
    expect(identity).to.include({ type: 'system', text: "Sheena's security code changed" });
    expect(identity.content.identity).to.deep.equal({ acknowledged: true, created_timestamp: 1750025000, hash: 'Sjvjlx8G6Z0=' });
    expect(identity.content.system).to.include({ type: 'customer_identity_changed' });

    const poll = await messageByWamid(ch, 'wamid.UNSUPPORTED1');
    expect(poll).to.include({ type: 'unsupported', text: null });
    expect(poll.content.unsupported).to.deep.equal({ type: 'poll_creation' });
    expect(poll.content.errors[0]).to.include({ code: 131051, title: 'Message type unknown' });
    const deleted = await messageByWamid(ch, 'wamid.UNSUPPORTED2');
    expect(deleted.content.errors[0]).to.include({ code: '131060' });
    const missing = await messageByWamid(ch, 'wamid.MISSING1');
    expect(missing).to.include({ type: 'unsupported', media_id: null });
    expect(missing.content).to.deep.include({ original_type: 'image', unsupported: { declared_type: 'image' } });
    const unknown = await messageByWamid(ch, 'wamid.POLL1');
    expect(unknown).to.include({ type: 'unsupported' });
    expect(unknown.content.original_type).to.equal('poll');
    expect(unknown.raw.poll.question).to.equal('Which colour?');
    expect(await messageByWamid(ch, 'wamid.WELCOME1')).to.include({ type: 'request_welcome', text: null });

    expect(await messageByWamid(ch, 'wamid.FORWARDED1')).to.include({ forwarded: true, frequently_forwarded: false, text: 'Look at this' });
    const product = await messageByWamid(ch, 'wamid.PRODUCTQ1');
    expect(product).to.include({ forwarded: false, frequently_forwarded: true });
    expect(product.content.referred_product).to.deep.equal({ catalog_id: '807540461040497', product_retailer_id: 'sofa-blue' });

    // Edits and revokes of messages we never saw are kept as their own rows.
    const edit = await messageByWamid(ch, 'wamid.EDIT1');
    expect(edit).to.include({ type: 'edit', text: 'Is the GREEN sofa still available?' });
    expect(edit.content.original_message_id).to.equal('wamid.ORIGINAL1');
    expect((await messageByWamid(ch, 'wamid.REVOKE1')).content.original_message_id).to.equal('wamid.ORIGINAL2');

    // Customer content counts as unread; reactions, notices, edits and revokes do not.
    const [conversation] = await ctx.knex('conversations').where({ channel_id: ch.channel.id });
    expect(conversation.unread_count).to.equal(10);
    // The number change notice came last: the contact now has the new number.
    const contact = await ctx.knex('contacts').where({ id: conversation.contact_id }).first();
    expect(contact).to.include({ phone: '+16505559999', phone_key: '16505559999', wa_id: '16505559999' });
    const notice = await messageByWamid(ch, 'wamid.SYSTEM1');
    expect(notice).to.include({ type: 'system', text: 'Sheena changed from 16505551234 to 16505559999', contact_id: contact.id });
    // A notice does not extend the window: it ends 24 h after the last customer message (PRODUCTQ1).
    expect(conversation.window_expires_at.getTime()).to.equal((1750025316 + 24 * 3600) * 1000);
  });

  it('applies edits and revokes to the original message, keeping its text in history, once', async () => {
    const { ctx } = await testEnv();
    const ch = await newChannel();
    const original = uniqueWamid('ORIG');
    const editId = uniqueWamid('EDIT');
    const t0 = new Date('2026-03-01T10:00:00Z');
    await deliverAndSettle(ch, messagesPayload(ch, textFrom('16505552000', 'Is the blue sofa available?', { wamid: original, at: t0 })));
    const editPayload = messagesPayload(ch, {
      contacts: [{ profile: { name: 'Sheena Nelson' }, wa_id: '16505552000' }],
      messages: [{ from: '16505552000', id: editId, timestamp: unixSeconds(new Date(t0.getTime() + 60_000)), type: 'edit', edit: { original_message_id: original, message: { type: 'text', text: { body: 'Is the GREEN sofa available?' } } } }],
    });
    await deliverAndSettle(ch, editPayload);
    await deliverAndSettle(ch, editPayload);
    const edited = await messageByWamid(ch, original);
    expect(edited.text).to.equal('Is the GREEN sofa available?');
    expect(edited.edited_at.toISOString()).to.equal('2026-03-01T10:01:00.000Z');
    expect(edited.history).to.have.length(1);
    expect(edited.history[0]).to.include({ kind: 'edit', text: 'Is the blue sofa available?', at: '2026-03-01T10:01:00.000Z', wamid: editId });
    expect(await messageByWamid(ch, editId)).to.equal(undefined);

    await deliverAndSettle(
      ch,
      messagesPayload(ch, { messages: [{ from: '16505552000', id: uniqueWamid('REVOKE'), timestamp: unixSeconds(new Date(t0.getTime() + 120_000)), type: 'revoke', revoke: { original_message_id: original } }] }),
    );
    const revoked = await messageByWamid(ch, original);
    expect(revoked.deleted_at.toISOString()).to.equal('2026-03-01T10:02:00.000Z');
    expect(revoked.text).to.equal(null);
    expect(revoked.history.map((h: { kind: string; text: string }) => [h.kind, h.text])).to.deep.equal([
      ['edit', 'Is the blue sofa available?'],
      ['revoke', 'Is the GREEN sofa available?'],
    ]);
    expect(await ctx.knex('messages').where({ channel_id: ch.channel.id })).to.have.length(1);
    const [conversation] = await ctx.knex('conversations').where({ channel_id: ch.channel.id });
    expect(conversation.unread_count).to.equal(1);
  });

  it('applies an edit that arrived before its original once the original comes', async () => {
    const { ctx } = await testEnv();
    const ch = await newChannel();
    const original = uniqueWamid('LATE');
    const t0 = new Date('2026-03-02T10:00:00Z');
    await deliverAndSettle(
      ch,
      messagesPayload(ch, {
        contacts: [{ profile: { name: 'Ana' }, wa_id: '5511912340000' }],
        messages: [{ from: '5511912340000', id: uniqueWamid('EARLYEDIT'), timestamp: unixSeconds(new Date(t0.getTime() + 30_000)), type: 'edit', edit: { original_message_id: original, message: { type: 'text', text: { body: 'Corrected' } } } }],
      }),
    );
    expect(await ctx.knex('messages').where({ channel_id: ch.channel.id, type: 'edit' })).to.have.length(1);
    await deliverAndSettle(ch, messagesPayload(ch, textFrom('5511912340000', 'Typo', { wamid: original, at: t0 })));
    const messages = await ctx.knex('messages').where({ channel_id: ch.channel.id });
    expect(messages).to.have.length(1);
    expect(messages[0]).to.include({ wamid: original, text: 'Corrected' });
    expect(messages[0].history[0]).to.include({ kind: 'edit', text: 'Typo' });
  });

  it('matches one contact across Brazilian and Mexican number forms', async () => {
    const { ctx } = await testEnv();
    const ch = await newChannel();
    await deliverAndSettle(ch, messagesPayload(ch, textFrom('5511987654321', 'Com o nove', { name: 'Paulo' })));
    await deliverAndSettle(ch, messagesPayload(ch, textFrom('551187654321', 'Sem o nove', { name: 'Paulo' })));
    await deliverAndSettle(ch, messagesPayload(ch, textFrom('5215512345678', 'Con el uno', { name: 'Lupita' })));
    await deliverAndSettle(ch, messagesPayload(ch, textFrom('525512345678', 'Sin el uno', { name: 'Lupita' })));
    const contacts = await ctx.knex('contacts').where({ workspace_id: ch.workspaceId }).orderBy('phone_key');
    expect(contacts.map((c) => [c.phone_key, c.profile_name])).to.deep.equal([
      ['525512345678', 'Lupita'],
      ['551187654321', 'Paulo'],
    ]);
    const conversations = await ctx.knex('conversations').where({ channel_id: ch.channel.id });
    expect(conversations).to.have.length(2);
    expect(conversations.map((c) => c.unread_count)).to.deep.equal([2, 2]);
  });

  it('lands a message from a customer known only by a username', async () => {
    const { ctx } = await testEnv();
    const ch = await newChannel();
    await deliverAndSettle(ch, fixture('username', ch));
    const m = await messageByWamid(ch, 'wamid.USERNAME1');
    expect(m).to.include({ text: 'Hello from my username', type: 'text' });
    const contact = await ctx.knex('contacts').where({ id: m.contact_id }).first();
    expect(contact).to.include({ phone: null, phone_key: null, wa_id: null, wa_user_id: 'US.13491208655302741918', username: 'kai.design', profile_name: 'Kai' });
    // The same person later seen with a phone number too stays one contact.
    await deliverAndSettle(
      ch,
      messagesPayload(ch, {
        contacts: [{ profile: { name: 'Kai' }, wa_id: '447700900123', user_id: 'US.13491208655302741918' }],
        messages: [{ from: '447700900123', from_user_id: 'US.13491208655302741918', id: uniqueWamid(), timestamp: unixSeconds(new Date()), type: 'text', text: { body: 'Now with my number' } }],
      }),
    );
    expect(await ctx.knex('contacts').where({ workspace_id: ch.workspaceId })).to.have.length(1);
    expect(await ctx.knex('contacts').where({ id: contact.id }).first()).to.include({ phone: '+447700900123', wa_user_id: 'US.13491208655302741918' });
  });

  it('refreshes the 24-hour window, ignores older deliveries for the last message, and reopens resolved or snoozed conversations', async () => {
    const { ctx } = await testEnv();
    const ch = await newChannel();
    const t1 = new Date(Date.now() - 3 * 3600_000);
    await deliverAndSettle(ch, messagesPayload(ch, textFrom('16505553000', 'First', { at: t1 })));
    const [first] = await ctx.knex('conversations').where({ channel_id: ch.channel.id });
    expect(first.window_expires_at.getTime()).to.equal(Math.floor(t1.getTime() / 1000) * 1000 + DAY_MS);

    await ctx.knex('conversations').where({ id: first.id }).update({ status: 'resolved', unread_count: 0 });
    const t2 = new Date(Date.now() - 3600_000);
    await deliverAndSettle(ch, messagesPayload(ch, textFrom('16505553000', 'Second', { at: t2 })));
    const second = await ctx.knex('conversations').where({ id: first.id }).first();
    expect(second).to.include({ status: 'open', unread_count: 1, last_message_preview: 'Second' });
    expect(second.window_expires_at.getTime()).to.equal(Math.floor(t2.getTime() / 1000) * 1000 + DAY_MS);

    // An older message delivered late: stored, counted, but the last message and the window stay.
    await ctx.knex('conversations').where({ id: first.id }).update({ status: 'snoozed', snoozed_until: new Date(Date.now() + DAY_MS) });
    const late = new Date(t1.getTime() + 60_000);
    await deliverAndSettle(ch, messagesPayload(ch, textFrom('16505553000', 'Late one', { at: late })));
    const third = await ctx.knex('conversations').where({ id: first.id }).first();
    expect(third).to.include({ status: 'open', snoozed_until: null, unread_count: 2, last_message_preview: 'Second' });
    expect(third.last_message_at.getTime()).to.equal(Math.floor(t2.getTime() / 1000) * 1000);
    expect(third.window_expires_at.getTime()).to.equal(second.window_expires_at.getTime());

    // A reaction refreshes the window but is not unread and does not reopen.
    await ctx.knex('conversations').where({ id: first.id }).update({ status: 'resolved' });
    const t3 = new Date();
    await deliverAndSettle(
      ch,
      messagesPayload(ch, { messages: [{ from: '16505553000', id: uniqueWamid(), timestamp: unixSeconds(t3), type: 'reaction', reaction: { message_id: 'wamid.OURS', emoji: '❤️' } }] }),
    );
    const fourth = await ctx.knex('conversations').where({ id: first.id }).first();
    expect(fourth).to.include({ status: 'resolved', unread_count: 2, last_message_preview: 'Reacted ❤️' });
    expect(fourth.window_expires_at.getTime()).to.equal(Math.floor(t3.getTime() / 1000) * 1000 + DAY_MS);
  });

  it('keeps a number change from taking a number another contact already has', async () => {
    const { ctx } = await testEnv();
    const ch = await newChannel();
    await deliverAndSettle(ch, messagesPayload(ch, textFrom('16505554001', 'I am the old number')));
    await deliverAndSettle(ch, messagesPayload(ch, textFrom('16505554002', 'I already have the new number')));
    await deliverAndSettle(
      ch,
      messagesPayload(ch, {
        messages: [{ from: '16505554001', id: uniqueWamid(), timestamp: unixSeconds(new Date()), type: 'system', system: { body: 'changed', wa_id: '16505554002', type: 'user_changed_number' } }],
      }),
    );
    const phones = (await ctx.knex('contacts').where({ workspace_id: ch.workspaceId }).orderBy('phone')).map((c) => c.phone);
    expect(phones).to.deep.equal(['+16505554001', '+16505554002']);
  });
});
