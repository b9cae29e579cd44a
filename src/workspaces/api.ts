// API: the token's workspace and its members.
import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../context.js';
import { paginate, PageQuery } from '../api/pagination.js';
import { commonErrors, dataResponse, listResponse, pageParameters, type PathItems } from '../api/openapi.js';
import { parseInput } from '../web/validate.js';
import type { WorkspaceRow } from './repo.js';

const workspaceSchema = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    name: { type: 'string' },
    time_zone: { type: 'string' },
    currency: { type: 'string' },
    locale: { type: 'string' },
    created_at: { type: 'string', format: 'date-time' },
  },
};

const memberSchema = {
  type: 'object',
  properties: {
    user_id: { type: 'string', format: 'uuid' },
    name: { type: 'string' },
    email: { type: 'string' },
    role: { type: 'string', enum: ['owner', 'admin', 'agent'] },
    created_at: { type: 'string', format: 'date-time' },
  },
};

export const workspaceApiPaths: PathItems = {
  '/me': {
    get: {
      summary: "The token's workspace",
      tags: ['workspace'],
      responses: {
        200: dataResponse('The workspace and the token', {
          type: 'object',
          properties: { workspace: workspaceSchema, token: { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' } } } },
        }),
        401: commonErrors[401],
      },
    },
  },
  '/members': {
    get: {
      summary: "The workspace's members",
      tags: ['workspace'],
      parameters: pageParameters,
      responses: { 200: listResponse('Members, newest first', memberSchema), 401: commonErrors[401], 422: commonErrors[422] },
    },
  },
};

/** presentWorkspace is the API shape of a workspace. */
export function presentWorkspace(w: WorkspaceRow) {
  return { id: w.id, name: w.name, time_zone: w.time_zone, currency: w.currency, locale: w.locale, created_at: w.created_at };
}

/** workspaceApi is the route table for /api/v1/me and /api/v1/members. */
export function workspaceApi(ctx: AppContext): Router {
  const router = Router();
  router.get('/me', me);
  router.get('/members', members);
  return router;

  function me(req: Request, res: Response) {
    res.json({ data: { workspace: presentWorkspace(req.workspace!), token: req.apiToken } });
  }

  async function members(req: Request, res: Response) {
    const page = parseInput(PageQuery, req.query);
    const query = ctx.knex('memberships as m')
      .join('users as u', 'u.id', 'm.user_id')
      .where('m.workspace_id', req.workspace!.id)
      .select('m.user_id', 'u.name', 'u.email', 'm.role', 'm.created_at');
    res.json(await paginate(query, page, { timeColumn: 'm.created_at', idColumn: 'm.user_id' }));
  }
}
