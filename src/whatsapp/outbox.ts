// The outbox: sending a WhatsApp message writes it 'queued' in the transaction of the agent's
// (or API client's) action; the sender (sender.ts) takes it from there. Everything that can be
// refused is refused here, before anything is queued: the 24-hour window, template variables,
// media that WhatsApp would not take, a reply to a message WhatsApp never got.
import { z } from 'zod';
import type { Actor } from '../audit/index.js';
import { isUuid, type Db } from '../db/index.js';
import type { ConversationRow } from '../inbox/conversations.js';
import { windowOpen } from '../inbox/conversations.js';
import { publish } from '../realtime/index.js';
import { Invalid } from '../web/errors.js';
import { mediaKindOf, mediaProblem } from './media-rules.js';
import { prepareTemplate, type TemplateInput } from './template-send.js';

const uuid = z.uuid('validation.uuid');
const variables = z.union([z.record(z.string(), z.string().max(1024, 'validation.too_long')), z.array(z.string().max(1024, 'validation.too_long')).max(50)]);

/** What can be sent: exactly one of text, media, template, reaction, location, interactive. */
export const SendMessage = z
  .object({
    text: z.string().trim().min(1, 'validation.required').max(4096, 'message.text_too_long').optional(),
    preview_url: z.boolean().optional(),
    media_id: uuid.optional(),
    caption: z.string().trim().max(1024, 'message.caption_too_long').optional(),
    template: z
      .object({
        name: z.string().trim().min(1, 'validation.required').max(512),
        language: z.string().trim().min(2, 'validation.required').max(20),
        variables: variables.optional(),
        header: z
          .object({ media_id: uuid.optional(), link: z.string().trim().max(2000).optional(), variables: variables.optional() })
          .optional(),
        buttons: z.array(z.object({ index: z.coerce.number().int().min(0).max(9), text: z.string().max(2000) })).max(10).optional(),
      })
      .optional(),
    reaction: z.object({ message_id: z.string().trim().min(1, 'validation.required').max(200), emoji: z.string().max(16) }).optional(),
    location: z
      .object({
        latitude: z.coerce.number().min(-90, 'message.latitude').max(90, 'message.latitude'),
        longitude: z.coerce.number().min(-180, 'message.longitude').max(180, 'message.longitude'),
        name: z.string().trim().max(1000).optional(),
        address: z.string().trim().max(1000).optional(),
      })
      .optional(),
    interactive: z
      .discriminatedUnion('type', [
        z.object({
          type: z.literal('button'),
          body: z.string().trim().min(1, 'validation.required').max(1024, 'validation.too_long'),
          header: z.string().trim().max(60, 'validation.too_long').optional(),
          footer: z.string().trim().max(60, 'validation.too_long').optional(),
          buttons: z
            .array(z.object({ id: z.string().trim().min(1).max(256), title: z.string().trim().min(1, 'validation.required').max(20, 'message.button_title_long') }))
            .min(1, 'message.buttons_count')
            .max(3, 'message.buttons_count'),
        }),
        z.object({
          type: z.literal('list'),
          body: z.string().trim().min(1, 'validation.required').max(4096, 'validation.too_long'),
          header: z.string().trim().max(60, 'validation.too_long').optional(),
          footer: z.string().trim().max(60, 'validation.too_long').optional(),
          button: z.string().trim().min(1, 'validation.required').max(20, 'message.button_title_long'),
          sections: z
            .array(
              z.object({
                title: z.string().trim().max(24, 'validation.too_long').optional(),
                rows: z
                  .array(
                    z.object({
                      id: z.string().trim().min(1).max(200),
                      title: z.string().trim().min(1, 'validation.required').max(24, 'validation.too_long'),
                      description: z.string().trim().max(72, 'validation.too_long').optional(),
                    }),
                  )
                  .min(1),
              }),
            )
            .min(1)
            .max(10),
        }),
      ])
      .optional(),
    reply_to: z.string().trim().max(200).optional(),
  })
  .superRefine((v, ctx) => {
    const kinds = (['text', 'media_id', 'template', 'reaction', 'location', 'interactive'] as const).filter((k) => v[k] !== undefined);
    if (kinds.length !== 1) ctx.addIssue({ code: 'custom', path: kinds.length ? [kinds[1]] : ['text'], message: 'message.one_kind' });
    if (v.caption !== undefined && v.media_id === undefined) ctx.addIssue({ code: 'custom', path: ['caption'], message: 'message.caption_needs_media' });
  });

export type SendMessageInput = z.output<typeof SendMessage>;

export interface MessageRow {
  id: string;
  workspace_id: string;
  conversation_id: string;
  channel_id: string;
  contact_id: string;
  direction: 'inbound' | 'outbound';
  wamid: string | null;
  type: string;
  text: string | null;
  status: string;
  error_code: string | null;
  error_title: string | null;
  error_details: string | null;
  media_id: string | null;
  reply_to_wamid: string | null;
  reaction_emoji: string | null;
  reaction_to_wamid: string | null;
  location: unknown;
  contacts: unknown;
  interactive: unknown;
  referral: unknown;
  content: Record<string, unknown> | null;
  sent_by: string | null;
  sent_at: Date | null;
  delivered_at: Date | null;
  read_at: Date | null;
  failed_at: Date | null;
  attempts: number;
  created_at: Date;
  [key: string]: unknown;
}

/** Refused because the 24-hour window is closed: only a template may be sent. */
export class WindowClosed extends Invalid {
  constructor() {
    super({ _: 'message.window_closed' }, 'message.window_closed', 'window_closed');
  }
}

async function wamidOf(db: Db, conversation: ConversationRow, ref: string, field: string): Promise<string> {
  const byId = isUuid(ref);
  const target = await db('messages')
    .where({ workspace_id: conversation.workspace_id, conversation_id: conversation.id })
    .andWhere(byId ? { id: ref } : { wamid: ref })
    .first('wamid');
  if (!target) throw new Invalid({ [field]: 'message.reply_target_missing' });
  if (!target.wamid) throw new Invalid({ [field]: 'message.reply_target_not_sent' });
  return target.wamid;
}

async function readyOutboundMedia(db: Db, workspaceId: string, mediaId: string, field: string) {
  const media = await db('media_files').where({ workspace_id: workspaceId, id: mediaId }).first();
  if (!media) throw new Invalid({ [field]: 'message.media_missing' });
  if (media.status !== 'ready') throw new Invalid({ [field]: 'message.media_not_ready' });
  const problem = mediaProblem(media.mime_type ?? '', Number(media.size ?? 0));
  if (problem) throw new Invalid({ [field]: problem });
  return media as { id: string; mime_type: string; filename: string | null; size: number };
}

/**
 * queueMessage checks and queues an outbound message in `trx` (the caller's transaction), updates
 * the conversation's preview, and announces it. Only templates may go out when the window is closed.
 */
export async function queueMessage(trx: Db, conversation: ConversationRow, input: SendMessageInput, actor: Actor): Promise<MessageRow> {
  const ws = conversation.workspace_id;
  if (input.template === undefined && !windowOpen(conversation)) throw new WindowClosed();

  const row: Partial<MessageRow> & Record<string, unknown> = {
    workspace_id: ws,
    conversation_id: conversation.id,
    channel_id: conversation.channel_id,
    contact_id: conversation.contact_id,
    direction: 'outbound',
    status: 'queued',
    sent_by: actor.userId ?? null,
    next_attempt_at: new Date(),
  };
  if (input.reply_to) row.reply_to_wamid = await wamidOf(trx, conversation, input.reply_to, 'reply_to');

  if (input.text !== undefined) {
    Object.assign(row, { type: 'text', text: input.text, content: { preview_url: input.preview_url ?? /https?:\/\//.test(input.text) } });
  } else if (input.media_id !== undefined) {
    const media = await readyOutboundMedia(trx, ws, input.media_id, 'media_id');
    Object.assign(row, { type: mediaKindOf(media.mime_type)!, text: input.caption || null, media_id: media.id });
    if (row.type === 'sticker' && input.caption) throw new Invalid({ caption: 'message.sticker_caption' });
  } else if (input.template !== undefined) {
    const template = await trx('templates')
      .where({ workspace_id: ws, channel_id: conversation.channel_id, name: input.template.name, language: input.template.language })
      .first();
    if (!template) throw new Invalid({ 'template.name': 'template.unknown' }, 'template.unknown', 'unknown_template');
    const prepared = prepareTemplate(template, input.template as TemplateInput);
    if (prepared.headerMediaId) await readyOutboundMedia(trx, ws, prepared.headerMediaId, 'template.header.media_id');
    Object.assign(row, {
      type: 'template',
      text: prepared.preview,
      media_id: prepared.headerMediaId,
      content: {
        template: prepared.template,
        category: template.category,
        header_format: prepared.headerFormat,
        // The template's quick-reply buttons, as the customer will see them.
        quick_replies: ((Array.isArray(template.components) ? template.components : []) as Array<{ type?: string; buttons?: Array<{ type?: string; text?: string }> }>)
          .filter((c) => c.type?.toUpperCase() === 'BUTTONS')
          .flatMap((c) => c.buttons ?? [])
          .filter((b) => b.type?.toUpperCase() === 'QUICK_REPLY' && b.text)
          .map((b) => b.text),
      },
    });
  } else if (input.reaction !== undefined) {
    const target = await wamidOf(trx, conversation, input.reaction.message_id, 'reaction.message_id');
    Object.assign(row, { type: 'reaction', reaction_emoji: input.reaction.emoji || null, reaction_to_wamid: target });
  } else if (input.location !== undefined) {
    Object.assign(row, { type: 'location', text: input.location.name ?? null, location: JSON.stringify(input.location) });
  } else if (input.interactive !== undefined) {
    Object.assign(row, { type: 'interactive', text: input.interactive.body, interactive: JSON.stringify(input.interactive) });
  }
  if (row.content) row.content = JSON.stringify(row.content) as never;

  const [message] = (await trx('messages').insert(row).returning('*')) as MessageRow[];
  if (message.type !== 'reaction') {
    await trx('conversations')
      .where({ workspace_id: ws, id: conversation.id })
      .update({
        last_message_at: message.created_at,
        last_message_preview: previewOf(message),
        last_message_direction: 'outbound',
        updated_at: trx.fn.now(),
      });
  }
  await publish(trx, ws, { type: 'message.created', conversation_id: conversation.id, message_id: message.id, direction: 'outbound' });
  // Wakes the sender, on whichever replica runs it, once this transaction commits.
  await trx.raw("SELECT pg_notify('par_outbox', ?)", [message.channel_id]);
  return message;
}

/** previewOf is the one-line summary of a message for the conversation list. */
export function previewOf(m: Pick<MessageRow, 'type' | 'text'>): string {
  const labels: Record<string, string> = {
    image: '📷',
    video: '🎬',
    audio: '🎤',
    document: '📄',
    sticker: '💟',
    location: '📍',
    contacts: '👤',
  };
  const text = (m.text ?? '').replace(/\s+/g, ' ').trim();
  const prefix = labels[m.type];
  return (prefix ? `${prefix} ${text || m.type}` : text || m.type).slice(0, 200);
}
