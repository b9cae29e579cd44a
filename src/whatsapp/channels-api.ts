// API: channels (connect, list, change, delete, test) and their message templates (list, sync).
// No answer ever carries an access token or an app secret; the verify token is shown because
// Meta's dashboard needs it.
import { Router, type Request, type Response } from 'express';
import { actorOf } from '../audit/index.js';
import type { AppContext } from '../context.js';
import { paginate, PageQuery } from '../api/pagination.js';
import { commonErrors, dataResponse, errorResponse, idParameter, jsonBody, listResponse, pageParameters, type PathItems } from '../api/openapi.js';
import { defaultLocale, translator } from '../i18n/index.js';
import { HttpError, NotFound } from '../web/errors.js';
import { parseInput } from '../web/validate.js';
import { failureHealth, findChannel, liveChannelsQuery, readableVerifyToken, webhookUrl, type ChannelRow } from './channels.js';
import { NewChannelApi, PatchChannelApi, SyncTemplatesApi, TemplatesQuery } from './channels-schema.js';
import { addChannel, deleteChannel, testConnection, updateChannel } from './channels-service.js';
import { presentTemplate, syncTemplates, templatesQuery, type TemplateRow } from './templates.js';

const nullableString = { type: ['string', 'null'] };
const dateTime = { type: 'string', format: 'date-time' };

const channelSchema = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    type: { type: 'string', enum: ['whatsapp_cloud', 'sandbox'] },
    name: { type: 'string' },
    phone_number_id: { type: 'string' },
    waba_id: nullableString,
    display_phone_number: nullableString,
    webhook_url: { type: 'string', description: 'Paste into Meta: App dashboard -> WhatsApp -> Configuration -> Callback URL' },
    verify_token: { ...nullableString, description: "Paste into Meta beside the callback URL (null if it cannot be decrypted with this server's ENCRYPTION_KEY)" },
    health: { type: 'string', enum: ['ok', 'token_expired', 'error', 'unknown'] },
    health_error: nullableString,
    health_checked_at: { type: ['string', 'null'], format: 'date-time' },
    verified_name: nullableString,
    quality_rating: nullableString,
    messages_per_second: { type: 'integer' },
    mark_read: { type: 'boolean' },
    templates_synced_at: { type: ['string', 'null'], format: 'date-time' },
    created_at: dateTime,
  },
};

const templateSchema = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    channel_id: { type: 'string', format: 'uuid' },
    name: { type: 'string' },
    language: { type: 'string', example: 'en_US' },
    status: { type: 'string', description: 'APPROVED, PENDING, REJECTED, PAUSED, DISABLED ... as Meta says; only APPROVED can be sent' },
    status_reason: nullableString,
    category: { type: ['string', 'null'], description: 'MARKETING, UTILITY or AUTHENTICATION' },
    parameter_format: { type: 'string', enum: ['NAMED', 'POSITIONAL'] },
    components: { type: 'array', items: { type: 'object' }, description: "Meta's components: HEADER, BODY, FOOTER, BUTTONS" },
    synced_at: dateTime,
  },
};

const channelResponse = (description: string) => dataResponse(description, channelSchema);
const metaFailure = errorResponse("Meta refused or could not be reached (code whatsapp_token_expired or whatsapp_error); the channel's health says so too");

export const channelApiPaths: PathItems = {
  '/channels': {
    get: {
      summary: 'Channels (WhatsApp numbers and sandboxes), oldest first',
      tags: ['channels'],
      parameters: pageParameters,
      responses: { 200: listResponse('Channels', channelSchema), 401: commonErrors[401], 422: commonErrors[422] },
    },
    post: {
      summary: 'Connect a WhatsApp number, or create a sandbox (only a name needed)',
      description: 'A verify_token left out is generated. A phone_number_id already connected anywhere on this server is refused (422 on phone_number_id).',
      tags: ['channels'],
      requestBody: jsonBody(NewChannelApi),
      responses: { 201: channelResponse('The new channel'), 401: commonErrors[401], 422: commonErrors[422] },
    },
  },
  '/channels/{id}': {
    get: {
      summary: 'One channel',
      tags: ['channels'],
      parameters: [idParameter()],
      responses: { 200: channelResponse('The channel'), 401: commonErrors[401], 404: commonErrors[404] },
    },
    patch: {
      summary: 'Change a channel',
      description: 'Only the fields sent change; an empty access_token, app_secret or verify_token keeps the stored one. A new token or phone number resets health to unknown.',
      tags: ['channels'],
      parameters: [idParameter()],
      requestBody: jsonBody(PatchChannelApi),
      responses: { 200: channelResponse('The changed channel'), 401: commonErrors[401], 404: commonErrors[404], 422: commonErrors[422] },
    },
    delete: {
      summary: 'Delete a channel',
      description: 'Its webhook URL stops working at once; its conversations and messages are kept.',
      tags: ['channels'],
      parameters: [idParameter()],
      responses: { 204: { description: 'Deleted' }, 401: commonErrors[401], 404: commonErrors[404] },
    },
  },
  '/channels/{id}/test': {
    post: {
      summary: "Test the connection: ask Meta for the phone number with the channel's token",
      description: 'Answers the channel with its new health (ok, token_expired or error with health_error), verified_name and quality_rating.',
      tags: ['channels'],
      parameters: [idParameter()],
      responses: { 200: channelResponse('The channel after the test'), 401: commonErrors[401], 404: commonErrors[404] },
    },
  },
  '/templates': {
    get: {
      summary: 'Message templates of live channels',
      tags: ['templates'],
      parameters: [
        { name: 'channel_id', in: 'query', schema: { type: 'string', format: 'uuid' } },
        { name: 'status', in: 'query', description: 'e.g. APPROVED', schema: { type: 'string' } },
        ...pageParameters,
      ],
      responses: { 200: listResponse('Templates', templateSchema), 401: commonErrors[401], 404: commonErrors[404], 422: commonErrors[422] },
    },
  },
  '/templates/sync': {
    post: {
      summary: "Sync a channel's templates from Meta now (the built-in set for a sandbox)",
      description: 'Templates also sync hourly. Templates Meta no longer lists are deleted.',
      tags: ['templates'],
      requestBody: jsonBody(SyncTemplatesApi),
      responses: {
        200: { ...listResponse('All templates of the channel, by name', templateSchema), description: 'All templates of the channel, by name (`{data}`)' },
        401: commonErrors[401],
        404: commonErrors[404],
        422: commonErrors[422],
        502: metaFailure,
      },
    },
  },
};

/** channelApi is the route table for /api/v1/channels and /api/v1/templates. */
export function channelApi(ctx: AppContext): Router {
  const router = Router();
  const { knex } = ctx;
  const key = ctx.config.encryptionKey;

  router.get('/channels', list);
  router.post('/channels', create);
  router.get('/channels/:id', show);
  router.patch('/channels/:id', patch);
  router.delete('/channels/:id', remove);
  router.post('/channels/:id/test', test);
  router.get('/templates', templates);
  router.post('/templates/sync', sync);
  return router;

  /** present is the API shape of a channel: no access token or app secret, ever. */
  function present(c: ChannelRow) {
    return {
      id: c.id,
      type: c.type,
      name: c.name,
      phone_number_id: c.phone_number_id,
      waba_id: c.waba_id,
      display_phone_number: c.display_phone_number,
      webhook_url: webhookUrl(ctx.config.baseUrl, c),
      verify_token: readableVerifyToken(key, c).value,
      health: c.health,
      health_error: c.health_error,
      health_checked_at: c.health_checked_at,
      verified_name: c.verified_name,
      quality_rating: c.quality_rating,
      messages_per_second: c.messages_per_second,
      mark_read: c.mark_read,
      templates_synced_at: c.templates_synced_at,
      created_at: c.created_at,
    };
  }

  async function load(req: Request, id: string): Promise<ChannelRow> {
    const channel = await findChannel(knex, req.workspace!.id, id);
    if (!channel) throw new NotFound();
    return channel;
  }

  async function list(req: Request, res: Response) {
    const page = parseInput(PageQuery, req.query);
    const result = await paginate<ChannelRow & Record<string, unknown>>(liveChannelsQuery(knex, req.workspace!.id), page, {
      timeColumn: 'created_at',
      idColumn: 'id',
      direction: 'asc',
    });
    res.json({ data: result.data.map(present), next_cursor: result.next_cursor });
  }

  async function create(req: Request, res: Response) {
    const input = parseInput(NewChannelApi, req.body);
    const channel = await addChannel(knex, key, req.workspace!.id, input, actorOf(req));
    res.status(201).json({ data: present(channel) });
  }

  async function show(req: Request, res: Response) {
    res.json({ data: present(await load(req, String(req.params.id))) });
  }

  async function patch(req: Request, res: Response) {
    const channel = await load(req, String(req.params.id));
    const input = parseInput(PatchChannelApi, req.body);
    res.json({ data: present(await updateChannel(knex, key, req.workspace!.id, channel.id, input, actorOf(req))) });
  }

  async function remove(req: Request, res: Response) {
    const channel = await load(req, String(req.params.id));
    await deleteChannel(knex, req.workspace!.id, channel.id, actorOf(req));
    res.status(204).end();
  }

  async function test(req: Request, res: Response) {
    const result = await testConnection(ctx, req.workspace!.id, await load(req, String(req.params.id)), actorOf(req));
    res.json({ data: present(result.channel) });
  }

  async function templates(req: Request, res: Response) {
    const page = parseInput(PageQuery, req.query);
    const filter = parseInput(TemplatesQuery, req.query);
    if (filter.channel_id) await load(req, filter.channel_id);
    const query = templatesQuery(knex, req.workspace!.id, { channelId: filter.channel_id, status: filter.status });
    const result = await paginate<TemplateRow & Record<string, unknown>>(query, page, { timeColumn: 't.created_at', idColumn: 't.id', direction: 'asc' });
    res.json({ data: result.data.map(presentTemplate), next_cursor: result.next_cursor });
  }

  async function sync(req: Request, res: Response) {
    const { channel_id } = parseInput(SyncTemplatesApi, req.body);
    const channel = await load(req, channel_id);
    try {
      res.json({ data: (await syncTemplates(ctx, channel)).map(presentTemplate) });
    } catch (err) {
      const failure = failureHealth(err);
      const t = translator(defaultLocale);
      const message = failure.health === 'token_expired' ? t('channels.test.token_expired', { name: channel.name }) : t('templates.sync_failed', { name: channel.name, error: failure.error });
      throw new HttpError(502, failure.health === 'token_expired' ? 'whatsapp_token_expired' : 'whatsapp_error', message);
    }
  }
}
