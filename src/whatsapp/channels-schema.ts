// Input schemas for channels and templates: the Settings forms (strings, '' for empty fields,
// checkboxes that are absent when off) and the API (JSON).
import { z } from 'zod';
import { requiredText } from '../web/validate.js';

/** Meta's ids (phone number id, WABA id) are long strings of digits. */
const metaId = () =>
  z
    .string({ error: 'validation.required' })
    .trim()
    .min(1, 'validation.required')
    .regex(/^\d{5,30}$/, 'channels.digits_only');

/** A secret pasted from Meta's dashboard: no spaces inside. */
const secret = (max: number) =>
  z
    .string({ error: 'validation.required' })
    .trim()
    .max(max, 'validation.too_long')
    .regex(/^\S*$/, 'channels.no_spaces');

const requiredSecret = (max: number) => secret(max).min(1, 'validation.required');

/** An optional field where '' (an empty form field) means "not given". */
const blankIsAbsent = <T extends z.ZodType<string | undefined>>(schema: T) =>
  z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), schema.optional());

const displayNumber = z
  .string()
  .trim()
  .max(40, 'validation.too_long')
  .regex(/^[+\d\s().-]*$/, 'channels.phone_format');

const messagesPerSecond = z.coerce
  .number({ error: 'validation.number' })
  .int('validation.integer')
  .min(1, 'channels.mps_range')
  .max(1000, 'channels.mps_range');

/** A checkbox: present ('on') when ticked, absent when not. */
const checkbox = z.preprocess((v) => v === true || v === 'on' || v === 'true' || v === '1', z.boolean());

const channelName = requiredText(80);

/** The "Connect a WhatsApp number" form. */
export const ConnectChannelForm = z.object({
  name: channelName,
  phone_number_id: metaId(),
  waba_id: metaId(),
  display_phone_number: blankIsAbsent(displayNumber),
  access_token: requiredSecret(2000),
  app_secret: requiredSecret(200),
  verify_token: blankIsAbsent(secret(200)),
});

/** The channel's Edit form: secrets left blank keep their stored values. */
export const EditChannelForm = z.object({
  name: channelName,
  display_phone_number: z.preprocess((v) => (v === undefined ? '' : v), displayNumber.transform((v) => v || null)),
  access_token: blankIsAbsent(secret(2000)),
  app_secret: blankIsAbsent(secret(200)),
  messages_per_second: messagesPerSecond,
  mark_read: checkbox,
});

const tuning = {
  messages_per_second: messagesPerSecond.optional(),
  mark_read: z.boolean({ error: 'channels.boolean' }).optional(),
};

/** POST /api/v1/channels: a Meta number, or a sandbox that only needs a name. */
export const NewChannelApi = z.discriminatedUnion(
  'type',
  [
    z.object({ type: z.literal('whatsapp_cloud'), ...ConnectChannelForm.shape, ...tuning }),
    z.object({ type: z.literal('sandbox'), name: channelName, ...tuning }),
  ],
  { error: 'channels.type_choice' },
);

/** PATCH /api/v1/channels/:id: every field optional; blank secrets keep the stored ones. */
export const PatchChannelApi = z.object({
  name: channelName.optional(),
  phone_number_id: metaId().optional(),
  waba_id: metaId().optional(),
  display_phone_number: displayNumber.nullable().optional().transform((v) => (v === '' ? null : v)),
  access_token: blankIsAbsent(secret(2000)),
  app_secret: blankIsAbsent(secret(200)),
  verify_token: blankIsAbsent(secret(200)),
  ...tuning,
});

/** GET /api/v1/templates filters. */
export const TemplatesQuery = z.object({
  channel_id: z.uuid('channels.bad_id').optional(),
  status: z
    .string()
    .trim()
    .toUpperCase()
    .regex(/^[A-Z_]{1,30}$/, 'templates.bad_status')
    .optional(),
});

/** POST /api/v1/templates/sync. */
export const SyncTemplatesApi = z.object({
  channel_id: z.uuid('channels.bad_id'),
});

export type ConnectChannelInput = z.output<typeof ConnectChannelForm>;
export type NewChannelApiInput = z.output<typeof NewChannelApi>;
export type PatchChannelInput = z.output<typeof PatchChannelApi>;
