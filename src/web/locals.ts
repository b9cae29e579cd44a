// What every template can use: the user, the workspace, its formatters and translations, the
// CSRF token and flash messages. Set once here, so handlers pass only their own data.
import type { NextFunction, Request, Response } from 'express';
import type { AppContext } from '../context.js';
import { defaultLocale, formatter, translator } from '../i18n/index.js';
import { unreadConversations } from '../inbox/repo.js';
import { membershipsOfUser } from '../workspaces/repo.js';
import { csrfToken } from './csrf.js';
import { takeFlash } from './flash.js';
import { canManage } from './guards.js';
import { isHtmx } from './render.js';

/** viewLocals fills res.locals for the templates of browser (non-API) requests. */
export function viewLocals(ctx: AppContext) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const ws = req.workspace;
    const locale = ws?.locale ?? defaultLocale;
    res.locals.t = translator(locale);
    res.locals.fmt = formatter(locale, ws?.time_zone ?? 'UTC', ws?.currency ?? 'USD');
    res.locals.lang = locale.split('-')[0];
    res.locals.user = req.user ?? null;
    res.locals.workspace = ws ?? null;
    res.locals.role = req.membership?.role ?? null;
    res.locals.canManage = canManage(req.membership?.role);
    res.locals.csrfToken = csrfToken(req);
    res.locals.path = req.path;
    res.locals.signupEnabled = ctx.config.signupEnabled;
    res.locals.values = {};
    res.locals.errors = {};
    res.locals.takeFlash = () => takeFlash(req);
    const page = Boolean(req.user) && !isHtmx(req);
    res.locals.memberships = page ? await membershipsOfUser(ctx.knex, req.user!.id) : [];
    // The unread count beside "Inbox": conversations waiting for me or for anyone.
    res.locals.navBadges = page && ws ? { inbox: await unreadConversations(ctx.knex, ws.id, req.user!.id) } : {};
    next();
  };
}
