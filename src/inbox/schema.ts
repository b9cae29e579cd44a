// Input schemas for conversations.
import { z } from 'zod';
import { phoneField } from '../contacts/schema.js';

export const StartConversation = z
  .object({
    channel_id: z.uuid('validation.choose'),
    contact_id: z.uuid('validation.uuid').optional(),
    phone: phoneField.optional(),
    name: z.string().trim().max(200, 'validation.too_long').optional(),
  })
  .refine((v) => Boolean(v.contact_id) !== Boolean(v.phone), { path: ['contact_id'], message: 'conversations.contact_or_phone' });

export const ConversationFilters = z.object({
  status: z.enum(['open', 'resolved', 'snoozed'], { error: 'validation.choose' }).optional(),
  channel_id: z.uuid('validation.uuid').optional(),
  contact_id: z.uuid('validation.uuid').optional(),
  // A member's id, or 'none' for unassigned conversations.
  assignee_id: z.union([z.uuid('validation.uuid'), z.literal('none')], { error: 'conversations.assignee_filter' }).optional(),
  // Label ids or names, comma-separated or repeated: conversations carrying all of them.
  labels: z
    .union([z.string(), z.array(z.string())])
    .optional()
    .transform((v) => (v === undefined ? [] : (Array.isArray(v) ? v : [v]).flatMap((x) => x.split(',')).map((x) => x.trim()).filter(Boolean))),
  // Snoozed conversations waking before / after a time.
  snoozed_until_before: z.iso.datetime({ offset: true, error: 'validation.datetime' }).optional(),
  snoozed_until_after: z.iso.datetime({ offset: true, error: 'validation.datetime' }).optional(),
});

export const InboxQuery = z.object({
  view: z.enum(['mine', 'unassigned', 'all']).catch('all'),
  status: z.enum(['open', 'resolved', 'snoozed']).catch('open'),
  channel: z.uuid().optional().catch(undefined),
  label: z.uuid().optional().catch(undefined),
  cursor: z.string().max(300).optional(),
});

export const Assign = z.object({
  user_id: z
    .union([z.uuid('validation.choose'), z.literal(''), z.null()])
    .optional()
    .transform((v) => v || null),
});

export const Snooze = z.object({
  // A preset ('1h', 'tomorrow', 'next_week') or a wall-clock time in the workspace's zone.
  preset: z.enum(['1h', '3h', 'tomorrow', 'next_week', 'custom']).optional(),
  until: z.string().trim().max(40).optional(),
});

export const NoteInput = z.object({ body: z.string({ error: 'validation.required' }).trim().min(1, 'validation.required').max(10_000, 'validation.too_long') });

export const ComposerText = z.object({
  text: z.string({ error: 'validation.required' }).trim().min(1, 'message.empty').max(4096, 'message.text_too_long'),
  reply_to: z.string().trim().max(100).optional().transform((v) => v || undefined),
});

export const ContactName = z.object({ name: z.string().trim().max(200, 'validation.too_long').transform((v) => v || null) });
