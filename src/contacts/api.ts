// API: contacts (with their custom field values and labels), merging, custom field definitions,
// and CSV imports.
import { Router, type Request, type Response } from 'express';
import { actorOf } from '../audit/index.js';
import type { AppContext } from '../context.js';
import type { Db } from '../db/index.js';
import { commonErrors, dataResponse, errorResponse, idParameter, jsonBody, listResponse, pageParameters, type PathItems } from '../api/openapi.js';
import { PageQuery } from '../api/pagination.js';
import { translator } from '../i18n/index.js';
import { Invalid, notFound } from '../web/errors.js';
import { parseInput } from '../web/validate.js';
import {
  createContactField,
  deleteContactField,
  findContactField,
  listContactFields,
  moveContactField,
  presentContactField,
  updateContactField,
  visibleCustomValues,
  type ContactFieldRow,
} from './fields.js';
import { checkMapping, createImport, csvUpload, findImport, guessMapping, mappingFromApi, presentImport, readUploadedCsv, startImport } from './import.js';
import { mergeContacts } from './merge.js';
import { normalizePhone } from './phone.js';
import { findContact, labelsOfContacts, searchContacts, type ContactRow, type LabelRef } from './repo.js';
import { ContactChanges, ContactFieldChanges, ContactQuery, ImportMappingInput, MergeContacts, NewContact, NewContactField } from './schema.js';
import { createContact, deleteContact, updateContact } from './service.js';

const labelSchema = {
  type: 'object',
  properties: { id: { type: 'string', format: 'uuid' }, name: { type: 'string' }, color: { type: 'string' } },
};

export const contactSchema = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    phone: { type: ['string', 'null'], description: 'E.164' },
    wa_id: { type: ['string', 'null'] },
    user_id: { type: ['string', 'null'], description: "WhatsApp's business-scoped user id" },
    username: { type: ['string', 'null'] },
    name: { type: ['string', 'null'] },
    profile_name: { type: ['string', 'null'], description: 'The name the customer set in WhatsApp' },
    email: { type: ['string', 'null'] },
    custom: {
      type: 'object',
      description: 'Custom field values by field key (numbers as numbers, dates as YYYY-MM-DD); fields that were deleted are left out',
      additionalProperties: { type: ['string', 'number'] },
    },
    labels: { type: 'array', items: labelSchema },
    created_at: { type: 'string', format: 'date-time' },
    updated_at: { type: 'string', format: 'date-time' },
  },
};

const fieldSchema = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    key: { type: 'string', description: 'The key of the value in a contact\'s `custom`, and a CSV column name' },
    label: { type: 'string' },
    type: { type: 'string', enum: ['text', 'number', 'date', 'select'] },
    options: { type: 'array', items: { type: 'string' }, description: 'The choices of a select field' },
    position: { type: 'integer' },
    created_at: { type: 'string', format: 'date-time' },
  },
};

const importSchema = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    status: { type: 'string', enum: ['uploaded', 'queued', 'running', 'done', 'failed'] },
    filename: { type: ['string', 'null'] },
    columns: { type: 'array', items: { type: 'string' } },
    mapping: { type: 'object', additionalProperties: { type: 'string' }, description: 'CSV column -> name, phone, email or a custom field key' },
    total_rows: { type: 'integer' },
    processed_rows: { type: 'integer' },
    created_count: { type: 'integer' },
    updated_count: { type: 'integer' },
    rejected_count: { type: 'integer' },
    rejected_rows: {
      type: 'array',
      description: 'The first 1000 rejected rows; `row` counts the header as row 1',
      items: {
        type: 'object',
        properties: {
          row: { type: 'integer' },
          reason: { type: 'string' },
          problems: { type: 'array', items: { type: 'object', properties: { field: { type: ['string', 'null'] }, code: { type: 'string' }, message: { type: 'string' } } } },
        },
      },
    },
    error: { type: ['string', 'null'] },
    created_at: { type: 'string', format: 'date-time' },
    started_at: { type: ['string', 'null'], format: 'date-time' },
    finished_at: { type: ['string', 'null'], format: 'date-time' },
  },
};

/** presentContact is the API shape of a contact; `labels` and `fields` come from presentContacts. */
export function presentContact(c: ContactRow, labels: LabelRef[] = [], fields?: ContactFieldRow[]) {
  return {
    id: c.id,
    phone: c.phone,
    wa_id: c.wa_id,
    user_id: c.wa_user_id,
    username: c.username,
    name: c.name,
    profile_name: c.profile_name,
    email: c.email,
    custom: fields ? visibleCustomValues(fields, c.custom) : (c.custom ?? {}),
    labels,
    created_at: c.created_at,
    updated_at: c.updated_at,
  };
}

/** presentContacts presents contacts with their labels and the values of the workspace's current fields. */
export async function presentContacts(db: Db, workspaceId: string, contacts: ContactRow[]) {
  const fields = await listContactFields(db, workspaceId);
  const labels = await labelsOfContacts(db, workspaceId, contacts.map((c) => c.id));
  return contacts.map((c) => presentContact(c, labels.get(c.id) ?? [], fields));
}

export const contactApiPaths: PathItems = {
  '/contacts': {
    get: {
      summary: 'List or find contacts',
      tags: ['contacts'],
      parameters: [
        { name: 'phone', in: 'query', description: 'Any written form of the number; Brazilian and Mexican variants match', schema: { type: 'string' } },
        { name: 'wa_id', in: 'query', schema: { type: 'string' } },
        { name: 'q', in: 'query', description: 'Words that start a word of the name, WhatsApp name or email; or digits of the phone number', schema: { type: 'string' } },
        ...pageParameters,
      ],
      responses: { 200: listResponse('Contacts, newest first', contactSchema), 401: commonErrors[401], 422: commonErrors[422] },
    },
    post: {
      summary: 'Create a contact',
      tags: ['contacts'],
      requestBody: jsonBody(NewContact),
      responses: { 201: dataResponse('The contact', contactSchema), 401: commonErrors[401], 422: commonErrors[422] },
    },
  },
  '/contacts/{id}': {
    get: { summary: 'A contact', tags: ['contacts'], parameters: [idParameter()], responses: { 200: dataResponse('The contact', contactSchema), 404: commonErrors[404] } },
    patch: {
      summary: 'Change a contact (custom: only the keys given change; null clears one)',
      tags: ['contacts'],
      parameters: [idParameter()],
      requestBody: jsonBody(ContactChanges),
      responses: { 200: dataResponse('The contact', contactSchema), 404: commonErrors[404], 422: commonErrors[422] },
    },
    delete: {
      summary: 'Delete a contact with its conversations, messages and notes',
      tags: ['contacts'],
      parameters: [idParameter()],
      responses: { 204: { description: 'Deleted' }, 404: commonErrors[404] },
    },
  },
  '/contacts/{id}/merge': {
    post: {
      summary: 'Merge another contact into this one',
      description:
        'This contact keeps its values and fills its blanks from the other (custom values the same way); labels are joined; conversations, notes and deals move here (two conversations on the same channel become one); then the other contact is deleted.',
      tags: ['contacts'],
      parameters: [idParameter()],
      requestBody: jsonBody(MergeContacts),
      responses: { 200: dataResponse('The kept contact', contactSchema), 404: commonErrors[404], 409: errorResponse('Something of the other contact could not move'), 422: commonErrors[422] },
    },
  },
  '/contacts/import': {
    post: {
      summary: 'Import contacts from a CSV file (runs in the background)',
      description:
        'UTF-8 (with or without BOM), comma or semicolon separated, header row first, at most 20 MB. `mapping` (JSON) maps columns (header, or 1-based number) to name, phone, email, a custom field key or ignore; without it the columns are guessed from their headers. A phone column is required. A row whose number is already known updates that contact; others create one.',
      tags: ['contacts'],
      requestBody: {
        required: true,
        content: {
          'multipart/form-data': {
            schema: {
              type: 'object',
              required: ['file'],
              properties: { file: { type: 'string', format: 'binary' }, mapping: { type: 'string', description: 'JSON: {"Column header": "phone", ...}' } },
            },
          },
        },
      },
      responses: { 202: dataResponse('The queued import; poll it for progress', importSchema), 401: commonErrors[401], 422: commonErrors[422] },
    },
  },
  '/contacts/imports/{id}': {
    get: { summary: 'An import: its progress, counts and rejected rows', tags: ['contacts'], parameters: [idParameter()], responses: { 200: dataResponse('The import', importSchema), 404: commonErrors[404] } },
  },
  '/contact-fields': {
    get: { summary: 'Custom contact fields, in display order', tags: ['contacts'], responses: { 200: dataResponse('The fields', { type: 'array', items: fieldSchema }), 401: commonErrors[401] } },
    post: {
      summary: 'Add a custom contact field (the key is made from the label unless given)',
      tags: ['contacts'],
      requestBody: jsonBody(NewContactField),
      responses: { 201: dataResponse('The field', fieldSchema), 401: commonErrors[401], 422: commonErrors[422] },
    },
  },
  '/contact-fields/{id}': {
    get: { summary: 'A custom contact field', tags: ['contacts'], parameters: [idParameter()], responses: { 200: dataResponse('The field', fieldSchema), 404: commonErrors[404] } },
    patch: {
      summary: "Rename a field, change a select field's options, or move it (key and type stay)",
      tags: ['contacts'],
      parameters: [idParameter()],
      requestBody: jsonBody(ContactFieldChanges),
      responses: { 200: dataResponse('The field', fieldSchema), 404: commonErrors[404], 422: commonErrors[422] },
    },
    delete: {
      summary: 'Delete a field (contacts keep its values, no longer shown)',
      tags: ['contacts'],
      parameters: [idParameter()],
      responses: { 204: { description: 'Deleted' }, 404: commonErrors[404] },
    },
  },
};

/** contactApi is the route table of /api/v1/contacts and /api/v1/contact-fields. */
export function contactApi(ctx: AppContext): Router {
  const router = Router();
  const { knex } = ctx;
  router.get('/contacts', list);
  router.post('/contacts', create);
  router.post('/contacts/import', csvUpload, importCsv);
  router.get('/contacts/imports/:id', showImport);
  router.get('/contacts/:id', show);
  router.patch('/contacts/:id', update);
  router.delete('/contacts/:id', destroy);
  router.post('/contacts/:id/merge', merge);
  router.get('/contact-fields', listFields);
  router.post('/contact-fields', createField);
  router.get('/contact-fields/:id', showField);
  router.patch('/contact-fields/:id', updateField);
  router.delete('/contact-fields/:id', deleteField);
  return router;

  async function presentOne(req: Request, c: ContactRow) {
    return (await presentContacts(knex, req.workspace!.id, [c]))[0];
  }

  async function list(req: Request, res: Response) {
    const page = parseInput(PageQuery, { limit: req.query.limit, cursor: req.query.cursor });
    const filters = parseInput(ContactQuery, req.query);
    const result = await searchContacts(knex, req.workspace!.id, filters.q ?? '', page, (q) => {
      if (filters.phone) {
        const phone = normalizePhone(filters.phone);
        q.andWhere('contacts.phone_key', phone ? phone.key : '-');
      }
      if (filters.wa_id) q.andWhere('contacts.wa_id', filters.wa_id.replace(/\D/g, ''));
    });
    res.json({ data: await presentContacts(knex, req.workspace!.id, result.data), next_cursor: result.next_cursor });
  }

  async function create(req: Request, res: Response) {
    const input = parseInput(NewContact, req.body);
    const contact = await knex.transaction((trx) => createContact(trx, req.workspace!.id, input, actorOf(req)));
    res.status(201).json({ data: await presentOne(req, contact) });
  }

  async function show(req: Request, res: Response) {
    const contact = (await findContact(knex, req.workspace!.id, String(req.params.id))) ?? notFound();
    res.json({ data: await presentOne(req, contact) });
  }

  async function update(req: Request, res: Response) {
    const input = parseInput(ContactChanges, req.body);
    const contact = await knex.transaction((trx) => updateContact(trx, req.workspace!.id, String(req.params.id), input, actorOf(req)));
    res.json({ data: await presentOne(req, contact) });
  }

  async function destroy(req: Request, res: Response) {
    await knex.transaction((trx) => deleteContact(trx, req.workspace!.id, String(req.params.id), actorOf(req)));
    res.status(204).end();
  }

  async function merge(req: Request, res: Response) {
    const { other_contact_id } = parseInput(MergeContacts, req.body);
    const kept = await knex.transaction((trx) => mergeContacts(trx, req.workspace!.id, String(req.params.id), other_contact_id, actorOf(req)));
    res.json({ data: await presentOne(req, kept) });
  }

  async function importCsv(req: Request, res: Response) {
    const ws = req.workspace!.id;
    const fields = await listContactFields(knex, ws);
    let mappingInput: Record<string, string> | null = null;
    if (typeof req.body?.mapping === 'string' && req.body.mapping.trim()) {
      let json: unknown;
      try {
        json = JSON.parse(req.body.mapping);
      } catch {
        throw new Invalid({ mapping: 'contacts.import.bad_mapping' });
      }
      mappingInput = parseInput(ImportMappingInput, json);
    }
    // Check the file and the mapping before anything is stored: a refused request leaves nothing behind.
    if (!req.file || !req.file.size) throw new Invalid({ file: req.file ? 'contacts.import.empty' : 'validation.required' });
    const columns = readUploadedCsv(req.file.buffer);
    const wanted = mappingInput
      ? mappingFromApi(mappingInput, columns, fields)
      : guessMapping(
          columns.map((c) => c.header),
          fields,
        );
    const mapping = checkMapping(wanted, columns, fields);
    const imp = await createImport(ctx, ws, req.file, fields, actorOf(req), mapping);
    const queued = await startImport(ctx, ws, imp.id, mapping, fields, actorOf(req));
    res.status(202).json({ data: presentImport(queued, fields, translator(req.workspace!.locale)) });
  }

  async function showImport(req: Request, res: Response) {
    const imp = (await findImport(knex, req.workspace!.id, String(req.params.id))) ?? notFound();
    const fields = await listContactFields(knex, req.workspace!.id);
    res.json({ data: presentImport(imp, fields, translator(req.workspace!.locale)) });
  }

  async function listFields(req: Request, res: Response) {
    res.json({ data: (await listContactFields(knex, req.workspace!.id)).map(presentContactField) });
  }

  async function createField(req: Request, res: Response) {
    const input = parseInput(NewContactField, req.body);
    const field = await knex.transaction((trx) => createContactField(trx, req.workspace!.id, input, actorOf(req)));
    res.status(201).json({ data: presentContactField(field) });
  }

  async function showField(req: Request, res: Response) {
    const field = (await findContactField(knex, req.workspace!.id, String(req.params.id))) ?? notFound();
    res.json({ data: presentContactField(field) });
  }

  async function updateField(req: Request, res: Response) {
    const { position, ...changes } = parseInput(ContactFieldChanges, req.body);
    const field = await knex.transaction(async (trx) => {
      const updated = await updateContactField(trx, req.workspace!.id, String(req.params.id), changes, actorOf(req));
      if (position !== undefined) await moveContactField(trx, req.workspace!.id, updated.id, position, actorOf(req));
      return (await findContactField(trx, req.workspace!.id, updated.id))!;
    });
    res.json({ data: presentContactField(field) });
  }

  async function deleteField(req: Request, res: Response) {
    await knex.transaction((trx) => deleteContactField(trx, req.workspace!.id, String(req.params.id), actorOf(req)));
    res.status(204).end();
  }
}
