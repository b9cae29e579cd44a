// Settings -> Quick replies, and the suggestions the composer's `/` picker asks for.
import { Router, type Request, type Response } from 'express';
import { actorOf } from '../audit/index.js';
import { contactDisplayName, findContact } from '../contacts/repo.js';
import type { AppContext } from '../context.js';
import { findConversation } from '../inbox/conversations.js';
import { flash } from '../web/flash.js';
import { requireMember } from '../web/guards.js';
import { redirect, render } from '../web/render.js';
import { form, parseInput } from '../web/validate.js';
import { placeholdersMarked, renderQuickReply, QUICK_REPLY_PLACEHOLDERS } from './render.js';
import { findQuickReplies, listQuickReplies, type QuickReplyRow } from './repo.js';
import { NewQuickReply, QUICK_REPLY_TEXT_MAX, QuickReplyChanges, SHORTCUT_MAX, SuggestQuery } from './schema.js';
import { canEditQuickReply, createQuickReply, deleteQuickReply, loadEditableQuickReply, updateQuickReply, type QuickReplyEditor } from './service.js';

/** quickReplyRoutes is the route table of Settings -> Quick replies and /quick-replies/suggest. */
export function quickReplyRoutes(ctx: AppContext): Router {
  const router = Router();
  const { knex } = ctx;
  const limits = { shortcutMax: SHORTCUT_MAX, textMax: QUICK_REPLY_TEXT_MAX, placeholders: QUICK_REPLY_PLACEHOLDERS };
  const listForm = { view: 'settings/quick-replies', title: 'settings.quick_replies.title', locals: listLocals };
  const editForm = { view: 'settings/quick-reply-edit', title: 'quick_replies.edit_title', locals: editLocals };

  router.get('/settings/quick-replies', requireMember, listPage);
  router.post('/settings/quick-replies', requireMember, form(listForm), create);
  router.get('/settings/quick-replies/:id/edit', requireMember, editPage);
  router.post('/settings/quick-replies/:id', requireMember, form(editForm), update);
  router.post('/settings/quick-replies/:id/delete', requireMember, remove);
  router.get('/quick-replies/suggest', requireMember, suggest);
  return router;

  function editorOf(req: Request): QuickReplyEditor {
    return { role: req.membership!.role, userId: req.user!.id };
  }

  async function listLocals(req: Request) {
    const editor = editorOf(req);
    const replies = (await listQuickReplies(knex, req.workspace!.id)).map((r) => ({ ...r, editable: canEditQuickReply(editor, r), textHtml: placeholdersMarked(r.text) }));
    return { replies, ...limits };
  }

  async function listPage(req: Request, res: Response) {
    render(req, res, 'settings/quick-replies', await listLocals(req), { title: res.locals.t('settings.quick_replies.title') });
  }

  async function create(req: Request, res: Response) {
    const input = parseInput(NewQuickReply, req.body);
    const reply = await knex.transaction((trx) => createQuickReply(trx, req.workspace!.id, input, actorOf(req)));
    flash(req, 'success', res.locals.t('quick_replies.created', { shortcut: `/${reply.shortcut}` }));
    redirect(req, res, '/settings/quick-replies');
  }

  // The error handler re-renders the form outside this router, where req.params is empty: the
  // handler keeps the reply it loaded in res.locals for it.
  async function editLocals(req: Request) {
    const reply: QuickReplyRow = req.res?.locals.reply ?? (await loadEditableQuickReply(knex, req.workspace!.id, String(req.params.id), editorOf(req)));
    return { reply, ...limits };
  }

  async function editPage(req: Request, res: Response) {
    const locals = await editLocals(req);
    render(req, res, 'settings/quick-reply-edit', { ...locals, values: { shortcut: locals.reply.shortcut, text: locals.reply.text } }, { title: res.locals.t('quick_replies.edit_title') });
  }

  async function update(req: Request, res: Response) {
    res.locals.reply = await loadEditableQuickReply(knex, req.workspace!.id, String(req.params.id), editorOf(req));
    const input = parseInput(QuickReplyChanges, req.body);
    const reply = await knex.transaction((trx) => updateQuickReply(trx, req.workspace!.id, String(req.params.id), input, editorOf(req), actorOf(req)));
    flash(req, 'success', res.locals.t('quick_replies.updated', { shortcut: `/${reply.shortcut}` }));
    redirect(req, res, '/settings/quick-replies');
  }

  async function remove(req: Request, res: Response) {
    const reply = await knex.transaction((trx) => deleteQuickReply(trx, req.workspace!.id, String(req.params.id), editorOf(req), actorOf(req)));
    flash(req, 'success', res.locals.t('quick_replies.deleted', { shortcut: `/${reply.shortcut}` }));
    redirect(req, res, '/settings/quick-replies');
  }

  async function suggest(req: Request, res: Response) {
    const ws = req.workspace!.id;
    const query = parseInput(SuggestQuery, req.query);
    // The customer's name fills {{contact_name}} when the picker says which conversation it is in.
    const conversation = query.conversation_id ? await findConversation(knex, ws, query.conversation_id) : undefined;
    const contact = conversation ? await findContact(knex, ws, conversation.contact_id) : undefined;
    const context = { contactName: contact ? contactDisplayName(contact) : null, agentName: req.user!.name };
    const replies = (await findQuickReplies(knex, ws, query.q, query.limit)).map((r) => ({ ...r, rendered: renderQuickReply(r.text, context) }));
    res.render('quickreplies/_suggestions', { replies, q: query.q.replace(/^\/+/, '') });
  }
}
