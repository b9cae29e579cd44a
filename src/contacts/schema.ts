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
  /** Custom field values by key; checked against the workspace's fields by validateCustomValues. */
  custom: z.record(z.string(), z.unknown(), { error: 'contact_fields.not_an_object' }).optional(),
});

export const ContactChanges = NewContact.partial();

export const ContactQuery = z.object({
  phone: z.string().trim().max(40).optional(),
  wa_id: z.string().trim().max(40).optional(),
  q: z.string().trim().max(200).optional(),
});

// Custom contact fields. Options come as an array (API) or one per line (the settings form).
const fieldOptions = z
  .union([z.array(z.string().max(100, 'contact_fields.option_too_long')), z.string().max(10_000, 'validation.too_long')])
  .transform((v) => {
    const lines = (Array.isArray(v) ? v : v.split(/\r?\n/)).map((o) => o.trim()).filter(Boolean);
    return [...new Set(lines)];
  })
  .refine((v) => v.length <= 100, 'contact_fields.too_many_options')
  .refine((v) => v.every((o) => o.length <= 100), 'contact_fields.option_too_long');

export const NewContactField = z
  .object({
    label: z.string({ error: 'validation.required' }).trim().min(1, 'validation.required').max(80, 'validation.too_long'),
    key: z
      .string()
      .trim()
      .transform((v) => v || null)
      .pipe(z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, 'contact_fields.bad_key').nullable())
      .nullable()
      .optional(),
    type: z.enum(['text', 'number', 'date', 'select'], { error: 'validation.choose' }),
    options: fieldOptions.optional().default([]),
  })
  .superRefine((v, ctx) => {
    if (v.type === 'select' && !v.options.length) ctx.addIssue({ code: 'custom', path: ['options'], message: 'contact_fields.options_required' });
  });

export const ContactFieldChanges = z.object({
  label: z.string().trim().min(1, 'validation.required').max(80, 'validation.too_long').optional(),
  options: fieldOptions.optional(),
  /** 0-based place in the list (API); the settings page moves fields up and down instead. */
  position: z.coerce.number({ error: 'validation.number' }).int('validation.integer').min(0, 'validation.number').optional(),
});

export const MoveContactField = z.object({ direction: z.enum(['up', 'down'], { error: 'validation.choose' }) });

export const MergeContacts = z.object({ other_contact_id: z.uuid('validation.uuid') });

/** The contacts page: a search and the cursor of the next page. */
export const ContactSearch = z.object({
  q: z.string().trim().max(200, 'validation.too_long').optional().default(''),
  cursor: z.string().max(500).optional(),
});

/** Import mapping: CSV column (header, or its 1-based number) -> 'name' | 'phone' | 'email' | a custom field key | 'ignore'. */
export const ImportMappingInput = z.record(z.string().max(200), z.string().max(60));
