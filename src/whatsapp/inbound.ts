// Storing what customers send: one parsed message becomes a contact (found or made), a
// conversation, a messages row (once per wamid, whatever Meta redelivers), a pending media file
// for the downloader, and the conversation's bookkeeping (last message, 24-hour window, unread,
// reopening). Edits and deletions change the original message and keep its earlier text.
import type { Db } from '../db/index.js';
import { upsertWhatsAppContact, type ContactRow } from '../contacts/repo.js';
import { normalizePhone } from '../contacts/phone.js';
import type { Translate } from '../i18n/index.js';
import { ensureConversation, WINDOW_MS, type ConversationRow } from '../inbox/conversations.js';
import type { Logger } from '../logger.js';
import { publish } from '../realtime/index.js';
import type { ChannelRow } from './channels.js';
import { parseMessage, type ParsedContact, type ParsedMessage } from './parser.js';

/** What storing one message did, for the event's summary. */
export type StoreOutcome = 'stored' | 'duplicate' | 'edited' | 'revoked';

export interface InboundScope {
  db: Db;
  channel: ChannelRow;
  /** Translates conversation previews in the workspace's language. */
  t: Translate;
  log: Logger;
  /** When the event reached us: the time of a message that carries none. */
  receivedAt: Date;
  /** Conversations touched, announced once per event. */
  touched: Set<string>;
  /** Set when a media file waits for download. */
  mediaQueued: { value: boolean };
}

interface OriginalMessage {
  id: string;
  conversation_id: string;
  text: string | null;
  status: string;
  history: unknown[] | null;
  deleted_at: Date | null;
}

const PREVIEW_LENGTH = 160;

/** Types that are not something new the customer said: no unread badge, no reopening. */
const QUIET_TYPES = new Set(['reaction', 'system', 'edit', 'revoke']);
/** Types that are not the customer writing: they do not open the 24-hour window. */
const NO_WINDOW_TYPES = new Set(['system', 'edit', 'revoke']);

const json = (v: unknown) => (v === null || v === undefined ? null : JSON.stringify(v));

/** senderOf picks the contact card of a message's sender: by wa_id, by user id, or the only card. */
export function senderOf(contacts: ParsedContact[], msg: ParsedMessage): ParsedContact | undefined {
  return (
    contacts.find((c) => (msg.from && c.waId === msg.from) || (msg.fromUserId && c.userId === msg.fromUserId)) ??
    (contacts.length === 1 ? contacts[0] : undefined)
  );
}

/** previewOf is the line the conversation list shows for a message. */
export function previewOf(t: Translate, msg: ParsedMessage): string {
  const text = msg.text?.trim();
  const withText = (key: string) => (text ? `${t(key)}: ${text}` : t(key));
  let preview: string;
  switch (msg.type) {
    case 'text':
    case 'interactive':
    case 'button':
    case 'system':
      preview = text || t(`whatsapp.preview.${msg.type}`);
      break;
    case 'image':
    case 'video':
    case 'sticker':
    case 'order':
      preview = withText(`whatsapp.preview.${msg.type}`);
      break;
    case 'audio':
      preview = t(msg.media?.voice ? 'whatsapp.preview.voice' : 'whatsapp.preview.audio');
      break;
    case 'document':
      preview = (text || msg.media?.filename) ? `${t('whatsapp.preview.document')}: ${text || msg.media?.filename}` : t('whatsapp.preview.document');
      break;
    case 'location':
      preview = withText('whatsapp.preview.location');
      if (!text && typeof msg.location?.name === 'string') preview = `${t('whatsapp.preview.location')}: ${msg.location.name}`;
      break;
    case 'contacts':
      preview = t('whatsapp.preview.contacts');
      break;
    case 'reaction':
      preview = t('whatsapp.preview.reaction', { emoji: msg.reaction?.emoji ?? '' });
      break;
    case 'request_welcome':
      preview = t('whatsapp.preview.request_welcome');
      break;
    default:
      preview = t('whatsapp.preview.unsupported');
  }
  return preview.length > PREVIEW_LENGTH ? `${preview.slice(0, PREVIEW_LENGTH - 1)}…` : preview;
}

/** contentOf gathers what has no column of its own into messages.content. */
function contentOf(msg: ParsedMessage): Record<string, unknown> | null {
  const content: Record<string, unknown> = {};
  if (msg.order) content.order = msg.order;
  if (msg.system) content.system = msg.system.raw;
  if (msg.button) content.button = msg.button;
  if (msg.identity) content.identity = msg.identity;
  if (msg.unsupported) content.unsupported = msg.unsupported;
  if (msg.originalType) content.original_type = msg.originalType;
  if (msg.errors.length) content.errors = msg.errors.map((e) => e.raw);
  if (msg.context?.referredProduct) content.referred_product = msg.context.referredProduct;
  if (msg.media?.voice) content.voice = true;
  if (msg.media?.animated) content.animated = true;
  if (msg.edit) content.edit = { original_message_id: msg.edit.originalMessageId, message: msg.edit.message?.raw ?? null };
  if (msg.revoke) content.revoke = { original_message_id: msg.revoke.originalMessageId };
  if (msg.edit || msg.revoke) content.original_message_id = msg.edit?.originalMessageId ?? msg.revoke?.originalMessageId ?? null;
  return Object.keys(content).length ? content : null;
}

/**
 * storeInboundMessage stores one message of value.messages. Idempotent: a wamid already stored
 * for the channel changes nothing (the unique index decides between concurrent deliveries).
 */
export async function storeInboundMessage(scope: InboundScope, contacts: ParsedContact[], msg: ParsedMessage): Promise<StoreOutcome> {
  const { db, channel } = scope;
  const ws = channel.workspace_id;
  const card = senderOf(contacts, msg);
  const waId = msg.from ?? card?.waId ?? null;
  const userId = msg.fromUserId ?? card?.userId ?? null;
  if (!waId && !userId) throw new Error(`message ${msg.wamid ?? '(no id)'} names no sender (no from, from_user_id or contact)`);
  const contact = await upsertWhatsAppContact(db, ws, { waId, userId, profileName: card?.profileName, username: card?.username });
  const conversation = await ensureConversation(db, ws, channel.id, contact.id);
  const at = msg.timestamp ?? scope.receivedAt;

  // An edit or deletion of a message we have: change it, store nothing new.
  const originalId = msg.edit?.originalMessageId ?? msg.revoke?.originalMessageId;
  if (originalId) {
    const original = await findInboundOriginal(db, ws, channel.id, originalId);
    if (original) return (await applyChange(scope, original, msg, at)) ? (msg.edit ? 'edited' : 'revoked') : 'duplicate';
  }

  const inserted = await db('messages')
    .insert({
      workspace_id: ws,
      conversation_id: conversation.id,
      channel_id: channel.id,
      contact_id: contact.id,
      direction: 'inbound',
      wamid: msg.wamid,
      type: msg.type,
      text: msg.edit ? (msg.edit.message?.text ?? null) : msg.text,
      status: 'received',
      reply_to_wamid: msg.context?.id ?? null,
      forwarded: msg.context?.forwarded ?? false,
      frequently_forwarded: msg.context?.frequentlyForwarded ?? false,
      reaction_emoji: msg.reaction ? msg.reaction.emoji : null,
      reaction_to_wamid: msg.reaction?.messageId ?? null,
      location: json(msg.location),
      contacts: json(msg.contacts),
      interactive: json(msg.interactive),
      referral: json(msg.referral),
      content: json(contentOf(msg)),
      raw: json(msg.raw),
      sent_at: at,
    })
    .onConflict(db.raw('(channel_id, wamid) WHERE wamid IS NOT NULL'))
    .ignore()
    .returning('id');
  if (!inserted.length) return 'duplicate';
  const messageId: string = inserted[0].id;

  if (msg.media) {
    const [file] = await db('media_files')
      .insert({
        workspace_id: ws,
        direction: 'inbound',
        channel_id: channel.id,
        meta_media_id: msg.media.id,
        meta_channel_id: channel.id,
        mime_type: msg.media.mimeType,
        sha256: msg.media.sha256,
        filename: msg.media.filename,
        // Without a media id there is nothing to download: failed at once, with the reason.
        status: msg.media.id ? 'pending' : 'failed',
        error: msg.media.id ? null : 'The webhook named no media id',
      })
      .returning('id');
    await db('messages').where({ workspace_id: ws, id: messageId }).update({ media_id: file.id });
    if (msg.media.id) scope.mediaQueued.value = true;
  }

  if (msg.system?.type === 'user_changed_number' && msg.system.waId) await moveContactToNumber(scope, contact, msg.system.waId);

  if (msg.wamid) await applyWaitingChanges(scope, conversation.id, messageId, msg.wamid);

  if (!msg.edit && !msg.revoke) await updateConversation(scope, conversation, msg, at);
  await publish(db, ws, { type: 'message.created', conversation_id: conversation.id, message_id: messageId, direction: 'inbound' });
  scope.touched.add(conversation.id);
  return 'stored';
}

function findInboundOriginal(db: Db, workspaceId: string, channelId: string, wamid: string): Promise<OriginalMessage | undefined> {
  return db('messages')
    .where({ workspace_id: workspaceId, channel_id: channelId, wamid, direction: 'inbound' })
    .whereNotIn('type', ['edit', 'revoke'])
    .forUpdate()
    .first('id', 'conversation_id', 'text', 'status', 'history', 'deleted_at');
}

/**
 * applyChange applies an edit or a deletion to the original message, keeping the text it had
 * in history. Returns false when this change was applied before (a redelivery).
 */
async function applyChange(scope: InboundScope, original: OriginalMessage, change: ParsedMessage, at: Date): Promise<boolean> {
  const { db } = scope;
  const history = Array.isArray(original.history) ? [...original.history] : [];
  if (change.wamid && history.some((h) => (h as { wamid?: string }).wamid === change.wamid)) return false;
  if (change.revoke && original.deleted_at) return false;
  history.push({ kind: change.edit ? 'edit' : 'revoke', text: original.text, at: at.toISOString(), wamid: change.wamid, raw: change.raw });
  const update: Record<string, unknown> = { history: JSON.stringify(history) };
  if (change.edit) Object.assign(update, { text: change.edit.message?.text ?? null, edited_at: at });
  else Object.assign(update, { text: null, deleted_at: at });
  await db('messages').where({ workspace_id: scope.channel.workspace_id, id: original.id }).update(update);
  await publish(db, scope.channel.workspace_id, { type: 'message.updated', conversation_id: original.conversation_id, message_id: original.id, status: original.status });
  scope.touched.add(original.conversation_id);
  return true;
}

/**
 * applyWaitingChanges applies edits and deletions that arrived before the message they change
 * (stored as their own rows meanwhile), then removes those stand-in rows.
 */
async function applyWaitingChanges(scope: InboundScope, conversationId: string, messageId: string, wamid: string): Promise<void> {
  const { db } = scope;
  const ws = scope.channel.workspace_id;
  const waiting: Array<{ id: string; raw: unknown; sent_at: Date }> = await db('messages')
    .where({ workspace_id: ws, channel_id: scope.channel.id, conversation_id: conversationId })
    // Written out so the planner can use messages_waiting_changes_idx (a partial index).
    .whereRaw("type IN ('edit', 'revoke') AND content->>'original_message_id' = ?", [wamid])
    .orderBy([{ column: 'sent_at' }, { column: 'id' }])
    .select('id', 'raw', 'sent_at');
  if (!waiting.length) return;
  for (const row of waiting) {
    const original = await findInboundOriginal(db, ws, scope.channel.id, wamid);
    if (!original || original.id !== messageId) break;
    await applyChange(scope, original, parseMessage(typeof row.raw === 'string' ? JSON.parse(row.raw) : row.raw), new Date(row.sent_at));
  }
  await db('messages')
    .where({ workspace_id: ws })
    .whereIn(
      'id',
      waiting.map((w) => w.id),
    )
    .delete();
}

/**
 * moveContactToNumber follows a customer's number change (system message user_changed_number),
 * unless another contact already holds the new number: then both stay as they are.
 */
async function moveContactToNumber(scope: InboundScope, contact: ContactRow, newWaId: string): Promise<void> {
  const phone = normalizePhone(newWaId);
  if (!phone) return;
  const ws = scope.channel.workspace_id;
  const holder = await scope.db('contacts').where({ workspace_id: ws, phone_key: phone.key }).whereNot({ id: contact.id }).first('id');
  if (holder) {
    scope.log.info({ contactId: contact.id, otherContactId: holder.id }, 'a customer changed number to one another contact has; contacts left as they are');
    return;
  }
  await scope.db('contacts')
    .where({ workspace_id: ws, id: contact.id })
    .update({ phone: phone.e164, phone_key: phone.key, wa_id: newWaId.replace(/\D/g, ''), updated_at: scope.db.fn.now() });
}

/**
 * updateConversation records a new message on its conversation: last message (only when newer:
 * Meta delivers out of order), the 24-hour window (customer messages open or extend it, never
 * shorten it), unread count and reopening for anything the customer says.
 */
async function updateConversation(scope: InboundScope, conversation: ConversationRow, msg: ParsedMessage, at: Date): Promise<void> {
  const { db } = scope;
  const removal = msg.type === 'reaction' && !msg.reaction?.emoji;
  const attention = !QUIET_TYPES.has(msg.type);
  const opensWindow = !NO_WINDOW_TYPES.has(msg.type);
  const update: Record<string, unknown> = { updated_at: db.fn.now() };
  if (!removal) {
    // A conversation starts with last_message_at = its creation time and no message: any first message is newer.
    const newer = 'last_message_direction IS NULL OR last_message_at <= ?::timestamptz';
    update.last_message_at = db.raw(`CASE WHEN ${newer} THEN ?::timestamptz ELSE last_message_at END`, [at, at]);
    update.last_message_preview = db.raw(`CASE WHEN ${newer} THEN ? ELSE last_message_preview END`, [at, previewOf(scope.t, msg)]);
    update.last_message_direction = db.raw(`CASE WHEN ${newer} THEN 'inbound' ELSE last_message_direction END`, [at]);
  }
  if (opensWindow) {
    // GREATEST ignores NULLs: the first message sets the values.
    update.last_inbound_at = db.raw('GREATEST(last_inbound_at, ?::timestamptz)', [at]);
    update.window_expires_at = db.raw('GREATEST(window_expires_at, ?::timestamptz)', [new Date(at.getTime() + WINDOW_MS)]);
  }
  if (attention) {
    update.unread_count = db.raw('unread_count + 1');
    update.status = 'open';
    update.snoozed_until = null;
  }
  await db('conversations').where({ workspace_id: conversation.workspace_id, id: conversation.id }).update(update);
  scope.touched.add(conversation.id);
}
