// API: upload a file to send, read a file's details and bytes.
import { Router, type Request, type Response } from 'express';
import { actorOf } from '../audit/index.js';
import type { AppContext } from '../context.js';
import { commonErrors, dataResponse, idParameter, type PathItems } from '../api/openapi.js';
import { isUuid } from '../db/index.js';
import { notFound } from '../web/errors.js';
import { streamMedia } from './routes.js';
import { presentMedia, singleFile, storeUpload, type MediaFileRow } from './service.js';

const mediaSchema = {
  type: 'object',
  properties: {
    id: { type: 'string', format: 'uuid' },
    mime_type: { type: ['string', 'null'] },
    filename: { type: ['string', 'null'] },
    size: { type: ['integer', 'null'] },
    status: { type: 'string', enum: ['pending', 'ready', 'failed'] },
    url: { type: ['string', 'null'], description: 'GET with the same token to download' },
  },
};

export const mediaApiPaths: PathItems = {
  '/media': {
    post: {
      summary: 'Upload a file to send (image, video, audio, document or sticker within WhatsApp limits)',
      tags: ['messages'],
      requestBody: {
        required: true,
        content: { 'multipart/form-data': { schema: { type: 'object', required: ['file'], properties: { file: { type: 'string', format: 'binary' } } } } },
      },
      responses: { 201: dataResponse('The stored file; send it with {media_id}', mediaSchema), 401: commonErrors[401], 422: commonErrors[422] },
    },
  },
  '/media/{id}': { get: { summary: "A file's details", tags: ['messages'], parameters: [idParameter()], responses: { 200: dataResponse('The file', mediaSchema), 404: commonErrors[404] } } },
  '/media/{id}/content': {
    get: {
      summary: "A file's bytes",
      tags: ['messages'],
      parameters: [idParameter()],
      responses: { 200: { description: 'The file', content: { 'application/octet-stream': {} } }, 404: commonErrors[404] },
    },
  },
};

/** mediaApi is the route table of /api/v1/media. */
export function mediaApi(ctx: AppContext): Router {
  const router = Router();
  router.post('/media', singleFile, upload);
  router.get('/media/:id', show);
  router.get('/media/:id/content', content);
  return router;

  async function load(req: Request): Promise<MediaFileRow> {
    const id = String(req.params.id);
    if (!isUuid(id)) notFound();
    return (await ctx.knex('media_files').where({ workspace_id: req.workspace!.id, id }).first()) ?? notFound();
  }

  async function upload(req: Request, res: Response) {
    const row = await storeUpload(ctx, req.workspace!.id, req.file, actorOf(req));
    res.status(201).json({ data: presentMedia(ctx.config.baseUrl, row) });
  }

  async function show(req: Request, res: Response) {
    res.json({ data: presentMedia(ctx.config.baseUrl, await load(req)) });
  }

  async function content(req: Request, res: Response) {
    const file = await load(req);
    if (file.status !== 'ready' || !file.storage_key) notFound();
    await streamMedia(ctx, req, res, file, true);
  }
}
