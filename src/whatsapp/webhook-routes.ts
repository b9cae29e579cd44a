// Meta's side of the webhooks: the verification handshake and the event deliveries. Mounted
// before the body parsers and sessions (the signature needs the raw bytes; Meta has no session
// and no CSRF token) and never rate limited: Meta retries for days on anything but 200.
import express, { Router, type Request, type Response } from 'express';
import type { AppContext } from '../context.js';
import { NotFound } from '../web/errors.js';
import { channelSecrets, findChannelByWebhookKey, type ChannelRow } from './channels.js';
import { receiveWebhook, verifyTokenMatches, WEBHOOK_BODY_LIMIT } from './webhooks.js';

/** webhookRoutes is the route table of /webhooks/whatsapp/:key. */
export function webhookRoutes(ctx: AppContext): Router {
  const router = Router();
  // Any content type: the bytes are what Meta signed, whatever it calls them.
  const rawBody = express.raw({ type: () => true, limit: WEBHOOK_BODY_LIMIT });

  router.get('/webhooks/whatsapp/:key', verifyHandshake);
  router.post('/webhooks/whatsapp/:key', loadChannel, rawBody, receive);
  return router;

  async function channelOf(req: Request): Promise<ChannelRow> {
    const key = String(req.params.key);
    // Keys are ours (base64url); anything else cannot name a channel.
    const channel = /^[\w-]{8,100}$/.test(key) ? await findChannelByWebhookKey(ctx.knex, key) : undefined;
    if (!channel) throw new NotFound();
    return channel;
  }

  async function verifyHandshake(req: Request, res: Response) {
    const channel = await channelOf(req);
    const { verifyToken } = channelSecrets(ctx.config.encryptionKey, channel);
    const challenge = req.query['hub.challenge'];
    if (req.query['hub.mode'] !== 'subscribe' || !verifyTokenMatches(verifyToken, req.query['hub.verify_token']) || typeof challenge !== 'string') {
      req.log.warn({ channelId: channel.id }, 'webhook verification refused: wrong mode or verify token');
      res.status(403).type('text/plain').send('Forbidden');
      return;
    }
    res.status(200).type('text/plain').send(challenge);
  }

  // The channel is looked up before the body is read, so an unknown key costs no upload.
  async function loadChannel(req: Request, res: Response, next: () => void) {
    res.locals.channel = await channelOf(req);
    next();
  }

  async function receive(req: Request, res: Response) {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const { eventId } = await receiveWebhook(ctx, res.locals.channel as ChannelRow, body, req.get('X-Hub-Signature-256'));
    req.log.debug({ eventId }, 'webhook stored');
    res.status(200).json({ received: true });
  }
}
