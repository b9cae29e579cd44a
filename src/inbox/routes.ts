// The inbox section's route table.
import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../context.js';
import { requireMember } from '../web/guards.js';
import { render } from '../web/render.js';

/** inboxRoutes is the route table of /inbox. */
export function inboxRoutes(_ctx: AppContext): Router {
  const router = Router();
  router.get('/inbox', requireMember, index);
  return router;

  function index(req: Request, res: Response) {
    render(req, res, 'inbox/index', {}, { title: res.locals.t('nav.inbox') });
  }
}
