// The contacts section's route table.
import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../context.js';
import { requireMember } from '../web/guards.js';
import { render } from '../web/render.js';

/** contactRoutes is the route table of /contacts. */
export function contactRoutes(_ctx: AppContext): Router {
  const router = Router();
  router.get('/contacts', requireMember, index);
  return router;

  function index(req: Request, res: Response) {
    render(req, res, 'contacts/index', {}, { title: res.locals.t('nav.contacts') });
  }
}
