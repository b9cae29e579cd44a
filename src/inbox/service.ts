// Conversation commands: start one with a customer, send a message, retry a failed one.
import { recordAudit, type Actor } from '../audit/index.js';
import type { AppContext } from '../context.js';
import { findContact, findContactByPhone } from '../contacts/repo.js';
import { createContact } from '../contacts/service.js';
import { isUuid, type Db } from '../db/index.js';
import { publish } from '../realtime/index.js';
import { Invalid, NotFound } from '../web/errors.js';
import { channelSecrets, findChannel } from '../whatsapp/channels.js';
import { queueMessage, WindowClosed, type MessageRow, type SendMessageInput } from '../whatsapp/outbox.js';
import { ensureConversation, findConversation, windowOpen, type ConversationRow } from './conversations.js';

/**
 * startConversation opens (or finds) the conversation of a channel with a contact, creating the
 * contact from a phone number if needed. `created` tells whether it is new.
 */
export async function startConversation(
  trx: Db,
  workspaceId: string,
  input: { channel_id: string; contact_id?: string; phone?: string; name?: string },
  actor: Actor,
): Promise<{ conversation: ConversationRow; created: boolean }> {
  const channel = await findChannel(trx, workspaceId, input.channel_id);
  if (!channel) throw new Invalid({ channel_id: 'conversations.unknown_channel' });
  let contact = input.contact_id ? await findContact(trx, workspaceId, input.contact_id) : await findContactByPhone(trx, workspaceId, input.phone!);
  if (!contact && input.contact_id) throw new Invalid({ contact_id: 'conversations.unknown_contact' });
  contact ??= await createContact(trx, workspaceId, { phone: input.phone!, name: input.name ?? null }, actor);
  const existing = await trx('conversations').where({ workspace_id: workspaceId, channel_id: channel.id, contact_id: contact.id }).first('id');
  const conversation = await ensureConversation(trx, workspaceId, channel.id, contact.id);
  if (!existing) {
    await recordAudit(trx, actor, { workspaceId, action: 'conversation.started', subjectType: 'conversation', subjectId: conversation.id });
    await publish(trx, workspaceId, { type: 'conversation.updated', conversation_id: conversation.id });
  }
  return { conversation, created: !existing };
}

/** sendMessage queues a message in a conversation of the workspace (see outbox.ts for the rules). */
export async function sendMessage(ctx: AppContext, workspaceId: string, conversationId: string, input: SendMessageInput, actor: Actor): Promise<MessageRow> {
  return ctx.knex.transaction(async (trx) => {
    const conversation = await findConversation(trx, workspaceId, conversationId);
    if (!conversation) throw new NotFound();
    const channel = await findChannel(trx, workspaceId, conversation.channel_id);
    if (!channel) throw new Invalid({ _: 'conversations.channel_gone' }, 'conversations.channel_gone', 'channel_deleted');
    return queueMessage(trx, conversation, input, actor);
  });
}

/** retryMessage sends a failed outbound message again (free-form ones only inside the window). */
export async function retryMessage(ctx: AppContext, workspaceId: string, messageId: string, actor: Actor): Promise<MessageRow> {
  return ctx.knex.transaction(async (trx) => {
    const message = isUuid(messageId) ? await trx('messages').where({ workspace_id: workspaceId, id: messageId }).first() : undefined;
    if (!message || message.direction !== 'outbound') throw new NotFound();
    if (message.status !== 'failed') throw new Invalid({ _: 'messages.not_failed' }, 'messages.not_failed', 'not_failed');
    const conversation = (await findConversation(trx, workspaceId, message.conversation_id))!;
    if (message.type !== 'template' && !windowOpen(conversation)) throw new WindowClosed();
    const [row] = await trx('messages')
      .where({ workspace_id: workspaceId, id: messageId, status: 'failed' })
      .update({ status: 'queued', attempts: 0, next_attempt_at: trx.fn.now(), failed_at: null, error_code: null, error_title: null, error_details: null, wamid: null })
      .returning('*');
    await recordAudit(trx, actor, { workspaceId, action: 'message.retried', subjectType: 'message', subjectId: messageId });
    await publish(trx, workspaceId, { type: 'message.updated', conversation_id: message.conversation_id, message_id: messageId, status: 'queued' });
    await trx.raw("SELECT pg_notify('par_outbox', ?)", [message.channel_id]);
    return row;
  });
}

/** presentConversation is the API shape of a conversation. */
export function presentConversation(c: ConversationRow) {
  return {
    id: c.id,
    channel_id: c.channel_id,
    contact_id: c.contact_id,
    status: c.status,
    assignee_id: c.assignee_id,
    snoozed_until: c.snoozed_until,
    last_message_at: c.last_message_at,
    window_expires_at: c.window_expires_at,
    window_open: windowOpen(c),
    unread_count: c.unread_count,
    created_at: c.created_at,
  };
}

/** presentMessage is the API shape of a message (media with a download URL). */
export function presentMessage(
  baseUrl: string,
  m: MessageRow & { media_mime_type?: string | null; media_filename?: string | null; media_size?: number | string | null; media_status?: string | null },
) {
  return {
    id: m.id,
    wamid: m.wamid,
    direction: m.direction,
    type: m.type,
    text: m.text,
    status: m.status,
    error: m.error_code ? { code: m.error_code, title: m.error_title, details: m.error_details } : null,
    media: m.media_id
      ? {
          id: m.media_id,
          mime_type: m.media_mime_type ?? null,
          filename: m.media_filename ?? null,
          size: m.media_size === null || m.media_size === undefined ? null : Number(m.media_size),
          url: m.media_status === 'ready' ? `${baseUrl}/api/v1/media/${m.media_id}/content` : null,
        }
      : null,
    reply_to_wamid: m.reply_to_wamid,
    reaction: m.type === 'reaction' ? { emoji: m.reaction_emoji, message_wamid: m.reaction_to_wamid } : null,
    location: m.location ?? null,
    contacts: m.contacts ?? null,
    interactive: m.interactive ?? null,
    referral: m.referral ?? null,
    edited_at: m.edited_at ?? null,
    deleted_at: m.deleted_at ?? null,
    sent_at: m.sent_at,
    delivered_at: m.delivered_at,
    read_at: m.read_at,
    created_at: m.created_at,
  };
}

/** messagesWithMedia selects a conversation's messages joined with their media details. */
export function messagesWithMedia(db: Db, workspaceId: string, conversationId: string) {
  return db('messages as m')
    .leftJoin('media_files as f', function () {
      this.on('f.id', 'm.media_id').andOn('f.workspace_id', 'm.workspace_id');
    })
    .where({ 'm.workspace_id': workspaceId, 'm.conversation_id': conversationId })
    .select('m.*', 'f.mime_type as media_mime_type', 'f.filename as media_filename', 'f.size as media_size', 'f.status as media_status');
}

async function loadForChange(trx: Db, workspaceId: string, conversationId: string): Promise<ConversationRow> {
  const c = await findConversation(trx, workspaceId, conversationId);
  if (!c) throw new NotFound();
  return c;
}

async function changeConversation(
  trx: Db,
  workspaceId: string,
  conversationId: string,
  changes: Partial<ConversationRow>,
  actor: Actor,
  action: string,
  data?: Record<string, unknown>,
): Promise<ConversationRow> {
  await loadForChange(trx, workspaceId, conversationId);
  const [row] = await trx('conversations')
    .where({ workspace_id: workspaceId, id: conversationId })
    .update({ ...changes, updated_at: trx.fn.now() })
    .returning('*');
  await recordAudit(trx, actor, { workspaceId, action, subjectType: 'conversation', subjectId: conversationId, data });
  await publish(trx, workspaceId, { type: 'conversation.updated', conversation_id: conversationId, change: action.replace('conversation.', '') });
  return row;
}

/** assignConversation gives the conversation to a member of the workspace, or to nobody (null). */
export async function assignConversation(trx: Db, workspaceId: string, conversationId: string, userId: string | null, actor: Actor): Promise<ConversationRow> {
  if (userId) {
    const member = isUuid(userId) ? await trx('memberships').where({ workspace_id: workspaceId, user_id: userId }).first('user_id') : undefined;
    if (!member) throw new Invalid({ user_id: 'conversations.not_a_member' });
  }
  return changeConversation(trx, workspaceId, conversationId, { assignee_id: userId }, actor, 'conversation.assigned', { user_id: userId });
}

/** resolveConversation marks it done; a new customer message reopens it. */
export function resolveConversation(trx: Db, workspaceId: string, conversationId: string, actor: Actor): Promise<ConversationRow> {
  return changeConversation(trx, workspaceId, conversationId, { status: 'resolved', snoozed_until: null, unread_count: 0 }, actor, 'conversation.resolved');
}

/** reopenConversation puts it back in the open list. */
export function reopenConversation(trx: Db, workspaceId: string, conversationId: string, actor: Actor): Promise<ConversationRow> {
  return changeConversation(trx, workspaceId, conversationId, { status: 'open', snoozed_until: null }, actor, 'conversation.reopened');
}

/** snoozeConversation hides it until `until` (it reopens itself then, or when the customer writes). */
export function snoozeConversation(trx: Db, workspaceId: string, conversationId: string, until: Date, actor: Actor): Promise<ConversationRow> {
  if (!(until.getTime() > Date.now())) throw new Invalid({ until: 'conversations.snooze_future' });
  if (until.getTime() > Date.now() + 366 * 24 * 3600_000) throw new Invalid({ until: 'conversations.snooze_too_far' });
  return changeConversation(trx, workspaceId, conversationId, { status: 'snoozed', snoozed_until: until }, actor, 'conversation.snoozed', { until: until.toISOString() });
}

/** markUnread flags the conversation for attention again. */
export async function markUnread(trx: Db, workspaceId: string, conversationId: string, actor: Actor): Promise<ConversationRow> {
  const c = await loadForChange(trx, workspaceId, conversationId);
  return changeConversation(trx, workspaceId, conversationId, { unread_count: Math.max(1, c.unread_count) }, actor, 'conversation.marked_unread');
}

/** wakeSnoozed reopens conversations whose snooze ended; returns how many. */
export async function wakeSnoozed(db: Db): Promise<number> {
  const rows = (await db('conversations')
    .where({ status: 'snoozed' })
    .andWhere('snoozed_until', '<=', new Date())
    .update({ status: 'open', snoozed_until: null, updated_at: db.fn.now() })
    .returning(['workspace_id', 'id'])) as Array<{ workspace_id: string; id: string }>;
  for (const r of rows) await publish(db, r.workspace_id, { type: 'conversation.updated', conversation_id: r.id, change: 'woke' });
  return rows.length;
}

/** addNote writes a private note in the conversation (never sent to the customer). */
export async function addNote(trx: Db, workspaceId: string, conversationId: string, body: string, actor: Actor) {
  const c = await loadForChange(trx, workspaceId, conversationId);
  const [note] = await trx('notes').insert({ workspace_id: workspaceId, contact_id: c.contact_id, conversation_id: c.id, author_id: actor.userId ?? null, body }).returning('*');
  await recordAudit(trx, actor, { workspaceId, action: 'note.created', subjectType: 'conversation', subjectId: c.id });
  await publish(trx, workspaceId, { type: 'note.created', conversation_id: c.id, note_id: note.id });
  return note as { id: string; body: string; created_at: Date; author_id: string | null; conversation_id: string; contact_id: string };
}

/**
 * markRead clears the unread count when an agent opens the conversation and, when the channel
 * says so, tells WhatsApp the customer's last message was read (blue ticks on their phone).
 */
export async function markRead(ctx: AppContext, workspaceId: string, conversationId: string): Promise<void> {
  const cleared = await ctx.knex('conversations')
    .where({ workspace_id: workspaceId, id: conversationId })
    .andWhere('unread_count', '>', 0)
    .update({ unread_count: 0 })
    .returning(['channel_id']);
  if (!cleared.length) return;
  await publish(ctx.knex, workspaceId, { type: 'conversation.updated', conversation_id: conversationId, change: 'read' });
  const channel = await findChannel(ctx.knex, workspaceId, cleared[0].channel_id);
  if (!channel || !channel.mark_read || channel.type !== 'whatsapp_cloud') return;
  const last = await ctx.knex('messages')
    .where({ workspace_id: workspaceId, conversation_id: conversationId, direction: 'inbound' })
    .whereNotNull('wamid')
    .orderBy('created_at', 'desc')
    .first('wamid');
  if (!last) return;
  // Opening the conversation does not wait for Meta.
  const { accessToken } = channelSecrets(ctx.config.encryptionKey, channel);
  ctx.graph.markRead(channel.phone_number_id, accessToken ?? '', last.wamid).catch((err) => {
    ctx.log.warn({ err, conversationId }, 'could not tell WhatsApp the conversation was read');
  });
}
