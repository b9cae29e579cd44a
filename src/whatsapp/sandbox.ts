// The sandbox channel: WhatsApp without a Meta account. Messages sent to it are "delivered" by
// a built-in simulator whose status updates, and the customer's messages typed on the simulator
// page, are Meta-shaped webhook payloads signed with the channel's app secret and fed through
// the same path Meta's webhooks take (receiveWebhook). Demos, newcomers and browser tests run
// the whole loop with it.
import crypto from 'node:crypto';
import type { AppContext } from '../context.js';
import { channelSecrets, type ChannelRow } from './channels.js';
import type { MessageRow } from './outbox.js';
import { receiveWebhook, signPayload } from './webhooks.js';

/** After a send, the simulated phone reports sent, delivered and read after these delays. */
export const SANDBOX_STATUS_DELAYS_MS = { sent: 150, delivered: 700, read: 1800 };

function sandboxWamid(): string {
  return `wamid.SANDBOX.${crypto.randomBytes(12).toString('base64url')}`;
}

function envelope(channel: ChannelRow, value: Record<string, unknown>) {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: channel.waba_id,
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: { display_phone_number: (channel.display_phone_number ?? '').replace(/\D/g, ''), phone_number_id: channel.phone_number_id },
              ...value,
            },
          },
        ],
      },
    ],
  };
}

/** deliverAsMeta signs a payload with the channel's app secret and receives it like Meta's webhook. */
export async function deliverAsMeta(ctx: AppContext, channel: ChannelRow, payload: unknown): Promise<{ eventId: number }> {
  const body = Buffer.from(JSON.stringify(payload));
  const { appSecret } = channelSecrets(ctx.config.encryptionKey, channel);
  return receiveWebhook(ctx, channel, body, signPayload(appSecret, body));
}

/** statusPayload is Meta's status webhook for one of our messages. */
export function statusPayload(channel: ChannelRow, wamid: string, status: string, recipientWaId: string, callbackData: string | null) {
  return envelope(channel, {
    statuses: [
      {
        id: wamid,
        status,
        timestamp: String(Math.floor(Date.now() / 1000)),
        recipient_id: recipientWaId,
        ...(callbackData ? { biz_opaque_callback_data: callbackData } : {}),
        ...(status === 'sent' ? { conversation: { id: 'sandbox', origin: { type: 'service' } }, pricing: { billable: false, pricing_model: 'PMP', category: 'service', type: 'free_customer_service' } } : {}),
      },
    ],
  });
}

/**
 * sandboxSend accepts a message for the simulated customer (as Meta's API would) and has the
 * simulator report it sent, delivered and read through the webhook path.
 */
export async function sandboxSend(
  ctx: AppContext,
  channel: ChannelRow,
  message: MessageRow,
  payload: Record<string, unknown>,
  _customerName: string,
): Promise<{ wamid: string }> {
  const wamid = sandboxWamid();
  const recipient = String(payload.to ?? payload.recipient ?? '').replace(/^\+/, '');
  for (const [status, delay] of Object.entries(SANDBOX_STATUS_DELAYS_MS)) {
    const timer = setTimeout(() => {
      deliverAsMeta(ctx, channel, statusPayload(channel, wamid, status, recipient, message.id)).catch((err) =>
        ctx.log.warn({ err, status, messageId: message.id }, 'the sandbox could not report a status'),
      );
    }, delay);
    timer.unref();
  }
  return { wamid };
}

export interface SimulatedCustomer {
  /** Digits of the customer's number. */
  waId: string;
  name: string;
}

export type CustomerAction =
  | { kind: 'text'; text: string; replyToWamid?: string | null }
  | { kind: 'image'; mediaId: string; mimeType: string; sha256: string; caption?: string | null }
  | { kind: 'reaction'; toWamid: string; emoji: string }
  | { kind: 'button'; toWamid: string; id: string; title: string; interactive: boolean }
  | { kind: 'location'; latitude: number; longitude: number; name?: string; address?: string };

/** customerMessagePayload is the webhook Meta would send for the customer doing `action`. */
export function customerMessagePayload(channel: ChannelRow, customer: SimulatedCustomer, action: CustomerAction): { payload: unknown; wamid: string } {
  const wamid = sandboxWamid();
  const base: Record<string, unknown> = { from: customer.waId, id: wamid, timestamp: String(Math.floor(Date.now() / 1000)) };
  let message: Record<string, unknown>;
  switch (action.kind) {
    case 'text':
      message = { ...base, type: 'text', text: { body: action.text } };
      if (action.replyToWamid) message.context = { from: (channel.display_phone_number ?? '').replace(/\D/g, ''), id: action.replyToWamid };
      break;
    case 'image':
      message = { ...base, type: 'image', image: { id: action.mediaId, mime_type: action.mimeType, sha256: action.sha256, ...(action.caption ? { caption: action.caption } : {}) } };
      break;
    case 'reaction':
      message = { ...base, type: 'reaction', reaction: { message_id: action.toWamid, emoji: action.emoji } };
      break;
    case 'button': {
      const context = { from: (channel.display_phone_number ?? '').replace(/\D/g, ''), id: action.toWamid };
      message = action.interactive
        ? { ...base, context, type: 'interactive', interactive: { type: 'button_reply', button_reply: { id: action.id, title: action.title } } }
        : { ...base, context, type: 'button', button: { payload: action.id, text: action.title } };
      break;
    }
    case 'location':
      message = { ...base, type: 'location', location: { latitude: action.latitude, longitude: action.longitude, name: action.name, address: action.address } };
      break;
  }
  return {
    wamid,
    payload: envelope(channel, { contacts: [{ profile: { name: customer.name }, wa_id: customer.waId }], messages: [message] }),
  };
}
