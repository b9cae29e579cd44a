// Input schemas for contacts.
import { z } from 'zod';
import { normalizePhone } from './phone.js';

export const phoneField = z
  .string({ error: 'validation.required' })
  .trim()
  .min(1, 'validation.required')
  .max(40, 'validation.too_long')
  .refine((v) => normalizePhone(v) !== null, 'contacts.invalid_phone');

const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max, 'validation.too_long')
    .transform((v) => v || null)
    .nullable()
    .optional();

export const NewContact = z.object({
  phone: phoneField,
  name: optionalText(200),
  email: z
    .string()
    .trim()
    .max(254, 'validation.too_long')
    .transform((v) => v || null)
    .pipe(z.email('validation.email').nullable())
    .nullable()
    .optional(),
});

export const ContactChanges = NewContact.partial();

export const ContactQuery = z.object({
  phone: z.string().trim().max(40).optional(),
  wa_id: z.string().trim().max(40).optional(),
  q: z.string().trim().max(200).optional(),
});
