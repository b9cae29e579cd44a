// Pipeline commands: set up a workspace's pipeline, manage pipelines, stages, lost reasons and
// deal fields, and create, edit, move and delete deals. Each command runs in one transaction
// and records its audit row (and a deal event for the timeline) there.
import type { Knex } from 'knex';
import { recordAudit, type Actor } from '../audit/index.js';
import { findContact } from '../contacts/repo.js';
import type { Db } from '../db/index.js';
import { publish } from '../realtime/index.js';
import { Invalid, NotFound } from '../web/errors.js';
import { findMember } from '../workspaces/repo.js';
import { DEFAULT_LOST_REASONS, DEFAULT_PIPELINE_NAME, DEFAULT_STAGES } from './defaults.js';
import {
  deleteDeal,
  findDeal,
  findDealForUpdate,
  findSlot,
  insertDeal,
  insertDealEvent,
  lastSlot,
  renumberColumn,
  slotAfter,
  slotAt,
  slotBefore,
  updateDeal,
  type DealRow,
  type Slot,
} from './deals.js';
import { normalizeAmount } from './money.js';
import {
  countDealsInStage,
  defaultPipeline,
  fieldKeyTaken,
  findDealField,
  findLostReason,
  findPipeline,
  findStage,
  insertDealField,
  insertLostReason,
  insertPipeline,
  insertStage,
  listDealFields,
  listLostReasons,
  listStages,
  lockPipeline,
  lockStages,
  matchLostReason,
  setClosedDealsVisibleDays,
  setStageOrder,
  updateDealField,
  updateLostReason,
  updatePipeline,
  updateStage,
  type DealFieldRow,
  type PipelineRow,
  type StageRow,
} from './repo.js';
import type { DealPatchInput, FieldType, MoveDealInput, NewDealInput, StageKind } from './schema.js';

/** The gap between neighbouring cards' positions: room for 16 halvings before a renumber. */
export const POSITION_GAP = 65_536;

const isUniqueViolation = (err: unknown) => (err as { code?: string }).code === '23505';

/**
 * retryOnDeadlock runs a transaction again when Postgres aborted it to break a deadlock. Moves
 * lock columns in id order, but a deal that changes column while a move waits makes the move
 * lock one more column out of order; that rare case ends in a deadlock, and a retry.
 */
async function retryOnDeadlock<T>(run: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await run();
    } catch (err) {
      if (attempt >= 3 || (err as { code?: string }).code !== '40P01') throw err;
    }
  }
}

// ---------- Workspace setup ----------

/** seedPipelineDefaults gives a new workspace its default pipeline and lost reasons. */
export async function seedPipelineDefaults(trx: Db, workspaceId: string): Promise<PipelineRow> {
  const pipeline = await insertPipeline(trx, workspaceId, DEFAULT_PIPELINE_NAME);
  await trx('pipeline_stages').insert(DEFAULT_STAGES.map((s, position) => ({ workspace_id: workspaceId, pipeline_id: pipeline.id, ...s, position })));
  await trx('lost_reasons').insert(DEFAULT_LOST_REASONS.map((name, position) => ({ workspace_id: workspaceId, name, position })));
  return pipeline;
}

// ---------- Pipelines and stages ----------

/** createPipeline adds a pipeline with the given stages (the default six when none are given). */
export async function createPipeline(
  knex: Knex,
  workspaceId: string,
  input: { name: string; stages?: Array<{ name: string; kind: StageKind; probability?: number | null }> },
  actor: Actor,
): Promise<PipelineRow> {
  const stages = input.stages ?? DEFAULT_STAGES;
  if (!stages.some((s) => s.kind === 'open')) throw new Invalid({ stages: 'stages.need_open' });
  return knex.transaction(async (trx) => {
    const pipeline = await insertPipeline(trx, workspaceId, input.name);
    await trx('pipeline_stages').insert(
      stages.map((s, position) => ({ workspace_id: workspaceId, pipeline_id: pipeline.id, name: s.name, kind: s.kind, probability: s.probability ?? null, position })),
    );
    await recordAudit(trx, actor, { workspaceId, action: 'pipeline.created', subjectType: 'pipeline', subjectId: pipeline.id, data: { name: pipeline.name } });
    return pipeline;
  });
}

/** renamePipeline changes a pipeline's name. */
export async function renamePipeline(knex: Knex, workspaceId: string, pipelineId: string, name: string, actor: Actor): Promise<PipelineRow> {
  return knex.transaction(async (trx) => {
    const row = await updatePipeline(trx, workspaceId, pipelineId, { name });
    if (!row) throw new NotFound();
    await recordAudit(trx, actor, { workspaceId, action: 'pipeline.renamed', subjectType: 'pipeline', subjectId: pipelineId, data: { name } });
    return row;
  });
}

/**
 * addStage adds a stage to a pipeline at `position` among its active stages; by default after
 * the last open stage (so before Won and Lost).
 */
export async function addStage(
  knex: Knex,
  workspaceId: string,
  pipelineId: string,
  input: { name: string; kind: StageKind; probability?: number | null; position?: number },
  actor: Actor,
): Promise<StageRow> {
  return knex.transaction(async (trx) => {
    if (!(await findPipeline(trx, workspaceId, pipelineId))) throw new NotFound();
    await lockPipeline(trx, workspaceId, pipelineId);
    const active = await listStages(trx, workspaceId, pipelineId);
    const lastOpen = active.map((s) => s.kind).lastIndexOf('open');
    const index = Math.min(input.position ?? (input.kind === 'open' ? lastOpen + 1 : active.length), active.length);
    // Insert at the place of the active stage now at `index` (archived stages keep their numbers after).
    const at = index < active.length ? active[index].position : (active.at(-1)?.position ?? -1) + 1;
    const stage = await insertStage(trx, workspaceId, pipelineId, { name: input.name, kind: input.kind, probability: input.probability ?? null, position: at });
    await setStageOrder(trx, workspaceId, pipelineId, [...active.slice(0, index).map((s) => s.id), stage.id, ...active.slice(index).map((s) => s.id)]);
    await recordAudit(trx, actor, { workspaceId, action: 'stage.created', subjectType: 'stage', subjectId: stage.id, data: { name: stage.name, kind: stage.kind } });
    return (await findStage(trx, workspaceId, stage.id))!;
  });
}

/**
 * changeStage renames a stage, sets its probability or kind, moves it to another place, or
 * archives / restores it. A stage holding deals keeps its kind (the deals' won/lost state
 * depends on it); a stage holding open deals cannot be archived; a pipeline keeps one open stage.
 */
export async function changeStage(
  knex: Knex,
  workspaceId: string,
  stageId: string,
  input: { name?: string; kind?: StageKind; probability?: number | null; position?: number; archived?: boolean },
  actor: Actor,
): Promise<StageRow> {
  return knex.transaction(async (trx) => {
    const stage = await findStage(trx, workspaceId, stageId);
    if (!stage) throw new NotFound();
    await lockPipeline(trx, workspaceId, stage.pipeline_id);
    await lockStages(trx, workspaceId, [stage.id]);
    const active = await listStages(trx, workspaceId, stage.pipeline_id);
    const openLeft = (without: string) => active.some((s) => s.kind === 'open' && s.id !== without);
    const values: Partial<StageRow> = {};
    if (input.name !== undefined) values.name = input.name;
    if (input.probability !== undefined) values.probability = input.probability;
    if (input.kind !== undefined && input.kind !== stage.kind) {
      if ((await countDealsInStage(trx, workspaceId, stage.id)) > 0) throw new Invalid({ kind: 'stages.kind_locked' });
      if (stage.kind === 'open' && !stage.archived_at && !openLeft(stage.id)) throw new Invalid({ kind: 'stages.need_open' });
      values.kind = input.kind;
    }
    if (input.archived === true && !stage.archived_at) {
      if (stage.kind === 'open' && (await countDealsInStage(trx, workspaceId, stage.id)) > 0) throw new Invalid({ _: 'stages.has_deals' });
      if ((values.kind ?? stage.kind) === 'open' && !openLeft(stage.id)) throw new Invalid({ _: 'stages.need_open' });
      values.archived_at = new Date();
    } else if (input.archived === false && stage.archived_at) {
      values.archived_at = null;
    }
    const row = Object.keys(values).length ? await updateStage(trx, workspaceId, stage.id, values) : stage;
    if (input.archived === false && stage.archived_at) {
      // A restored stage comes back at the end of the board.
      await setStageOrder(trx, workspaceId, stage.pipeline_id, [...active.map((s) => s.id), stage.id]);
    } else if (input.position !== undefined && !row.archived_at) {
      const others = active.filter((s) => s.id !== stage.id).map((s) => s.id);
      const index = Math.min(input.position, others.length);
      await setStageOrder(trx, workspaceId, stage.pipeline_id, [...others.slice(0, index), stage.id, ...others.slice(index)]);
    }
    const action = values.archived_at ? 'stage.archived' : input.archived === false && stage.archived_at ? 'stage.restored' : 'stage.updated';
    await recordAudit(trx, actor, { workspaceId, action, subjectType: 'stage', subjectId: stage.id, data: { name: row.name, ...input } });
    return (await findStage(trx, workspaceId, stage.id))!;
  });
}

/** nudgeStage moves a stage one place left ('up') or right ('down') on the board. */
export async function nudgeStage(knex: Knex, workspaceId: string, stageId: string, direction: 'up' | 'down', actor: Actor): Promise<StageRow> {
  const stage = await findStage(knex, workspaceId, stageId);
  if (!stage || stage.archived_at) throw new NotFound();
  const active = await listStages(knex, workspaceId, stage.pipeline_id);
  const index = active.findIndex((s) => s.id === stage.id);
  const target = Math.max(0, Math.min(active.length - 1, index + (direction === 'up' ? -1 : 1)));
  return changeStage(knex, workspaceId, stageId, { position: target }, actor);
}

// ---------- Lost reasons, deal fields, board setting ----------

/** addLostReason adds a reason to the workspace's list. */
export async function addLostReason(knex: Knex, workspaceId: string, name: string, actor: Actor) {
  try {
    return await knex.transaction(async (trx) => {
      const row = await insertLostReason(trx, workspaceId, name);
      await recordAudit(trx, actor, { workspaceId, action: 'lost_reason.created', subjectType: 'lost_reason', subjectId: row.id, data: { name } });
      return row;
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new Invalid({ name: 'lost_reasons.duplicate' });
    throw err;
  }
}

/** renameLostReason renames a reason (deals lost for it keep the name they were lost with). */
export async function renameLostReason(knex: Knex, workspaceId: string, id: string, name: string, actor: Actor) {
  try {
    return await knex.transaction(async (trx) => {
      const row = await updateLostReason(trx, workspaceId, id, { name });
      if (!row) throw new NotFound();
      await recordAudit(trx, actor, { workspaceId, action: 'lost_reason.renamed', subjectType: 'lost_reason', subjectId: id, data: { name } });
      return row;
    });
  } catch (err) {
    if (isUniqueViolation(err)) throw new Invalid({ name: 'lost_reasons.duplicate' });
    throw err;
  }
}

/** archiveLostReason takes a reason off the list; the list keeps at least one. */
export async function archiveLostReason(knex: Knex, workspaceId: string, id: string, actor: Actor): Promise<void> {
  await knex.transaction(async (trx) => {
    const reason = await findLostReason(trx, workspaceId, id);
    if (!reason) throw new NotFound();
    if (reason.archived_at) return;
    await trx('lost_reasons').where({ workspace_id: workspaceId }).whereNull('archived_at').forUpdate().select('id');
    if ((await listLostReasons(trx, workspaceId)).length <= 1) throw new Invalid({ _: 'lost_reasons.keep_one' });
    await updateLostReason(trx, workspaceId, id, { archived_at: new Date() });
    await recordAudit(trx, actor, { workspaceId, action: 'lost_reason.archived', subjectType: 'lost_reason', subjectId: id, data: { name: reason.name } });
  });
}

/** fieldKey makes a field's machine name from its label: "Budget (USD)" -> "budget_usd". */
export function fieldKey(label: string): string {
  const base = label
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 40);
  return base || 'field';
}

/** addDealField defines a custom deal field (a select needs at least one choice). */
export async function addDealField(
  knex: Knex,
  workspaceId: string,
  input: { label: string; type: FieldType; options?: string[] },
  actor: Actor,
): Promise<DealFieldRow> {
  const options = input.type === 'select' ? (input.options ?? []) : [];
  if (input.type === 'select' && !options.length) throw new Invalid({ options: 'deal_fields.options_required' });
  return knex.transaction(async (trx) => {
    const base = fieldKey(input.label);
    let key = base;
    for (let n = 2; await fieldKeyTaken(trx, workspaceId, key); n += 1) key = `${base}_${n}`;
    const row = await insertDealField(trx, workspaceId, { key, label: input.label, type: input.type, options });
    await recordAudit(trx, actor, { workspaceId, action: 'deal_field.created', subjectType: 'deal_field', subjectId: row.id, data: { name: row.label, type: row.type } });
    return row;
  });
}

/** changeDealField relabels a field or replaces a select's choices. */
export async function changeDealField(
  knex: Knex,
  workspaceId: string,
  id: string,
  input: { label: string; options?: string[] },
  actor: Actor,
): Promise<DealFieldRow> {
  return knex.transaction(async (trx) => {
    const field = await findDealField(trx, workspaceId, id);
    if (!field) throw new NotFound();
    const options = field.type === 'select' ? input.options : undefined;
    if (field.type === 'select' && !options?.length) throw new Invalid({ options: 'deal_fields.options_required' });
    const row = (await updateDealField(trx, workspaceId, id, { label: input.label, options }))!;
    await recordAudit(trx, actor, { workspaceId, action: 'deal_field.updated', subjectType: 'deal_field', subjectId: id, data: { name: row.label } });
    return row;
  });
}

/** archiveDealField hides a field from forms; values already stored are kept. */
export async function archiveDealField(knex: Knex, workspaceId: string, id: string, actor: Actor): Promise<void> {
  await knex.transaction(async (trx) => {
    const field = await findDealField(trx, workspaceId, id);
    if (!field) throw new NotFound();
    await updateDealField(trx, workspaceId, id, { archived_at: new Date() });
    await recordAudit(trx, actor, { workspaceId, action: 'deal_field.archived', subjectType: 'deal_field', subjectId: id, data: { name: field.label } });
  });
}

/** setBoardSettings changes how long closed deals stay on the board. */
export async function setBoardSettings(knex: Knex, workspaceId: string, days: number, actor: Actor): Promise<void> {
  await knex.transaction(async (trx) => {
    await setClosedDealsVisibleDays(trx, workspaceId, days);
    await recordAudit(trx, actor, { workspaceId, action: 'pipeline.settings_changed', subjectType: 'workspace', subjectId: workspaceId, data: { closed_deals_visible_days: days } });
  });
}

// ---------- Deals ----------

/**
 * checkCustomFields validates submitted custom field values against the workspace's active
 * definitions. Returns the values to store ('' and null clear a field); field errors are keyed
 * `custom_fields.<key>`.
 */
export function checkCustomFields(defs: DealFieldRow[], input: Record<string, unknown>): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  const errors: Record<string, string> = {};
  for (const [key, raw] of Object.entries(input)) {
    const def = defs.find((d) => d.key === key);
    const path = `custom_fields.${key}`;
    if (!def) {
      errors[path] = 'deal_fields.unknown';
      continue;
    }
    if (raw === null || raw === undefined || raw === '') {
      out[key] = null;
      continue;
    }
    const text = typeof raw === 'number' && Number.isFinite(raw) ? String(raw) : typeof raw === 'string' ? raw.trim() : null;
    if (text === null) errors[path] = 'deal_fields.invalid';
    else if (text === '') out[key] = null;
    else if (def.type === 'text') {
      if (text.length > 500) errors[path] = 'validation.too_long';
      else out[key] = text;
    } else if (def.type === 'number') {
      if (!/^-?\d{1,15}(\.\d{1,6})?$/.test(text)) errors[path] = 'validation.number';
      else out[key] = text;
    } else if (def.type === 'date') {
      if (!/^\d{4}-\d{2}-\d{2}$/.test(text) || Number.isNaN(Date.parse(`${text}T00:00:00Z`))) errors[path] = 'deals.date_invalid';
      else out[key] = text;
    } else if (def.type === 'select') {
      if (!def.options.includes(text)) errors[path] = 'validation.choose';
      else out[key] = text;
    }
  }
  if (Object.keys(errors).length) throw new Invalid(errors);
  return out;
}

function mergeCustomFields(current: Record<string, unknown>, changes: Record<string, string | null>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...current };
  for (const [k, v] of Object.entries(changes)) {
    if (v === null) delete merged[k];
    else merged[k] = v;
  }
  return merged;
}

function checkValue(value: string | undefined, currency: string): string | undefined {
  if (value === undefined) return undefined;
  const normalized = normalizeAmount(value, currency);
  if (normalized === null) throw new Invalid({ value: 'deals.value_invalid' });
  return normalized;
}

async function checkOwner(db: Db, workspaceId: string, ownerId: string | null): Promise<string | null> {
  if (ownerId === null) return null;
  if (!(await findMember(db, workspaceId, ownerId))) throw new Invalid({ owner_id: 'deals.owner_not_member' });
  return ownerId;
}

/** The columns that say whether a deal in `stage` is open, won or lost (and why it was lost). */
function closedState(deal: Pick<DealRow, 'won_at' | 'lost_at' | 'stage_id'> | null, stage: StageRow, reason: { id: string | null; name: string } | null, now: Date) {
  if (stage.kind === 'won') return { won_at: deal?.won_at ?? now, closed_at: deal?.won_at ?? now, lost_at: null, lost_reason: null, lost_reason_id: null };
  if (stage.kind === 'lost') {
    const lostAt = deal?.lost_at ?? now;
    return { lost_at: lostAt, closed_at: lostAt, won_at: null, lost_reason: reason?.name ?? null, lost_reason_id: reason?.id ?? null };
  }
  return { won_at: null, lost_at: null, closed_at: null, lost_reason: null, lost_reason_id: null };
}

async function requireLostReason(db: Db, workspaceId: string, given: string | undefined) {
  if (!given) throw new Invalid({ lost_reason: 'deals.lost_reason_required' });
  const reason = await matchLostReason(db, workspaceId, given);
  if (!reason) throw new Invalid({ lost_reason: 'deals.lost_reason_unknown' });
  return reason;
}

/** The first active open stage of a pipeline: where new deals start. */
async function firstOpenStage(db: Db, workspaceId: string, pipelineId: string): Promise<StageRow> {
  const stage = (await listStages(db, workspaceId, pipelineId)).find((s) => s.kind === 'open');
  if (!stage) throw new Invalid({ stage_id: 'stages.need_open' });
  return stage;
}

/** createDeal adds a deal for a contact, at the top of its stage's column. */
export async function createDeal(
  knex: Knex,
  workspace: { id: string; currency: string },
  input: NewDealInput,
  actor: Actor,
): Promise<DealRow> {
  const workspaceId = workspace.id;
  return knex.transaction(async (trx) => {
    const contact = await findContact(trx, workspaceId, input.contact_id);
    if (!contact) throw new Invalid({ contact_id: 'deals.contact_not_found' });
    let stage: StageRow | undefined;
    if (input.stage_id) {
      stage = await findStage(trx, workspaceId, input.stage_id);
      if (!stage || stage.archived_at) throw new Invalid({ stage_id: 'deals.stage_unknown' });
      if (input.pipeline_id && stage.pipeline_id !== input.pipeline_id) throw new Invalid({ stage_id: 'deals.stage_not_in_pipeline' });
    } else {
      const pipeline = input.pipeline_id ? await findPipeline(trx, workspaceId, input.pipeline_id) : await defaultPipeline(trx, workspaceId);
      if (!pipeline) throw new Invalid({ pipeline_id: 'deals.pipeline_unknown' });
      stage = await firstOpenStage(trx, workspaceId, pipeline.id);
    }
    const currency = input.currency ?? workspace.currency;
    const value = checkValue(input.value, currency) ?? '0';
    const ownerId = await checkOwner(trx, workspaceId, input.owner_id === undefined ? (actor.userId ?? null) : input.owner_id);
    const custom = checkCustomFields(await listDealFields(trx, workspaceId), input.custom_fields ?? {});
    const reason = stage.kind === 'lost' ? await requireLostReason(trx, workspaceId, input.lost_reason) : null;
    await lockStages(trx, workspaceId, [stage.id]);
    const first = await slotAt(trx, workspaceId, stage.id, 0, null);
    const now = new Date();
    const deal = await insertDeal(trx, {
      workspace_id: workspaceId,
      pipeline_id: stage.pipeline_id,
      stage_id: stage.id,
      position: first ? first.position - POSITION_GAP : 0,
      title: input.title,
      value,
      currency,
      contact_id: contact.id,
      owner_id: ownerId,
      expected_close_date: input.expected_close_date ?? null,
      source: input.source ?? null,
      notes: input.notes ?? null,
      labels: input.labels ?? [],
      custom_fields: mergeCustomFields({}, custom),
      stage_entered_at: now,
      created_by: actor.userId ?? null,
      ...closedState(null, stage, reason, now),
    });
    await insertDealEvent(trx, {
      workspace_id: workspaceId,
      deal_id: deal.id,
      type: 'created',
      to_stage_id: stage.id,
      data: reason ? { lost_reason: reason.name } : {},
      actor_user_id: actor.userId ?? null,
      actor_token_id: actor.tokenId ?? null,
    });
    await recordAudit(trx, actor, { workspaceId, action: 'deal.created', subjectType: 'deal', subjectId: deal.id, data: { name: deal.title } });
    await publish(trx, workspaceId, { type: 'deal.created', deal_id: deal.id, stage_id: deal.stage_id });
    return deal;
  });
}

/** The outcome of a move: the deal as it is now, and whether anything changed. */
export interface MoveResult {
  deal: DealRow;
  fromStageId: string;
  moved: boolean;
}

/** positionBetween is a position strictly between two neighbours, or null when they touch. */
function positionBetween(prev: Slot | undefined, next: Slot | undefined): number | null {
  if (prev && next) return next.position - prev.position >= 2 ? prev.position + Math.floor((next.position - prev.position) / 2) : null;
  if (prev) return prev.position + POSITION_GAP;
  if (next) return next.position - POSITION_GAP;
  return 0;
}

/**
 * placeDeal moves a deal (already row-locked, its stages locked) to `target` at the place the
 * input asks for. Without a place, a deal already in the stage stays where it is and one from
 * another stage goes to the end. Repeating a move changes nothing.
 */
async function placeDeal(trx: Db, workspaceId: string, deal: DealRow, target: StageRow, input: Omit<MoveDealInput, 'stage_id'>, actor: Actor): Promise<MoveResult> {
  const sameStage = deal.stage_id === target.id;
  const self = deal.id;
  let reason: { id: string | null; name: string } | null = null;
  if (target.kind === 'lost') {
    // Reordering inside a lost column keeps the reason the deal was lost for.
    if (sameStage && deal.lost_reason && !input.lost_reason) reason = { id: deal.lost_reason_id, name: deal.lost_reason };
    else reason = await requireLostReason(trx, workspaceId, input.lost_reason);
  }

  let prev: Slot | undefined;
  let next: Slot | undefined;
  let placed = true;
  if (input.after_id) {
    if (input.after_id === self) throw new Invalid({ after_id: 'deals.neighbour_unknown' });
    prev = await findSlot(trx, workspaceId, target.id, input.after_id);
    if (!prev) throw new Invalid({ after_id: 'deals.neighbour_unknown' });
    next = await slotAfter(trx, workspaceId, target.id, prev.position, self);
  } else if (input.before_id) {
    if (input.before_id === self) throw new Invalid({ before_id: 'deals.neighbour_unknown' });
    next = await findSlot(trx, workspaceId, target.id, input.before_id);
    if (!next) throw new Invalid({ before_id: 'deals.neighbour_unknown' });
    prev = await slotBefore(trx, workspaceId, target.id, next.position, self);
  } else if (input.position !== undefined) {
    prev = input.position > 0 ? await slotAt(trx, workspaceId, target.id, input.position - 1, self) : undefined;
    if (input.position > 0 && !prev) prev = await lastSlot(trx, workspaceId, target.id, self);
    else next = await slotAt(trx, workspaceId, target.id, input.position, self);
  } else if (sameStage) {
    placed = false;
  } else {
    prev = await lastSlot(trx, workspaceId, target.id, self);
  }

  let position = deal.position;
  if (placed && sameStage) {
    // Already between those neighbours: the same move again changes nothing.
    const curPrev = await slotBefore(trx, workspaceId, target.id, deal.position, self);
    const curNext = await slotAfter(trx, workspaceId, target.id, deal.position, self);
    if (curPrev?.id === prev?.id && curNext?.id === next?.id) placed = false;
  }
  if (placed) {
    let between = positionBetween(prev, next);
    if (between === null) {
      // No integer left between the neighbours: spread the column out again, then retry.
      await renumberColumn(trx, workspaceId, target.id, POSITION_GAP);
      prev = prev && (await findSlot(trx, workspaceId, target.id, prev.id));
      next = next && (await findSlot(trx, workspaceId, target.id, next.id));
      between = positionBetween(prev, next)!;
    }
    position = between;
  }

  const sameReason = target.kind !== 'lost' || reason?.name === deal.lost_reason;
  if (sameStage && !placed && sameReason) return { deal, fromStageId: deal.stage_id, moved: false };

  const now = new Date();
  const changes: Partial<DealRow> = { position, ...closedState(sameStage ? deal : { ...deal, won_at: null, lost_at: null }, target, reason, now) };
  if (!sameStage) Object.assign(changes, { stage_id: target.id, pipeline_id: target.pipeline_id, stage_entered_at: now });
  const updated = await updateDeal(trx, workspaceId, deal.id, changes);
  if (!sameStage || !sameReason) {
    await insertDealEvent(trx, {
      workspace_id: workspaceId,
      deal_id: deal.id,
      type: 'stage_changed',
      from_stage_id: deal.stage_id,
      to_stage_id: target.id,
      data: reason ? { lost_reason: reason.name } : {},
      actor_user_id: actor.userId ?? null,
      actor_token_id: actor.tokenId ?? null,
    });
    await recordAudit(trx, actor, {
      workspaceId,
      action: 'deal.moved',
      subjectType: 'deal',
      subjectId: deal.id,
      data: { name: deal.title, from_stage_id: deal.stage_id, to_stage_id: target.id, ...(reason ? { lost_reason: reason.name } : {}) },
    });
  }
  await publish(trx, workspaceId, { type: 'deal.moved', deal_id: deal.id, stage_id: target.id, from_stage_id: deal.stage_id });
  return { deal: updated, fromStageId: deal.stage_id, moved: true };
}

/**
 * lockDealAndColumns locks the columns a move touches (in id order: two agents moving cards at
 * once wait for each other instead of deadlocking), then the deal. If the deal changed column
 * before the lock was granted, it locks again.
 */
async function lockDealAndColumns(trx: Db, workspaceId: string, dealId: string, targetStageId: string): Promise<DealRow> {
  let seen = await findDeal(trx, workspaceId, dealId);
  if (!seen) throw new NotFound();
  const locked = new Set<string>();
  for (;;) {
    const wanted = [seen.stage_id, targetStageId].filter((id) => !locked.has(id));
    if (wanted.length) {
      await lockStages(trx, workspaceId, wanted);
      wanted.forEach((id) => locked.add(id));
    }
    const deal = await findDealForUpdate(trx, workspaceId, dealId);
    if (!deal) throw new NotFound();
    if (locked.has(deal.stage_id)) return deal;
    seen = deal;
  }
}

/**
 * moveDeal moves a deal to a stage and a place in its column. Moving into a lost stage needs a
 * reason from the workspace's list; moving out of won/lost reopens the deal. The move is
 * idempotent and safe when several people move cards of the same columns at once.
 */
export async function moveDeal(knex: Knex, workspaceId: string, dealId: string, input: MoveDealInput, actor: Actor): Promise<MoveResult> {
  return retryOnDeadlock(() => knex.transaction(async (trx) => {
    if (!(await findDeal(trx, workspaceId, dealId))) throw new NotFound();
    const target = await findStage(trx, workspaceId, input.stage_id);
    if (!target || target.archived_at) throw new Invalid({ stage_id: 'deals.stage_unknown' });
    const deal = await lockDealAndColumns(trx, workspaceId, dealId, target.id);
    return placeDeal(trx, workspaceId, deal, target, input, actor);
  }));
}

/** updateDealDetails changes a deal's fields (and its stage, when the edit names another one). */
export async function updateDealDetails(
  knex: Knex,
  workspaceId: string,
  dealId: string,
  input: DealPatchInput,
  actor: Actor,
): Promise<DealRow> {
  return retryOnDeadlock(() => knex.transaction(async (trx) => {
    let deal = await findDeal(trx, workspaceId, dealId);
    if (!deal) throw new NotFound();
    if (input.stage_id && (input.stage_id !== deal.stage_id || input.lost_reason)) {
      const target = await findStage(trx, workspaceId, input.stage_id);
      if (!target || target.archived_at) throw new Invalid({ stage_id: 'deals.stage_unknown' });
      const locked = await lockDealAndColumns(trx, workspaceId, dealId, target.id);
      deal = (await placeDeal(trx, workspaceId, locked, target, { lost_reason: input.lost_reason }, actor)).deal;
    } else {
      deal = (await findDealForUpdate(trx, workspaceId, dealId))!;
    }
    const changes: Partial<DealRow> = {};
    if (input.contact_id !== undefined && input.contact_id !== deal.contact_id) {
      if (!(await findContact(trx, workspaceId, input.contact_id))) throw new Invalid({ contact_id: 'deals.contact_not_found' });
      changes.contact_id = input.contact_id;
    }
    const currency = input.currency ?? deal.currency;
    if (input.currency !== undefined) changes.currency = currency;
    if (input.value !== undefined) changes.value = checkValue(input.value, currency);
    else if (input.currency !== undefined && normalizeAmount(deal.value.replace(/\.?0+$/, ''), currency) === null) {
      throw new Invalid({ value: 'deals.value_invalid' });
    }
    if (input.owner_id !== undefined) changes.owner_id = await checkOwner(trx, workspaceId, input.owner_id);
    if (input.title !== undefined) changes.title = input.title;
    if (input.expected_close_date !== undefined) changes.expected_close_date = input.expected_close_date;
    if (input.source !== undefined) changes.source = input.source;
    if (input.notes !== undefined) changes.notes = input.notes;
    if (input.labels !== undefined) changes.labels = input.labels;
    if (input.custom_fields !== undefined) {
      changes.custom_fields = mergeCustomFields(deal.custom_fields ?? {}, checkCustomFields(await listDealFields(trx, workspaceId), input.custom_fields));
    }
    if (!Object.keys(changes).length) return deal;
    const updated = await updateDeal(trx, workspaceId, dealId, changes);
    await recordAudit(trx, actor, { workspaceId, action: 'deal.updated', subjectType: 'deal', subjectId: dealId, data: { name: updated.title, fields: Object.keys(changes) } });
    await publish(trx, workspaceId, { type: 'deal.updated', deal_id: dealId, stage_id: updated.stage_id });
    return updated;
  }));
}

/** removeDeal deletes a deal and its history. */
export async function removeDeal(knex: Knex, workspaceId: string, dealId: string, actor: Actor): Promise<void> {
  await knex.transaction(async (trx) => {
    const deal = await findDealForUpdate(trx, workspaceId, dealId);
    if (!deal) throw new NotFound();
    await deleteDeal(trx, workspaceId, dealId);
    await recordAudit(trx, actor, { workspaceId, action: 'deal.deleted', subjectType: 'deal', subjectId: dealId, data: { name: deal.title, value: deal.value, currency: deal.currency } });
    await publish(trx, workspaceId, { type: 'deal.deleted', deal_id: dealId, stage_id: deal.stage_id });
  });
}

/** addDealNote writes a note on a deal's timeline. */
export async function addDealNote(knex: Knex, workspaceId: string, dealId: string, body: string, actor: Actor): Promise<void> {
  await knex.transaction(async (trx) => {
    const deal = await findDealForUpdate(trx, workspaceId, dealId);
    if (!deal) throw new NotFound();
    await insertDealEvent(trx, { workspace_id: workspaceId, deal_id: dealId, type: 'note', body, actor_user_id: actor.userId ?? null, actor_token_id: actor.tokenId ?? null });
    await updateDeal(trx, workspaceId, dealId, {});
    await recordAudit(trx, actor, { workspaceId, action: 'deal.note_added', subjectType: 'deal', subjectId: dealId, data: { name: deal.title } });
  });
}
