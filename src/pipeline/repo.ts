// Queries for pipelines, stages, lost reasons, deal fields and the board setting. Every function
// takes the workspace id first and filters on it.
import { isUuid, type Db } from '../db/index.js';
import type { FieldType, StageKind } from './schema.js';

export interface PipelineRow {
  id: string;
  workspace_id: string;
  name: string;
  position: number;
  created_at: Date;
  updated_at: Date;
}

export interface StageRow {
  id: string;
  workspace_id: string;
  pipeline_id: string;
  name: string;
  position: number;
  kind: StageKind;
  probability: number | null;
  archived_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

export interface LostReasonRow {
  id: string;
  workspace_id: string;
  name: string;
  position: number;
  archived_at: Date | null;
  created_at: Date;
}

export interface DealFieldRow {
  id: string;
  workspace_id: string;
  key: string;
  label: string;
  type: FieldType;
  options: string[];
  position: number;
  archived_at: Date | null;
  created_at: Date;
}

/** listPipelines lists the workspace's pipelines, the default (first) one first. */
export function listPipelines(db: Db, workspaceId: string): Promise<PipelineRow[]> {
  return db('pipelines').where({ workspace_id: workspaceId }).orderBy([{ column: 'position' }, { column: 'created_at' }]);
}

/** findPipeline loads a pipeline of the workspace. */
export function findPipeline(db: Db, workspaceId: string, id: string): Promise<PipelineRow | undefined> {
  if (!isUuid(id)) return Promise.resolve(undefined);
  return db('pipelines').where({ workspace_id: workspaceId, id }).first();
}

/** defaultPipeline is the workspace's first pipeline (every workspace has one). */
export function defaultPipeline(db: Db, workspaceId: string): Promise<PipelineRow | undefined> {
  return db('pipelines').where({ workspace_id: workspaceId }).orderBy([{ column: 'position' }, { column: 'created_at' }]).first();
}

/** insertPipeline adds a pipeline after the existing ones. */
export async function insertPipeline(db: Db, workspaceId: string, name: string): Promise<PipelineRow> {
  const [row] = await db('pipelines')
    .insert({
      workspace_id: workspaceId,
      name,
      position: db.raw('(SELECT coalesce(max(position) + 1, 0) FROM pipelines WHERE workspace_id = ?)', [workspaceId]),
    })
    .returning('*');
  return row;
}

/** updatePipeline renames a pipeline. */
export async function updatePipeline(db: Db, workspaceId: string, id: string, values: { name: string }): Promise<PipelineRow | undefined> {
  const [row] = await db('pipelines').where({ workspace_id: workspaceId, id }).update({ ...values, updated_at: db.fn.now() }).returning('*');
  return row;
}

/** listStages lists a pipeline's stages in board order (active ones only unless asked). */
export function listStages(db: Db, workspaceId: string, pipelineId: string, opts: { archived?: boolean } = {}): Promise<StageRow[]> {
  const q = db('pipeline_stages').where({ workspace_id: workspaceId, pipeline_id: pipelineId }).orderBy([{ column: 'position' }, { column: 'created_at' }]);
  if (!opts.archived) q.whereNull('archived_at');
  return q;
}

/** listAllStages lists every pipeline's stages (for forms that pick a stage in any pipeline). */
export function listAllStages(db: Db, workspaceId: string, opts: { archived?: boolean } = {}): Promise<StageRow[]> {
  const q = db('pipeline_stages').where({ workspace_id: workspaceId }).orderBy([{ column: 'pipeline_id' }, { column: 'position' }]);
  if (!opts.archived) q.whereNull('archived_at');
  return q;
}

/** findStage loads a stage of the workspace. */
export function findStage(db: Db, workspaceId: string, id: string): Promise<StageRow | undefined> {
  if (!isUuid(id)) return Promise.resolve(undefined);
  return db('pipeline_stages').where({ workspace_id: workspaceId, id }).first();
}

/** insertStage adds a stage to a pipeline at `position` (stages from there on shift right). */
export async function insertStage(
  db: Db,
  workspaceId: string,
  pipelineId: string,
  values: { name: string; kind: StageKind; probability: number | null; position: number },
): Promise<StageRow> {
  await db('pipeline_stages')
    .where({ workspace_id: workspaceId, pipeline_id: pipelineId })
    .andWhere('position', '>=', values.position)
    .increment('position', 1);
  const [row] = await db('pipeline_stages').insert({ workspace_id: workspaceId, pipeline_id: pipelineId, ...values }).returning('*');
  return row;
}

/** updateStage changes a stage's name, kind, probability or archived state. */
export async function updateStage(
  db: Db,
  workspaceId: string,
  id: string,
  values: Partial<Pick<StageRow, 'name' | 'kind' | 'probability' | 'archived_at'>>,
): Promise<StageRow> {
  const [row] = await db('pipeline_stages').where({ workspace_id: workspaceId, id }).update({ ...values, updated_at: db.fn.now() }).returning('*');
  return row;
}

/** setStageOrder renumbers a pipeline's stages 0..n-1 in the order given (archived ones after). */
export async function setStageOrder(db: Db, workspaceId: string, pipelineId: string, orderedIds: string[]): Promise<void> {
  const all = await listStages(db, workspaceId, pipelineId, { archived: true });
  const rest = all.filter((s) => !orderedIds.includes(s.id)).map((s) => s.id);
  const ids = [...orderedIds, ...rest];
  for (const [position, id] of ids.entries()) {
    await db('pipeline_stages').where({ workspace_id: workspaceId, pipeline_id: pipelineId, id }).update({ position });
  }
}

/**
 * lockStages takes row locks on stages (in id order, so two movers never deadlock). A stage's
 * lock guards the order of its column: every command that places a deal in a column holds it.
 */
export async function lockStages(db: Db, workspaceId: string, ids: string[]): Promise<void> {
  const unique = [...new Set(ids)].sort();
  await db('pipeline_stages').where({ workspace_id: workspaceId }).whereIn('id', unique).orderBy('id').forUpdate().select('id');
}

/** lockPipeline locks a pipeline's row: commands that add, reorder or archive its stages take it. */
export async function lockPipeline(db: Db, workspaceId: string, pipelineId: string): Promise<void> {
  await db('pipelines').where({ workspace_id: workspaceId, id: pipelineId }).forUpdate().select('id');
}

/** countDealsInStage counts the deals a stage holds (all of them, closed ones too). */
export async function countDealsInStage(db: Db, workspaceId: string, stageId: string): Promise<number> {
  const row = await db('deals').where({ workspace_id: workspaceId, stage_id: stageId }).count<{ count: number }>('* as count').first();
  return Number(row?.count ?? 0);
}

/** dealCountsByStage counts the deals of each stage of the workspace (for the settings page). */
export async function dealCountsByStage(db: Db, workspaceId: string): Promise<Record<string, number>> {
  const rows = await db('deals').where({ workspace_id: workspaceId }).groupBy('stage_id').select('stage_id', db.raw('count(*) as count'));
  return Object.fromEntries(rows.map((r: { stage_id: string; count: number }) => [r.stage_id, Number(r.count)]));
}

/** listLostReasons lists the workspace's lost reasons in order (active ones unless asked). */
export function listLostReasons(db: Db, workspaceId: string, opts: { archived?: boolean } = {}): Promise<LostReasonRow[]> {
  const q = db('lost_reasons').where({ workspace_id: workspaceId }).orderBy([{ column: 'position' }, { column: 'created_at' }]);
  if (!opts.archived) q.whereNull('archived_at');
  return q;
}

/** findLostReason loads a lost reason of the workspace. */
export function findLostReason(db: Db, workspaceId: string, id: string): Promise<LostReasonRow | undefined> {
  if (!isUuid(id)) return Promise.resolve(undefined);
  return db('lost_reasons').where({ workspace_id: workspaceId, id }).first();
}

/** matchLostReason finds the active reason a mover named, by id or by name (any case). */
export function matchLostReason(db: Db, workspaceId: string, nameOrId: string): Promise<LostReasonRow | undefined> {
  const q = db('lost_reasons').where({ workspace_id: workspaceId }).whereNull('archived_at');
  if (isUuid(nameOrId)) q.andWhere((w) => w.where('id', nameOrId).orWhereRaw('lower(name) = lower(?)', [nameOrId]));
  else q.andWhereRaw('lower(name) = lower(?)', [nameOrId.trim()]);
  return q.first();
}

/** insertLostReason adds a reason at the end of the list. */
export async function insertLostReason(db: Db, workspaceId: string, name: string): Promise<LostReasonRow> {
  const [row] = await db('lost_reasons')
    .insert({
      workspace_id: workspaceId,
      name,
      position: db.raw('(SELECT coalesce(max(position) + 1, 0) FROM lost_reasons WHERE workspace_id = ?)', [workspaceId]),
    })
    .returning('*');
  return row;
}

/** updateLostReason renames or archives a reason. */
export async function updateLostReason(
  db: Db,
  workspaceId: string,
  id: string,
  values: Partial<Pick<LostReasonRow, 'name' | 'archived_at'>>,
): Promise<LostReasonRow | undefined> {
  const [row] = await db('lost_reasons').where({ workspace_id: workspaceId, id }).update(values).returning('*');
  return row;
}

/** listDealFields lists the workspace's custom deal fields (active ones unless asked). */
export async function listDealFields(db: Db, workspaceId: string, opts: { archived?: boolean } = {}): Promise<DealFieldRow[]> {
  const q = db('deal_fields').where({ workspace_id: workspaceId }).orderBy([{ column: 'position' }, { column: 'created_at' }]);
  if (!opts.archived) q.whereNull('archived_at');
  return q;
}

/** findDealField loads a custom field definition of the workspace. */
export function findDealField(db: Db, workspaceId: string, id: string): Promise<DealFieldRow | undefined> {
  if (!isUuid(id)) return Promise.resolve(undefined);
  return db('deal_fields').where({ workspace_id: workspaceId, id }).first();
}

/** insertDealField defines a custom field; the key is unique in the workspace. */
export async function insertDealField(
  db: Db,
  workspaceId: string,
  values: { key: string; label: string; type: FieldType; options: string[] },
): Promise<DealFieldRow> {
  const [row] = await db('deal_fields')
    .insert({
      workspace_id: workspaceId,
      ...values,
      options: JSON.stringify(values.options),
      position: db.raw('(SELECT coalesce(max(position) + 1, 0) FROM deal_fields WHERE workspace_id = ?)', [workspaceId]),
    })
    .returning('*');
  return row;
}

/** fieldKeyTaken tells whether a key was ever used by a field of the workspace. */
export async function fieldKeyTaken(db: Db, workspaceId: string, key: string): Promise<boolean> {
  return Boolean(await db('deal_fields').where({ workspace_id: workspaceId, key }).first('id'));
}

/** updateDealField relabels a field, changes its choices, or archives it. */
export async function updateDealField(
  db: Db,
  workspaceId: string,
  id: string,
  values: Partial<Pick<DealFieldRow, 'label' | 'archived_at'>> & { options?: string[] },
): Promise<DealFieldRow | undefined> {
  const { options, ...rest } = values;
  const [row] = await db('deal_fields')
    .where({ workspace_id: workspaceId, id })
    .update({ ...rest, ...(options ? { options: JSON.stringify(options) } : {}) })
    .returning('*');
  return row;
}

/** closedDealsVisibleDays is how long won and lost deals stay on the workspace's board. */
export async function closedDealsVisibleDays(db: Db, workspaceId: string): Promise<number> {
  const row = await db('workspaces').where({ id: workspaceId }).first('closed_deals_visible_days');
  return Number(row?.closed_deals_visible_days ?? 7);
}

/** setClosedDealsVisibleDays changes that setting. */
export async function setClosedDealsVisibleDays(db: Db, workspaceId: string, days: number): Promise<void> {
  await db('workspaces').where({ id: workspaceId }).update({ closed_deals_visible_days: days, updated_at: db.fn.now() });
}
