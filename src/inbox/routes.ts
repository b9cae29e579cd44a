// The shared inbox: the conversation list, a conversation (thread, composer, contact panel) and
// the team's actions on it. Each page region is a partial that htmx requests alone; without
// JavaScript every action is a form that posts and redirects back.
import { Router, type Request, type Response } from 'express';
import { actorOf } from '../audit/index.js';
import type { AppContext } from '../context.js';
import { customFieldsForDisplay, listContactFields } from '../contacts/fields.js';
import { contactDisplayName } from '../contacts/repo.js';
import { updateContact } from '../contacts/service.js';
import { isUuid } from '../db/index.js';
import { wallClock, zonedToUtc } from '../i18n/index.js';
import { storeUpload, singleFile } from '../media/service.js';
import { checkCsrf } from '../web/csrf.js';
import { Invalid, notFound } from '../web/errors.js';
import { flash } from '../web/flash.js';
import { requireMember } from '../web/guards.js';
import { isHtmx, redirect, render } from '../web/render.js';
import { parseInput } from '../web/validate.js';
import { listChannels } from '../whatsapp/channels.js';
import { variablesIn, type TemplateInput } from '../whatsapp/template-send.js';
import { labelsOfContact, labelsOfConversation, labelsOfConversations, listLabels } from '../labels/repo.js';
import { contactDeals } from '../pipeline/deals.js';
import { setContactLabels, setConversationLabels } from '../labels/service.js';
import { listMembers } from '../workspaces/repo.js';
import { approvedTemplates, type TemplateOption } from './composer.js';
import { windowOpen, WINDOW_MS } from './conversations.js';
import { humanSize, richText } from './format.js';
import { conversationDetail, inboxList, inboxRow, threadItems, threadMessage, unreadConversations, type ConversationDetail, type InboxFilters } from './repo.js';
import { Assign, ComposerText, ContactName, InboxQuery, NoteInput, Snooze, StartConversation } from './schema.js';
import {
  addNote,
  assignConversation,
  markRead,
  markUnread,
  reopenConversation,
  resolveConversation,
  retryMessage,
  sendMessage,
  snoozeConversation,
  startConversation,
} from './service.js';

const LIST_PAGE = 40;
const THREAD_PAGE = 60;

/** What a template form asks for: header, body variables, URL button suffixes. */
function templateNeeds(t: TemplateOption) {
  const comps = Array.isArray(t.components) ? t.components : [];
  const header = comps.find((c) => c.type?.toUpperCase() === 'HEADER');
  const body = comps.find((c) => c.type?.toUpperCase() === 'BODY');
  const footer = comps.find((c) => c.type?.toUpperCase() === 'FOOTER');
  const buttons = comps.find((c) => c.type?.toUpperCase() === 'BUTTONS')?.buttons ?? [];
  const headerFormat = header ? (header.format?.toUpperCase() ?? 'TEXT') : null;
  return {
    headerFormat,
    headerText: headerFormat === 'TEXT' ? (header?.text ?? '') : '',
    headerVariables: headerFormat === 'TEXT' ? variablesIn(header?.text) : [],
    body: body?.text ?? '',
    bodyVariables: variablesIn(body?.text),
    footer: footer?.text ?? '',
    buttons: buttons.map((b, index) => ({ index, type: (b.type ?? '').toUpperCase(), text: b.text ?? '', url: b.url ?? '', needsSuffix: (b.type ?? '').toUpperCase() === 'URL' && variablesIn(b.url).length > 0 })),
  };
}

/** templatePreviewText fills the template's header and body with the values typed so far. */
function templatePreviewText(needs: ReturnType<typeof templateNeeds>, values: Record<string, unknown>) {
  const fill = (text: string, prefix: string) => text.replace(/\{\{\s*([A-Za-z0-9_]+)\s*\}\}/g, (whole, n: string) => String(values[`${prefix}${n}`] ?? '').trim() || whole);
  return { header: fill(needs.headerText, 'header_var_'), body: fill(needs.body, 'var_') };
}

/** templateInputFrom reads the template form's flat fields into a send input. */
function templateInputFrom(t: TemplateOption, body: Record<string, unknown>, headerMediaId: string | null): TemplateInput {
  const needs = templateNeeds(t);
  const read = (prefix: string, names: string[]) => Object.fromEntries(names.map((n) => [n, String(body[`${prefix}${n}`] ?? '')]));
  const input: TemplateInput = { name: t.name, language: t.language };
  if (needs.bodyVariables.length) input.variables = read('var_', needs.bodyVariables);
  if (needs.headerVariables.length) input.header = { variables: read('header_var_', needs.headerVariables) };
  if (needs.headerFormat && ['IMAGE', 'VIDEO', 'DOCUMENT'].includes(needs.headerFormat)) {
    const link = String(body.header_link ?? '').trim();
    input.header = headerMediaId ? { media_id: headerMediaId } : link ? { link } : {};
  }
  const suffixes = needs.buttons.filter((b) => b.needsSuffix).map((b) => ({ index: b.index, text: String(body[`button_${b.index}`] ?? '') }));
  if (suffixes.length) input.buttons = suffixes;
  return input;
}

/** inboxRoutes is the route table of /inbox. */
export function inboxRoutes(ctx: AppContext): Router {
  const router = Router();
  const { knex } = ctx;

  router.get('/inbox', requireMember, index);
  router.get('/inbox/list', requireMember, listFragment);
  router.get('/inbox/counts', requireMember, counts);
  router.get('/inbox/rows/:id', requireMember, rowFragment);
  router.get('/inbox/new', requireMember, newConversationPage);
  router.post('/inbox/conversations', requireMember, createConversation);
  router.get('/inbox/conversations/:id', requireMember, conversationPage);
  router.get('/inbox/conversations/:id/earlier', requireMember, earlier);
  router.get('/inbox/conversations/:id/items/:messageId', requireMember, itemFragment);
  router.get('/inbox/conversations/:id/header', requireMember, headerFragment);
  router.get('/inbox/conversations/:id/composer', requireMember, composerFragment);
  router.get('/inbox/conversations/:id/panel', requireMember, panelFragment);
  router.get('/inbox/conversations/:id/template', requireMember, templateForm);
  router.post('/inbox/conversations/:id/template/preview', requireMember, templatePreview);
  router.post('/inbox/conversations/:id/template', requireMember, singleFile, sendTemplate);
  router.post('/inbox/conversations/:id/messages', requireMember, sendText);
  router.post('/inbox/conversations/:id/attachments', requireMember, singleFile, sendAttachment);
  router.post('/inbox/conversations/:id/assign', requireMember, assign);
  router.post('/inbox/conversations/:id/resolve', requireMember, action((trx, ws, id, actor) => resolveConversation(trx, ws, id, actor)));
  router.post('/inbox/conversations/:id/reopen', requireMember, action((trx, ws, id, actor) => reopenConversation(trx, ws, id, actor)));
  router.post('/inbox/conversations/:id/unread', requireMember, markUnreadAction);
  router.post('/inbox/conversations/:id/snooze', requireMember, snooze);
  router.post('/inbox/conversations/:id/notes', requireMember, note);
  router.post('/inbox/conversations/:id/contact', requireMember, renameContact);
  router.post('/inbox/conversations/:id/labels', requireMember, setLabels);
  router.post('/inbox/conversations/:id/contact-labels', requireMember, setContactLabelsAction);
  router.post('/inbox/conversations/:id/contact-fields', requireMember, setContactFields);
  router.post('/inbox/conversations/:id/read', requireMember, readAction);
  router.get('/inbox/conversations/:id/notes/:noteId', requireMember, noteFragment);
  router.post('/inbox/messages/:id/retry', requireMember, retry);
  router.get('/inbox/notify/:messageId', requireMember, notification);
  return router;

  function filtersOf(req: Request): InboxFilters & { cursor?: string } {
    const q = parseInput(InboxQuery, req.query);
    return { view: q.view, status: q.status, channelId: q.channel, labelId: q.label, cursor: q.cursor };
  }

  async function listLocals(req: Request) {
    const filters = filtersOf(req);
    const { rows, nextCursor } = await inboxList(knex, req.workspace!.id, req.user!.id, filters, { cursor: filters.cursor, limit: LIST_PAGE });
    const [channels, labels, rowLabels] = await Promise.all([
      listChannels(knex, req.workspace!.id),
      listLabels(knex, req.workspace!.id),
      labelsOfConversations(knex, req.workspace!.id, rows.map((r) => r.id)),
    ]);
    return { rows, nextCursor, filters, channels, labels, labelsById: Object.fromEntries(rowLabels), query: queryString(filters), displayName: contactDisplayName };
  }

  function queryString(f: InboxFilters): string {
    const p = new URLSearchParams();
    if (f.view !== 'all') p.set('view', f.view);
    if (f.status !== 'open') p.set('status', f.status);
    if (f.channelId) p.set('channel', f.channelId);
    if (f.labelId) p.set('label', f.labelId);
    return p.toString();
  }

  async function load(req: Request): Promise<ConversationDetail> {
    return (await conversationDetail(knex, req.workspace!.id, String(req.params.id))) ?? notFound();
  }

  async function conversationLocals(req: Request, conversation: ConversationDetail, opts: { thread?: boolean } = {}) {
    const ws = req.workspace!;
    const open = windowOpen(conversation);
    const [members, templates, thread, allLabels, conversationLabels, contactLabels, contactFields, deals, contactNotes] = await Promise.all([
      listMembers(knex, ws.id),
      open ? Promise.resolve([] as TemplateOption[]) : approvedTemplates(knex, ws.id, conversation.channel_id),
      opts.thread === false ? Promise.resolve(null) : threadItems(knex, ws.id, conversation.id, { limit: THREAD_PAGE }),
      listLabels(knex, ws.id),
      labelsOfConversation(knex, ws.id, conversation.id),
      labelsOfContact(knex, ws.id, conversation.contact_id),
      listContactFields(knex, ws.id),
      contactDeals(knex, ws.id, conversation.contact_id),
      knex('notes as n')
        .leftJoin('users as u', 'u.id', 'n.author_id')
        .where({ 'n.workspace_id': ws.id, 'n.contact_id': conversation.contact_id })
        .orderBy('n.created_at', 'desc')
        .limit(5)
        .select('n.id', 'n.body', 'n.created_at', 'u.name as author_name'),
    ]);
    return {
      conversation,
      contactName: contactDisplayName(conversation.contact),
      members,
      templates,
      allLabels,
      conversationLabels,
      contactLabels,
      contactFields,
      customFieldsForDisplay,
      deals,
      dealsEnabled: true,
      contactNotes,
      fieldErrors: {} as Record<string, string>,
      windowIsOpen: open,
      windowMs: WINDOW_MS,
      items: thread?.items ?? [],
      hasEarlier: thread?.hasEarlier ?? false,
      richText,
      humanSize,
      wallClock: (d: Date) => wallClock(d, ws.time_zone),
      now: new Date(),
    };
  }

  async function index(req: Request, res: Response) {
    render(req, res, 'inbox/index', { ...(await listLocals(req)), selected: null }, { title: res.locals.t('nav.inbox'), partial: 'inbox/_list', mainClass: 'full' });
  }

  async function listFragment(req: Request, res: Response) {
    res.render('inbox/_list', await listLocals(req));
  }

  async function rowFragment(req: Request, res: Response) {
    const row = (await inboxRow(knex, req.workspace!.id, String(req.params.id))) ?? notFound();
    const labelsById = { [row.id]: await labelsOfConversation(knex, req.workspace!.id, row.id) };
    res.render('inbox/_row', { row, labelsById, displayName: contactDisplayName, query: '', selectedId: req.query.selected ?? null });
  }

  async function counts(req: Request, res: Response) {
    res.json({ unread: await unreadConversations(knex, req.workspace!.id, req.user!.id) });
  }

  async function conversationPage(req: Request, res: Response) {
    const conversation = await load(req);
    await markRead(ctx, req.workspace!.id, conversation.id);
    conversation.unread_count = 0;
    const locals = await conversationLocals(req, conversation);
    const title = locals.contactName;
    if (isHtmx(req)) return res.render('inbox/_conversation', locals);
    render(req, res, 'inbox/index', { ...(await listLocals(req)), ...locals, selected: conversation, panelOpen: req.query.panel === 'contact' }, { title, mainClass: 'full' });
  }

  async function earlier(req: Request, res: Response) {
    const conversation = await load(req);
    const { items, hasEarlier } = await threadItems(knex, req.workspace!.id, conversation.id, { before: String(req.query.before ?? ''), limit: THREAD_PAGE });
    res.render('inbox/_items', { ...(await conversationLocals(req, conversation, { thread: false })), items, hasEarlier });
  }

  async function itemFragment(req: Request, res: Response) {
    const conversation = await load(req);
    const m = await threadMessage(knex, req.workspace!.id, String(req.params.messageId));
    if (!m) notFound();
    res.render('inbox/_message', { ...(await conversationLocals(req, conversation, { thread: false })), m });
  }

  async function headerFragment(req: Request, res: Response) {
    res.render('inbox/_header', await conversationLocals(req, await load(req), { thread: false }));
  }

  async function composerFragment(req: Request, res: Response) {
    res.render('inbox/_composer', await conversationLocals(req, await load(req), { thread: false }));
  }

  async function panelFragment(req: Request, res: Response) {
    res.render('inbox/_panel', await conversationLocals(req, await load(req), { thread: false }));
  }

  /** After a change: htmx gets the region back, a plain form goes back to the conversation. */
  async function answer(req: Request, res: Response, conversationId: string, partial: '_header' | '_panel') {
    if (!isHtmx(req)) return res.redirect(303, `/inbox/conversations/${conversationId}`);
    const conversation = (await conversationDetail(knex, req.workspace!.id, conversationId)) ?? notFound();
    res.render(`inbox/${partial}`, await conversationLocals(req, conversation, { thread: false }));
  }

  async function answerMessage(req: Request, res: Response, conversationId: string, messageId: string) {
    if (!isHtmx(req)) return res.redirect(303, `/inbox/conversations/${conversationId}#msg-${messageId}`);
    const conversation = (await conversationDetail(knex, req.workspace!.id, conversationId)) ?? notFound();
    const m = (await threadMessage(knex, req.workspace!.id, messageId)) ?? notFound();
    res.render('inbox/_message', { ...(await conversationLocals(req, conversation, { thread: false })), m });
  }

  async function sendText(req: Request, res: Response) {
    const input = parseInput(ComposerText, req.body);
    const message = await sendMessage(ctx, req.workspace!.id, String(req.params.id), { text: input.text, reply_to: input.reply_to }, actorOf(req));
    await answerMessage(req, res, message.conversation_id, message.id);
  }

  async function sendAttachment(req: Request, res: Response) {
    checkCsrf(req);
    const conversation = await load(req);
    const caption = typeof req.body.caption === 'string' ? req.body.caption.trim() : '';
    const media = await storeUpload(ctx, req.workspace!.id, req.file, actorOf(req));
    const replyTo = typeof req.body.reply_to === 'string' && req.body.reply_to ? req.body.reply_to : undefined;
    const message = await sendMessage(ctx, req.workspace!.id, conversation.id, { media_id: media.id, caption: caption || undefined, reply_to: replyTo }, actorOf(req));
    await answerMessage(req, res, conversation.id, message.id);
  }

  async function findTemplate(req: Request, conversation: ConversationDetail): Promise<TemplateOption> {
    const id = String(req.query.template ?? req.body?.template ?? '');
    if (!isUuid(id)) throw new Invalid({ template: 'validation.choose' });
    const t = await knex('templates').where({ workspace_id: req.workspace!.id, channel_id: conversation.channel_id, id, status: 'APPROVED' }).first();
    if (!t) throw new Invalid({ template: 'template.unknown' });
    return t;
  }

  async function templateForm(req: Request, res: Response) {
    const conversation = await load(req);
    const template = await findTemplate(req, conversation);
    const needs = templateNeeds(template);
    const locals = { ...(await conversationLocals(req, conversation, { thread: false })), template, needs, preview: templatePreviewText(needs, {}), values: {}, errors: {} };
    if (isHtmx(req)) return res.render('inbox/_template-form', locals);
    render(req, res, 'inbox/template-page', locals, { title: template.name });
  }

  async function templatePreview(req: Request, res: Response) {
    const conversation = await load(req);
    const template = await findTemplate(req, conversation);
    const needs = templateNeeds(template);
    res.render('inbox/_template-preview', { needs, ...templatePreviewText(needs, req.body), richText });
  }

  async function sendTemplate(req: Request, res: Response) {
    checkCsrf(req);
    const conversation = await load(req);
    const template = await findTemplate(req, conversation);
    const headerMedia = req.file ? await storeUpload(ctx, req.workspace!.id, req.file, actorOf(req)) : null;
    try {
      const message = await sendMessage(ctx, req.workspace!.id, conversation.id, { template: templateInputFrom(template, req.body, headerMedia?.id ?? null) }, actorOf(req));
      if (isHtmx(req)) {
        res.set('HX-Trigger', 'template-sent');
        return answerMessage(req, res, conversation.id, message.id);
      }
      flash(req, 'success', res.locals.t('inbox.template_sent'));
      res.redirect(303, `/inbox/conversations/${conversation.id}`);
    } catch (err) {
      if (!(err instanceof Invalid)) throw err;
      // Back to the form with each problem beside its field.
      const errors: Record<string, string> = {};
      for (const [field, message] of Object.entries(err.fields)) {
        const m = /^template\.(variables|header\.variables)\.(.+)$/.exec(field);
        const b = /^template\.buttons\.(\d+)$/.exec(field);
        if (m) errors[`${m[1] === 'variables' ? 'var_' : 'header_var_'}${m[2]}`] = message;
        else if (b) errors[`button_${b[1]}`] = message;
        else if (field.startsWith('template.header')) errors.header_media = message;
        else errors._ = message;
      }
      res.status(422);
      const needs = templateNeeds(template);
      const locals = { ...(await conversationLocals(req, conversation, { thread: false })), template, needs, preview: templatePreviewText(needs, req.body), values: req.body, errors };
      if (isHtmx(req)) return res.set('HX-Retarget', '#template-form').set('HX-Reswap', 'innerHTML').render('inbox/_template-form', locals);
      render(req, res, 'inbox/template-page', locals, { title: template.name, status: 422 });
    }
  }

  async function assign(req: Request, res: Response) {
    const { user_id } = parseInput(Assign, req.body);
    const id = String(req.params.id);
    await knex.transaction((trx) => assignConversation(trx, req.workspace!.id, id, user_id, actorOf(req)));
    await answer(req, res, id, '_header');
  }

  function action(fn: (trx: Parameters<typeof resolveConversation>[0], ws: string, id: string, actor: ReturnType<typeof actorOf>) => Promise<unknown>) {
    return async (req: Request, res: Response) => {
      const id = String(req.params.id);
      await knex.transaction((trx) => fn(trx, req.workspace!.id, id, actorOf(req)));
      await answer(req, res, id, '_header');
    };
  }

  async function markUnreadAction(req: Request, res: Response) {
    const id = String(req.params.id);
    await knex.transaction((trx) => markUnread(trx, req.workspace!.id, id, actorOf(req)));
    // Marking unread means "not now": go back to the list.
    redirect(req, res, '/inbox');
  }

  async function snooze(req: Request, res: Response) {
    const input = parseInput(Snooze, req.body);
    const tz = req.workspace!.time_zone;
    const now = new Date();
    const today = wallClock(now, tz).slice(0, 10);
    const dayAfter = (days: number) => wallClock(new Date(zonedToUtc(`${today}T12:00`, tz)!.getTime() + days * 86400_000), tz).slice(0, 10);
    let until: Date | null = null;
    if (input.preset === '1h') until = new Date(now.getTime() + 3600_000);
    else if (input.preset === '3h') until = new Date(now.getTime() + 3 * 3600_000);
    else if (input.preset === 'tomorrow') until = zonedToUtc(`${dayAfter(1)}T09:00`, tz);
    else if (input.preset === 'next_week') {
      const weekday = new Date(`${today}T12:00:00Z`).getUTCDay();
      until = zonedToUtc(`${dayAfter(((8 - weekday) % 7) || 7)}T09:00`, tz);
    } else if (input.until) until = zonedToUtc(input.until, tz);
    if (!until) throw new Invalid({ until: 'conversations.snooze_when' });
    const id = String(req.params.id);
    await knex.transaction((trx) => snoozeConversation(trx, req.workspace!.id, id, until!, actorOf(req)));
    if (isHtmx(req)) return answer(req, res, id, '_header');
    flash(req, 'success', res.locals.t('inbox.snoozed_until', { when: res.locals.fmt.dateTime(until) }));
    res.redirect(303, '/inbox');
  }

  async function note(req: Request, res: Response) {
    const { body } = parseInput(NoteInput, req.body);
    const id = String(req.params.id);
    const created = await knex.transaction((trx) => addNote(trx, req.workspace!.id, id, body, actorOf(req)));
    if (!isHtmx(req)) return res.redirect(303, `/inbox/conversations/${id}`);
    res.render('inbox/_note', { item: { kind: 'note', id: created.id, body: created.body, author_name: req.user!.name, at: created.created_at }, richText });
  }

  function labelIdsOf(body: Record<string, unknown>): string[] {
    const raw = body.labels;
    return (Array.isArray(raw) ? raw : raw ? [raw] : []).map(String);
  }

  async function setLabels(req: Request, res: Response) {
    const id = String(req.params.id);
    await knex.transaction((trx) => setConversationLabels(trx, req.workspace!.id, id, labelIdsOf(req.body), actorOf(req)));
    await answer(req, res, id, '_header');
  }

  async function setContactLabelsAction(req: Request, res: Response) {
    const conversation = await load(req);
    await knex.transaction((trx) => setContactLabels(trx, req.workspace!.id, conversation.contact_id, labelIdsOf(req.body), actorOf(req)));
    await answer(req, res, conversation.id, '_panel');
  }

  async function setContactFields(req: Request, res: Response) {
    const conversation = await load(req);
    try {
      await knex.transaction((trx) => updateContact(trx, req.workspace!.id, conversation.contact_id, { custom: req.body.custom ?? {} }, actorOf(req)));
    } catch (err) {
      if (!(err instanceof Invalid) || !isHtmx(req)) throw err;
      // The panel again, with each bad value named beside its field.
      const fresh = (await conversationDetail(knex, req.workspace!.id, conversation.id))!;
      fresh.contact.custom = { ...fresh.contact.custom, ...(req.body.custom ?? {}) };
      return res.status(422).render('inbox/_panel', { ...(await conversationLocals(req, fresh, { thread: false })), fieldErrors: err.fields, editFields: true });
    }
    await answer(req, res, conversation.id, '_panel');
  }

  async function readAction(req: Request, res: Response) {
    const conversation = await load(req);
    await markRead(ctx, req.workspace!.id, conversation.id);
    res.status(204).end();
  }

  async function noteFragment(req: Request, res: Response) {
    const conversation = await load(req);
    const id = String(req.params.noteId);
    const row = isUuid(id)
      ? await knex('notes as n')
          .leftJoin('users as u', 'u.id', 'n.author_id')
          .where({ 'n.workspace_id': req.workspace!.id, 'n.conversation_id': conversation.id, 'n.id': id })
          .first('n.id', 'n.body', 'n.created_at as at', 'u.name as author_name')
      : undefined;
    if (!row) notFound();
    res.render('inbox/_note', { item: { kind: 'note', ...row }, richText });
  }

  async function renameContact(req: Request, res: Response) {
    const { name } = parseInput(ContactName, req.body);
    const conversation = await load(req);
    await knex.transaction((trx) => updateContact(trx, req.workspace!.id, conversation.contact_id, { name }, actorOf(req)));
    await answer(req, res, conversation.id, '_panel');
  }

  async function retry(req: Request, res: Response) {
    const message = await retryMessage(ctx, req.workspace!.id, String(req.params.id), actorOf(req));
    await answerMessage(req, res, message.conversation_id, message.id);
  }

  async function notification(req: Request, res: Response) {
    const m = await knex('messages as m')
      .join('conversations as c', function () {
        this.on('c.id', 'm.conversation_id').andOn('c.workspace_id', 'm.workspace_id');
      })
      .join('contacts as p', function () {
        this.on('p.id', 'm.contact_id').andOn('p.workspace_id', 'm.workspace_id');
      })
      .where({ 'm.workspace_id': req.workspace!.id, 'm.id': String(req.params.messageId) })
      .first('m.id', 'm.type', 'm.text', 'm.direction', 'c.id as conversation_id', 'c.assignee_id', 'p.name', 'p.profile_name', 'p.phone', 'p.username');
    if (!m) notFound();
    res.json({
      conversation_id: m.conversation_id,
      title: contactDisplayName(m),
      body: m.text ? String(m.text).slice(0, 140) : res.locals.t(`inbox.kind.${m.type}`),
      for_me: m.direction === 'inbound' && (!m.assignee_id || m.assignee_id === req.user!.id),
    });
  }

  async function newConversationPage(req: Request, res: Response) {
    const channels = await listChannels(knex, req.workspace!.id);
    render(req, res, 'inbox/new', { channels, values: { channel_id: channels[0]?.id ?? '', phone: req.query.phone ?? '' } }, { title: res.locals.t('inbox.new.title') });
  }

  async function createConversation(req: Request, res: Response) {
    try {
      const input = parseInput(StartConversation, { ...req.body, contact_id: req.body.contact_id || undefined, phone: req.body.phone || undefined, name: req.body.name || undefined });
      const { conversation } = await knex.transaction((trx) => startConversation(trx, req.workspace!.id, input, actorOf(req)));
      redirect(req, res, `/inbox/conversations/${conversation.id}`);
    } catch (err) {
      if (!(err instanceof Invalid)) throw err;
      const channels = await listChannels(knex, req.workspace!.id);
      render(req, res, 'inbox/new', { channels, values: req.body, errors: err.fields }, { title: res.locals.t('inbox.new.title'), status: 422 });
    }
  }
}
