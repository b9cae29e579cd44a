// Webhook test helpers: a channel with known secrets, Meta-shaped payloads, signed deliveries
// through the real webhook route, and waiting until they are processed.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { rootDir } from '../../src/paths.js';
import { createChannel, type ChannelRow } from '../../src/whatsapp/channels.js';
import { processPendingEvents } from '../../src/whatsapp/processor.js';
import { signPayload } from '../../src/whatsapp/webhooks.js';
import { eventually, testEnv } from './context.js';

export interface TestChannel {
  channel: ChannelRow;
  appSecret: string;
  verifyToken: string;
  accessToken: string;
  phoneNumberId: string;
  wabaId: string;
}

/** The phone number id the fixtures in test/fixtures/meta name. */
export const FIXTURE_PHONE_NUMBER_ID = '106540352242922';

const digits = (n: number) => Array.from(crypto.randomBytes(n), (b) => String(b % 10)).join('');

/** createTestChannel connects a Cloud API channel with fresh ids and secrets to the workspace. */
export async function createTestChannel(workspaceId: string, userId: string | null = null): Promise<TestChannel> {
  const { ctx } = await testEnv();
  const phoneNumberId = `1${digits(14)}`;
  const wabaId = `2${digits(14)}`;
  const appSecret = crypto.randomBytes(16).toString('hex');
  const verifyToken = `verify-${crypto.randomBytes(6).toString('hex')}`;
  const accessToken = `EAAG${crypto.randomBytes(24).toString('hex')}`;
  const channel = await createChannel(
    ctx.knex,
    ctx.config.encryptionKey,
    workspaceId,
    { type: 'whatsapp_cloud', name: 'Sales line', phone_number_id: phoneNumberId, waba_id: wabaId, display_phone_number: '+1 555 078 3881', access_token: accessToken, app_secret: appSecret, verify_token: verifyToken },
    { userId },
  );
  return { channel, appSecret, verifyToken, accessToken, phoneNumberId, wabaId };
}

/** fixture reads test/fixtures/meta/NAME.json, addressed to the channel's phone number. */
export function fixture(name: string, ch: TestChannel): string {
  return fs.readFileSync(path.join(rootDir, 'test/fixtures/meta', `${name}.json`), 'utf8').replaceAll(FIXTURE_PHONE_NUMBER_ID, ch.phoneNumberId);
}

export interface ChangeValue {
  contacts?: unknown[];
  messages?: unknown[];
  statuses?: unknown[];
  errors?: unknown[];
}

/** messagesPayload wraps one messages change in Meta's envelope. */
export function messagesPayload(ch: TestChannel, value: ChangeValue, phoneNumberId = ch.phoneNumberId): Record<string, unknown> {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: ch.wabaId,
        changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '15550783881', phone_number_id: phoneNumberId }, ...value } }],
      },
    ],
  };
}

let counter = 0;
/** uniqueWamid makes a wamid no other test uses. */
export function uniqueWamid(label = 'MSG'): string {
  counter += 1;
  return `wamid.${label}.${Date.now().toString(36)}.${counter}.${crypto.randomBytes(3).toString('hex')}`;
}

/** unixSeconds writes a Date as Meta's string timestamp. */
export function unixSeconds(date: Date): string {
  return String(Math.floor(date.getTime() / 1000));
}

/** textFrom builds an inbound text message (and its contact card). */
export function textFrom(waId: string, body: string, options: { wamid?: string; at?: Date; name?: string } = {}): ChangeValue {
  return {
    contacts: [{ profile: { name: options.name ?? 'Sheena Nelson' }, wa_id: waId }],
    messages: [{ from: waId, id: options.wamid ?? uniqueWamid(), timestamp: unixSeconds(options.at ?? new Date()), type: 'text', text: { body } }],
  };
}

/** post sends a body to the channel's webhook URL, signed with `signature` (default: correctly). */
export async function post(ch: TestChannel, body: string | Buffer, signature: string | null = signPayload(ch.appSecret, body)): Promise<request.Response> {
  const { app } = await testEnv();
  const req = request(app).post(`/webhooks/whatsapp/${ch.channel.webhook_key}`).set('Content-Type', 'application/json');
  if (signature !== null) req.set('X-Hub-Signature-256', signature);
  return req.send(body);
}

/** deliver posts a payload as Meta would (signed) and expects it to be accepted. */
export async function deliver(ch: TestChannel, payload: Record<string, unknown> | string): Promise<void> {
  const body = typeof payload === 'string' ? payload : JSON.stringify(payload);
  const res = await post(ch, body);
  if (res.status !== 200) throw new Error(`webhook answered ${res.status}: ${res.text}`);
}

/** settle processes stored events until none of the channel's is pending. */
export async function settle(ch: TestChannel): Promise<void> {
  const { ctx } = await testEnv();
  await eventually(async () => {
    await processPendingEvents(ctx);
    const pending = await ctx.knex('webhook_events').where({ channel_id: ch.channel.id, status: 'pending' }).count({ n: '*' }).first();
    return Number(pending!.n) === 0;
  }, 20_000, 'webhook events to be processed');
}

/** deliverAndSettle delivers a payload and waits until it is processed. */
export async function deliverAndSettle(ch: TestChannel, payload: Record<string, unknown> | string): Promise<void> {
  await deliver(ch, payload);
  await settle(ch);
}

/** messageByWamid loads a stored message of the channel. */
export async function messageByWamid(ch: TestChannel, wamid: string) {
  const { ctx } = await testEnv();
  return ctx.knex('messages').where({ channel_id: ch.channel.id, wamid }).first();
}
