// /reports: the pipeline (value by stage, stage-to-stage conversion, won value per month, time
// in stage) and the inbox (first response time, conversations per agent), each as a chart with
// its numbers in a table beside it.
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { todayIn } from '../pipeline/deals.js';
import { addAmounts, presentAmount, weightAmount } from '../pipeline/money.js';
import { listPipelines } from '../pipeline/repo.js';
import type { Translate } from '../i18n/index.js';
import { NotFound } from '../web/errors.js';
import { requireMember } from '../web/guards.js';
import { render } from '../web/render.js';
import { barChart, columnChart } from './charts.js';
import { agentActivity, firstResponseSummary, pipelineValueByStage, stageReach, timeInStage, wonByMonth } from './repo.js';

export const periods = [30, 90, 365] as const;

const ReportQuery = z.object({
  pipeline: z.uuid().optional().catch(undefined),
  days: z.coerce
    .number()
    .refine((n) => (periods as readonly number[]).includes(n))
    .catch(90)
    .default(90),
});

/** duration writes seconds as the largest sensible unit: "45 min", "3.2 h", "4.5 days". */
export function duration(t: Translate, seconds: number | null, locale = 'en-US'): string {
  if (seconds === null) return '—';
  const round = (n: number) => Number(n.toFixed(1));
  const nf = new Intl.NumberFormat(locale, { maximumFractionDigits: 1 });
  if (seconds < 3600) return t('reports.minutes', { n: nf.format(Math.max(1, Math.round(seconds / 60))) });
  if (seconds < 86400) return t('reports.hours', { n: nf.format(round(seconds / 3600)) });
  return t('reports.days', { count: round(seconds / 86400), n: nf.format(round(seconds / 86400)) });
}

/** monthsBack lists the `count` months ending with the current one, as 'YYYY-MM'. */
export function monthsBack(today: string, count: number): string[] {
  const [y, m] = today.split('-').map(Number);
  return Array.from({ length: count }, (_, i) => {
    const d = new Date(Date.UTC(y, m - 1 - (count - 1 - i), 1));
    return d.toISOString().slice(0, 7);
  });
}

/** reportRoutes is the route table of /reports. */
export function reportRoutes(ctx: AppContext): Router {
  const router = Router();
  const { knex } = ctx;
  router.get('/reports', requireMember, reportsPage);
  return router;

  async function reportsPage(req: Request, res: Response) {
    const ws = req.workspace!;
    const t: Translate = res.locals.t;
    const fmt = res.locals.fmt;
    const query = ReportQuery.parse(req.query);
    const pipelines = await listPipelines(knex, ws.id);
    const pipeline = query.pipeline ? pipelines.find((p) => p.id === query.pipeline) : pipelines[0];
    if (!pipeline) throw new NotFound();
    const since = new Date(Date.now() - query.days * 86_400_000);
    const currency = ws.currency;

    // Pipeline value by stage (open deals, now).
    const valueRows = await pipelineValueByStage(knex, ws.id, pipeline.id);
    const stageIds = [...new Set(valueRows.map((r) => r.stage_id))];
    const value = stageIds.map((id) => {
      const rows = valueRows.filter((r) => r.stage_id === id);
      const main = rows.find((r) => r.currency?.trim() === currency);
      const total = presentAmount(main?.total ?? '0', currency);
      const probability = rows[0].probability;
      return {
        name: rows[0].name,
        count: rows.reduce((n, r) => n + Number(r.count), 0),
        total,
        weighted: probability === null ? null : weightAmount(main?.total ?? '0', probability, currency),
        probability,
        others: rows.filter((r) => r.currency && r.currency.trim() !== currency).map((r) => ({ currency: r.currency!.trim(), total: presentAmount(r.total, r.currency!.trim()) })),
      };
    });
    const valueTotal = addAmounts(value.map((v) => v.total), currency);
    const valueChart = barChart(
      value.map((v) => ({ label: v.name, value: Number(v.total), display: fmt.money(v.total, currency) })),
      { title: t('reports.value.title'), id: 'chart-value' },
    );

    // Conversion from stage to stage (deals created in the period).
    const reach = await stageReach(knex, ws.id, pipeline.id, since);
    const started = reach[0]?.reached ?? 0;
    const conversion = reach.map((r, i) => ({
      ...r,
      ofStart: started ? r.reached / started : null,
      fromPrevious: i === 0 ? null : reach[i - 1].reached ? r.reached / reach[i - 1].reached : null,
    }));
    const percent = (x: number | null) => (x === null ? '—' : new Intl.NumberFormat(fmt.locale, { style: 'percent', maximumFractionDigits: 0 }).format(x));
    const conversionChart = barChart(
      conversion.map((c) => ({ label: c.name, value: c.reached, display: `${fmt.number(c.reached)} · ${percent(c.ofStart)}` })),
      { title: t('reports.conversion.title'), id: 'chart-conversion', tone: 'info' },
    );

    // Won value per month (last 12 months, in the workspace's time zone).
    const months = monthsBack(todayIn(ws.time_zone), 12);
    const wonRows = await wonByMonth(knex, ws.id, pipeline.id, ws.time_zone, months[0]);
    const monthName = (m: string) => new Intl.DateTimeFormat(fmt.locale, { month: 'short', timeZone: 'UTC' }).format(new Date(`${m}-15T00:00:00Z`));
    const monthLong = (m: string) => new Intl.DateTimeFormat(fmt.locale, { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(`${m}-15T00:00:00Z`));
    const won = months.map((m) => {
      const rows = wonRows.filter((r) => r.month === m);
      const main = rows.find((r) => r.currency === currency);
      return {
        month: m,
        label: monthLong(m),
        short: monthName(m),
        count: rows.reduce((n, r) => n + r.count, 0),
        total: presentAmount(main?.total ?? '0', currency),
        others: rows.filter((r) => r.currency !== currency).map((r) => ({ currency: r.currency, total: presentAmount(r.total, r.currency) })),
      };
    });
    const compact = new Intl.NumberFormat(fmt.locale, { style: 'currency', currency, notation: 'compact', maximumFractionDigits: 1 });
    const wonChart = columnChart(
      won.map((w) => ({ label: w.short, value: Number(w.total), display: fmt.money(w.total, currency) })),
      { title: t('reports.won.title'), id: 'chart-won', short: (d) => compact.format(d.value) },
    );
    const wonTotal = addAmounts(won.map((w) => w.total), currency);

    // Average time in stage.
    const times = await timeInStage(knex, ws.id, pipeline.id, since);
    const timeChart = barChart(
      times.map((s) => ({ label: s.name, value: s.avg_seconds ?? 0, display: duration(t, s.avg_seconds, fmt.locale) })),
      { title: t('reports.time.title'), id: 'chart-time', tone: 'info' },
    );

    // Inbox: first response time and conversations per agent.
    const response = await firstResponseSummary(knex, ws.id, since);
    const agents = await agentActivity(knex, ws.id, since);
    const agentsChart = barChart(
      agents.map((a) => ({ label: a.name, value: a.conversations, display: fmt.number(a.conversations) })),
      { title: t('reports.agents.title'), id: 'chart-agents' },
    );
    const responders = agents.filter((a) => a.first_replies > 0);
    const responseChart = barChart(
      responders.map((a) => ({ label: a.name, value: a.avg_first_response_seconds ?? 0, display: duration(t, a.avg_first_response_seconds, fmt.locale) })),
      { title: t('reports.response.title'), id: 'chart-response', tone: 'success' },
    );

    render(
      req,
      res,
      'reports/index',
      {
        query,
        periods,
        pipelines,
        pipeline,
        currency,
        value,
        valueTotal,
        valueChart,
        conversion,
        conversionChart,
        percent,
        won,
        wonTotal,
        wonChart,
        times,
        timeChart,
        duration: (s: number | null) => duration(t, s, fmt.locale),
        response,
        agents,
        agentsChart,
        responders,
        responseChart,
      },
      { title: t('nav.reports') },
    );
  }
}
