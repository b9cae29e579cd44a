// Assembles /reports from the queries in repo.ts: exact money for the tables, numbers for the
// charts' geometry, and each chart drawn as SVG.
import type { Db } from '../db/index.js';
import type { Formatter, Translate } from '../i18n/index.js';
import { todayIn } from '../pipeline/deals.js';
import { addAmounts, presentAmount, weightAmount } from '../pipeline/money.js';
import { barChart, columnChart } from './charts.js';
import { agentActivity, firstResponseSummary, pipelineValueByStage, stageReach, timeInStage, wonByMonth } from './repo.js';

/** What every report needs: the workspace, the period, and how to write things. */
export interface ReportContext {
  db: Db;
  workspace: { id: string; currency: string; time_zone: string };
  since: Date;
  t: Translate;
  fmt: Formatter;
}

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
  return Array.from({ length: count }, (_, i) => new Date(Date.UTC(y, m - 1 - (count - 1 - i), 1)).toISOString().slice(0, 7));
}

/** valueByStage: open deals per open stage, their total and weighted value, now. */
export async function valueByStage({ db, workspace, t, fmt }: ReportContext, pipelineId: string) {
  const currency = workspace.currency;
  const rows = await pipelineValueByStage(db, workspace.id, pipelineId);
  const stageIds = [...new Set(rows.map((r) => r.stage_id))];
  const stages = stageIds.map((id) => {
    const mine = rows.filter((r) => r.stage_id === id);
    const main = mine.find((r) => r.currency?.trim() === currency)?.total ?? '0';
    const probability = mine[0].probability;
    return {
      name: mine[0].name,
      count: mine.reduce((n, r) => n + Number(r.count), 0),
      total: presentAmount(main, currency),
      weighted: probability === null ? null : weightAmount(main, probability, currency),
      others: mine.filter((r) => r.currency && r.currency.trim() !== currency).map((r) => ({ currency: r.currency!.trim(), total: presentAmount(r.total, r.currency!.trim()) })),
    };
  });
  return {
    stages,
    total: addAmounts(stages.map((s) => s.total), currency),
    // Bar lengths only: the exact amounts are in the table.
    chart: barChart(
      stages.map((s) => ({ label: s.name, value: Number(s.total), display: fmt.money(s.total, currency) })),
      { title: t('reports.value.title'), id: 'chart-value' },
    ),
  };
}

/** conversion: of the deals created in the period, how many reached each stage. */
export async function conversion({ db, workspace, since, t, fmt }: ReportContext, pipelineId: string) {
  const reach = await stageReach(db, workspace.id, pipelineId, since);
  const started = reach[0]?.reached ?? 0;
  const stages = reach.map((r, i) => ({
    ...r,
    ofStart: started ? r.reached / started : null,
    fromPrevious: i === 0 ? null : reach[i - 1].reached ? r.reached / reach[i - 1].reached : null,
  }));
  const percent = percentFormat(fmt);
  return {
    stages,
    chart: barChart(
      stages.map((s) => ({ label: s.name, value: s.reached, display: `${fmt.number(s.reached)} · ${percent(s.ofStart)}` })),
      { title: t('reports.conversion.title'), id: 'chart-conversion', tone: 'info' },
    ),
  };
}

/** percentFormat writes a ratio as a whole percentage ("67%"), or a dash. */
export function percentFormat(fmt: Formatter): (x: number | null) => string {
  const nf = new Intl.NumberFormat(fmt.locale, { style: 'percent', maximumFractionDigits: 0 });
  return (x) => (x === null ? '—' : nf.format(x));
}

/** wonPerMonth: the value won in each of the last 12 months (workspace time zone). */
export async function wonPerMonth({ db, workspace, t, fmt }: ReportContext, pipelineId: string) {
  const currency = workspace.currency;
  const months = monthsBack(todayIn(workspace.time_zone), 12);
  const rows = await wonByMonth(db, workspace.id, pipelineId, workspace.time_zone, months[0]);
  const name = (m: string, style: Intl.DateTimeFormatOptions) => new Intl.DateTimeFormat(fmt.locale, { ...style, timeZone: 'UTC' }).format(new Date(`${m}-15T00:00:00Z`));
  const perMonth = months.map((m) => {
    const mine = rows.filter((r) => r.month === m);
    return {
      month: m,
      label: name(m, { month: 'long', year: 'numeric' }),
      short: name(m, { month: 'short' }),
      count: mine.reduce((n, r) => n + r.count, 0),
      total: presentAmount(mine.find((r) => r.currency === currency)?.total ?? '0', currency),
      others: mine.filter((r) => r.currency !== currency).map((r) => ({ currency: r.currency, total: presentAmount(r.total, r.currency) })),
    };
  });
  const compact = new Intl.NumberFormat(fmt.locale, { style: 'currency', currency, notation: 'compact', maximumFractionDigits: 1 });
  return {
    months: perMonth,
    total: addAmounts(perMonth.map((w) => w.total), currency),
    chart: columnChart(
      perMonth.map((w) => ({ label: w.short, value: Number(w.total), display: fmt.money(w.total, currency) })),
      { title: t('reports.won.title'), id: 'chart-won', short: (d) => compact.format(d.value) },
    ),
  };
}

/** stageTimes: the average stay in each open stage. */
export async function stageTimes({ db, workspace, since, t, fmt }: ReportContext, pipelineId: string) {
  const stages = await timeInStage(db, workspace.id, pipelineId, since);
  return {
    stages,
    chart: barChart(
      stages.map((s) => ({ label: s.name, value: s.avg_seconds ?? 0, display: duration(t, s.avg_seconds, fmt.locale) })),
      { title: t('reports.time.title'), id: 'chart-time', tone: 'info' },
    ),
  };
}

/** inbox: first response time (overall and per agent) and conversations per agent. */
export async function inbox({ db, workspace, since, t, fmt }: ReportContext) {
  const response = await firstResponseSummary(db, workspace.id, since);
  const agents = await agentActivity(db, workspace.id, since);
  const responders = agents.filter((a) => a.first_replies > 0);
  return {
    response,
    agents,
    responders,
    agentsChart: barChart(
      agents.map((a) => ({ label: a.name, value: a.conversations, display: fmt.number(a.conversations) })),
      { title: t('reports.agents.title'), id: 'chart-agents' },
    ),
    responseChart: barChart(
      responders.map((a) => ({ label: a.name, value: a.avg_first_response_seconds ?? 0, display: duration(t, a.avg_first_response_seconds, fmt.locale) })),
      { title: t('reports.response.title'), id: 'chart-response', tone: 'success' },
    ),
  };
}
