// API authentication: `Authorization: Bearer <token>` names a workspace token; the request's
// workspace is the token's, never one taken from the request.
import type { NextFunction, Request, Response } from 'express';
import type { AppContext } from '../context.js';
import { Unauthorized } from '../web/errors.js';
import { findWorkspace } from '../workspaces/repo.js';
import { findActiveToken, touchApiToken } from './tokens.js';

/** requireToken authenticates the API request or answers 401. */
export function requireToken(ctx: AppContext) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const header = req.get('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) {
      res.set('WWW-Authenticate', 'Bearer');
      throw new Unauthorized('api.token_missing');
    }
    const token = await findActiveToken(ctx.knex, match[1]);
    if (!token) {
      res.set('WWW-Authenticate', 'Bearer error="invalid_token"');
      throw new Unauthorized('api.token_invalid');
    }
    const workspace = await findWorkspace(ctx.knex, token.workspace_id);
    if (!workspace) throw new Unauthorized('api.token_invalid');
    req.workspace = workspace;
    req.apiToken = { id: token.id, name: token.name };
    // A token acts for the workspace with an admin's rights, never an owner's.
    req.membership = { role: 'admin' };
    await touchApiToken(ctx.knex, token);
    next();
  };
}
