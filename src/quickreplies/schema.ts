// Input schemas for quick replies (canned answers an agent inserts by typing /shortcut).
import { z } from 'zod';

export const SHORTCUT_MAX = 32;
export const QUICK_REPLY_TEXT_MAX = 4096;

/** A shortcut as typed after the slash: letters, digits, '-' and '_' (a leading '/' is dropped). */
export const shortcutField = z
  .string({ error: 'validation.required' })
  .trim()
  .transform((v) => v.replace(/^\/+/, ''))
  .pipe(
    z
      .string()
      .min(1, 'validation.required')
      .max(SHORTCUT_MAX, 'quick_replies.shortcut_too_long')
      .regex(/^[A-Za-z0-9_-]+$/, 'quick_replies.shortcut_chars'),
  );

export const quickReplyText = z
  .string({ error: 'validation.required' })
  .transform((v) => v.replace(/\r\n?/g, '\n').trim())
  .pipe(z.string().min(1, 'validation.required').max(QUICK_REPLY_TEXT_MAX, 'quick_replies.text_too_long'));

export const NewQuickReply = z.object({ shortcut: shortcutField, text: quickReplyText });

export const QuickReplyChanges = z
  .object({ shortcut: shortcutField.optional(), text: quickReplyText.optional() })
  .refine((v) => v.shortcut !== undefined || v.text !== undefined, { path: ['shortcut'], message: 'quick_replies.nothing_to_change' });

/** What the composer's `/` picker asks for: the text typed after the slash, and where it is typing. */
export const SuggestQuery = z.object({
  q: z.string().trim().max(100, 'validation.too_long').optional().default(''),
  conversation_id: z.string().trim().max(40).optional(),
  limit: z.coerce.number({ error: 'validation.number' }).int('validation.integer').min(1).max(20).default(8),
});

export const QuickReplyQuery = z.object({ q: z.string().trim().max(100, 'validation.too_long').optional() });
