// CSV contact imports. Upload: the file is read for its columns and a sample, stored, and its
// columns mapped (guessed from the headers, confirmed by a person or given to the API). Start:
// the import is queued and the contact-import worker (import-worker.ts) runs it in batches of
// 500 rows, one transaction each, so the progress shows as it goes and a crash resumes at the
// last committed batch. A row whose phone number (folded key) is known updates that contact;
// others create one; bad rows are rejected with their reasons. Importing a file twice creates
// nothing new: the second run finds every number and updates.
import { Readable } from 'node:stream';
import type { NextFunction, Request, Response } from 'express';
import { parse } from 'csv-parse';
import multer from 'multer';
import { z } from 'zod';
import { recordAudit, type Actor } from '../audit/index.js';
import type { AppContext } from '../context.js';
import { isUuid, type Db } from '../db/index.js';
import type { Translate } from '../i18n/index.js';
import { Invalid, NotFound } from '../web/errors.js';
import { csvParseOptions, detectDelimiter, readCsvHead, unguardCell } from './csv.js';
import { validateCustomValues, type ContactFieldRow } from './fields.js';
import { normalizePhone } from './phone.js';

/** The largest CSV file an import takes. */
export const MAX_IMPORT_BYTES = 20 * 1024 * 1024;
/** Rows per transaction: big enough to be quick, small enough for a lively progress bar. */
export const IMPORT_BATCH_SIZE = 500;
/** Rejected rows listed in the report (all are counted). */
export const MAX_REJECTED_LISTED = 1000;

export type ImportStatus = 'uploaded' | 'queued' | 'running' | 'done' | 'failed';

export interface ImportColumn {
  index: number;
  header: string;
  samples: string[];
}

export interface RejectedRow {
  /** The row as a spreadsheet numbers it (the header is row 1). */
  row: number;
  problems: Array<{ field: string | null; reason: string }>;
  values: string[];
}

export interface ContactImportRow {
  id: string;
  workspace_id: string;
  created_by: string | null;
  created_by_token: string | null;
  filename: string | null;
  storage_key: string | null;
  columns: ImportColumn[];
  /** Column index (as a string) -> 'name' | 'phone' | 'email' | 'custom:<key>'. */
  mapping: Record<string, string>;
  status: ImportStatus;
  total_rows: number;
  processed_rows: number;
  created_count: number;
  updated_count: number;
  rejected_count: number;
  rejected_rows: RejectedRow[];
  error: string | null;
  created_at: Date;
  started_at: Date | null;
  finished_at: Date | null;
  heartbeat_at: Date | null;
}

const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: MAX_IMPORT_BYTES, files: 1, fields: 50 } });

/** csvUpload reads a multipart form with one CSV file in `file` (at most 20 MB; larger answers 422). */
export function csvUpload(req: Request, res: Response, next: NextFunction): void {
  upload.single('file')(req, res, (err: unknown) => {
    if (!err) return next();
    const code = (err as { code?: string }).code;
    if (code === 'LIMIT_FILE_SIZE') return next(new Invalid({ file: 'contacts.import.too_large' }));
    if (code === 'LIMIT_UNEXPECTED_FILE' || code === 'LIMIT_FILE_COUNT') return next(new Invalid({ file: 'media.one_file' }));
    next(err);
  });
}

/** findImport loads an import of the workspace. */
export function findImport(db: Db, workspaceId: string, id: string): Promise<ContactImportRow | undefined> {
  if (!isUuid(id)) return Promise.resolve(undefined);
  return db('contact_imports').where({ workspace_id: workspaceId, id }).first();
}

/** recentImports lists the workspace's latest imports, newest first. */
export function recentImports(db: Db, workspaceId: string, limit = 10): Promise<ContactImportRow[]> {
  return db('contact_imports')
    .where({ workspace_id: workspaceId })
    .orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }])
    .limit(limit);
}

export interface ImportTarget {
  value: string;
  label: string;
}

/** importTargets are what a column can be mapped to: nothing, name, phone, email or a custom field. */
export function importTargets(fields: ContactFieldRow[], t: Translate): ImportTarget[] {
  return [
    { value: 'ignore', label: t('contacts.import.ignore') },
    { value: 'name', label: t('fields.name') },
    { value: 'phone', label: t('contacts.phone') },
    { value: 'email', label: t('fields.email') },
    ...fields.map((f) => ({ value: `custom:${f.key}`, label: f.label })),
  ];
}

const simplify = (s: string) =>
  s
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');

// Header names people give these columns, in the languages PAR CRM's customers write in.
const HEADER_GUESSES: Record<string, string[]> = {
  phone: ['phone', 'phonenumber', 'phoneno', 'telephone', 'tel', 'mobile', 'mobilephone', 'mobilenumber', 'cell', 'cellphone', 'whatsapp', 'whatsappnumber', 'wanumber', 'waid', 'number', 'msisdn', 'telefone', 'celular', 'telefono', 'movil', 'numero', 'contactnumber'],
  name: ['name', 'fullname', 'contactname', 'contact', 'customer', 'customername', 'client', 'clientname', 'displayname', 'nome', 'nomecompleto', 'nombre', 'cliente'],
  email: ['email', 'emailaddress', 'mail', 'correo', 'correoelectronico'],
};

/** guessMapping maps columns to targets by their headers; each target is taken by the first column that fits. */
export function guessMapping(headers: string[], fields: ContactFieldRow[]): Record<string, string> {
  const mapping: Record<string, string> = {};
  const taken = new Set<string>();
  headers.forEach((header, index) => {
    const h = simplify(header);
    if (!h) return;
    let target = Object.keys(HEADER_GUESSES).find((k) => HEADER_GUESSES[k].includes(h));
    if (!target) {
      const field = fields.find((f) => simplify(f.key) === h || simplify(f.label) === h);
      if (field) target = `custom:${field.key}`;
    }
    if (target && !taken.has(target)) {
      taken.add(target);
      mapping[String(index)] = target;
    }
  });
  return mapping;
}

/**
 * checkMapping verifies a mapping (column index -> target): known columns and targets, each
 * target once, and a phone column. Throws Invalid naming the problem.
 */
export function checkMapping(mapping: Record<string, string>, columns: ImportColumn[], fields: ContactFieldRow[]): Record<string, string> {
  const valid = new Set(['name', 'phone', 'email', ...fields.map((f) => `custom:${f.key}`)]);
  const clean: Record<string, string> = {};
  const used = new Map<string, number>();
  const errors: Record<string, string> = {};
  for (const [index, target] of Object.entries(mapping)) {
    if (!target || target === 'ignore') continue;
    if (!columns.some((c) => String(c.index) === index)) {
      errors[`mapping.${index}`] = 'contacts.import.unknown_column';
      continue;
    }
    if (!valid.has(target)) {
      errors[`mapping.${index}`] = 'contacts.import.unknown_target';
      continue;
    }
    if (used.has(target)) {
      errors[`mapping.${index}`] = 'contacts.import.target_twice';
      continue;
    }
    used.set(target, Number(index));
    clean[index] = target;
  }
  if (!used.has('phone') && !Object.keys(errors).length) errors.mapping = 'contacts.import.phone_required';
  if (Object.keys(errors).length) throw new Invalid(errors);
  return clean;
}

/**
 * mappingFromApi reads the API's `{column: field}` (column: a header, or the column's 1-based
 * number; field: name, phone, email, a custom field key, or ignore) as a column-index mapping.
 */
export function mappingFromApi(input: Record<string, string>, columns: ImportColumn[], fields: ContactFieldRow[]): Record<string, string> {
  const mapping: Record<string, string> = {};
  const errors: Record<string, string> = {};
  for (const [column, field] of Object.entries(input)) {
    const col = columns.find((c) => c.header === column) ?? (/^\d+$/.test(column) ? columns.find((c) => c.index === Number(column) - 1) : undefined);
    if (!col) {
      errors[`mapping.${column}`] = 'contacts.import.unknown_column';
      continue;
    }
    const target = ['ignore', 'name', 'phone', 'email'].includes(field) ? field : fields.some((f) => f.key === field) ? `custom:${field}` : null;
    if (!target) errors[`mapping.${column}`] = 'contacts.import.unknown_target';
    else mapping[String(col.index)] = target;
  }
  if (Object.keys(errors).length) throw new Invalid(errors);
  return mapping;
}

/** readUploadedCsv checks an uploaded file is UTF-8 CSV text and reads its columns with three sample rows. */
export function readUploadedCsv(buffer: Buffer): ImportColumn[] {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(buffer);
  } catch {
    throw new Invalid({ file: 'contacts.import.not_utf8' });
  }
  if (text.includes('\u0000')) throw new Invalid({ file: 'contacts.import.not_csv' });
  let head: string[][];
  try {
    head = readCsvHead(text, 4);
  } catch {
    throw new Invalid({ file: 'contacts.import.not_csv' });
  }
  const [header, ...samples] = head;
  if (!header || !header.some((h) => h.trim())) throw new Invalid({ file: 'contacts.import.empty' });
  if (header.length > 200) throw new Invalid({ file: 'contacts.import.too_many_columns' });
  return header.map((h, index) => ({
    index,
    header: h.trim() || `#${index + 1}`,
    samples: samples.map((row) => (row[index] ?? '').slice(0, 120)),
  }));
}

/** createImport stores an uploaded CSV and records the import, waiting for its mapping (guessed unless given). */
export async function createImport(
  ctx: AppContext,
  workspaceId: string,
  file: Express.Multer.File | undefined,
  fields: ContactFieldRow[],
  actor: Actor,
  mapping?: Record<string, string>,
): Promise<ContactImportRow> {
  if (!file || !file.size) throw new Invalid({ file: file ? 'contacts.import.empty' : 'validation.required' });
  const columns = readUploadedCsv(file.buffer);
  mapping ??= guessMapping(
    columns.map((c) => c.header),
    fields,
  );
  const key = await ctx.media.put(workspaceId, file.buffer);
  const filename = file.originalname.replace(/[\\/\0]/g, '_').slice(0, 200) || 'contacts.csv';
  try {
    return await ctx.knex.transaction(async (trx) => {
      const [row] = await trx('contact_imports')
        .insert({
          workspace_id: workspaceId,
          created_by: actor.userId ?? null,
          created_by_token: actor.tokenId ?? null,
          filename,
          storage_key: key,
          columns: JSON.stringify(columns),
          mapping: JSON.stringify(mapping),
          status: 'uploaded',
        })
        .returning('*');
      await recordAudit(trx, actor, { workspaceId, action: 'contact_import.uploaded', subjectType: 'contact_import', subjectId: row.id, data: { name: filename, size: file.size } });
      return row;
    });
  } catch (err) {
    await ctx.media.delete(key);
    throw err;
  }
}

/** startImport saves the mapping and queues the import for the worker (only while it waits for one). */
export async function startImport(ctx: AppContext, workspaceId: string, importId: string, mapping: Record<string, string>, fields: ContactFieldRow[], actor: Actor): Promise<ContactImportRow> {
  const row = await ctx.knex.transaction(async (trx) => {
    const imp = await trx('contact_imports').where({ workspace_id: workspaceId, id: importId }).forUpdate().first();
    if (!imp) throw new NotFound();
    if (imp.status !== 'uploaded') throw new Invalid({ _: 'contacts.import.already_started' }, 'contacts.import.already_started', 'already_started');
    const clean = checkMapping(mapping, imp.columns, fields);
    const [queued] = await trx('contact_imports')
      .where({ workspace_id: workspaceId, id: importId })
      .update({ mapping: JSON.stringify(clean), status: 'queued' })
      .returning('*');
    await recordAudit(trx, actor, { workspaceId, action: 'contact_import.started', subjectType: 'contact_import', subjectId: importId, data: { name: imp.filename } });
    return queued;
  });
  ctx.signals.wake('contact-imports');
  return row;
}

/** discardImport forgets an import that was uploaded but never started, with its file. */
export async function discardImport(ctx: AppContext, workspaceId: string, importId: string, actor: Actor): Promise<void> {
  const key = await ctx.knex.transaction(async (trx) => {
    const [row] = await trx('contact_imports').where({ workspace_id: workspaceId, id: importId, status: 'uploaded' }).delete().returning('*');
    if (!row) throw new NotFound();
    await recordAudit(trx, actor, { workspaceId, action: 'contact_import.discarded', subjectType: 'contact_import', subjectId: importId, data: { name: row.filename } });
    return row.storage_key as string | null;
  });
  if (key) await ctx.media.delete(key);
}

/**
 * discardAbandonedImports deletes imports uploaded before `before` that never got a mapping, and
 * the stored files of imports that failed before then (all workspaces: a maintenance job).
 */
export async function discardAbandonedImports(ctx: AppContext, before: Date): Promise<{ discarded: number; files: number }> {
  const abandoned: Array<{ storage_key: string | null }> = await ctx.knex('contact_imports').where({ status: 'uploaded' }).andWhere('created_at', '<', before).delete().returning(['storage_key']);
  // A failed import is final: its file is no longer needed, its report stays.
  const failed: Array<{ id: string; storage_key: string | null }> = await ctx.knex('contact_imports')
    .where({ status: 'failed' })
    .whereNotNull('storage_key')
    .andWhere('created_at', '<', before)
    .select('id', 'storage_key');
  if (failed.length) await ctx.knex('contact_imports').whereIn('id', failed.map((f) => f.id)).update({ storage_key: null });
  let files = 0;
  for (const row of [...abandoned, ...failed]) {
    if (!row.storage_key) continue;
    await ctx.media.delete(row.storage_key);
    files += 1;
  }
  return { discarded: abandoned.length, files };
}

/** rejectionText writes one rejected row's problems for people ("Birthday: Enter a date as YYYY-MM-DD"). */
export function rejectionText(rejected: RejectedRow, fields: ContactFieldRow[], t: Translate): string {
  return rejected.problems
    .map((p) => {
      const label = !p.field ? null : p.field === 'name' ? t('fields.name') : p.field === 'phone' ? t('contacts.phone') : p.field === 'email' ? t('fields.email') : (fields.find((f) => f.key === p.field)?.label ?? p.field);
      return label ? `${label}: ${t(p.reason)}` : t(p.reason);
    })
    .join('; ');
}

/** presentImport is the API shape of an import. */
export function presentImport(imp: ContactImportRow, fields: ContactFieldRow[], t: Translate) {
  const mapping: Record<string, string> = {};
  for (const [index, target] of Object.entries(imp.mapping ?? {})) {
    const column = imp.columns.find((c) => String(c.index) === index);
    if (column) mapping[column.header] = target.replace(/^custom:/, '');
  }
  return {
    id: imp.id,
    status: imp.status,
    filename: imp.filename,
    columns: imp.columns.map((c) => c.header),
    mapping,
    total_rows: imp.total_rows,
    processed_rows: imp.processed_rows,
    created_count: imp.created_count,
    updated_count: imp.updated_count,
    rejected_count: imp.rejected_count,
    rejected_rows: (imp.rejected_rows ?? []).map((r) => ({ row: r.row, reason: rejectionText(r, fields, t), problems: r.problems.map((p) => ({ field: p.field, code: p.reason.split(':')[0], message: t(p.reason) })) })),
    error: imp.error ? t(imp.error) : null,
    created_at: imp.created_at,
    started_at: imp.started_at,
    finished_at: imp.finished_at,
  };
}

// ---------------------------------------------------------------------------------------------
// Running an import (called by the worker).

interface ContactFromRow {
  phone: string;
  phone_key: string;
  name: string | null;
  email: string | null;
  custom: Record<string, unknown>;
}

const emailSchema = z.email();

/** readRow turns one CSV record into the contact it describes, or the problems that stop it. */
export function readRow(cells: string[], mapping: Array<[number, string]>, fields: ContactFieldRow[]): { contact: ContactFromRow | null; problems: RejectedRow['problems'] } {
  const problems: RejectedRow['problems'] = [];
  const values: Record<string, string> = {};
  const custom: Record<string, string> = {};
  for (const [index, target] of mapping) {
    const cell = unguardCell((cells[index] ?? '').trim());
    if (target.startsWith('custom:')) {
      if (cell) custom[target.slice(7)] = cell;
    } else values[target] = cell;
  }
  const phone = values.phone ? normalizePhone(values.phone) : null;
  if (!values.phone) problems.push({ field: 'phone', reason: 'contacts.import.phone_missing' });
  else if (!phone) problems.push({ field: 'phone', reason: 'contacts.invalid_phone' });
  const name = values.name || null;
  if (name && name.length > 200) problems.push({ field: 'name', reason: 'validation.too_long' });
  const email = values.email || null;
  if (email && (email.length > 254 || !emailSchema.safeParse(email).success)) problems.push({ field: 'email', reason: 'validation.email' });
  const checked = validateCustomValues(fields, custom);
  for (const [key, reason] of Object.entries(checked.errors)) problems.push({ field: key.replace(/^custom\./, ''), reason });
  if (problems.length || !phone) return { contact: null, problems };
  const customValues = Object.fromEntries(Object.entries(checked.values).filter(([, v]) => v !== null));
  return { contact: { phone: phone.e164, phone_key: phone.key, name, email, custom: customValues }, problems };
}

interface CsvRecord {
  cells: string[];
  /** The row as a spreadsheet numbers it. */
  row: number;
}

/** csvRecords reads a stored CSV record by record (streaming, so a large file is not held parsed). */
async function* csvRecords(buffer: Buffer): AsyncGenerator<CsvRecord> {
  const delimiter = detectDelimiter(buffer.subarray(0, 65536).toString('utf8').replace(/^\uFEFF/, ''));
  const chunks = function* () {
    for (let at = 0; at < buffer.length; at += 64 * 1024) yield buffer.subarray(at, at + 64 * 1024);
  };
  const parser = Readable.from(chunks()).pipe(parse({ ...csvParseOptions(delimiter), info: true }));
  for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { records: number; empty_lines: number } }>) {
    // Spreadsheets number blank lines too: the record count plus the blank lines before it.
    yield { cells: record, row: info.records + info.empty_lines };
  }
}

/** Thrown when another worker took the import over (its heartbeat looked stale): this one stops. */
export class ImportTakenOver extends Error {}

interface RunState {
  seen: Map<string, number>;
  listed: number;
  processed: number;
}

async function commitBatch(trx: Db, imp: ContactImportRow, batch: CsvRecord[], mapping: Array<[number, string]>, fields: ContactFieldRow[], state: RunState): Promise<void> {
  const rejected: RejectedRow[] = [];
  const accepted: ContactFromRow[] = [];
  for (const record of batch) {
    const { contact, problems } = readRow(record.cells, mapping, fields);
    if (contact && state.seen.has(contact.phone_key)) problems.push({ field: 'phone', reason: `contacts.import.duplicate_phone:${state.seen.get(contact.phone_key)}` });
    if (contact && !problems.length) {
      state.seen.set(contact.phone_key, record.row);
      accepted.push(contact);
    } else {
      rejected.push({ row: record.row, problems, values: record.cells.slice(0, 50).map((c) => c.slice(0, 200)) });
    }
  }
  let created = 0;
  if (accepted.length) {
    // created_at a microsecond apart, so the newest-first contacts list shows the file's order.
    const placeholders = accepted.map(() => "(?, ?, ?, ?, ?, ?, ?::jsonb, now() + ? * interval '1 microsecond')").join(', ');
    const bindings = accepted.flatMap((c, i) => [imp.workspace_id, c.phone, c.phone_key, c.phone.slice(1), c.name, c.email, JSON.stringify(c.custom), i]);
    // The number decides: a known one (in any of its forms) fills or overwrites the mapped
    // values of that contact; empty cells change nothing.
    const { rows } = await trx.raw(
      `INSERT INTO contacts (workspace_id, phone, phone_key, wa_id, name, email, custom, created_at) VALUES ${placeholders}
       ON CONFLICT (workspace_id, phone_key) WHERE phone_key IS NOT NULL DO UPDATE SET
         name = coalesce(EXCLUDED.name, contacts.name),
         email = coalesce(EXCLUDED.email, contacts.email),
         custom = contacts.custom || EXCLUDED.custom,
         updated_at = now()
       RETURNING (xmax = 0) AS inserted`,
      bindings,
    );
    created = rows.filter((r: { inserted: boolean }) => r.inserted).length;
  }
  const listed = rejected.slice(0, Math.max(0, MAX_REJECTED_LISTED - state.listed));
  const updated = await trx('contact_imports')
    .where({ workspace_id: imp.workspace_id, id: imp.id, status: 'running', processed_rows: state.processed })
    .update({
      processed_rows: state.processed + batch.length,
      created_count: trx.raw('created_count + ?', [created]),
      updated_count: trx.raw('updated_count + ?', [accepted.length - created]),
      rejected_count: trx.raw('rejected_count + ?', [rejected.length]),
      rejected_rows: listed.length ? trx.raw('rejected_rows || ?::jsonb', [JSON.stringify(listed)]) : trx.raw('rejected_rows'),
      heartbeat_at: trx.fn.now(),
    });
  if (!updated) throw new ImportTakenOver();
  state.listed += listed.length;
  state.processed += batch.length;
}

async function countRecords(buffer: Buffer): Promise<number> {
  let n = 0;
  for await (const _ of csvRecords(buffer)) n++;
  return n;
}

/**
 * runImport works through a claimed import from its last committed row: counts the rows (first
 * time), then reads, checks and saves them batch by batch. Returns 'stopped' when `stopping()`
 * said so between batches (the import is queued again for the next worker).
 */
export async function runImport(ctx: AppContext, imp: ContactImportRow, stopping: () => boolean): Promise<'done' | 'stopped'> {
  const { knex } = ctx;
  const where = { workspace_id: imp.workspace_id, id: imp.id };
  if (!imp.storage_key) throw new Error(`import ${imp.id} has no stored file`);
  const buffer = await ctx.media.read(imp.storage_key);
  const fields: ContactFieldRow[] = await knex('contact_fields').where({ workspace_id: imp.workspace_id });
  const mapping = Object.entries(imp.mapping).map(([i, target]) => [Number(i), target] as [number, string]);
  if (!imp.total_rows) {
    const total = Math.max(0, (await countRecords(buffer)) - 1);
    await knex('contact_imports').where(where).update({ total_rows: total });
  }
  const state: RunState = { seen: new Map(), listed: (imp.rejected_rows ?? []).length, processed: imp.processed_rows };
  let batch: CsvRecord[] = [];
  let index = -1;
  const flush = async () => {
    await knex.transaction((trx) => commitBatch(trx, imp, batch, mapping, fields, state));
    batch = [];
  };
  for await (const record of csvRecords(buffer)) {
    index += 1;
    if (index === 0) continue; // the header
    if (index <= imp.processed_rows) {
      // Committed by an earlier run: only remember which numbers it took, to spot duplicates.
      const { contact, problems } = readRow(record.cells, mapping, fields);
      if (contact && !problems.length && !state.seen.has(contact.phone_key)) state.seen.set(contact.phone_key, record.row);
      continue;
    }
    batch.push(record);
    if (batch.length >= IMPORT_BATCH_SIZE) {
      await flush();
      if (stopping()) return 'stopped';
    }
  }
  if (batch.length) await flush();
  await knex.transaction(async (trx) => {
    const [done] = await trx('contact_imports')
      .where({ ...where, status: 'running' })
      .update({ status: 'done', finished_at: trx.fn.now(), storage_key: null, total_rows: state.processed, heartbeat_at: null })
      .returning('*');
    if (!done) throw new ImportTakenOver();
    await recordAudit(trx, { userId: imp.created_by, tokenId: imp.created_by_token }, {
      workspaceId: imp.workspace_id,
      action: 'contact_import.finished',
      subjectType: 'contact_import',
      subjectId: imp.id,
      data: { name: imp.filename, created: done.created_count, updated: done.updated_count, rejected: done.rejected_count },
    });
  });
  await ctx.media.delete(imp.storage_key);
  return 'done';
}

/** failImport records that an import could not run (the file vanished, a bug): the page says so. */
export async function failImport(ctx: AppContext, imp: ContactImportRow, reason = 'contacts.import.failed'): Promise<void> {
  await ctx.knex('contact_imports')
    .where({ workspace_id: imp.workspace_id, id: imp.id })
    .whereIn('status', ['queued', 'running'])
    .update({ status: 'failed', error: reason, finished_at: ctx.knex.fn.now(), heartbeat_at: null });
}
