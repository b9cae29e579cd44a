// Who may see what. The current workspace comes from the session and is checked against the
// user's memberships on every request; the role comes from that membership.
import type { NextFunction, Request, Response } from 'express';
import type { AppContext } from '../context.js';
import { findMembership, findWorkspace, membershipsOfUser, type Role } from '../workspaces/repo.js';
import { Forbidden } from './errors.js';
import { isHtmx } from './render.js';

/**
 * loadWorkspace resolves the signed-in user's current workspace: the session's choice if the
 * user still belongs to it, else the last one used, else the first membership.
 */
export function loadWorkspace(ctx: AppContext) {
  return async (req: Request, _res: Response, next: NextFunction) => {
    if (!req.user) return next();
    const candidates = [req.session.workspaceId, req.user.last_workspace_id].filter(Boolean) as string[];
    for (const id of candidates) {
      const membership = await findMembership(ctx.knex, id, req.user.id);
      if (membership) {
        req.workspace = await findWorkspace(ctx.knex, id);
        req.membership = membership;
        req.session.workspaceId = id;
        return next();
      }
    }
    const [first] = await membershipsOfUser(ctx.knex, req.user.id);
    if (first) {
      req.workspace = await findWorkspace(ctx.knex, first.workspace_id);
      req.membership = { role: first.role };
      req.session.workspaceId = first.workspace_id;
    } else {
      delete req.session.workspaceId;
    }
    next();
  };
}

/** requireUser sends visitors without a session to the sign-in page, remembering where they were. */
export function requireUser(req: Request, res: Response, next: NextFunction): void {
  if (req.user) return next();
  if (req.method === 'GET' && !isHtmx(req)) req.session.returnTo = req.originalUrl;
  if (isHtmx(req)) {
    res.set('HX-Redirect', '/login').status(401).end();
    return;
  }
  res.redirect(303, '/login');
}

/** requireMember needs a signed-in user working in a workspace (else: create one). */
export function requireMember(req: Request, res: Response, next: NextFunction): void {
  requireUser(req, res, () => {
    if (req.workspace && req.membership) return next();
    res.redirect(303, '/workspaces/new');
  });
}

/** requireRole allows only members with one of the roles (owners can do whatever admins can). */
export function requireRole(...allowed: Role[]) {
  return (req: Request, res: Response, next: NextFunction) => {
    requireMember(req, res, () => {
      if (!allowed.includes(req.membership!.role)) throw new Forbidden();
      next();
    });
  };
}

/** canManage tells whether a role may manage the workspace (settings, members, tokens). */
export function canManage(role: Role | undefined): boolean {
  return role === 'owner' || role === 'admin';
}
