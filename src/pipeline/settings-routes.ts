// Settings -> Pipeline: pipelines and their stages, the lost-reason list, custom deal fields and
// how long closed deals stay on the board. Owners and admins only.
import { Router, type Request, type Response } from 'express';
import { actorOf } from '../audit/index.js';
import type { AppContext } from '../context.js';
import { flash } from '../web/flash.js';
import { requireRole } from '../web/guards.js';
import { redirect, render } from '../web/render.js';
import { form, parseInput } from '../web/validate.js';
import { closedDealsVisibleDays, dealCountsByStage, listDealFields, listLostReasons, listPipelines, listStages } from './repo.js';
import { BoardSettingsInput, DealFieldInput, LostReasonInput, PipelineInput, StageDirection, StageInput, fieldTypes, stageKinds } from './schema.js';
import {
  addDealField,
  addLostReason,
  addStage,
  archiveDealField,
  archiveLostReason,
  changeDealField,
  changeStage,
  createPipeline,
  nudgeStage,
  renameLostReason,
  renamePipeline,
  setBoardSettings,
} from './service.js';

const PAGE = '/settings/pipeline';

/** pipelineSettingsRoutes is the route table of Settings -> Pipeline. */
export function pipelineSettingsRoutes(ctx: AppContext): Router {
  const router = Router();
  const { knex } = ctx;
  const admin = requireRole('owner', 'admin');
  // Every form of the page re-renders the page; `failed` tells the view which form the errors are for.
  const page = form({ view: 'settings/pipeline', title: 'pipeline.settings.title', locals: (req) => pageLocals(req, req.path) });

  router.get(PAGE, admin, settingsPage);
  router.post('/settings/pipelines', admin, page, newPipeline);
  router.post('/settings/pipelines/:id', admin, page, renamePipelineAction);
  router.post('/settings/pipelines/:id/stages', admin, page, newStage);
  router.post('/settings/stages/:id', admin, page, saveStage);
  router.post('/settings/stages/:id/move', admin, page, moveStage);
  router.post('/settings/stages/:id/archive', admin, page, archiveStage);
  router.post('/settings/stages/:id/restore', admin, page, restoreStage);
  router.post('/settings/lost-reasons', admin, page, newLostReason);
  router.post('/settings/lost-reasons/:id', admin, page, renameLostReasonAction);
  router.post('/settings/lost-reasons/:id/archive', admin, page, archiveLostReasonAction);
  router.post('/settings/deal-fields', admin, page, newDealField);
  router.post('/settings/deal-fields/:id', admin, page, saveDealField);
  router.post('/settings/deal-fields/:id/archive', admin, page, archiveDealFieldAction);
  router.post('/settings/pipeline/board', admin, page, saveBoardSettings);
  return router;

  async function pageLocals(req: Request, failed: string | null) {
    const ws = req.workspace!.id;
    const pipelines = await listPipelines(knex, ws);
    const stages = await Promise.all(pipelines.map((p) => listStages(knex, ws, p.id, { archived: true })));
    return {
      pipelines: pipelines.map((p, i) => ({ ...p, stages: stages[i] })),
      dealCounts: await dealCountsByStage(knex, ws),
      lostReasons: await listLostReasons(knex, ws),
      dealFields: await listDealFields(knex, ws),
      visibleDays: await closedDealsVisibleDays(knex, ws),
      stageKinds,
      fieldTypes,
      failed,
    };
  }

  async function settingsPage(req: Request, res: Response) {
    render(req, res, 'settings/pipeline', await pageLocals(req, null), { title: res.locals.t('pipeline.settings.title') });
  }

  function done(req: Request, res: Response, message: string, anchor = '') {
    flash(req, 'success', res.locals.t(message));
    redirect(req, res, PAGE + anchor);
  }

  async function newPipeline(req: Request, res: Response) {
    const { name } = parseInput(PipelineInput, req.body);
    const pipeline = await createPipeline(knex, req.workspace!.id, { name }, actorOf(req));
    done(req, res, 'pipeline.settings.pipeline_created', `#pipeline-${pipeline.id}`);
  }

  async function renamePipelineAction(req: Request, res: Response) {
    const { name } = parseInput(PipelineInput, req.body);
    await renamePipeline(knex, req.workspace!.id, String(req.params.id), name, actorOf(req));
    done(req, res, 'pipeline.settings.saved', `#pipeline-${req.params.id}`);
  }

  async function newStage(req: Request, res: Response) {
    const input = parseInput(StageInput, req.body);
    await addStage(knex, req.workspace!.id, String(req.params.id), input, actorOf(req));
    done(req, res, 'pipeline.settings.stage_added', `#pipeline-${req.params.id}`);
  }

  async function saveStage(req: Request, res: Response) {
    const input = parseInput(StageInput, req.body);
    const stage = await changeStage(knex, req.workspace!.id, String(req.params.id), { ...input, probability: input.probability ?? null }, actorOf(req));
    done(req, res, 'pipeline.settings.saved', `#pipeline-${stage.pipeline_id}`);
  }

  async function moveStage(req: Request, res: Response) {
    const { direction } = parseInput(StageDirection, req.body);
    const stage = await nudgeStage(knex, req.workspace!.id, String(req.params.id), direction, actorOf(req));
    done(req, res, 'pipeline.settings.saved', `#pipeline-${stage.pipeline_id}`);
  }

  async function archiveStage(req: Request, res: Response) {
    const stage = await changeStage(knex, req.workspace!.id, String(req.params.id), { archived: true }, actorOf(req));
    done(req, res, 'pipeline.settings.stage_archived', `#pipeline-${stage.pipeline_id}`);
  }

  async function restoreStage(req: Request, res: Response) {
    const stage = await changeStage(knex, req.workspace!.id, String(req.params.id), { archived: false }, actorOf(req));
    done(req, res, 'pipeline.settings.stage_restored', `#pipeline-${stage.pipeline_id}`);
  }

  async function newLostReason(req: Request, res: Response) {
    const { name } = parseInput(LostReasonInput, req.body);
    await addLostReason(knex, req.workspace!.id, name, actorOf(req));
    done(req, res, 'pipeline.settings.saved', '#lost-reasons');
  }

  async function renameLostReasonAction(req: Request, res: Response) {
    const { name } = parseInput(LostReasonInput, req.body);
    await renameLostReason(knex, req.workspace!.id, String(req.params.id), name, actorOf(req));
    done(req, res, 'pipeline.settings.saved', '#lost-reasons');
  }

  async function archiveLostReasonAction(req: Request, res: Response) {
    await archiveLostReason(knex, req.workspace!.id, String(req.params.id), actorOf(req));
    done(req, res, 'pipeline.settings.saved', '#lost-reasons');
  }

  async function newDealField(req: Request, res: Response) {
    const input = parseInput(DealFieldInput, req.body);
    await addDealField(knex, req.workspace!.id, input, actorOf(req));
    done(req, res, 'pipeline.settings.field_added', '#deal-fields');
  }

  async function saveDealField(req: Request, res: Response) {
    const input = parseInput(DealFieldInput.omit({ type: true }), req.body);
    await changeDealField(knex, req.workspace!.id, String(req.params.id), input, actorOf(req));
    done(req, res, 'pipeline.settings.saved', '#deal-fields');
  }

  async function archiveDealFieldAction(req: Request, res: Response) {
    await archiveDealField(knex, req.workspace!.id, String(req.params.id), actorOf(req));
    done(req, res, 'pipeline.settings.saved', '#deal-fields');
  }

  async function saveBoardSettings(req: Request, res: Response) {
    const { closed_deals_visible_days } = parseInput(BoardSettingsInput, req.body);
    await setBoardSettings(knex, req.workspace!.id, closed_deals_visible_days, actorOf(req));
    done(req, res, 'pipeline.settings.saved', '#board');
  }
}
