// API: pipelines and their stages, lost reasons, and deals (create, list, read, change, delete,
// move). Money travels as a decimal string in the currency's format ("1234.50").
import { Router, type Request, type Response } from 'express';
import { actorOf } from '../audit/index.js';
import type { AppContext } from '../context.js';
import { paginate, PageQuery } from '../api/pagination.js';
import { commonErrors, dataResponse, errorResponse, idParameter, jsonBody, listResponse, pageParameters, type PathItems } from '../api/openapi.js';
import { NotFound, notFound } from '../web/errors.js';
import { parseInput } from '../web/validate.js';
import { apiDealQuery, findDeal, type DealRow } from './deals.js';
import { presentAmount } from './money.js';
import { findPipeline, findStage, listLostReasons, listPipelines, listStages, type PipelineRow, type StageRow } from './repo.js';
import { ApiDealQuery, DealPatch, MoveDeal, NewDeal, NewPipelineApi, NewStageApi, PipelineInput, StagePatch } from './schema.js';
import { addStage, changeStage, createDeal, createPipeline, moveDeal, removeDeal, renamePipeline, updateDealDetails } from './service.js';

const stageSchema = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    name: { type: 'string' },
    position: { type: 'integer', description: '0-based place on the board, left to right' },
    kind: { type: 'string', enum: ['open', 'won', 'lost'] },
    probability: { type: ['integer', 'null'], minimum: 0, maximum: 100 },
  },
};

const pipelineSchema = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    name: { type: 'string' },
    position: { type: 'integer' },
    stages: { type: 'array', items: stageSchema, description: 'Active stages in board order (archived ones are left out)' },
  },
};

const money = { type: 'string', pattern: '^\\d+(\\.\\d+)?$', description: 'Exact decimal string with the currency\'s decimals, e.g. "1234.50"', examples: ['1234.50'] };

const dealSchema = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    title: { type: 'string' },
    value: money,
    currency: { type: 'string', description: 'ISO 4217 code' },
    contact_id: { type: 'string', format: 'uuid' },
    pipeline_id: { type: 'string', format: 'uuid' },
    stage_id: { type: 'string', format: 'uuid' },
    owner_id: { type: ['string', 'null'], format: 'uuid' },
    expected_close_date: { type: ['string', 'null'], format: 'date' },
    source: { type: ['string', 'null'] },
    notes: { type: ['string', 'null'] },
    labels: { type: 'array', items: { type: 'string' } },
    custom_fields: { type: 'object', additionalProperties: { type: 'string' }, description: 'Values of the workspace\'s deal fields, by key' },
    status: { type: 'string', enum: ['open', 'won', 'lost'] },
    lost_reason: { type: ['string', 'null'] },
    won_at: { type: ['string', 'null'], format: 'date-time' },
    lost_at: { type: ['string', 'null'], format: 'date-time' },
    stage_entered_at: { type: 'string', format: 'date-time' },
    created_at: { type: 'string', format: 'date-time' },
    updated_at: { type: 'string', format: 'date-time' },
  },
};

const notFoundResponse = commonErrors[404];
const errors = { 401: commonErrors[401], 422: commonErrors[422] };

export const pipelineApiPaths: PathItems = {
  '/pipelines': {
    get: {
      summary: "The workspace's pipelines with their stages",
      tags: ['pipeline'],
      responses: { 200: dataResponse('Pipelines, default first', { type: 'array', items: pipelineSchema }), 401: commonErrors[401] },
    },
    post: {
      summary: 'Create a pipeline',
      description: 'Without `stages`, the pipeline gets the default six (New, Qualified, Proposal, Negotiation, Won, Lost).',
      tags: ['pipeline'],
      requestBody: jsonBody(NewPipelineApi),
      responses: { 201: dataResponse('The pipeline', pipelineSchema), ...errors },
    },
  },
  '/pipelines/{id}': {
    get: { summary: 'One pipeline', tags: ['pipeline'], parameters: [idParameter()], responses: { 200: dataResponse('The pipeline', pipelineSchema), 401: commonErrors[401], 404: notFoundResponse } },
    patch: {
      summary: 'Rename a pipeline',
      tags: ['pipeline'],
      parameters: [idParameter()],
      requestBody: jsonBody(PipelineInput),
      responses: { 200: dataResponse('The pipeline', pipelineSchema), 404: notFoundResponse, ...errors },
    },
  },
  '/pipelines/{id}/stages': {
    post: {
      summary: 'Add a stage',
      description: 'Placed at `position` among the active stages; by default after the last open stage.',
      tags: ['pipeline'],
      parameters: [idParameter()],
      requestBody: jsonBody(NewStageApi),
      responses: { 201: dataResponse('The stage', stageSchema), 404: notFoundResponse, ...errors },
    },
  },
  '/pipelines/{id}/stages/{stage_id}': {
    patch: {
      summary: 'Rename, reorder, re-kind or archive a stage',
      description:
        'A stage that holds deals keeps its kind; a stage holding open deals cannot be archived; a pipeline keeps at least one open stage. `archived: false` restores a stage (at the end).',
      tags: ['pipeline'],
      parameters: [idParameter(), idParameter('stage_id')],
      requestBody: jsonBody(StagePatch),
      responses: { 200: dataResponse('The stage', stageSchema), 404: notFoundResponse, ...errors },
    },
  },
  '/lost-reasons': {
    get: {
      summary: "The workspace's lost reasons",
      description: 'Moving a deal to a lost stage needs one of these (its name or id) as `lost_reason`.',
      tags: ['pipeline'],
      responses: {
        200: dataResponse('Active reasons in order', { type: 'array', items: { type: 'object', properties: { id: { type: 'string', format: 'uuid' }, name: { type: 'string' } } } }),
        401: commonErrors[401],
      },
    },
  },
  '/deals': {
    get: {
      summary: 'List deals',
      tags: ['deals'],
      parameters: [
        ...['pipeline_id', 'stage_id', 'owner_id', 'contact_id'].map((name) => ({ name, in: 'query', schema: { type: 'string', format: 'uuid' } })),
        { name: 'status', in: 'query', schema: { type: 'string', enum: ['open', 'won', 'lost', 'all'] } },
        ...pageParameters,
      ],
      responses: { 200: listResponse('Deals, newest first', dealSchema), ...errors },
    },
    post: {
      summary: 'Create a deal',
      description:
        'Without `stage_id` the deal starts in the first open stage of `pipeline_id` (or of the default pipeline). `value` is a decimal string with at most the currency\'s decimals; `currency` defaults to the workspace\'s. A deal created in a lost stage needs `lost_reason`.',
      tags: ['deals'],
      requestBody: jsonBody(NewDeal),
      responses: { 201: dataResponse('The deal', dealSchema), ...errors },
    },
  },
  '/deals/{id}': {
    get: { summary: 'One deal', tags: ['deals'], parameters: [idParameter()], responses: { 200: dataResponse('The deal', dealSchema), 401: commonErrors[401], 404: notFoundResponse } },
    patch: {
      summary: 'Change a deal',
      description: 'Only the fields sent change. `custom_fields` merges (null clears a field). A new `stage_id` moves the deal to the end of that column (see /move).',
      tags: ['deals'],
      parameters: [idParameter()],
      requestBody: jsonBody(DealPatch),
      responses: { 200: dataResponse('The deal', dealSchema), 404: notFoundResponse, ...errors },
    },
    delete: { summary: 'Delete a deal', tags: ['deals'], parameters: [idParameter()], responses: { 204: { description: 'Deleted' }, 401: commonErrors[401], 404: notFoundResponse } },
  },
  '/deals/{id}/move': {
    post: {
      summary: 'Move a deal to a stage and a place in its column',
      description:
        'Give the place as `position` (0-based index among the column\'s deals), `after_id` or `before_id` (a neighbour); without one, a deal from another stage goes to the end and a deal already in the stage stays put. A lost stage needs `lost_reason` (422 without). Idempotent: repeating a move changes nothing (`moved: false`). Concurrent moves are serialised per column, so the order stays consistent.',
      tags: ['deals'],
      parameters: [idParameter()],
      requestBody: jsonBody(MoveDeal),
      responses: {
        200: {
          description: 'The deal after the move',
          content: { 'application/json': { schema: { type: 'object', properties: { data: dealSchema, moved: { type: 'boolean' } } } } },
        },
        404: notFoundResponse,
        409: errorResponse('Conflict'),
        ...errors,
      },
    },
  },
};

/** presentStage is the API shape of a stage. */
export function presentStage(s: StageRow) {
  return { id: s.id, name: s.name, position: s.position, kind: s.kind, probability: s.probability, ...(s.archived_at ? { archived: true } : {}) };
}

/** presentPipeline is the API shape of a pipeline with its active stages. */
export function presentPipeline(p: PipelineRow, stages: StageRow[]) {
  return { id: p.id, name: p.name, position: p.position, stages: stages.map(presentStage) };
}

/** presentDeal is the API shape of a deal: money as a decimal string in the currency's format. */
export function presentDeal(d: DealRow) {
  const currency = d.currency.trim();
  return {
    id: d.id,
    title: d.title,
    value: presentAmount(d.value, currency),
    currency,
    contact_id: d.contact_id,
    pipeline_id: d.pipeline_id,
    stage_id: d.stage_id,
    owner_id: d.owner_id,
    expected_close_date: d.expected_close_date,
    source: d.source,
    notes: d.notes,
    labels: d.labels,
    custom_fields: d.custom_fields,
    status: d.won_at ? 'won' : d.lost_at ? 'lost' : 'open',
    lost_reason: d.lost_reason,
    won_at: d.won_at,
    lost_at: d.lost_at,
    stage_entered_at: d.stage_entered_at,
    created_at: d.created_at,
    updated_at: d.updated_at,
  };
}

/** pipelineApi is the route table of /api/v1/pipelines, /lost-reasons and /deals. */
export function pipelineApi(ctx: AppContext): Router {
  const router = Router();
  const { knex } = ctx;
  router.get('/pipelines', pipelines);
  router.post('/pipelines', newPipeline);
  router.get('/pipelines/:id', onePipeline);
  router.patch('/pipelines/:id', renamePipelineAction);
  router.post('/pipelines/:id/stages', newStage);
  router.patch('/pipelines/:id/stages/:stageId', patchStage);
  router.get('/lost-reasons', lostReasons);
  router.get('/deals', deals);
  router.post('/deals', newDeal);
  router.get('/deals/:id', oneDeal);
  router.patch('/deals/:id', patchDeal);
  router.delete('/deals/:id', deleteDeal);
  router.post('/deals/:id/move', move);
  return router;

  async function pipelineData(ws: string, p: PipelineRow) {
    return presentPipeline(p, await listStages(knex, ws, p.id));
  }

  async function pipelines(req: Request, res: Response) {
    const ws = req.workspace!.id;
    const rows = await listPipelines(knex, ws);
    res.json({ data: await Promise.all(rows.map((p) => pipelineData(ws, p))) });
  }

  async function newPipeline(req: Request, res: Response) {
    const input = parseInput(NewPipelineApi, req.body);
    const p = await createPipeline(knex, req.workspace!.id, input, actorOf(req));
    res.status(201).json({ data: await pipelineData(req.workspace!.id, p) });
  }

  async function loadPipeline(req: Request): Promise<PipelineRow> {
    return (await findPipeline(knex, req.workspace!.id, String(req.params.id))) ?? notFound();
  }

  async function onePipeline(req: Request, res: Response) {
    res.json({ data: await pipelineData(req.workspace!.id, await loadPipeline(req)) });
  }

  async function renamePipelineAction(req: Request, res: Response) {
    const { name } = parseInput(PipelineInput, req.body);
    const p = await renamePipeline(knex, req.workspace!.id, (await loadPipeline(req)).id, name, actorOf(req));
    res.json({ data: await pipelineData(req.workspace!.id, p) });
  }

  async function newStage(req: Request, res: Response) {
    const p = await loadPipeline(req);
    const input = parseInput(NewStageApi, req.body);
    const stage = await addStage(knex, req.workspace!.id, p.id, input, actorOf(req));
    res.status(201).json({ data: presentStage(stage) });
  }

  async function patchStage(req: Request, res: Response) {
    const p = await loadPipeline(req);
    const stage = await findStage(knex, req.workspace!.id, String(req.params.stageId));
    if (!stage || stage.pipeline_id !== p.id) throw new NotFound();
    const input = parseInput(StagePatch, req.body);
    res.json({ data: presentStage(await changeStage(knex, req.workspace!.id, stage.id, input, actorOf(req))) });
  }

  async function lostReasons(req: Request, res: Response) {
    const rows = await listLostReasons(knex, req.workspace!.id);
    res.json({ data: rows.map((r) => ({ id: r.id, name: r.name })) });
  }

  async function deals(req: Request, res: Response) {
    const page = parseInput(PageQuery, req.query);
    const filters = parseInput(ApiDealQuery, req.query);
    const result = await paginate<DealRow & Record<string, unknown>>(apiDealQuery(knex, req.workspace!.id, filters), page, { timeColumn: 'd.created_at', idColumn: 'd.id' });
    res.json({ data: result.data.map(presentDeal), next_cursor: result.next_cursor });
  }

  async function newDeal(req: Request, res: Response) {
    const input = parseInput(NewDeal, req.body);
    const deal = await createDeal(knex, req.workspace!, input, actorOf(req));
    res.status(201).json({ data: presentDeal(deal) });
  }

  async function loadDeal(req: Request): Promise<DealRow> {
    return (await findDeal(knex, req.workspace!.id, String(req.params.id))) ?? notFound();
  }

  async function oneDeal(req: Request, res: Response) {
    res.json({ data: presentDeal(await loadDeal(req)) });
  }

  async function patchDeal(req: Request, res: Response) {
    const deal = await loadDeal(req);
    const input = parseInput(DealPatch, req.body);
    res.json({ data: presentDeal(await updateDealDetails(knex, req.workspace!.id, deal.id, input, actorOf(req))) });
  }

  async function deleteDeal(req: Request, res: Response) {
    const deal = await loadDeal(req);
    await removeDeal(knex, req.workspace!.id, deal.id, actorOf(req));
    res.status(204).end();
  }

  async function move(req: Request, res: Response) {
    const deal = await loadDeal(req);
    const input = parseInput(MoveDeal, req.body);
    const result = await moveDeal(knex, req.workspace!.id, deal.id, input, actorOf(req));
    res.json({ data: presentDeal(result.deal), moved: result.moved });
  }
}
