// /api/v1: JSON in and out, authenticated by workspace tokens. Feature modules add their routes.
import express, { Router } from 'express';
import type { AppContext } from '../context.js';
import { pipelineApi, pipelineApiPaths } from '../pipeline/api.js';
import { NotFound } from '../web/errors.js';
import { contactApi, contactApiPaths } from '../contacts/api.js';
import { conversationApi, conversationApiPaths } from '../inbox/api.js';
import { labelApi, labelApiPaths } from '../labels/api.js';
import { mediaApi, mediaApiPaths } from '../media/api.js';
import { channelApi, channelApiPaths } from '../whatsapp/channels-api.js';
import { quickReplyApi, quickReplyApiPaths } from '../quickreplies/api.js';
import { searchApi, searchApiPaths } from '../search/api.js';
import { workspaceApi, workspaceApiPaths } from '../workspaces/api.js';
import { requireToken } from './auth.js';
import { openapiDocument } from './openapi.js';

const VERSION = '1.0.0';

/** apiRouter is the route table of /api/v1. */
export function apiRouter(ctx: AppContext): Router {
  const router = Router();
  const document = openapiDocument(ctx.config.baseUrl, VERSION, [workspaceApiPaths, channelApiPaths, contactApiPaths, conversationApiPaths, mediaApiPaths, labelApiPaths, quickReplyApiPaths, searchApiPaths, pipelineApiPaths]);
  router.use(express.json({ limit: '1mb' }));
  router.get('/openapi.json', (_req, res) => res.json(document));
  router.use(requireToken(ctx));
  router.use(workspaceApi(ctx));
  router.use(contactApi(ctx));
  router.use(conversationApi(ctx));
  router.use(mediaApi(ctx));
  router.use(channelApi(ctx));
  router.use(labelApi(ctx));
  router.use(quickReplyApi(ctx));
  router.use(searchApi(ctx));
  router.use(pipelineApi(ctx));
  router.use(() => {
    throw new NotFound('api.no_such_endpoint');
  });
  return router;
}
