// Settings -> Labels: every member sees the workspace's labels; owners and admins manage them.
import { Router, type Request, type Response } from 'express';
import { actorOf } from '../audit/index.js';
import type { AppContext } from '../context.js';
import { notFound } from '../web/errors.js';
import { flash } from '../web/flash.js';
import { requireMember, requireRole } from '../web/guards.js';
import { redirect, render } from '../web/render.js';
import { form, parseInput } from '../web/validate.js';
import { findLabel, LABEL_COLORS, listLabelsWithUsage, type LabelColor, type LabelRow, type LabelUsage } from './repo.js';
import { LabelChanges, NewLabel } from './schema.js';
import { createLabel, deleteLabel, updateLabel } from './service.js';

const admin = requireRole('owner', 'admin');

// The colour offered for a new label: the first of these no label uses yet.
const SUGGESTED_ORDER: LabelColor[] = ['blue', 'green', 'orange', 'purple', 'teal', 'pink', 'red', 'yellow', 'gray'];

/** suggestedColor picks a colour the workspace's labels do not use yet (gray when all are taken). */
export function suggestedColor(labels: Array<{ color: string }>): LabelColor {
  const used = new Set(labels.map((l) => l.color));
  return SUGGESTED_ORDER.find((c) => !used.has(c)) ?? 'gray';
}

/** labelRoutes is the route table of Settings -> Labels. */
export function labelRoutes(ctx: AppContext): Router {
  const router = Router();
  const { knex } = ctx;
  const listForm = { view: 'settings/labels', title: 'settings.labels.title', locals: listLocals };
  const editForm = { view: 'settings/label-edit', title: 'labels.edit_title', locals: editLocals };

  router.get('/settings/labels', requireMember, listPage);
  router.post('/settings/labels', admin, form(listForm), create);
  router.get('/settings/labels/:id/edit', admin, editPage);
  router.post('/settings/labels/:id', admin, form(editForm), update);
  router.post('/settings/labels/:id/delete', admin, remove);
  return router;

  async function listLocals(req: Request): Promise<{ labels: LabelUsage[]; colors: readonly string[] }> {
    return { labels: await listLabelsWithUsage(knex, req.workspace!.id), colors: LABEL_COLORS };
  }

  async function listPage(req: Request, res: Response) {
    const locals = await listLocals(req);
    render(req, res, 'settings/labels', { ...locals, values: { color: suggestedColor(locals.labels) } }, { title: res.locals.t('settings.labels.title') });
  }

  async function create(req: Request, res: Response) {
    const input = parseInput(NewLabel, req.body);
    const label = await knex.transaction((trx) => createLabel(trx, req.workspace!.id, input, actorOf(req)));
    flash(req, 'success', res.locals.t('labels.created', { name: label.name }));
    redirect(req, res, '/settings/labels');
  }

  // The error handler re-renders the form outside this router, where req.params is empty: the
  // handler keeps the label it loaded in res.locals for it.
  async function editLocals(req: Request) {
    const label: LabelRow = req.res?.locals.label ?? (await findLabel(knex, req.workspace!.id, String(req.params.id))) ?? notFound();
    return { label, colors: LABEL_COLORS };
  }

  async function editPage(req: Request, res: Response) {
    const locals = await editLocals(req);
    render(req, res, 'settings/label-edit', { ...locals, values: { name: locals.label.name, color: locals.label.color } }, { title: res.locals.t('labels.edit_title') });
  }

  async function update(req: Request, res: Response) {
    res.locals.label = (await findLabel(knex, req.workspace!.id, String(req.params.id))) ?? notFound();
    const input = parseInput(LabelChanges, req.body);
    const label = await knex.transaction((trx) => updateLabel(trx, req.workspace!.id, String(req.params.id), input, actorOf(req)));
    flash(req, 'success', res.locals.t('labels.updated', { name: label.name }));
    redirect(req, res, '/settings/labels');
  }

  async function remove(req: Request, res: Response) {
    const label = await knex.transaction((trx) => deleteLabel(trx, req.workspace!.id, String(req.params.id), actorOf(req)));
    flash(req, 'success', res.locals.t('labels.deleted', { name: label.name }));
    redirect(req, res, '/settings/labels');
  }
}
