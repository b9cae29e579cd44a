// The followups section's route table.
import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../context.js';
import { requireMember } from '../web/guards.js';
import { render } from '../web/render.js';

/** followupRoutes is the route table of /followups. */
export function followupRoutes(_ctx: AppContext): Router {
  const router = Router();
  router.get('/followups', requireMember, index);
  return router;

  function index(req: Request, res: Response) {
    render(req, res, 'followups/index', {}, { title: res.locals.t('nav.followups') });
  }
}
