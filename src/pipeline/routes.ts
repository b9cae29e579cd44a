// The pipeline's route table: the board, the list and its CSV export, deal pages and forms, and
// moving deals. Settings for pipelines live in settings-routes.ts.
import { composerFor } from '../inbox/composer.js';
import { Router, type Request, type Response } from 'express';
import { actorOf } from '../audit/index.js';
import type { AppContext } from '../context.js';
import { contactDisplayName, findContact } from '../contacts/repo.js';
import { isUuid } from '../db/index.js';
import { currencies } from '../i18n/index.js';
import { NotFound } from '../web/errors.js';
import { flash } from '../web/flash.js';
import { canManage, requireMember, requireRole } from '../web/guards.js';
import { isHtmx, redirect, render, safeReturnTo } from '../web/render.js';
import { form, parseInput } from '../web/validate.js';
import { listMembers } from '../workspaces/repo.js';
import { CARDS_PER_PAGE, loadBoard, loadColumnSummaries, pageOf } from './board.js';
import { contactChoices } from './contacts.js';
import { csvLine } from './csv.js';
import {
  boardLabels,
  columnCards,
  contactMessages,
  dealEvents,
  findCard,
  findDeal,
  findDealView,
  latestConversation,
  listDeals,
  type FilterContext,
} from './deals.js';
import { presentAmount, weightAmount } from './money.js';
import { closedDealsVisibleDays, findPipeline, findStage, listAllStages, listDealFields, listLostReasons, listPipelines, listStages, type PipelineRow } from './repo.js';
import { DealFilters, DealPatch, ListQuery, MoveDeal, NewDeal, NoteInput, closeRanges, listSorts, type DealFilterInput } from './schema.js';
import { addDealNote, createDeal, moveDeal, removeDeal, updateDealDetails } from './service.js';
import { dealTimeline } from './timeline.js';

const LIST_PAGE_SIZE = 50;
const EXPORT_BATCH = 1000;
const SOURCES = ['WhatsApp', 'Website', 'Referral', 'Instagram', 'Facebook ads', 'Event', 'Other'];

/** filterQuery writes filters back as a query string (links, "show more", the move request). */
export function filterQuery(filters: DealFilterInput, extra: Record<string, string | number | undefined> = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...filters, ...extra })) if (v !== undefined && v !== '') params.set(k, String(v));
  return params.toString();
}

/**
 * dealIdOf reads the deal id of a /deals/:id… request. The error handler re-renders a failed
 * form after Express has left the route, when req.params is empty again, so it falls back to
 * the URL.
 */
function dealIdOf(req: Request): string {
  return String(req.params.id ?? /^\/deals\/([^/?#]+)/.exec(req.originalUrl)?.[1] ?? '');
}

/** pipelineRoutes is the route table of /pipeline and /deals. */
export function pipelineRoutes(ctx: AppContext): Router {
  const router = Router();
  const { knex } = ctx;
  const admin = requireRole('owner', 'admin');

  const newDealForm = { view: 'pipeline/form', title: 'deals.new.title', locals: (req: Request) => formLocals(req, null) };
  const editDealForm = {
    view: 'pipeline/form',
    title: 'deals.edit.title',
    locals: async (req: Request) => formLocals(req, (await findDeal(knex, req.workspace!.id, dealIdOf(req))) ?? null),
  };
  const lostForm = { view: 'pipeline/lost', title: 'deals.lost.title', locals: lostLocals };
  const noteForm = { view: 'pipeline/deal', title: 'deals.title', locals: (req: Request) => dealLocals(req) };

  router.get('/pipeline', requireMember, boardPage);
  router.get('/pipeline/stages/:stageId/cards', requireMember, moreCards);
  router.get('/deals', requireMember, listPage);
  router.get('/deals/export.csv', requireMember, exportCsv);
  router.get('/deals/new', requireMember, newDealPage);
  router.get('/deals/contact-options', requireMember, contactOptions);
  router.post('/deals', requireMember, form(newDealForm), createDealAction);
  router.get('/deals/:id', requireMember, dealPage);
  router.get('/deals/:id/edit', requireMember, editDealPage);
  router.post('/deals/:id', requireMember, form(editDealForm), updateDealAction);
  router.post('/deals/:id/move', requireMember, form(lostForm), moveDealAction);
  router.post('/deals/:id/notes', requireMember, form(noteForm), addNoteAction);
  router.post('/deals/:id/delete', admin, deleteDealAction);
  return router;

  async function filterContext(req: Request): Promise<FilterContext> {
    const ws = req.workspace!;
    return { userId: req.user?.id ?? null, timeZone: ws.time_zone, visibleDays: await closedDealsVisibleDays(knex, ws.id) };
  }

  /** The pipeline a page shows: the one asked for (404 if not the workspace's) or the default. */
  async function chosenPipeline(req: Request, filters: DealFilterInput): Promise<{ pipeline: PipelineRow; pipelines: PipelineRow[] }> {
    const pipelines = await listPipelines(knex, req.workspace!.id);
    const pipeline = filters.pipeline ? pipelines.find((p) => p.id === filters.pipeline) : pipelines[0];
    if (!pipeline) throw new NotFound();
    return { pipeline, pipelines };
  }

  async function filterOptions(req: Request) {
    const ws = req.workspace!.id;
    return { members: await listMembers(knex, ws), labels: await boardLabels(knex, ws), closeRanges };
  }

  async function boardPage(req: Request, res: Response) {
    const filters = DealFilters.parse(req.query);
    const { pipeline, pipelines } = await chosenPipeline(req, filters);
    const columns = await loadBoard(knex, req.workspace!, pipeline, filters, await filterContext(req));
    const filtered = Boolean(filters.q || filters.owner || filters.label || filters.close);
    const lostReasons = await listLostReasons(knex, req.workspace!.id);
    render(
      req,
      res,
      'pipeline/index',
      { ...(await filterOptions(req)), filters, filtered, pipeline, pipelines, columns, lostReasons, filterQuery, wide: true },
      { title: res.locals.t('nav.pipeline'), partial: 'pipeline/_board' },
    );
  }

  async function moreCards(req: Request, res: Response) {
    const stage = await findStage(knex, req.workspace!.id, String(req.params.stageId));
    if (!stage) throw new NotFound();
    const filters = DealFilters.parse(req.query);
    const after = { position: Number(req.query.after_position), id: String(req.query.after_id ?? '') };
    const valid = Number.isSafeInteger(after.position) && isUuid(after.id);
    const rows = await columnCards(knex, req.workspace!.id, stage.id, filters, await filterContext(req), {
      after: valid ? after : undefined,
      limit: CARDS_PER_PAGE + 1,
    });
    const { cards, next } = pageOf(rows, CARDS_PER_PAGE);
    res.render('pipeline/_cards', { stage, cards, next, filters, filterQuery });
  }

  async function listPage(req: Request, res: Response) {
    const filters = DealFilters.parse(req.query);
    const list = ListQuery.parse(req.query);
    const pipelines = await listPipelines(knex, req.workspace!.id);
    if (filters.pipeline && !pipelines.some((p) => p.id === filters.pipeline)) throw new NotFound();
    if (filters.stage && !(await findStage(knex, req.workspace!.id, filters.stage))) throw new NotFound();
    const { rows, total } = await listDeals(knex, req.workspace!.id, filters.pipeline ?? null, filters, await filterContext(req), {
      sort: list.sort,
      dir: list.dir,
      offset: (list.page - 1) * LIST_PAGE_SIZE,
      limit: LIST_PAGE_SIZE,
    });
    const stages = await listAllStages(knex, req.workspace!.id);
    render(
      req,
      res,
      'pipeline/list',
      { ...(await filterOptions(req)), filters, list, rows, total, pages: Math.max(1, Math.ceil(total / LIST_PAGE_SIZE)), pipelines, stages, filterQuery, listSorts, presentAmount },
      { title: res.locals.t('deals.list.title'), partial: 'pipeline/_list' },
    );
  }

  async function exportCsv(req: Request, res: Response) {
    const ws = req.workspace!;
    const filters = DealFilters.parse(req.query);
    const list = ListQuery.parse(req.query);
    if (filters.pipeline && !(await findPipeline(knex, ws.id, filters.pipeline))) throw new NotFound();
    const fields = await listDealFields(knex, ws.id);
    const fctx = await filterContext(req);
    res.status(200).set({
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="deals-${new Date().toISOString().slice(0, 10)}.csv"`,
      'Cache-Control': 'no-store',
    });
    // A byte-order mark, so spreadsheet programs read the file as UTF-8.
    res.write('\uFEFF');
    res.write(
      csvLine([
        'id', 'title', 'value', 'currency', 'pipeline', 'stage', 'status', 'contact', 'contact_phone', 'owner', 'owner_email',
        'expected_close_date', 'source', 'labels', 'lost_reason', 'won_at', 'lost_at', 'created_at', 'updated_at', 'notes',
        ...fields.map((f) => f.key),
      ]),
    );
    for (let offset = 0; ; offset += EXPORT_BATCH) {
      const { rows } = await listDeals(knex, ws.id, filters.pipeline ?? null, filters, fctx, { sort: list.sort, dir: list.dir, offset, limit: EXPORT_BATCH });
      for (const d of rows) {
        const status = d.won_at ? 'won' : d.lost_at ? 'lost' : 'open';
        res.write(
          csvLine([
            d.id, d.title, presentAmount(d.value, d.currency.trim()), d.currency, d.pipeline_name, d.stage_name, status,
            d.contact_name, d.contact_phone, d.owner_name, d.owner_email, d.expected_close_date, d.source, d.labels, d.lost_reason,
            d.won_at, d.lost_at, d.created_at, d.updated_at, d.notes,
            ...fields.map((f) => d.custom_fields?.[f.key] ?? ''),
          ]),
        );
      }
      if (rows.length < EXPORT_BATCH) break;
    }
    res.end();
  }

  async function formLocals(req: Request, deal: Awaited<ReturnType<typeof findDeal>> | null) {
    const ws = req.workspace!.id;
    const pipelines = await listPipelines(knex, ws);
    const stages = await listAllStages(knex, ws);
    const contactId = String(deal?.contact_id ?? req.body?.contact_id ?? req.query.contact_id ?? '');
    const contact = contactId ? await findContact(knex, ws, contactId) : undefined;
    const q = typeof req.query.contact_q === 'string' ? req.query.contact_q.trim().slice(0, 100) : '';
    return {
      deal,
      pipelines,
      stages,
      contact: contact ? { id: contact.id, name: contactDisplayName(contact), phone: contact.phone } : null,
      contactQuery: q,
      contactOptions: contact ? [] : await contactChoices(knex, ws, q, 12),
      members: await listMembers(knex, ws),
      currencies,
      fields: await listDealFields(knex, ws),
      lostReasons: await listLostReasons(knex, ws),
      sources: SOURCES,
    };
  }

  async function newDealPage(req: Request, res: Response) {
    const locals = await formLocals(req, null);
    if (req.query.contact_id && !locals.contact) throw new NotFound();
    const stageId = typeof req.query.stage_id === 'string' ? req.query.stage_id : '';
    const stage = stageId ? locals.stages.find((s) => s.id === stageId) : undefined;
    if (stageId && !stage) throw new NotFound();
    const values = {
      title: locals.contact ? res.locals.t('deals.default_title', { name: locals.contact.name }) : '',
      contact_id: locals.contact?.id ?? '',
      currency: req.workspace!.currency,
      owner_id: req.user!.id,
      stage_id: stage?.id ?? locals.stages.find((s) => s.pipeline_id === locals.pipelines[0]?.id && s.kind === 'open')?.id ?? '',
    };
    render(req, res, 'pipeline/form', { ...locals, values }, { title: res.locals.t('deals.new.title') });
  }

  async function contactOptions(req: Request, res: Response) {
    const q = typeof req.query.contact_q === 'string' ? req.query.contact_q.trim().slice(0, 100) : '';
    const contactOptions = await contactChoices(knex, req.workspace!.id, q, 12);
    res.render('pipeline/_contact_options', { contactOptions, contactQuery: q, values: {} });
  }

  async function createDealAction(req: Request, res: Response) {
    const body = { ...req.body };
    // Left empty, the title is named after the contact ("Ana Souza deal").
    if (!String(body.title ?? '').trim() && typeof body.contact_id === 'string') {
      const contact = await findContact(knex, req.workspace!.id, body.contact_id);
      if (contact) body.title = res.locals.t('deals.default_title', { name: contactDisplayName(contact) });
    }
    const input = parseInput(NewDeal, body);
    const deal = await createDeal(knex, req.workspace!, input, actorOf(req));
    flash(req, 'success', res.locals.t('deals.created', { title: deal.title }));
    redirect(req, res, `/deals/${deal.id}`);
  }

  async function dealLocals(req: Request) {
    const ws = req.workspace!;
    const deal = await findDealView(knex, ws.id, dealIdOf(req));
    if (!deal) throw new NotFound();
    const [events, messages, conversation, stages, fields] = [
      await dealEvents(knex, ws.id, deal.id),
      await contactMessages(knex, ws.id, deal.contact_id),
      await latestConversation(knex, ws.id, deal.contact_id),
      await listStages(knex, ws.id, deal.pipeline_id),
      await listDealFields(knex, ws.id),
    ];
    const currency = deal.currency.trim();
    return {
      deal,
      value: presentAmount(deal.value, currency),
      weighted: deal.stage_probability === null || deal.closed_at ? null : weightAmount(deal.value, deal.stage_probability, currency),
      timeline: dealTimeline(events, messages),
      conversation,
      // The WhatsApp composer, right on the deal, for the contact's latest conversation.
      composer: conversation ? ((await composerFor(knex, ws.id, conversation.id)) ?? null) : null,
      stages,
      fields,
      canDelete: canManage(req.membership?.role),
    };
  }

  async function dealPage(req: Request, res: Response) {
    const locals = await dealLocals(req);
    render(req, res, 'pipeline/deal', locals, { title: locals.deal.title });
  }

  async function editDealPage(req: Request, res: Response) {
    const deal = await findDeal(knex, req.workspace!.id, String(req.params.id));
    if (!deal) throw new NotFound();
    const locals = await formLocals(req, deal);
    const currency = deal.currency.trim();
    const values = {
      ...deal,
      currency,
      value: presentAmount(deal.value, currency),
      labels: deal.labels.join(', '),
      custom_fields: deal.custom_fields,
    };
    render(req, res, 'pipeline/form', { ...locals, values }, { title: res.locals.t('deals.edit.title') });
  }

  async function updateDealAction(req: Request, res: Response) {
    const input = parseInput(DealPatch, req.body);
    // The edit form always sends the custom fields it shows and no labels when emptied.
    const deal = await updateDealDetails(knex, req.workspace!.id, String(req.params.id), { ...input, labels: input.labels ?? [] }, actorOf(req));
    flash(req, 'success', res.locals.t('deals.saved'));
    redirect(req, res, `/deals/${deal.id}`);
  }

  async function lostLocals(req: Request) {
    const ws = req.workspace!.id;
    const deal = await findDealView(knex, ws, dealIdOf(req));
    if (!deal) throw new NotFound();
    const stage = typeof req.body?.stage_id === 'string' ? await findStage(knex, ws, req.body.stage_id) : undefined;
    return { deal, stage, lostReasons: await listLostReasons(knex, ws), returnTo: safeReturnTo(req.body?.return_to, `/deals/${deal.id}`) };
  }

  async function moveDealAction(req: Request, res: Response) {
    const ws = req.workspace!;
    const input = parseInput(MoveDeal, req.body);
    const result = await moveDeal(knex, ws.id, String(req.params.id), input, actorOf(req));
    if (isHtmx(req) && req.body.board !== undefined) {
      // The board moved the card already: send back the card and the totals of the columns it
      // left and entered, with the board's filters, as out-of-band swaps.
      const filters = DealFilters.parse(Object.fromEntries(new URLSearchParams(String(req.body.board || ''))));
      const fctx = await filterContext(req);
      const stages = (await listStages(knex, ws.id, result.deal.pipeline_id)).filter((s) => s.id === result.fromStageId || s.id === result.deal.stage_id);
      const heads = await loadColumnSummaries(knex, ws, stages, filters, fctx);
      const card = await findCard(knex, ws.id, result.deal.id);
      res.render('pipeline/_moved', { heads, card, filters, filterQuery });
      return;
    }
    const stage = await findStage(knex, ws.id, result.deal.stage_id);
    if (result.moved) flash(req, 'success', res.locals.t('deals.moved', { title: result.deal.title, stage: stage!.name }));
    redirect(req, res, safeReturnTo(req.body.return_to, `/deals/${result.deal.id}`));
  }

  async function addNoteAction(req: Request, res: Response) {
    const { body } = parseInput(NoteInput, req.body);
    await addDealNote(knex, req.workspace!.id, String(req.params.id), body, actorOf(req));
    flash(req, 'success', res.locals.t('deals.note_added'));
    redirect(req, res, `/deals/${req.params.id}#timeline`);
  }

  async function deleteDealAction(req: Request, res: Response) {
    await removeDeal(knex, req.workspace!.id, String(req.params.id), actorOf(req));
    flash(req, 'success', res.locals.t('deals.deleted'));
    redirect(req, res, '/pipeline');
  }
}
