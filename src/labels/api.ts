// API: labels, and the labels of a conversation or a contact.
import { Router, type Request, type Response } from 'express';
import { actorOf } from '../audit/index.js';
import type { AppContext } from '../context.js';
import { commonErrors, dataResponse, errorResponse, idParameter, jsonBody, listResponse, pageParameters, type PathItems } from '../api/openapi.js';
import { paginate, PageQuery } from '../api/pagination.js';
import { findContact } from '../contacts/repo.js';
import { findConversation } from '../inbox/conversations.js';
import { notFound } from '../web/errors.js';
import { parseInput } from '../web/validate.js';
import { findLabel, LABEL_COLORS, labelsWithUsage, labelsOfContact, labelsOfConversation, type LabelRow } from './repo.js';
import { LabelChanges, LabelRefs, NewLabel } from './schema.js';
import { createLabel, deleteLabel, resolveLabelRefs, setContactLabels, setConversationLabels, updateLabel } from './service.js';

export const labelSchema = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    name: { type: 'string' },
    color: { type: 'string', enum: [...LABEL_COLORS] },
    created_at: { type: 'string', format: 'date-time' },
  },
};

const labelWithUsageSchema = {
  type: 'object',
  properties: {
    ...labelSchema.properties,
    conversations_count: { type: 'integer', description: 'Conversations carrying the label' },
    contacts_count: { type: 'integer', description: 'Contacts carrying the label' },
  },
};

const labelList = { type: 'array', items: labelSchema };

/** presentLabel is the API shape of a label (with usage counts when the query had them). */
export function presentLabel(l: LabelRow & { conversations_count?: number | string; contacts_count?: number | string }) {
  return {
    id: l.id,
    name: l.name,
    color: l.color,
    created_at: l.created_at,
    ...(l.conversations_count !== undefined ? { conversations_count: Number(l.conversations_count), contacts_count: Number(l.contacts_count) } : {}),
  };
}

const setLabels = (what: string) => ({
  summary: `Replace the labels of a ${what}`,
  description:
    'The body lists every label the ' +
    what +
    ' should carry, by id or by name (any case); labels not listed are taken off. Names must exist: an unknown label answers 422 naming it. `{"labels": []}` removes them all.',
  tags: ['labels'],
  parameters: [idParameter()],
  requestBody: jsonBody(LabelRefs),
  responses: { 200: dataResponse(`The ${what}'s labels, by name`, labelList), 404: commonErrors[404], 422: errorResponse('An unknown label (`fields.labels` names it)') },
});

export const labelApiPaths: PathItems = {
  '/labels': {
    get: {
      summary: "The workspace's labels, with how many conversations and contacts carry each",
      tags: ['labels'],
      parameters: pageParameters,
      responses: { 200: listResponse('Labels, oldest first', labelWithUsageSchema), 401: commonErrors[401], 422: commonErrors[422] },
    },
    post: {
      summary: 'Create a label',
      description: `Names are unique in the workspace regardless of case. Colours: ${LABEL_COLORS.join(', ')}.`,
      tags: ['labels'],
      requestBody: jsonBody(NewLabel),
      responses: { 201: dataResponse('The label', labelSchema), 401: commonErrors[401], 422: errorResponse('Invalid name or colour, or the name is taken') },
    },
  },
  '/labels/{id}': {
    get: { summary: 'A label', tags: ['labels'], parameters: [idParameter()], responses: { 200: dataResponse('The label', labelWithUsageSchema), 404: commonErrors[404] } },
    patch: {
      summary: 'Rename or recolour a label',
      tags: ['labels'],
      parameters: [idParameter()],
      requestBody: jsonBody(LabelChanges),
      responses: { 200: dataResponse('The label', labelSchema), 404: commonErrors[404], 422: commonErrors[422] },
    },
    delete: {
      summary: 'Delete a label (it is taken off every conversation and contact)',
      tags: ['labels'],
      parameters: [idParameter()],
      responses: { 204: { description: 'Deleted' }, 404: commonErrors[404] },
    },
  },
  '/conversations/{id}/labels': {
    get: { summary: 'The labels of a conversation', tags: ['labels'], parameters: [idParameter()], responses: { 200: dataResponse('Labels, by name', labelList), 404: commonErrors[404] } },
    post: setLabels('conversation'),
  },
  '/contacts/{id}/labels': {
    get: { summary: 'The labels of a contact', tags: ['labels'], parameters: [idParameter()], responses: { 200: dataResponse('Labels, by name', labelList), 404: commonErrors[404] } },
    post: setLabels('contact'),
  },
};

/** labelApi is the route table of /api/v1/labels and the labels of conversations and contacts. */
export function labelApi(ctx: AppContext): Router {
  const router = Router();
  const { knex } = ctx;
  router.get('/labels', list);
  router.post('/labels', create);
  router.get('/labels/:id', show);
  router.patch('/labels/:id', update);
  router.delete('/labels/:id', remove);
  router.get('/conversations/:id/labels', conversationLabels);
  router.post('/conversations/:id/labels', setOfConversation);
  router.get('/contacts/:id/labels', contactLabels);
  router.post('/contacts/:id/labels', setOfContact);
  return router;

  async function list(req: Request, res: Response) {
    const page = parseInput(PageQuery, req.query);
    const query = labelsWithUsage(knex, req.workspace!.id);
    const result = await paginate<LabelRow & Record<string, unknown>>(query, page, { timeColumn: 'l.created_at', idColumn: 'l.id', direction: 'asc' });
    res.json({ data: result.data.map(presentLabel), next_cursor: result.next_cursor });
  }

  async function create(req: Request, res: Response) {
    const input = parseInput(NewLabel, req.body);
    const label = await knex.transaction((trx) => createLabel(trx, req.workspace!.id, input, actorOf(req)));
    res.status(201).json({ data: presentLabel(label) });
  }

  async function show(req: Request, res: Response) {
    const label = (await findLabel(knex, req.workspace!.id, String(req.params.id))) ?? notFound();
    const row = await labelsWithUsage(knex, req.workspace!.id).andWhere('l.id', label.id).first();
    res.json({ data: presentLabel(row) });
  }

  async function update(req: Request, res: Response) {
    (await findLabel(knex, req.workspace!.id, String(req.params.id))) ?? notFound();
    const input = parseInput(LabelChanges, req.body);
    const label = await knex.transaction((trx) => updateLabel(trx, req.workspace!.id, String(req.params.id), input, actorOf(req)));
    res.json({ data: presentLabel(label) });
  }

  async function remove(req: Request, res: Response) {
    await knex.transaction((trx) => deleteLabel(trx, req.workspace!.id, String(req.params.id), actorOf(req)));
    res.status(204).end();
  }

  async function conversationLabels(req: Request, res: Response) {
    const conversation = (await findConversation(knex, req.workspace!.id, String(req.params.id))) ?? notFound();
    res.json({ data: (await labelsOfConversation(knex, req.workspace!.id, conversation.id)).map(presentLabel) });
  }

  async function setOfConversation(req: Request, res: Response) {
    const ws = req.workspace!.id;
    const conversation = (await findConversation(knex, ws, String(req.params.id))) ?? notFound();
    const { labels } = parseInput(LabelRefs, req.body);
    const result = await knex.transaction(async (trx) => setConversationLabels(trx, ws, conversation.id, await resolveLabelRefs(trx, ws, labels), actorOf(req)));
    res.json({ data: result.map(presentLabel) });
  }

  async function contactLabels(req: Request, res: Response) {
    const contact = (await findContact(knex, req.workspace!.id, String(req.params.id))) ?? notFound();
    res.json({ data: (await labelsOfContact(knex, req.workspace!.id, contact.id)).map(presentLabel) });
  }

  async function setOfContact(req: Request, res: Response) {
    const ws = req.workspace!.id;
    const contact = (await findContact(knex, ws, String(req.params.id))) ?? notFound();
    const { labels } = parseInput(LabelRefs, req.body);
    const result = await knex.transaction(async (trx) => setContactLabels(trx, ws, contact.id, await resolveLabelRefs(trx, ws, labels), actorOf(req)));
    res.json({ data: result.map(presentLabel) });
  }
}
