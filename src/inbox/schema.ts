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
});
