// /reports: the pipeline (value by stage, stage-to-stage conversion, won value per month, time
// in stage) and the inbox (first response time, conversations per agent), each as a chart with
// its numbers in a table beside it.
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { listPipelines } from '../pipeline/repo.js';
import { NotFound } from '../web/errors.js';
import { requireMember } from '../web/guards.js';
import { render } from '../web/render.js';
import { conversion, duration, inbox, percentFormat, stageTimes, valueByStage, wonPerMonth, type ReportContext } from './build.js';

export const periods = [30, 90, 365] as const;

const ReportQuery = z.object({
  pipeline: z.uuid().optional().catch(undefined),
  days: z.coerce
    .number()
    .refine((n) => (periods as readonly number[]).includes(n))
    .catch(90)
    .default(90),
});

/** reportRoutes is the route table of /reports. */
export function reportRoutes(ctx: AppContext): Router {
  const router = Router();
  const { knex } = ctx;
  router.get('/reports', requireMember, reportsPage);
  return router;

  async function reportsPage(req: Request, res: Response) {
    const query = ReportQuery.parse(req.query);
    const pipelines = await listPipelines(knex, req.workspace!.id);
    const pipeline = query.pipeline ? pipelines.find((p) => p.id === query.pipeline) : pipelines[0];
    if (!pipeline) throw new NotFound();
    const rc: ReportContext = { db: knex, workspace: req.workspace!, since: new Date(Date.now() - query.days * 86_400_000), t: res.locals.t, fmt: res.locals.fmt };
    render(
      req,
      res,
      'reports/index',
      {
        query,
        periods,
        pipelines,
        pipeline,
        currency: req.workspace!.currency,
        value: await valueByStage(rc, pipeline.id),
        conversion: await conversion(rc, pipeline.id),
        won: await wonPerMonth(rc, pipeline.id),
        times: await stageTimes(rc, pipeline.id),
        inbox: await inbox(rc),
        percent: percentFormat(rc.fmt),
        duration: (s: number | null) => duration(rc.t, s, rc.fmt.locale),
      },
      { title: res.locals.t('nav.reports') },
    );
  }
}
