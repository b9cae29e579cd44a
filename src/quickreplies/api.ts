// API: quick replies. API tokens act with an admin's rights, so they may change any of them.
import { Router, type Request, type Response } from 'express';
import { actorOf } from '../audit/index.js';
import type { AppContext } from '../context.js';
import { commonErrors, dataResponse, errorResponse, idParameter, jsonBody, listResponse, pageParameters, type PathItems } from '../api/openapi.js';
import { paginate, PageQuery } from '../api/pagination.js';
import { notFound } from '../web/errors.js';
import { parseInput } from '../web/validate.js';
import { findQuickReply, quickRepliesQuery, type QuickReplyRow } from './repo.js';
import { NewQuickReply, QuickReplyChanges, QuickReplyQuery } from './schema.js';
import { createQuickReply, deleteQuickReply, updateQuickReply, type QuickReplyEditor } from './service.js';

export const quickReplySchema = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    shortcut: { type: 'string', description: 'Typed after a slash in the composer: /shortcut' },
    text: { type: 'string', description: 'May contain the placeholders {{contact_name}} and {{agent_name}}' },
    created_by: { type: ['string', 'null'], format: 'uuid', description: 'The member who wrote it (null when made through the API)' },
    created_at: { type: 'string', format: 'date-time' },
    updated_at: { type: 'string', format: 'date-time' },
  },
};

/** presentQuickReply is the API shape of a quick reply. */
export function presentQuickReply(r: QuickReplyRow) {
  return { id: r.id, shortcut: r.shortcut, text: r.text, created_by: r.created_by, created_at: r.created_at, updated_at: r.updated_at };
}

export const quickReplyApiPaths: PathItems = {
  '/quick-replies': {
    get: {
      summary: "The workspace's quick replies",
      tags: ['quick replies'],
      parameters: [{ name: 'q', in: 'query', description: 'Only shortcuts starting with this (case-insensitive)', schema: { type: 'string' } }, ...pageParameters],
      responses: { 200: listResponse('Quick replies, oldest first', quickReplySchema), 401: commonErrors[401], 422: commonErrors[422] },
    },
    post: {
      summary: 'Create a quick reply',
      description:
        'Shortcuts are letters, digits, `-` and `_` (up to 32, without the slash; a leading slash is dropped) and unique in the workspace regardless of case. The text (up to 4096 characters) may contain `{{contact_name}}` and `{{agent_name}}`, filled in when an agent inserts the reply.',
      tags: ['quick replies'],
      requestBody: jsonBody(NewQuickReply),
      responses: { 201: dataResponse('The quick reply', quickReplySchema), 401: commonErrors[401], 422: errorResponse('Invalid shortcut or text, or the shortcut is taken') },
    },
  },
  '/quick-replies/{id}': {
    get: { summary: 'A quick reply', tags: ['quick replies'], parameters: [idParameter()], responses: { 200: dataResponse('The quick reply', quickReplySchema), 404: commonErrors[404] } },
    patch: {
      summary: 'Change a quick reply',
      tags: ['quick replies'],
      parameters: [idParameter()],
      requestBody: jsonBody(QuickReplyChanges),
      responses: { 200: dataResponse('The quick reply', quickReplySchema), 404: commonErrors[404], 422: commonErrors[422] },
    },
    delete: { summary: 'Delete a quick reply', tags: ['quick replies'], parameters: [idParameter()], responses: { 204: { description: 'Deleted' }, 404: commonErrors[404] } },
  },
};

/** quickReplyApi is the route table of /api/v1/quick-replies. */
export function quickReplyApi(ctx: AppContext): Router {
  const router = Router();
  const { knex } = ctx;
  // Tokens act with an admin's rights.
  const tokenEditor: QuickReplyEditor = { role: 'admin', userId: null };
  router.get('/quick-replies', list);
  router.post('/quick-replies', create);
  router.get('/quick-replies/:id', show);
  router.patch('/quick-replies/:id', update);
  router.delete('/quick-replies/:id', remove);
  return router;

  async function list(req: Request, res: Response) {
    const page = parseInput(PageQuery, { limit: req.query.limit, cursor: req.query.cursor });
    const { q } = parseInput(QuickReplyQuery, { q: req.query.q });
    const result = await paginate<QuickReplyRow & Record<string, unknown>>(quickRepliesQuery(knex, req.workspace!.id, q), page, {
      timeColumn: 'created_at',
      idColumn: 'id',
      direction: 'asc',
    });
    res.json({ data: result.data.map(presentQuickReply), next_cursor: result.next_cursor });
  }

  async function create(req: Request, res: Response) {
    const input = parseInput(NewQuickReply, req.body);
    const reply = await knex.transaction((trx) => createQuickReply(trx, req.workspace!.id, input, actorOf(req)));
    res.status(201).json({ data: presentQuickReply(reply) });
  }

  async function show(req: Request, res: Response) {
    const reply = (await findQuickReply(knex, req.workspace!.id, String(req.params.id))) ?? notFound();
    res.json({ data: presentQuickReply(reply) });
  }

  async function update(req: Request, res: Response) {
    (await findQuickReply(knex, req.workspace!.id, String(req.params.id))) ?? notFound();
    const input = parseInput(QuickReplyChanges, req.body);
    const reply = await knex.transaction((trx) => updateQuickReply(trx, req.workspace!.id, String(req.params.id), input, tokenEditor, actorOf(req)));
    res.json({ data: presentQuickReply(reply) });
  }

  async function remove(req: Request, res: Response) {
    await knex.transaction((trx) => deleteQuickReply(trx, req.workspace!.id, String(req.params.id), tokenEditor, actorOf(req)));
    res.status(204).end();
  }
}
