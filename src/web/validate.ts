// Input validation with zod. A failed parse becomes Invalid with one message per field, which
// the error handler re-renders beside the form (HTML) or returns as `fields` (API).
import type { NextFunction, Request, Response } from 'express';
import { z } from 'zod';
import { Invalid, type FieldErrors } from './errors.js';

/** parseInput validates `input` against `schema` or throws Invalid naming each bad field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  throw new Invalid(fieldErrors(result.error));
}

/** fieldErrors flattens zod issues to the first message per field path. */
export function fieldErrors(error: z.ZodError): FieldErrors {
  const fields: FieldErrors = {};
  for (const issue of error.issues) {
    const key = issue.path.length ? issue.path.join('.') : '_';
    fields[key] ??= issue.message;
  }
  return fields;
}

export interface FormView {
  view: string;
  title: string;
  layout?: 'app' | 'plain';
  /** Extra locals the form needs to render again (select options, the record being edited). */
  locals?: (req: Request) => Promise<Record<string, unknown>> | Record<string, unknown>;
}

/**
 * form marks a POST route as answering an HTML form: when the handler throws Invalid, the error
 * handler renders this view again with the submitted values and the field errors (422).
 */
export function form(view: FormView) {
  return (_req: Request, res: Response, next: NextFunction) => {
    res.locals.formView = view;
    next();
  };
}

// Helpers for form fields: browsers send '' for empty inputs.
export const trimmed = (max = 200) => z.string().trim().max(max, 'validation.too_long');
export const requiredText = (max = 200) => z.string({ error: 'validation.required' }).trim().min(1, 'validation.required').max(max, 'validation.too_long');
export const email = () =>
  z
    .string({ error: 'validation.required' })
    .trim()
    .min(1, 'validation.required')
    .max(254, 'validation.too_long')
    .pipe(z.email('validation.email'));
export const password = () =>
  z.string({ error: 'validation.required' }).min(10, 'validation.password_short').max(200, 'validation.too_long');
