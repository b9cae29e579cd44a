// The sandbox simulator page (/sandbox/<channel id>): a person plays the customer of a sandbox
// channel. Every action (a message, a photo, a reaction, a button press, a location) becomes a
// Meta-shaped webhook, signed with the channel's app secret, and goes through the same
// receiving path as Meta's own webhooks.
import crypto from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { AppContext } from '../context.js';
import { normalizePhone } from '../contacts/phone.js';
import { richText, humanSize } from '../inbox/format.js';
import { singleFile } from '../media/service.js';
import { checkCsrf } from '../web/csrf.js';
import { Invalid, notFound } from '../web/errors.js';
import { requireMember } from '../web/guards.js';
import { isHtmx, render } from '../web/render.js';
import { parseInput } from '../web/validate.js';
import { findChannel, type ChannelRow } from './channels.js';
import { mediaKindOf } from './media-rules.js';
import { processPendingEvents } from './processor.js';
import { customerMessagePayload, deliverAsMeta, type CustomerAction, type SimulatedCustomer } from './sandbox.js';

const DEFAULT_CUSTOMER = { phone: '+15550101', name: 'Sam Sandbox' };

const Customer = z.object({
  phone: z
    .string()
    .trim()
    .max(40)
    .optional()
    .transform((v) => v || DEFAULT_CUSTOMER.phone)
    .refine((v) => normalizePhone(v) !== null, 'contacts.invalid_phone'),
  name: z
    .string()
    .trim()
    .max(100)
    .optional()
    .transform((v) => v || DEFAULT_CUSTOMER.name),
});

const TextAction = Customer.extend({ text: z.string({ error: 'validation.required' }).trim().min(1, 'validation.required').max(4096, 'message.text_too_long'), reply_to: z.string().max(200).optional() });
const ReactAction = Customer.extend({ message_id: z.uuid(), emoji: z.string().max(16) });
const PressAction = Customer.extend({ message_id: z.uuid(), id: z.string().max(256), title: z.string().min(1).max(60), interactive: z.enum(['true', 'false']) });
const LocationAction = Customer.extend({ latitude: z.coerce.number().min(-90).max(90), longitude: z.coerce.number().min(-180).max(180), place: z.string().max(200).optional(), address: z.string().max(300).optional() });

/** sandboxRoutes is the route table of the simulator. */
export function sandboxRoutes(ctx: AppContext): Router {
  const router = Router();
  const { knex } = ctx;
  router.get('/sandbox/:channelId', requireMember, page);
  router.get('/sandbox/:channelId/thread', requireMember, threadFragment);
  router.post('/sandbox/:channelId/text', requireMember, sendText);
  router.post('/sandbox/:channelId/image', requireMember, singleFile, sendImage);
  router.post('/sandbox/:channelId/react', requireMember, react);
  router.post('/sandbox/:channelId/press', requireMember, press);
  router.post('/sandbox/:channelId/location', requireMember, location);
  return router;

  async function channelOf(req: Request): Promise<ChannelRow> {
    const channel = await findChannel(knex, req.workspace!.id, String(req.params.channelId));
    if (!channel || channel.type !== 'sandbox') notFound();
    return channel!;
  }

  function customerOf(input: { phone: string; name: string }): SimulatedCustomer & { phone: string } {
    const phone = normalizePhone(input.phone)!;
    return { waId: phone.e164.slice(1), name: input.name, phone: phone.e164 };
  }

  /** The customer's view of the conversation: our messages on the left, theirs on the right. */
  async function threadLocals(req: Request, channel: ChannelRow, customer: ReturnType<typeof customerOf>) {
    const contact = await knex('contacts').where({ workspace_id: req.workspace!.id, phone_key: normalizePhone(customer.phone)!.key }).first();
    const conversation = contact ? await knex('conversations').where({ workspace_id: req.workspace!.id, channel_id: channel.id, contact_id: contact.id }).first() : null;
    const messages = conversation
      ? await knex('messages as m')
          .leftJoin('media_files as f', function () {
            this.on('f.id', 'm.media_id').andOn('f.workspace_id', 'm.workspace_id');
          })
          .where({ 'm.workspace_id': req.workspace!.id, 'm.conversation_id': conversation.id })
          .whereNotIn('m.type', ['reaction', 'edit', 'revoke'])
          .orderBy('m.created_at')
          .select('m.*', 'f.mime_type as media_mime_type', 'f.filename as media_filename', 'f.size as media_size', 'f.status as media_status')
          .limit(500)
      : [];
    const reactions = conversation
      ? await knex('messages').where({ workspace_id: req.workspace!.id, conversation_id: conversation.id, type: 'reaction' }).orderBy('created_at').select('reaction_to_wamid', 'reaction_emoji', 'direction')
      : [];
    const reactionOf = new Map<string, string | null>();
    for (const r of reactions) if (r.direction === 'inbound') reactionOf.set(r.reaction_to_wamid, r.reaction_emoji);
    return { channel, customer, conversation, messages, reactionOf, richText, humanSize, query: new URLSearchParams({ phone: customer.phone, name: customer.name }).toString() };
  }

  async function page(req: Request, res: Response) {
    const channel = await channelOf(req);
    const customer = customerOf(parseInput(Customer, req.query));
    const recent = await knex('conversations as c')
      .join('contacts as p', function () {
        this.on('p.id', 'c.contact_id').andOn('p.workspace_id', 'c.workspace_id');
      })
      .where({ 'c.workspace_id': req.workspace!.id, 'c.channel_id': channel.id })
      .orderBy('c.last_message_at', 'desc')
      .limit(8)
      .select('p.phone', 'p.profile_name', 'p.name');
    render(req, res, 'sandbox/index', { ...(await threadLocals(req, channel, customer)), recent }, { title: res.locals.t('sandbox.title', { name: channel.name }) });
  }

  async function threadFragment(req: Request, res: Response) {
    const channel = await channelOf(req);
    res.render('sandbox/_thread', await threadLocals(req, channel, customerOf(parseInput(Customer, req.query))));
  }

  /** deliver turns the customer's action into a signed webhook and processes it before answering. */
  async function deliver(req: Request, res: Response, channel: ChannelRow, customer: ReturnType<typeof customerOf>, action: CustomerAction) {
    const { payload } = customerMessagePayload(channel, customer, action);
    const { eventId } = await deliverAsMeta(ctx, channel, payload);
    await processedSoon(eventId);
    if (!isHtmx(req)) return res.redirect(303, `/sandbox/${channel.id}?${new URLSearchParams({ phone: customer.phone, name: customer.name })}`);
    res.render('sandbox/_thread', await threadLocals(req, channel, customer));
  }

  /**
   * Waits (briefly) until the event is processed, so the page shows the customer's message at
   * once: this process may do it, or a worker of any replica that claimed it first.
   */
  async function processedSoon(eventId: number): Promise<void> {
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline) {
      await processPendingEvents(ctx);
      const row = await knex('webhook_events').where({ id: eventId }).first('status');
      if (!row || row.status !== 'pending') return;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async function wamidOf(req: Request, channel: ChannelRow, messageId: string): Promise<string> {
    const m = await knex('messages').where({ workspace_id: req.workspace!.id, channel_id: channel.id, id: messageId }).first('wamid');
    if (!m?.wamid) throw new Invalid({ message_id: 'sandbox.not_delivered' });
    return m.wamid;
  }

  async function sendText(req: Request, res: Response) {
    const channel = await channelOf(req);
    const input = parseInput(TextAction, req.body);
    const replyTo = input.reply_to ? await wamidOf(req, channel, input.reply_to) : null;
    await deliver(req, res, channel, customerOf(input), { kind: 'text', text: input.text, replyToWamid: replyTo });
  }

  async function sendImage(req: Request, res: Response) {
    checkCsrf(req);
    const channel = await channelOf(req);
    const input = parseInput(Customer.extend({ caption: z.string().max(1024).optional() }), req.body);
    const file = req.file;
    if (!file) throw new Invalid({ file: 'validation.required' });
    if (mediaKindOf(file.mimetype) !== 'image') throw new Invalid({ file: 'sandbox.image_only' });
    // The simulated "Meta media id" names the stored bytes, so the downloader can fetch them.
    const key = await ctx.media.put(req.workspace!.id, file.buffer);
    await deliver(req, res, channel, customerOf(input), {
      kind: 'image',
      mediaId: `sandbox:${key}`,
      mimeType: file.mimetype,
      sha256: crypto.createHash('sha256').update(file.buffer).digest('base64'),
      caption: input.caption || null,
    });
  }

  async function react(req: Request, res: Response) {
    const channel = await channelOf(req);
    const input = parseInput(ReactAction, req.body);
    await deliver(req, res, channel, customerOf(input), { kind: 'reaction', toWamid: await wamidOf(req, channel, input.message_id), emoji: input.emoji });
  }

  async function press(req: Request, res: Response) {
    const channel = await channelOf(req);
    const input = parseInput(PressAction, req.body);
    await deliver(req, res, channel, customerOf(input), {
      kind: 'button',
      toWamid: await wamidOf(req, channel, input.message_id),
      id: input.id,
      title: input.title,
      interactive: input.interactive === 'true',
    });
  }

  async function location(req: Request, res: Response) {
    const channel = await channelOf(req);
    const input = parseInput(LocationAction, req.body);
    await deliver(req, res, channel, customerOf(input), { kind: 'location', latitude: input.latitude, longitude: input.longitude, name: input.place, address: input.address });
  }
}
