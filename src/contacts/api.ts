// API: contacts.
import { Router, type Request, type Response } from 'express';
import { actorOf } from '../audit/index.js';
import type { AppContext } from '../context.js';
import { commonErrors, dataResponse, idParameter, jsonBody, listResponse, pageParameters, type PathItems } from '../api/openapi.js';
import { paginate, PageQuery } from '../api/pagination.js';
import { notFound } from '../web/errors.js';
import { parseInput } from '../web/validate.js';
import { normalizePhone } from './phone.js';
import { findContact, type ContactRow } from './repo.js';
import { ContactChanges, ContactQuery, NewContact } from './schema.js';
import { createContact, updateContact } from './service.js';

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
    created_at: { type: 'string', format: 'date-time' },
    updated_at: { type: 'string', format: 'date-time' },
  },
};

/** presentContact is the API shape of a contact. */
export function presentContact(c: ContactRow) {
  return {
    id: c.id,
    phone: c.phone,
    wa_id: c.wa_id,
    user_id: c.wa_user_id,
    username: c.username,
    name: c.name,
    profile_name: c.profile_name,
    email: c.email,
    created_at: c.created_at,
    updated_at: c.updated_at,
  };
}

export const contactApiPaths: PathItems = {
  '/contacts': {
    get: {
      summary: 'List or find contacts',
      tags: ['contacts'],
      parameters: [
        { name: 'phone', in: 'query', description: 'Any written form of the number; Brazilian and Mexican variants match', schema: { type: 'string' } },
        { name: 'wa_id', in: 'query', schema: { type: 'string' } },
        { name: 'q', in: 'query', description: 'Name, WhatsApp name, phone or email contains', schema: { type: 'string' } },
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
      summary: 'Change a contact',
      tags: ['contacts'],
      parameters: [idParameter()],
      requestBody: jsonBody(ContactChanges),
      responses: { 200: dataResponse('The contact', contactSchema), 404: commonErrors[404], 422: commonErrors[422] },
    },
  },
};

/** contactApi is the route table of /api/v1/contacts. */
export function contactApi(ctx: AppContext): Router {
  const router = Router();
  router.get('/contacts', list);
  router.post('/contacts', create);
  router.get('/contacts/:id', show);
  router.patch('/contacts/:id', update);
  return router;

  async function list(req: Request, res: Response) {
    const page = parseInput(PageQuery, { limit: req.query.limit, cursor: req.query.cursor });
    const filters = parseInput(ContactQuery, req.query);
    const q = ctx.knex('contacts').where('workspace_id', req.workspace!.id).select('*');
    if (filters.phone) {
      const phone = normalizePhone(filters.phone);
      q.andWhere('phone_key', phone ? phone.key : '-');
    }
    if (filters.wa_id) q.andWhere('wa_id', filters.wa_id.replace(/\D/g, ''));
    if (filters.q) {
      const like = `%${filters.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      q.andWhere((w) => w.whereILike('name', like).orWhereILike('profile_name', like).orWhereILike('phone', like).orWhereILike('email', like));
    }
    const result = await paginate<ContactRow & Record<string, unknown>>(q, page, { timeColumn: 'created_at', idColumn: 'id' });
    res.json({ data: result.data.map(presentContact), next_cursor: result.next_cursor });
  }

  async function create(req: Request, res: Response) {
    const input = parseInput(NewContact, req.body);
    const contact = await ctx.knex.transaction((trx) => createContact(trx, req.workspace!.id, input, actorOf(req)));
    res.status(201).json({ data: presentContact(contact) });
  }

  async function show(req: Request, res: Response) {
    const contact = (await findContact(ctx.knex, req.workspace!.id, String(req.params.id))) ?? notFound();
    res.json({ data: presentContact(contact) });
  }

  async function update(req: Request, res: Response) {
    const input = parseInput(ContactChanges, req.body);
    const contact = await ctx.knex.transaction((trx) => updateContact(trx, req.workspace!.id, String(req.params.id), input, actorOf(req)));
    res.json({ data: presentContact(contact) });
  }
}
