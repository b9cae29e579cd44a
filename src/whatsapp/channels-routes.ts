// Settings -> Channels: connect WhatsApp numbers (or a sandbox), see their health, test them,
// sync and browse their templates. Owners and admins only.
import { Router, type Request, type Response } from 'express';
import { actorOf } from '../audit/index.js';
import type { AppContext } from '../context.js';
import { NotFound } from '../web/errors.js';
import { flash } from '../web/flash.js';
import { requireRole } from '../web/guards.js';
import { redirect, render } from '../web/render.js';
import { form, parseInput } from '../web/validate.js';
import { failureHealth, findChannel, listChannels, readableVerifyToken, webhookUrl, type ChannelRow } from './channels.js';
import { ConnectChannelForm, EditChannelForm } from './channels-schema.js';
import { addChannel, deleteChannel, testConnection, updateChannel } from './channels-service.js';
import { channelTemplates, syncTemplates, templateCountsByChannel, templateVariables, textSegments } from './templates.js';

const admin = requireRole('owner', 'admin');

/** channelRoutes is the route table of Settings -> Channels. */
export function channelRoutes(ctx: AppContext): Router {
  const router = Router();
  const { knex } = ctx;
  const key = ctx.config.encryptionKey;

  const newForm = { view: 'settings/channel-new', title: 'channels.new.title' };
  // The channel the form re-renders with is in res.locals (req.params is gone in the error handler).
  const editForm = { view: 'settings/channel-edit', title: 'channels.edit.title' };

  router.get('/settings/channels', admin, listPage);
  router.get('/settings/channels/new', admin, newPage);
  router.post('/settings/channels', admin, form(newForm), connect);
  router.post('/settings/channels/sandbox', admin, createSandbox);
  router.get('/settings/channels/:id/edit', admin, editPage);
  router.post('/settings/channels/:id', admin, form(editForm), save);
  router.post('/settings/channels/:id/delete', admin, remove);
  router.post('/settings/channels/:id/test', admin, test);
  router.post('/settings/channels/:id/sync-templates', admin, sync);
  router.get('/settings/channels/:id/templates', admin, templatesPage);
  return router;

  async function load(req: Request): Promise<ChannelRow> {
    const channel = await findChannel(knex, req.workspace!.id, String(req.params.id));
    if (!channel) throw new NotFound();
    return channel;
  }

  /** The card view of a channel: what Meta needs pasted, and its template count. */
  function card(channel: ChannelRow, templateCounts: Map<string, number>) {
    const verify = readableVerifyToken(key, channel);
    return {
      ...channel,
      webhook_url: webhookUrl(ctx.config.baseUrl, channel),
      verify_token: verify.value,
      verify_token_error: verify.error,
      template_count: templateCounts.get(channel.id) ?? 0,
    };
  }

  async function listPage(req: Request, res: Response) {
    const ws = req.workspace!.id;
    const channels = await listChannels(knex, ws);
    const templateCounts = await templateCountsByChannel(knex, ws);
    render(req, res, 'settings/channels', { channels: channels.map((c) => card(c, templateCounts)) }, { title: res.locals.t('channels.title') });
  }

  function newPage(req: Request, res: Response) {
    render(req, res, 'settings/channel-new', {}, { title: res.locals.t('channels.new.title') });
  }

  async function connect(req: Request, res: Response) {
    const input = parseInput(ConnectChannelForm, req.body);
    const channel = await addChannel(knex, key, req.workspace!.id, { type: 'whatsapp_cloud', ...input }, actorOf(req));
    flash(req, 'success', res.locals.t('channels.connected', { name: channel.name }));
    redirect(req, res, '/settings/channels');
  }

  async function createSandbox(req: Request, res: Response) {
    const channel = await addChannel(knex, key, req.workspace!.id, { type: 'sandbox', name: res.locals.t('channels.sandbox_name') }, actorOf(req));
    flash(req, 'success', res.locals.t('channels.sandbox_created'));
    // Straight to the simulator: the quickest way to see the whole loop.
    redirect(req, res, `/sandbox/${channel.id}`);
  }

  async function editPage(req: Request, res: Response) {
    const channel = await load(req);
    const values = {
      name: channel.name,
      display_phone_number: channel.display_phone_number ?? '',
      messages_per_second: channel.messages_per_second,
      mark_read: channel.mark_read,
    };
    render(req, res, 'settings/channel-edit', { channel, values }, { title: res.locals.t('channels.edit.title') });
  }

  async function save(req: Request, res: Response) {
    const channel = await load(req);
    res.locals.channel = channel;
    const input = parseInput(EditChannelForm, req.body);
    const changes = channel.type === 'sandbox' ? { ...input, access_token: undefined, app_secret: undefined } : input;
    await updateChannel(knex, key, req.workspace!.id, channel.id, changes, actorOf(req));
    flash(req, 'success', res.locals.t('channels.saved', { name: input.name }));
    redirect(req, res, '/settings/channels');
  }

  async function remove(req: Request, res: Response) {
    const channel = await load(req);
    await deleteChannel(knex, req.workspace!.id, channel.id, actorOf(req));
    flash(req, 'success', res.locals.t('channels.deleted', { name: channel.name }));
    redirect(req, res, '/settings/channels');
  }

  async function test(req: Request, res: Response) {
    const result = await testConnection(ctx, req.workspace!.id, await load(req), actorOf(req));
    const t = res.locals.t;
    const c = result.channel;
    if (result.health === 'ok') {
      flash(req, 'success', c.verified_name ? t('channels.test.ok_named', { name: c.name, verified: c.verified_name, quality: c.quality_rating ?? '—' }) : t('channels.test.ok', { name: c.name }));
    } else if (result.health === 'token_expired') {
      flash(req, 'error', t('channels.test.token_expired', { name: c.name }));
    } else {
      flash(req, 'error', t('channels.test.error', { name: c.name, error: result.error }));
    }
    redirect(req, res, '/settings/channels');
  }

  async function sync(req: Request, res: Response) {
    const channel = await load(req);
    const t = res.locals.t;
    try {
      const templates = await syncTemplates(ctx, channel);
      flash(req, 'success', t('templates.synced', { count: templates.length, name: channel.name }));
    } catch (err) {
      // failureHealth rethrows anything that is not Meta's refusal or an undecryptable secret.
      const failure = failureHealth(err);
      flash(req, 'error', failure.health === 'token_expired' ? t('channels.test.token_expired', { name: channel.name }) : t('templates.sync_failed', { name: channel.name, error: failure.error }));
    }
    redirect(req, res, String(req.body?.return_to) === 'templates' ? `/settings/channels/${channel.id}/templates` : '/settings/channels');
  }

  async function templatesPage(req: Request, res: Response) {
    const channel = await load(req);
    const templates = (await channelTemplates(knex, req.workspace!.id, channel.id)).map((tpl) => ({
      ...tpl,
      variables: templateVariables(tpl),
      parts: Object.fromEntries(
        (tpl.components ?? []).map((c) => [String(c.type).toUpperCase(), { ...c, segments: textSegments(typeof c.text === 'string' ? c.text : undefined) }]),
      ),
    }));
    render(req, res, 'settings/channel-templates', { channel, templates }, { title: res.locals.t('templates.title', { name: channel.name }) });
  }
}
