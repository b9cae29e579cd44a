// Custom contact fields: definitions per workspace (key, label, type, options, position) and the
// one validator of their values, shared by the contact form, the API, the CSV import and the
// inbox's contact panel. Values live in contacts.custom keyed by the field's key: numbers as
// JSON numbers, dates as 'YYYY-MM-DD', select and text values as strings. Deleting a field keeps
// its values in contacts.custom; they are simply no longer shown.
import { recordAudit, type Actor } from '../audit/index.js';
import { isUuid, type Db } from '../db/index.js';
import type { Formatter } from '../i18n/index.js';
import { Invalid, NotFound, type FieldErrors } from '../web/errors.js';

export const FIELD_TYPES = ['text', 'number', 'date', 'select'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

export interface ContactFieldRow {
  id: string;
  workspace_id: string;
  key: string;
  label: string;
  type: FieldType;
  options: string[];
  position: number;
  created_at: Date;
}

export type CustomValue = string | number;

/** The longest text value a custom field keeps. */
export const MAX_TEXT_LENGTH = 1000;

/** Keys a custom field cannot take: the CSV columns and API properties of a contact use them. */
export const RESERVED_KEYS = new Set(['id', 'name', 'phone', 'email', 'profile_name', 'username', 'wa_id', 'user_id', 'labels', 'custom', 'created_at', 'updated_at', 'ignore']);

/** listContactFields returns the workspace's fields in their display order. */
export function listContactFields(db: Db, workspaceId: string): Promise<ContactFieldRow[]> {
  return db('contact_fields').where({ workspace_id: workspaceId }).orderBy([{ column: 'position' }, { column: 'created_at' }, { column: 'id' }]);
}

/** findContactField loads a field definition of the workspace. */
export function findContactField(db: Db, workspaceId: string, id: string): Promise<ContactFieldRow | undefined> {
  if (!isUuid(id)) return Promise.resolve(undefined);
  return db('contact_fields').where({ workspace_id: workspaceId, id }).first();
}

/** keyFromLabel makes a field key from its label: 'Date of birth' -> 'date_of_birth'. */
export function keyFromLabel(label: string): string {
  let key = label
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 40)
    .replace(/_+$/, '');
  if (!key) key = 'field';
  if (/^[0-9]/.test(key)) key = `f_${key}`.slice(0, 40);
  if (RESERVED_KEYS.has(key)) key = `${key}_field`;
  return key;
}

function isCalendarDate(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

// checkValue reads one value (trimmed, not empty) for its field: the value to store, or the
// catalog key of the problem.
function checkValue(field: ContactFieldRow, raw: unknown): { value: CustomValue } | { error: string } {
  switch (field.type) {
    case 'number': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && NUMBER.test(raw) ? Number(raw) : NaN;
      return Number.isFinite(n) ? { value: n } : { error: 'contact_fields.invalid_number' };
    }
    case 'date':
      return typeof raw === 'string' && isCalendarDate(raw) ? { value: raw } : { error: 'contact_fields.invalid_date' };
    case 'select': {
      if (typeof raw !== 'string') return { error: 'validation.choose' };
      // The option as defined wins over the case it was typed in (CSV files are written by hand).
      const option = field.options.find((o) => o === raw) ?? field.options.find((o) => o.toLowerCase() === raw.toLowerCase());
      return option !== undefined ? { value: option } : { error: 'validation.choose' };
    }
    default:
      if (typeof raw !== 'string' && typeof raw !== 'number') return { error: 'contact_fields.invalid_text' };
      return String(raw).length <= MAX_TEXT_LENGTH ? { value: String(raw) } : { error: 'contact_fields.text_too_long' };
  }
}

export interface CustomValidation {
  /** key -> the value to store, or null to clear it. */
  values: Record<string, CustomValue | null>;
  /** 'custom.<key>' -> catalog key of the problem. */
  errors: FieldErrors;
}

/**
 * validateCustomValues checks `{key: value}` against the workspace's field definitions: numbers
 * must be finite, dates real YYYY-MM-DD days, select values one of the options, texts at most
 * 1000 characters; unknown keys are refused. null or an empty string clears a value.
 */
export function validateCustomValues(fields: ContactFieldRow[], input: unknown): CustomValidation {
  const result: CustomValidation = { values: {}, errors: {} };
  if (input === undefined || input === null) return result;
  if (typeof input !== 'object' || Array.isArray(input)) {
    result.errors.custom = 'contact_fields.not_an_object';
    return result;
  }
  const byKey = new Map(fields.map((f) => [f.key, f]));
  for (const [key, rawValue] of Object.entries(input as Record<string, unknown>)) {
    const field = byKey.get(key);
    if (!field) {
      result.errors[`custom.${key}`] = 'contact_fields.unknown_key';
      continue;
    }
    const raw = typeof rawValue === 'string' ? rawValue.trim() : rawValue;
    if (raw === null || raw === undefined || raw === '') {
      result.values[key] = null;
      continue;
    }
    const checked = checkValue(field, raw);
    if ('error' in checked) result.errors[`custom.${key}`] = checked.error;
    else result.values[key] = checked.value;
  }
  return result;
}

/** parseCustomValues is validateCustomValues that throws Invalid (422 naming each field) on a bad value. */
export function parseCustomValues(fields: ContactFieldRow[], input: unknown): Record<string, CustomValue | null> {
  const { values, errors } = validateCustomValues(fields, input);
  if (Object.keys(errors).length) throw new Invalid(errors);
  return values;
}

/** applyCustomValues merges validated values into a contact's custom object (null removes a key). */
export function applyCustomValues(current: Record<string, unknown> | null | undefined, values: Record<string, CustomValue | null>): Record<string, unknown> {
  const next: Record<string, unknown> = { ...(current ?? {}) };
  for (const [key, value] of Object.entries(values)) {
    if (value === null) delete next[key];
    else next[key] = value;
  }
  return next;
}

/** visibleCustomValues keeps the values of fields that still exist (deleted fields' values stay stored, unshown). */
export function visibleCustomValues(fields: ContactFieldRow[], custom: Record<string, unknown> | null | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) if (custom && custom[f.key] !== undefined && custom[f.key] !== null) out[f.key] = custom[f.key];
  return out;
}

export interface CustomFieldDisplay {
  field: ContactFieldRow;
  /** The stored value (null when empty). */
  value: CustomValue | null;
  /** The value written for people: a date in the workspace's format, a number with its separators. */
  text: string;
  /** A select value that is no longer one of the options (kept until the contact is saved again). */
  stale: boolean;
}

/** customFieldsForDisplay pairs each field with the contact's value, formatted for reading. */
export function customFieldsForDisplay(fields: ContactFieldRow[], custom: Record<string, unknown> | null | undefined, fmt: Formatter): CustomFieldDisplay[] {
  return fields.map((field) => {
    const raw = custom?.[field.key];
    const value = raw === undefined || raw === null || raw === '' ? null : (raw as CustomValue);
    let text = value === null ? '' : String(value);
    if (value !== null && field.type === 'date' && typeof value === 'string' && isCalendarDate(value)) text = fmt.date(value);
    if (value !== null && field.type === 'number' && typeof value === 'number') text = fmt.number(value);
    return { field, value, text, stale: field.type === 'select' && value !== null && !field.options.includes(String(value)) };
  });
}

/** presentContactField is the API shape of a field definition. */
export function presentContactField(f: ContactFieldRow) {
  return { id: f.id, key: f.key, label: f.label, type: f.type, options: f.options ?? [], position: f.position, created_at: f.created_at };
}

/** createContactField adds a field at the end of the list; the key comes from the label unless given. */
export async function createContactField(
  trx: Db,
  workspaceId: string,
  input: { label: string; key?: string | null; type: FieldType; options: string[] },
  actor: Actor,
): Promise<ContactFieldRow> {
  const key = input.key || keyFromLabel(input.label);
  if (RESERVED_KEYS.has(key)) throw new Invalid({ key: 'contact_fields.key_reserved' });
  if (await trx('contact_fields').where({ workspace_id: workspaceId, key }).first('id')) {
    throw new Invalid(input.key ? { key: 'contact_fields.key_taken' } : { label: 'contact_fields.label_key_taken' });
  }
  const { rows } = await trx.raw('SELECT coalesce(max(position), -1) + 1 AS next FROM contact_fields WHERE workspace_id = ?', [workspaceId]);
  try {
    const [row] = await trx('contact_fields')
      .insert({
        workspace_id: workspaceId,
        key,
        label: input.label,
        type: input.type,
        options: JSON.stringify(input.type === 'select' ? input.options : []),
        position: rows[0].next,
      })
      .returning('*');
    await recordAudit(trx, actor, { workspaceId, action: 'contact_field.created', subjectType: 'contact_field', subjectId: row.id, data: { name: row.label, key, type: row.type } });
    return row;
  } catch (err) {
    if ((err as { code?: string }).code === '23505') throw new Invalid({ key: 'contact_fields.key_taken' });
    throw err;
  }
}

/** updateContactField renames a field and, for a select field, changes its options. Key and type stay. */
export async function updateContactField(
  trx: Db,
  workspaceId: string,
  id: string,
  input: { label?: string; options?: string[] },
  actor: Actor,
): Promise<ContactFieldRow> {
  const field = await findContactField(trx, workspaceId, id);
  if (!field) throw new NotFound();
  const changes: Record<string, unknown> = {};
  if (input.label !== undefined) changes.label = input.label;
  if (input.options !== undefined && field.type === 'select') {
    if (!input.options.length) throw new Invalid({ options: 'contact_fields.options_required' });
    changes.options = JSON.stringify(input.options);
  }
  if (!Object.keys(changes).length) return field;
  const [row] = await trx('contact_fields').where({ workspace_id: workspaceId, id }).update(changes).returning('*');
  await recordAudit(trx, actor, { workspaceId, action: 'contact_field.updated', subjectType: 'contact_field', subjectId: id, data: { name: row.label, key: row.key } });
  return row;
}

/**
 * moveContactField moves a field one place up or down, or to a 0-based position; positions are
 * renumbered 0..n-1.
 */
export async function moveContactField(trx: Db, workspaceId: string, id: string, to: 'up' | 'down' | number, actor: Actor): Promise<void> {
  // Lock the list so two moves at once cannot interleave their renumbering.
  const fields: ContactFieldRow[] = await trx('contact_fields')
    .where({ workspace_id: workspaceId })
    .orderBy([{ column: 'position' }, { column: 'created_at' }, { column: 'id' }])
    .forUpdate();
  const index = fields.findIndex((f) => f.id === id);
  if (index < 0) throw new NotFound();
  const target = to === 'up' ? index - 1 : to === 'down' ? index + 1 : Math.min(Math.max(0, to), fields.length - 1);
  if (target < 0 || target >= fields.length || target === index) return;
  const [moved] = fields.splice(index, 1);
  fields.splice(target, 0, moved);
  for (const [position, f] of fields.entries()) {
    if (f.position !== position) await trx('contact_fields').where({ workspace_id: workspaceId, id: f.id }).update({ position });
  }
  await recordAudit(trx, actor, { workspaceId, action: 'contact_field.moved', subjectType: 'contact_field', subjectId: id, data: { name: moved.label, position: target } });
}

/** deleteContactField removes a field definition; contacts keep its values in custom, unshown. */
export async function deleteContactField(trx: Db, workspaceId: string, id: string, actor: Actor): Promise<ContactFieldRow> {
  const [row] = await trx('contact_fields').where({ workspace_id: workspaceId, id }).delete().returning('*');
  if (!row) throw new NotFound();
  await recordAudit(trx, actor, { workspaceId, action: 'contact_field.deleted', subjectType: 'contact_field', subjectId: id, data: { name: row.label, key: row.key } });
  return row;
}
