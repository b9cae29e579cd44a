// The board: a pipeline's active stages as columns, each with its first page of cards and its
// totals (count, value in the workspace currency, weighted value, other currencies apart).
import type { Db } from '../db/index.js';
import { columnCards, columnTotals, type ColumnTotal, type DealCard, type FilterContext } from './deals.js';
import { presentAmount, weightAmount } from './money.js';
import { listStages, type PipelineRow, type StageRow } from './repo.js';
import type { DealFilterInput } from './schema.js';

/** Cards per column page: the rest load as the column scrolls ("show more"). */
export const CARDS_PER_PAGE = 30;

/** A column's numbers. Amounts are exact decimal strings in the currency's format. */
export interface ColumnSummary {
  count: number;
  currency: string;
  total: string;
  /** total × the stage's probability, or null when the stage has none. */
  weighted: string | null;
  /** Deals in other currencies than the workspace's: counted apart, never converted. */
  others: Array<{ currency: string; count: number; total: string }>;
}

export interface BoardColumn {
  stage: StageRow;
  cards: DealCard[];
  /** The keyset of the next page, or null when every card is shown. */
  next: { position: number; id: string } | null;
  summary: ColumnSummary;
}

/** summarizeColumn adds up a stage's per-currency totals. */
export function summarizeColumn(stage: StageRow, totals: ColumnTotal[], currency: string): ColumnSummary {
  const rows = totals.filter((t) => t.stage_id === stage.id);
  const main = rows.find((r) => r.currency.trim() === currency)?.total ?? '0';
  return {
    count: rows.reduce((n, r) => n + Number(r.count), 0),
    currency,
    total: presentAmount(main, currency),
    weighted: stage.probability === null ? null : weightAmount(main, stage.probability, currency),
    others: rows
      .filter((r) => r.currency.trim() !== currency)
      .map((r) => ({ currency: r.currency.trim(), count: Number(r.count), total: presentAmount(r.total, r.currency.trim()) }))
      .sort((a, b) => a.currency.localeCompare(b.currency)),
  };
}

/** pageOf splits a column query's rows (one more than a page) into the page and the next keyset. */
export function pageOf(rows: DealCard[], size: number): { cards: DealCard[]; next: { position: number; id: string } | null } {
  const cards = rows.slice(0, size);
  const last = cards.at(-1);
  return { cards, next: rows.length > size && last ? { position: Number(last.position), id: last.id } : null };
}

/** loadBoard reads a pipeline's columns for the board. */
export async function loadBoard(
  db: Db,
  workspace: { id: string; currency: string },
  pipeline: PipelineRow,
  filters: DealFilterInput,
  fctx: FilterContext,
): Promise<BoardColumn[]> {
  const stages = await listStages(db, workspace.id, pipeline.id);
  const totals = await columnTotals(db, workspace.id, stages.map((s) => s.id), filters, fctx);
  const columns: BoardColumn[] = [];
  for (const stage of stages) {
    const rows = await columnCards(db, workspace.id, stage.id, filters, fctx, { limit: CARDS_PER_PAGE + 1 });
    columns.push({ stage, ...pageOf(rows, CARDS_PER_PAGE), summary: summarizeColumn(stage, totals, workspace.currency) });
  }
  return columns;
}

/** loadColumnSummaries recomputes the totals of some columns (after a move). */
export async function loadColumnSummaries(
  db: Db,
  workspace: { id: string; currency: string },
  stages: StageRow[],
  filters: DealFilterInput,
  fctx: FilterContext,
): Promise<Array<{ stage: StageRow; summary: ColumnSummary }>> {
  const totals = await columnTotals(db, workspace.id, stages.map((s) => s.id), filters, fctx);
  return stages.map((stage) => ({ stage, summary: summarizeColumn(stage, totals, workspace.currency) }));
}
