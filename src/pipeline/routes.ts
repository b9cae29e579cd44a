// The pipeline section's route table.
import { Router, type Request, type Response } from 'express';
import type { AppContext } from '../context.js';
import { requireMember } from '../web/guards.js';
import { render } from '../web/render.js';

/** pipelineRoutes is the route table of /pipeline. */
export function pipelineRoutes(_ctx: AppContext): Router {
  const router = Router();
  router.get('/pipeline', requireMember, index);
  return router;

  function index(req: Request, res: Response) {
    render(req, res, 'pipeline/index', {}, { title: res.locals.t('nav.pipeline') });
  }
}
