// Settings -> Webhook events: what Meta delivered and could not be processed, with a button to
// process it again after a fix. Owners and admins only.
import { Router, type Request, type Response } from 'express';
import { actorOf } from '../audit/index.js';
import type { AppContext } from '../context.js';
import { flash } from '../web/flash.js';
import { requireRole } from '../web/guards.js';
import { redirect, render } from '../web/render.js';
import { replayEvent } from './processor.js';
import { listFailedEvents, recentEventCounts } from './webhooks.js';

const admin = requireRole('owner', 'admin');

/** webhookEventRoutes is the route table of Settings -> Webhook events. */
export function webhookEventRoutes(ctx: AppContext): Router {
  const router = Router();
  router.get('/settings/webhooks', admin, eventsPage);
  router.post('/settings/webhooks/:id/replay', admin, replay);
  return router;

  async function eventsPage(req: Request, res: Response) {
    const ws = req.workspace!.id;
    const [failed, counts] = await Promise.all([listFailedEvents(ctx.knex, ws), recentEventCounts(ctx.knex, ws)]);
    render(req, res, 'settings/webhooks', { failed, counts }, { title: res.locals.t('settings.webhooks.title') });
  }

  async function replay(req: Request, res: Response) {
    const outcome = await replayEvent(ctx, req.workspace!.id, String(req.params.id), actorOf(req));
    const t = res.locals.t;
    if (outcome.status === 'processed') {
      const s = outcome.summary!;
      flash(req, 'success', t('settings.webhooks.replayed', { id: outcome.eventId, messages: s.messages, statuses: s.statuses + s.statuses_pending }));
    } else {
      flash(req, 'error', t('settings.webhooks.replay_failed', { id: outcome.eventId, error: outcome.error }));
    }
    redirect(req, res, '/settings/webhooks');
  }
}
