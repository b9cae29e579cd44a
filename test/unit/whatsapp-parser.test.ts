import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { rootDir } from '../../src/paths.js';
import {
  parseMessage,
  parseWebhookBody,
  parseWebhookPayload,
  WebhookParseError,
  type AccountUpdateChange,
  type MessagesChange,
  type ParsedMessage,
  type QualityChange,
  type TemplateStatusChange,
} from '../../src/whatsapp/parser.js';

const fixture = (name: string) => fs.readFileSync(path.join(rootDir, 'test/fixtures/meta', `${name}.json`), 'utf8');
const messagesOf = (name: string): MessagesChange => parseWebhookBody(fixture(name)).changes[0] as MessagesChange;
const byId = (change: MessagesChange, wamid: string): ParsedMessage => {
  const m = change.messages.find((x) => x.wamid === wamid);
  if (!m) throw new Error(`no message ${wamid}`);
  return m;
};

describe('WhatsApp webhook parser', () => {
  it('reads a text message with its click-to-WhatsApp referral, metadata and contact', () => {
    const change = messagesOf('text-referral');
    expect(change).to.include({ kind: 'messages', field: 'messages', phoneNumberId: '106540352242922', displayPhoneNumber: '15550783881', entryId: '102290129340398' });
    expect(change.contacts).to.deep.equal([{ waId: '16505551234', userId: null, profileName: 'Sheena Nelson', username: null }]);
    const [m] = change.messages;
    expect(m).to.include({ wamid: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUQ0N0VFMDA2MTQ0RkJFNkNDNAA=', from: '16505551234', fromUserId: null, type: 'text', text: 'Hi! I saw your ad. Is the blue sofa still available?' });
    expect(m.timestamp!.toISOString()).to.equal('2025-06-15T22:05:36.000Z');
    expect(m.referral).to.include({ source_type: 'ad', source_id: '120226305854810726', headline: 'Summer sale', ctwa_clid: 'ARAkLkA8rmlFeiCktEJQ-QTwRiyYHAFDLMNDBH0CD3qpjd0HR4irJ6LEkR7JwFF4XvnO2E4Nx0-eM-GABDLOPaOdRMXP2fRvXnr' });
    expect(m.raw).to.have.property('referral');
  });

  it('reads every media type with its id, type, checksum, caption, file name and flags', () => {
    const change = messagesOf('media');
    expect(byId(change, 'wamid.IMAGE1')).to.deep.include({ type: 'image', text: 'The sofa in my living room' });
    expect(byId(change, 'wamid.IMAGE1').media).to.deep.equal({
      id: '1003383421387256',
      mimeType: 'image/jpeg',
      sha256: '7sJzV6K3X9vWmbnG3kZP6Ua3mCq2FZx9KpQ1vHqRHgQ=',
      filename: null,
      caption: 'The sofa in my living room',
      voice: false,
      animated: false,
    });
    expect(byId(change, 'wamid.VIDEO1')).to.deep.include({ type: 'video', text: 'How it looks' });
    expect(byId(change, 'wamid.AUDIO1').media).to.include({ mimeType: 'audio/ogg; codecs=opus', voice: true });
    expect(byId(change, 'wamid.AUDIO1').text).to.equal(null);
    expect(byId(change, 'wamid.DOC1').media).to.include({ filename: 'Invoice 2026-004 (São Paulo).pdf', caption: 'My invoice' });
    expect(byId(change, 'wamid.STICKER1').media).to.include({ mimeType: 'image/webp', animated: true });
  });

  it('reads button and list replies, flow (nfm) replies with their JSON answers, and template buttons', () => {
    const change = messagesOf('interactive');
    const button = byId(change, 'wamid.BUTTONREPLY1');
    expect(button).to.include({ type: 'interactive', text: 'Cancel' });
    expect(button.interactive).to.include({ type: 'button_reply', id: 'cancel-button', title: 'Cancel' });
    expect(button.context).to.deep.equal({ from: '15550783881', id: 'wamid.SENT1', forwarded: false, frequentlyForwarded: false, referredProduct: null });
    expect(byId(change, 'wamid.LISTREPLY1').interactive).to.include({ type: 'list_reply', id: 'priority-express', title: 'Express', description: 'Next day delivery' });
    const flow = byId(change, 'wamid.NFMREPLY1');
    expect(flow.text).to.equal('Sent');
    expect(flow.interactive).to.deep.include({ type: 'nfm_reply', name: 'flow', body: 'Sent', response_json: { flow_token: 'abc', size: 'L', colors: ['blue', 'red'] } });
    // Not valid JSON: kept as the text Meta sent.
    expect(byId(change, 'wamid.NFMREPLY2').interactive!.response_json).to.equal('{not json');
    const templateButton = byId(change, 'wamid.BUTTON1');
    expect(templateButton).to.deep.include({ type: 'button', text: 'Stop promotions', button: { payload: 'STOP_PROMOTIONS', text: 'Stop promotions' } });
    // An integer timestamp is read like a string one.
    expect(templateButton.timestamp!.getTime()).to.equal(1750025140_000);
  });

  it('reads locations, contact cards, reactions and their removal, orders and system messages', () => {
    const change = messagesOf('other-types');
    expect(byId(change, 'wamid.LOCATION1').location).to.include({ latitude: -23.5613, longitude: -46.6565, name: 'Avenida Paulista' });
    const cards = byId(change, 'wamid.CONTACTS1').contacts as Array<{ name: { formatted_name: string } }>;
    expect(cards).to.have.length(1);
    expect(cards[0].name.formatted_name).to.equal('Ana Souza');
    expect(byId(change, 'wamid.REACTION1').reaction).to.deep.equal({ messageId: 'wamid.SENT1', emoji: '👍' });
    // Removal: "" or no emoji at all.
    expect(byId(change, 'wamid.REACTION2').reaction).to.deep.equal({ messageId: 'wamid.SENT1', emoji: null });
    expect(byId(change, 'wamid.REACTION3').reaction).to.deep.equal({ messageId: 'wamid.SENT1', emoji: null });
    const order = byId(change, 'wamid.ORDER1');
    expect(order.text).to.equal('Please deliver on Friday');
    expect(order.order).to.have.property('catalog_id', '807540461040497');
    const changed = byId(change, 'wamid.SYSTEM1');
    expect(changed.system).to.include({ type: 'user_changed_number', waId: '16505559999', body: 'Sheena changed from 16505551234 to 16505559999' });
    expect(changed.text).to.equal('Sheena changed from 16505551234 to 16505559999');
    const identity = byId(change, 'wamid.SYSTEM2');
    expect(identity.system).to.include({ type: 'customer_identity_changed' });
    expect(identity.identity).to.deep.equal({ acknowledged: true, created_timestamp: 1750025000, hash: 'Sjvjlx8G6Z0=' });
  });

  it('reads edits (with the new message) and revokes', () => {
    const change = messagesOf('other-types');
    const edit = byId(change, 'wamid.EDIT1');
    expect(edit.type).to.equal('edit');
    expect(edit.edit!.originalMessageId).to.equal('wamid.ORIGINAL1');
    expect(edit.edit!.message).to.include({ type: 'text', text: 'Is the GREEN sofa still available?' });
    expect(byId(change, 'wamid.REVOKE1')).to.deep.include({ type: 'revoke', revoke: { originalMessageId: 'wamid.ORIGINAL2' } });
  });

  it('turns unknown types and missing type objects into unsupported messages, keeping the errors', () => {
    const change = messagesOf('other-types');
    const poll = byId(change, 'wamid.UNSUPPORTED1');
    expect(poll).to.deep.include({ type: 'unsupported', originalType: null, unsupported: { type: 'poll_creation' } });
    expect(poll.errors).to.have.length(1);
    expect(poll.errors[0]).to.include({ code: 131051, title: 'Message type unknown', details: 'Message type is currently not supported.' });
    // The unsupported object may be missing; the code may be a string.
    const deleted = byId(change, 'wamid.UNSUPPORTED2');
    expect(deleted.type).to.equal('unsupported');
    expect(deleted.errors[0]).to.include({ code: 131060, title: 'This message was deleted' });
    const missing = byId(change, 'wamid.MISSING1');
    expect(missing).to.deep.include({ type: 'unsupported', originalType: 'image', unsupported: { declared_type: 'image' }, media: null });
    const unknown = byId(change, 'wamid.POLL1');
    expect(unknown).to.deep.include({ type: 'unsupported', originalType: 'poll' });
    expect(unknown.raw).to.have.nested.property('poll.question', 'Which colour?');
    expect(byId(change, 'wamid.WELCOME1')).to.deep.include({ type: 'request_welcome', text: null, originalType: null });
  });

  it('reads forwarded flags and the referred product of a context', () => {
    const change = messagesOf('other-types');
    expect(byId(change, 'wamid.FORWARDED1').context).to.include({ forwarded: true, frequentlyForwarded: false, id: null });
    expect(byId(change, 'wamid.PRODUCTQ1').context).to.deep.include({
      frequentlyForwarded: true,
      referredProduct: { catalog_id: '807540461040497', product_retailer_id: 'sofa-blue' },
    });
  });

  it('reads statuses with pricing, errors, callback data and username recipients, and account-level errors', () => {
    const change = messagesOf('statuses');
    expect(change.messages).to.deep.equal([]);
    expect(change.contacts).to.deep.equal([]);
    const [sent, read, failed] = change.statuses;
    expect(sent).to.deep.include({ id: 'wamid.OUT1', status: 'sent', recipientId: '16505551234', bizOpaqueCallbackData: '3f0c2d4e-1111-4a4a-9b9b-123456789abc' });
    expect(sent.pricing).to.include({ billable: false, pricing_model: 'PMP', category: 'service' });
    expect(sent.conversation).to.have.property('id', 'CONVERSATION_ID');
    expect(read.timestamp!.getTime()).to.equal(1750030060_000);
    expect(failed).to.deep.include({ status: 'failed', recipientId: null, recipientUserId: 'US.13491208655302741918' });
    expect(failed.errors[0]).to.include({ code: 131047, title: 'Re-engagement message' });
    expect(change.errors).to.have.length(1);
    expect(change.errors[0]).to.include({ code: 130429, title: 'Rate limit hit', details: 'Cloud API message throughput has been reached.' });
  });

  it('reads a username-only sender (no wa_id, no from)', () => {
    const change = messagesOf('username');
    expect(change.contacts[0]).to.deep.equal({ waId: null, userId: 'US.13491208655302741918', profileName: 'Kai', username: 'kai.design' });
    expect(change.messages[0]).to.include({ from: null, fromUserId: 'US.13491208655302741918', text: 'Hello from my username' });
  });

  it('reads template status, quality and account updates, and keeps unknown fields as other', () => {
    const { changes } = parseWebhookBody(fixture('account-fields'));
    expect(changes.map((c) => c.kind)).to.deep.equal(['template_status', 'phone_quality', 'account_update', 'other']);
    expect(changes[0] as TemplateStatusChange).to.include({ event: 'REJECTED', templateId: '1689556908129832', templateName: 'order_update', language: 'en_US', reason: 'INCORRECT_CATEGORY' });
    expect(changes[1] as QualityChange).to.include({ event: 'FLAGGED', currentLimit: 'TIER_1K' });
    expect(changes[2] as AccountUpdateChange).to.include({ event: 'ACCOUNT_VIOLATION', phoneNumber: '15550783881' });
    expect(changes[3]).to.include({ kind: 'other', field: 'business_capability_update' });
  });

  it('walks every entry and change of a batch', () => {
    const { object, changes } = parseWebhookBody(fixture('batch'));
    expect(object).to.equal('whatsapp_business_account');
    expect(changes).to.have.length(3);
    const all = changes as MessagesChange[];
    expect(all.flatMap((c) => c.messages.map((m) => m.wamid))).to.deep.equal(['wamid.BATCH-A1', 'wamid.BATCH-B1', 'wamid.BATCH-A2', 'wamid.BATCH-C1']);
    expect(all.flatMap((c) => c.statuses.map((s) => s.id))).to.deep.equal(['wamid.BATCH-OUT1', 'wamid.BATCH-OUT2']);
  });

  it('is liberal: numeric ids, missing pieces, junk inside arrays', () => {
    const parsed = parseWebhookPayload({
      entry: [
        { id: 102290129340398, changes: [{ field: 'messages', value: { metadata: { phone_number_id: 106540352242922 }, messages: [null, { from: 16505551234, id: 'wamid.X', timestamp: 'soon', type: 'text', text: { body: 'hi' } }] } }] },
        { changes: 'not a list' },
        'junk',
      ],
    });
    expect(parsed.object).to.equal(null);
    const change = parsed.changes[0] as MessagesChange;
    expect(change.phoneNumberId).to.equal('106540352242922');
    expect(change.entryId).to.equal('102290129340398');
    expect(change.messages).to.have.length(2);
    expect(change.messages[0]).to.include({ type: 'unsupported', wamid: null });
    expect(change.messages[1]).to.include({ from: '16505551234', timestamp: null, text: 'hi' });
  });

  it('refuses only bodies that are not a JSON object, and drops NUL characters', () => {
    expect(() => parseWebhookBody('[1,2]')).to.throw(WebhookParseError, 'an array');
    expect(() => parseWebhookBody('"hello"')).to.throw(WebhookParseError, 'a string');
    expect(() => parseWebhookBody('null')).to.throw(WebhookParseError, 'null');
    expect(() => parseWebhookBody('{"entry": [')).to.throw(WebhookParseError, 'not valid JSON');
    expect(parseWebhookBody('{}').changes).to.deep.equal([]);
    expect(parseMessage(JSON.parse('{"type":"text","text":{"body":"a"}}')).text).to.equal('a');
    const change = parseWebhookBody('{"entry":[{"changes":[{"field":"messages","value":{"messages":[{"type":"text","text":{"body":"a\\u0000b"}}]}}]}]}').changes[0] as MessagesChange;
    expect(change.messages[0].text).to.equal('ab');
  });
});
