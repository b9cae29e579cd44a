// Input schemas for pipelines, stages, lost reasons, deal fields and deals. Form posts and the
// API share them: empty form fields ('') read as "not given".
import { z } from 'zod';
import { isCurrency } from '../i18n/index.js';
import { requiredText, trimmed } from '../web/validate.js';

export const stageKinds = ['open', 'won', 'lost'] as const;
export type StageKind = (typeof stageKinds)[number];
export const fieldTypes = ['text', 'number', 'date', 'select'] as const;
export type FieldType = (typeof fieldTypes)[number];

const blankToUndefined = (v: unknown) => (v === '' ? undefined : v);
const blankToNull = (v: unknown) => (v === '' ? null : v);
const uuid = (message = 'validation.choose') => z.uuid(message);

/** A percentage 0..100, or null (no probability). Forms send text, the API a number. */
const probability = z.preprocess(
  (v) => (v === '' || v === undefined ? null : typeof v === 'string' ? Number(v.trim()) : v),
  z.number({ error: 'validation.number' }).int('validation.integer').min(0, 'stages.probability_range').max(100, 'stages.probability_range').nullable(),
);

const kind = z.enum(stageKinds, { error: 'validation.choose' });

export const PipelineInput = z.object({ name: requiredText(60) });

export const NewPipelineApi = z.object({
  name: requiredText(60),
  stages: z
    .array(z.object({ name: requiredText(60), kind: kind.default('open'), probability: probability.optional() }))
    .max(30, 'validation.too_long')
    .optional(),
});

export const StageInput = z.object({
  name: requiredText(60),
  kind: kind.default('open'),
  probability: probability.optional(),
});

export const StagePatch = z.object({
  name: requiredText(60).optional(),
  kind: kind.optional(),
  probability: probability.optional(),
  /** New 0-based place among the pipeline's active stages. */
  position: z.number({ error: 'validation.integer' }).int('validation.integer').min(0, 'validation.integer').optional(),
  archived: z.boolean({ error: 'validation.choose' }).optional(),
});

export const NewStageApi = StageInput.extend({
  position: z.number({ error: 'validation.integer' }).int('validation.integer').min(0, 'validation.integer').optional(),
});

export const StageDirection = z.object({ direction: z.enum(['up', 'down'], { error: 'validation.choose' }) });

export const LostReasonInput = z.object({ name: requiredText(80) });

export const DealFieldInput = z.object({
  label: requiredText(60),
  type: z.enum(fieldTypes, { error: 'validation.choose' }),
  // One choice per line (forms) or an array (API).
  options: z
    .preprocess(
      (v) => (typeof v === 'string' ? v.split(/\r?\n/) : v ?? []),
      z.array(z.string().trim().max(60, 'validation.too_long')).transform((a) => [...new Set(a.filter(Boolean))]),
    )
    .optional(),
});

export const BoardSettingsInput = z.object({
  closed_deals_visible_days: z.preprocess(
    (v) => (typeof v === 'string' ? Number(v.trim() || NaN) : v),
    z.number({ error: 'validation.number' }).int('validation.integer').min(0, 'pipeline.settings.days_range').max(365, 'pipeline.settings.days_range'),
  ),
});

/** Labels: a comma-separated string (forms) or an array (API); trimmed, unique, at most 10. */
const labels = z.preprocess(
  (v) => (typeof v === 'string' ? v.split(',') : v),
  z
    .array(z.string({ error: 'deals.labels_invalid' }).trim().max(40, 'deals.label_too_long'), { error: 'deals.labels_invalid' })
    .transform((a) => [...new Set(a.filter(Boolean))])
    .refine((a) => a.length <= 10, 'deals.too_many_labels'),
);

const currency = z
  .string({ error: 'validation.required' })
  .trim()
  .toUpperCase()
  .refine(isCurrency, 'deals.currency_invalid');

/** Money is a decimal string; the service checks its decimals against the currency. */
const value = z.preprocess(
  blankToUndefined,
  z.string({ error: 'deals.value_string' }).trim().max(40, 'deals.value_invalid').optional(),
);

const closeDate = z.preprocess(
  blankToNull,
  z.iso.date({ error: 'deals.date_invalid' }).nullable(),
);

const dealFields = {
  title: requiredText(200),
  value,
  currency: z.preprocess(blankToUndefined, currency.optional()),
  contact_id: z.preprocess(blankToUndefined, uuid('deals.contact_required')),
  owner_id: z.preprocess(blankToNull, uuid().nullable()).optional(),
  expected_close_date: closeDate.optional(),
  source: z.preprocess(blankToNull, trimmed(100).nullable()).optional(),
  notes: z.preprocess(blankToNull, trimmed(5000).nullable()).optional(),
  labels: labels.optional(),
  custom_fields: z.record(z.string(), z.unknown(), { error: 'deals.custom_fields_invalid' }).optional(),
};

export const NewDeal = z.object({
  ...dealFields,
  pipeline_id: z.preprocess(blankToUndefined, uuid().optional()),
  stage_id: z.preprocess(blankToUndefined, uuid().optional()),
  lost_reason: z.preprocess(blankToUndefined, z.string().trim().max(80, 'validation.too_long').optional()),
});
export type NewDealInput = z.output<typeof NewDeal>;

export const DealPatch = z.object({
  title: dealFields.title.optional(),
  value: dealFields.value,
  currency: dealFields.currency,
  contact_id: z.preprocess(blankToUndefined, uuid('deals.contact_required').optional()),
  owner_id: dealFields.owner_id,
  expected_close_date: dealFields.expected_close_date,
  source: dealFields.source,
  notes: dealFields.notes,
  labels: dealFields.labels,
  custom_fields: dealFields.custom_fields,
  stage_id: z.preprocess(blankToUndefined, uuid().optional()),
  lost_reason: z.preprocess(blankToUndefined, z.string().trim().max(80, 'validation.too_long').optional()),
});
export type DealPatchInput = z.output<typeof DealPatch>;

/**
 * Where a moved deal goes: a stage, and optionally a place in its column: `position` (0-based
 * index among the column's deals), or the neighbour it lands after (`after_id`) or before
 * (`before_id`). Without a place, a deal already in the stage stays put and a deal from
 * another stage goes to the end of the column.
 */
export const MoveDeal = z.object({
  stage_id: z.preprocess(blankToUndefined, uuid()),
  position: z.preprocess(
    (v) => (v === '' || v === undefined ? undefined : typeof v === 'string' ? Number(v) : v),
    z.number({ error: 'validation.integer' }).int('validation.integer').min(0, 'validation.integer').optional(),
  ),
  after_id: z.preprocess(blankToUndefined, uuid().optional()),
  before_id: z.preprocess(blankToUndefined, uuid().optional()),
  lost_reason: z.preprocess(blankToUndefined, z.string().trim().max(80, 'validation.too_long').optional()),
});
export type MoveDealInput = z.output<typeof MoveDeal>;

export const NoteInput = z.object({ body: requiredText(5000) });

/** Board and list filters, from the query string. */
export const closeRanges = ['overdue', 'this_week', 'this_month', 'next_month', 'none'] as const;
export const statuses = ['open', 'won', 'lost', 'all'] as const;
export const DealFilters = z.object({
  pipeline: z.preprocess(blankToUndefined, z.uuid().optional()).catch(undefined),
  owner: z.preprocess(blankToUndefined, z.union([z.uuid(), z.literal('none'), z.literal('me')]).optional()).catch(undefined),
  label: z.preprocess(blankToUndefined, z.string().trim().max(40).optional()).catch(undefined),
  close: z.preprocess(blankToUndefined, z.enum(closeRanges).optional()).catch(undefined),
  q: z.preprocess(blankToUndefined, z.string().trim().max(100).optional()).catch(undefined),
  status: z.preprocess(blankToUndefined, z.enum(statuses).optional()).catch(undefined),
  stage: z.preprocess(blankToUndefined, z.uuid().optional()).catch(undefined),
});
export type DealFilterInput = z.output<typeof DealFilters>;

export const listSorts = ['title', 'value', 'stage', 'owner', 'contact', 'expected_close_date', 'created_at', 'updated_at'] as const;
export const ListQuery = z.object({
  sort: z.enum(listSorts).catch('updated_at').default('updated_at'),
  dir: z.enum(['asc', 'desc']).catch('desc').default('desc'),
  page: z.coerce.number().int().min(1).max(100_000).catch(1).default(1),
});

export const ApiDealQuery = z.object({
  pipeline_id: z.uuid('validation.choose').optional(),
  stage_id: z.uuid('validation.choose').optional(),
  owner_id: z.uuid('validation.choose').optional(),
  contact_id: z.uuid('validation.choose').optional(),
  status: z.enum(statuses, { error: 'validation.choose' }).optional(),
});
