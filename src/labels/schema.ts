// Input schemas for labels and for the labels a conversation or contact carries.
import { z } from 'zod';
import { requiredText } from '../web/validate.js';
import { LABEL_COLORS } from './repo.js';

export const labelName = requiredText(50);
export const labelColor = z.enum(LABEL_COLORS, { error: 'labels.color_invalid' });

export const NewLabel = z.object({ name: labelName, color: labelColor });

export const LabelChanges = z
  .object({ name: labelName.optional(), color: labelColor.optional() })
  .refine((v) => v.name !== undefined || v.color !== undefined, { path: ['name'], message: 'labels.nothing_to_change' });

/** The labels of a conversation or contact: ids or names (names must exist), replacing the set. */
export const LabelRefs = z.object({
  labels: z
    .array(z.string({ error: 'labels.ref_invalid' }).trim().min(1, 'labels.ref_invalid').max(100, 'validation.too_long'), { error: 'labels.refs_required' })
    .max(50, 'labels.too_many'),
});
