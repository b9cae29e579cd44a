// API: conversations and their messages.
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { presentLabel } from '../labels/api.js';
import { labelsOfConversations } from '../labels/repo.js';
import { resolveLabelRefs } from '../labels/service.js';
import { actorOf } from '../audit/index.js';
import type { AppContext } from '../context.js';
import { commonErrors, dataResponse, errorResponse, idParameter, jsonBody, listResponse, pageParameters, type PathItems } from '../api/openapi.js';
import { paginate, PageQuery } from '../api/pagination.js';
import { notFound } from '../web/errors.js';
import { parseInput } from '../web/validate.js';
import { SendMessage, type MessageRow } from '../whatsapp/outbox.js';
import { findConversation, type ConversationRow } from './conversations.js';
import { ConversationFilters, NoteInput, StartConversation } from './schema.js';
import {
  addNote,
  assignConversation,
  messagesWithMedia,
  presentConversation,
  presentMessage,
  reopenConversation,
  resolveConversation,
  retryMessage,
  sendMessage,
  snoozeConversation,
  startConversation,
} from './service.js';

const conversationSchema = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    channel_id: { type: 'string', format: 'uuid' },
    contact_id: { type: 'string', format: 'uuid' },
    status: { type: 'string', enum: ['open', 'resolved', 'snoozed'] },
    assignee_id: { type: ['string', 'null'], format: 'uuid' },
    snoozed_until: { type: ['string', 'null'], format: 'date-time' },
    last_message_at: { type: ['string', 'null'], format: 'date-time' },
    window_expires_at: { type: ['string', 'null'], format: 'date-time', description: 'Free-form messages are allowed until then' },
    window_open: { type: 'boolean' },
    unread_count: { type: 'integer' },
    labels: { type: 'array', items: { type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' }, color: { type: 'string' } } } },
    created_at: { type: 'string', format: 'date-time' },
  },
};

const AssignBody = z.object({ user_id: z.uuid().nullable() });
const SnoozeBody = z.object({ until: z.iso.datetime({ offset: true, error: 'conversations.snooze_when' }) });

const noteSchema = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    body: { type: 'string' },
    author_id: { type: ['string', 'null'], format: 'uuid' },
    created_at: { type: 'string', format: 'date-time' },
  },
};

const messageSchema = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    wamid: { type: ['string', 'null'] },
    direction: { type: 'string', enum: ['inbound', 'outbound'] },
    type: { type: 'string' },
    text: { type: ['string', 'null'], description: 'The body, caption, or the chosen button or list title' },
    status: { type: 'string', enum: ['received', 'queued', 'sending', 'sent', 'delivered', 'read', 'played', 'failed'] },
    error: { type: ['object', 'null'], properties: { code: { type: 'string' }, title: { type: 'string' }, details: { type: ['string', 'null'] } } },
    media: {
      type: ['object', 'null'],
      properties: { id: { type: 'string' }, mime_type: { type: ['string', 'null'] }, filename: { type: ['string', 'null'] }, size: { type: ['integer', 'null'] }, url: { type: ['string', 'null'] } },
    },
    reply_to_wamid: { type: ['string', 'null'] },
    reaction: { type: ['object', 'null'], properties: { emoji: { type: ['string', 'null'] }, message_wamid: { type: 'string' } } },
    location: { type: ['object', 'null'] },
    contacts: { type: ['array', 'null'] },
    interactive: { type: ['object', 'null'] },
    referral: { type: ['object', 'null'] },
    edited_at: { type: ['string', 'null'], format: 'date-time' },
    deleted_at: { type: ['string', 'null'], format: 'date-time' },
    sent_at: { type: ['string', 'null'], format: 'date-time' },
    delivered_at: { type: ['string', 'null'], format: 'date-time' },
    read_at: { type: ['string', 'null'], format: 'date-time' },
    created_at: { type: 'string', format: 'date-time' },
  },
};

export const conversationApiPaths: PathItems = {
  '/conversations': {
    get: {
      summary: 'Conversations, most recent activity first',
      tags: ['conversations'],
      parameters: [
        { name: 'status', in: 'query', schema: { type: 'string', enum: ['open', 'resolved', 'snoozed'] } },
        { name: 'channel_id', in: 'query', schema: { type: 'string', format: 'uuid' } },
        { name: 'contact_id', in: 'query', schema: { type: 'string', format: 'uuid' } },
        { name: 'assignee_id', in: 'query', description: "A member's id, or `none` for unassigned", schema: { type: 'string' } },
        { name: 'labels', in: 'query', description: 'Label ids or names, comma-separated: conversations carrying all of them', schema: { type: 'string' } },
        { name: 'snoozed_until_before', in: 'query', schema: { type: 'string', format: 'date-time' } },
        { name: 'snoozed_until_after', in: 'query', schema: { type: 'string', format: 'date-time' } },
        ...pageParameters,
      ],
      responses: { 200: listResponse('Conversations', conversationSchema), 401: commonErrors[401], 422: commonErrors[422] },
    },
    post: {
      summary: 'Start (or find) the conversation of a channel with a contact, by contact id or phone number',
      tags: ['conversations'],
      requestBody: jsonBody(StartConversation),
      responses: {
        201: dataResponse('A new conversation', conversationSchema),
        200: dataResponse('The existing conversation', conversationSchema),
        422: commonErrors[422],
      },
    },
  },
  '/conversations/{id}': {
    get: { summary: 'A conversation', tags: ['conversations'], parameters: [idParameter()], responses: { 200: dataResponse('The conversation', conversationSchema), 404: commonErrors[404] } },
  },
  '/conversations/{id}/messages': {
    get: {
      summary: 'Messages of a conversation, oldest first',
      tags: ['messages'],
      parameters: [idParameter(), ...pageParameters],
      responses: { 200: listResponse('Messages', messageSchema), 404: commonErrors[404] },
    },
    post: {
      summary: 'Send a message: exactly one of text, media_id (+caption), template, reaction, location, interactive; optional reply_to (a message id)',
      description:
        'Queues the message and answers 202; the message then moves queued -> sent -> delivered -> read, or failed with Meta\'s error. Outside the 24-hour customer-service window only templates may be sent: anything else answers 422 with code `window_closed`. Template variables are checked before queuing (422 with a message per field).',
      tags: ['messages'],
      parameters: [idParameter()],
      requestBody: jsonBody(SendMessage),
      responses: {
        202: dataResponse('Queued', { type: 'object', properties: { id: { type: 'string', format: 'uuid' }, status: { type: 'string', enum: ['queued'] } } }),
        404: commonErrors[404],
        422: errorResponse('Invalid message, bad template variables, or `window_closed`'),
      },
    },
  },
  '/conversations/{id}/assign': {
    post: {
      summary: 'Assign to a member, or unassign with null',
      tags: ['conversations'],
      parameters: [idParameter()],
      requestBody: jsonBody(AssignBody),
      responses: { 200: dataResponse('The conversation', conversationSchema), 404: commonErrors[404], 422: commonErrors[422] },
    },
  },
  '/conversations/{id}/resolve': {
    post: { summary: 'Resolve (a new customer message reopens it)', tags: ['conversations'], parameters: [idParameter()], responses: { 200: dataResponse('The conversation', conversationSchema), 404: commonErrors[404] } },
  },
  '/conversations/{id}/reopen': {
    post: { summary: 'Reopen', tags: ['conversations'], parameters: [idParameter()], responses: { 200: dataResponse('The conversation', conversationSchema), 404: commonErrors[404] } },
  },
  '/conversations/{id}/snooze': {
    post: {
      summary: 'Snooze until a time (it reopens itself then, or when the customer writes)',
      tags: ['conversations'],
      parameters: [idParameter()],
      requestBody: jsonBody(SnoozeBody),
      responses: { 200: dataResponse('The conversation', conversationSchema), 404: commonErrors[404], 422: commonErrors[422] },
    },
  },
  '/conversations/{id}/notes': {
    get: {
      summary: "The conversation's private notes, oldest first",
      tags: ['conversations'],
      parameters: [idParameter(), ...pageParameters],
      responses: { 200: listResponse('Notes', noteSchema), 404: commonErrors[404] },
    },
    post: {
      summary: 'Add a private note (never sent to the customer)',
      tags: ['conversations'],
      parameters: [idParameter()],
      requestBody: jsonBody(NoteInput),
      responses: { 201: dataResponse('The note', noteSchema), 404: commonErrors[404], 422: commonErrors[422] },
    },
  },
  '/messages/{id}/retry': {
    post: {
      summary: 'Send a failed message again',
      tags: ['messages'],
      parameters: [idParameter()],
      responses: { 202: dataResponse('Queued again', messageSchema), 404: commonErrors[404], 422: commonErrors[422] },
    },
  },
};

/** conversationApi is the route table of /api/v1/conversations and /api/v1/messages. */
export function conversationApi(ctx: AppContext): Router {
  const router = Router();
  router.get('/conversations', list);
  router.post('/conversations', start);
  router.get('/conversations/:id', show);
  router.get('/conversations/:id/messages', messages);
  router.post('/conversations/:id/messages', send);
  router.post('/messages/:id/retry', retry);
  router.post('/conversations/:id/assign', assign);
  router.post('/conversations/:id/resolve', change((trx, ws, id, actor) => resolveConversation(trx, ws, id, actor)));
  router.post('/conversations/:id/reopen', change((trx, ws, id, actor) => reopenConversation(trx, ws, id, actor)));
  router.post('/conversations/:id/snooze', snooze);
  router.get('/conversations/:id/notes', notes);
  router.post('/conversations/:id/notes', addNoteAction);
  return router;

  async function assign(req: Request, res: Response) {
    const body = parseInput(AssignBody, req.body);
    const c = await ctx.knex.transaction((trx) => assignConversation(trx, req.workspace!.id, String(req.params.id), body.user_id, actorOf(req)));
    res.json({ data: presentConversation(c) });
  }

  function change(fn: (trx: Parameters<typeof resolveConversation>[0], ws: string, id: string, actor: ReturnType<typeof actorOf>) => Promise<ConversationRow>) {
    return async (req: Request, res: Response) => {
      const c = await ctx.knex.transaction((trx) => fn(trx, req.workspace!.id, String(req.params.id), actorOf(req)));
      res.json({ data: presentConversation(c) });
    };
  }

  async function snooze(req: Request, res: Response) {
    const { until } = parseInput(SnoozeBody, req.body);
    const c = await ctx.knex.transaction((trx) => snoozeConversation(trx, req.workspace!.id, String(req.params.id), new Date(until), actorOf(req)));
    res.json({ data: presentConversation(c) });
  }

  async function notes(req: Request, res: Response) {
    const conversation = await load(req);
    const page = parseInput(PageQuery, { limit: req.query.limit, cursor: req.query.cursor });
    const q = ctx.knex('notes').where({ workspace_id: req.workspace!.id, conversation_id: conversation.id }).select('id', 'body', 'author_id', 'created_at');
    res.json(await paginate(q, page, { timeColumn: 'created_at', idColumn: 'id', direction: 'asc' }));
  }

  async function addNoteAction(req: Request, res: Response) {
    const { body } = parseInput(NoteInput, req.body);
    const note = await ctx.knex.transaction((trx) => addNote(trx, req.workspace!.id, String(req.params.id), body, actorOf(req)));
    res.status(201).json({ data: { id: note.id, body: note.body, author_id: note.author_id, created_at: note.created_at } });
  }

  async function load(req: Request): Promise<ConversationRow> {
    return (await findConversation(ctx.knex, req.workspace!.id, String(req.params.id))) ?? notFound();
  }

  async function list(req: Request, res: Response) {
    const page = parseInput(PageQuery, { limit: req.query.limit, cursor: req.query.cursor });
    const filters = parseInput(ConversationFilters, req.query);
    const inner = ctx.knex('conversations')
      .where('workspace_id', req.workspace!.id)
      .select('*', ctx.knex.raw('COALESCE(last_message_at, created_at) AS activity_at'));
    if (filters.status) inner.andWhere('status', filters.status);
    if (filters.channel_id) inner.andWhere('channel_id', filters.channel_id);
    if (filters.contact_id) inner.andWhere('contact_id', filters.contact_id);
    if (filters.assignee_id === 'none') inner.whereNull('assignee_id');
    else if (filters.assignee_id) inner.andWhere('assignee_id', filters.assignee_id);
    if (filters.snoozed_until_before) inner.andWhere('snoozed_until', '<', new Date(filters.snoozed_until_before));
    if (filters.snoozed_until_after) inner.andWhere('snoozed_until', '>', new Date(filters.snoozed_until_after));
    if (filters.labels.length) {
      const ids = await resolveLabelRefs(ctx.knex, req.workspace!.id, filters.labels);
      for (const id of ids) {
        inner.whereExists(ctx.knex('conversation_labels as cl').whereRaw('cl.workspace_id = conversations.workspace_id AND cl.conversation_id = conversations.id').andWhere('cl.label_id', id));
      }
    }
    const query = ctx.knex.select('*').from(inner.as('c'));
    const result = await paginate<ConversationRow & Record<string, unknown>>(query, page, { timeColumn: 'activity_at', idColumn: 'id' });
    res.json({ data: await withLabels(req.workspace!.id, result.data), next_cursor: result.next_cursor });
  }

  /** The API shape of conversations, each with its labels. */
  async function withLabels(workspaceId: string, rows: ConversationRow[]) {
    const labels = await labelsOfConversations(ctx.knex, workspaceId, rows.map((r) => r.id));
    return rows.map((r) => ({ ...presentConversation(r), labels: (labels.get(r.id) ?? []).map(presentLabel) }));
  }

  async function start(req: Request, res: Response) {
    const input = parseInput(StartConversation, req.body);
    const { conversation, created } = await ctx.knex.transaction((trx) => startConversation(trx, req.workspace!.id, input, actorOf(req)));
    res.status(created ? 201 : 200).json({ data: presentConversation(conversation) });
  }

  async function show(req: Request, res: Response) {
    res.json({ data: (await withLabels(req.workspace!.id, [await load(req)]))[0] });
  }

  async function messages(req: Request, res: Response) {
    const conversation = await load(req);
    const page = parseInput(PageQuery, { limit: req.query.limit, cursor: req.query.cursor });
    const result = await paginate<MessageRow>(messagesWithMedia(ctx.knex, req.workspace!.id, conversation.id), page, {
      timeColumn: 'm.created_at',
      idColumn: 'm.id',
      direction: 'asc',
    });
    res.json({ data: result.data.map((m) => presentMessage(ctx.config.baseUrl, m)), next_cursor: result.next_cursor });
  }

  async function send(req: Request, res: Response) {
    const input = parseInput(SendMessage, req.body);
    const message = await sendMessage(ctx, req.workspace!.id, String(req.params.id), input, actorOf(req));
    res.status(202).json({ data: { id: message.id, status: message.status } });
  }

  async function retry(req: Request, res: Response) {
    const message = await retryMessage(ctx, req.workspace!.id, String(req.params.id), actorOf(req));
    res.status(202).json({ data: presentMessage(ctx.config.baseUrl, message) });
  }
}
