// Sending a template: check the variables against the template before anything is queued
// (count, named or positional, header media, URL button suffixes) and build the components
// Meta expects. Errors name the field, so the API and the composer can show them in place.
import { Invalid, type FieldErrors } from '../web/errors.js';

export interface TemplateRecord {
  name: string;
  language: string;
  status: string;
  category: string | null;
  parameter_format: string;
  components: unknown;
}

export interface TemplateInput {
  name: string;
  language: string;
  variables?: Record<string, string> | string[];
  header?: { media_id?: string; link?: string; variables?: Record<string, string> | string[] };
  buttons?: Array<{ index: number; text: string }>;
}

export interface PreparedTemplate {
  /** The `template` object of Meta's send payload; header media ids are filled in at send time. */
  template: { name: string; language: { code: string }; components: Array<Record<string, unknown>> };
  /** Our media file to upload for the header, if any. */
  headerMediaId: string | null;
  headerFormat: 'IMAGE' | 'VIDEO' | 'DOCUMENT' | 'TEXT' | null;
  /** The message as the customer will read it (for the thread and the conversation list). */
  preview: string;
}

interface Component {
  type?: string;
  format?: string;
  text?: string;
  buttons?: Array<{ type?: string; text?: string; url?: string }>;
}

const VAR = /\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g;

/** variablesIn lists the distinct variable names of a text, in order of appearance. */
export function variablesIn(text: string | undefined): string[] {
  const names: string[] = [];
  for (const m of (text ?? '').matchAll(VAR)) if (!names.includes(m[1])) names.push(m[1]);
  return names;
}

function componentsOf(t: TemplateRecord): Component[] {
  return Array.isArray(t.components) ? (t.components as Component[]) : [];
}

function fill(text: string, values: Record<string, string>): string {
  return text.replace(VAR, (whole, name: string) => values[name] ?? whole);
}

/**
 * Reads the values for a text's variables from the input: an array fills {{1}}, {{2}} ... in
 * order; an object fills by name (for positional templates its keys are '1', '2' ...).
 */
function valuesFor(
  names: string[],
  given: Record<string, string> | string[] | undefined,
  named: boolean,
  field: string,
  errors: FieldErrors,
): Record<string, string> {
  const values: Record<string, string> = {};
  if (!names.length) return values;
  if (given === undefined) {
    errors[field] = named ? `template.needs_named:${names.join(', ')}` : `template.needs_count:${names.length}`;
    return values;
  }
  if (Array.isArray(given)) {
    if (named) {
      errors[field] = `template.needs_named:${names.join(', ')}`;
      return values;
    }
    if (given.length !== names.length) {
      errors[field] = `template.needs_count:${names.length}`;
      return values;
    }
    names.forEach((n, i) => (values[n] = String(given[Number(n) - 1] ?? given[i] ?? '')));
  } else {
    const extra = Object.keys(given).filter((k) => !names.includes(k));
    if (extra.length) errors[field] = `template.unknown_variables:${extra.join(', ')}`;
    for (const n of names) values[n] = given[n] === undefined || given[n] === null ? '' : String(given[n]);
  }
  for (const n of names) {
    const v = values[n].trim();
    if (!v) errors[`${field}.${n}`] = 'validation.required';
    else if (v.length > 1024) errors[`${field}.${n}`] = 'validation.too_long';
    else if (/\n|\t| {5,}/.test(values[n]) && field.includes('header')) errors[`${field}.${n}`] = 'template.header_plain_text';
  }
  return values;
}

/** prepareTemplate validates `input` against the template and builds Meta's template object. */
export function prepareTemplate(t: TemplateRecord, input: TemplateInput): PreparedTemplate {
  const errors: FieldErrors = {};
  if (t.status !== 'APPROVED') throw new Invalid({ 'template.name': `template.not_approved:${t.status}` }, 'template.not_approved_message', 'template_not_approved');
  const named = t.parameter_format === 'NAMED';
  const components = componentsOf(t);
  const header = components.find((c) => c.type?.toUpperCase() === 'HEADER');
  const body = components.find((c) => c.type?.toUpperCase() === 'BODY');
  const buttons = components.find((c) => c.type?.toUpperCase() === 'BUTTONS')?.buttons ?? [];
  const out: Array<Record<string, unknown>> = [];
  const param = (name: string, value: string) => (named ? { type: 'text', parameter_name: name, text: value } : { type: 'text', text: value });

  let headerFormat: PreparedTemplate['headerFormat'] = null;
  let headerMediaId: string | null = null;
  let headerText = '';
  if (header) {
    headerFormat = (header.format?.toUpperCase() ?? 'TEXT') as PreparedTemplate['headerFormat'];
    if (headerFormat === 'TEXT') {
      const names = variablesIn(header.text);
      const values = valuesFor(names, input.header?.variables, named, 'template.header.variables', errors);
      headerText = fill(header.text ?? '', values);
      if (names.length) out.push({ type: 'header', parameters: names.map((n) => param(n, values[n] ?? '')) });
    } else if (headerFormat === 'IMAGE' || headerFormat === 'VIDEO' || headerFormat === 'DOCUMENT') {
      const kind = headerFormat.toLowerCase();
      if (input.header?.media_id) {
        headerMediaId = input.header.media_id;
        // The id of the upload to Meta is filled in by the sender.
        out.push({ type: 'header', parameters: [{ type: kind, [kind]: { id: null } }] });
      } else if (input.header?.link) {
        if (!/^https:\/\/\S+$/.test(input.header.link)) errors['template.header.link'] = 'template.header_link_https';
        out.push({ type: 'header', parameters: [{ type: kind, [kind]: { link: input.header.link } }] });
      } else {
        errors['template.header.media_id'] = `template.header_media_required:${kind}`;
      }
    }
  }

  const bodyNames = variablesIn(body?.text);
  const bodyValues = valuesFor(bodyNames, input.variables, named, 'template.variables', errors);
  if (bodyNames.length) out.push({ type: 'body', parameters: bodyNames.map((n) => param(n, bodyValues[n] ?? '')) });
  if (!bodyNames.length && input.variables && (Array.isArray(input.variables) ? input.variables.length : Object.keys(input.variables).length)) {
    errors['template.variables'] = 'template.no_variables';
  }

  buttons.forEach((b, index) => {
    if (b.type?.toUpperCase() !== 'URL' || !variablesIn(b.url).length) return;
    const suffix = input.buttons?.find((x) => Number(x.index) === index)?.text?.trim();
    if (!suffix) errors[`template.buttons.${index}`] = `template.button_suffix_required:${b.text ?? index}`;
    else out.push({ type: 'button', sub_type: 'url', index: String(index), parameters: [{ type: 'text', text: suffix }] });
  });

  if (Object.keys(errors).length) throw new Invalid(errors, 'template.invalid_variables', 'invalid_template_variables');
  const preview = [headerText, fill(body?.text ?? '', bodyValues)].filter(Boolean).join('\n');
  return {
    template: { name: t.name, language: { code: t.language }, components: out },
    headerMediaId,
    headerFormat,
    preview: preview || t.name,
  };
}
