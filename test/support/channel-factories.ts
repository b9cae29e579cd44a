// Channel factories: WhatsApp numbers and sandboxes made through PAR CRM's own command, with
// Meta ids no other test uses (a live phone number id is unique on the whole installation).
import crypto from 'node:crypto';
import type { ChannelRow } from '../../src/whatsapp/channels.js';
import { addChannel } from '../../src/whatsapp/channels-service.js';
import { testEnv } from './context.js';

let counter = 0;

/** uniquePhoneNumberId makes a Meta-like phone number id no other test uses. */
export function uniquePhoneNumberId(): string {
  counter += 1;
  return `1${Date.now()}${String(counter).padStart(3, '0')}${crypto.randomInt(100, 999)}`;
}

/** whatsappChannelInput is a complete "Connect a WhatsApp number" form with fresh ids and secrets. */
export function whatsappChannelInput(overrides: Record<string, string> = {}) {
  return {
    name: 'Sales',
    phone_number_id: uniquePhoneNumberId(),
    waba_id: `2040${crypto.randomInt(100000, 999999)}`,
    display_phone_number: '+1 555 010 2000',
    access_token: `EAAG${crypto.randomBytes(24).toString('hex')}`,
    app_secret: crypto.randomBytes(16).toString('hex'),
    verify_token: '',
    ...overrides,
  };
}

/** createWhatsAppChannel connects a WhatsApp number to the workspace; returns it with its secrets in clear. */
export async function createWhatsAppChannel(workspaceId: string, overrides: Record<string, string> = {}) {
  const { ctx } = await testEnv();
  const input = whatsappChannelInput(overrides);
  const channel = await addChannel(ctx.knex, ctx.config.encryptionKey, workspaceId, { type: 'whatsapp_cloud', ...input }, { userId: null });
  return { channel, input };
}

/** createSandboxChannel makes a sandbox channel (with its built-in templates) in the workspace. */
export async function createSandboxChannel(workspaceId: string, name = 'Sandbox'): Promise<ChannelRow> {
  const { ctx } = await testEnv();
  return addChannel(ctx.knex, ctx.config.encryptionKey, workspaceId, { type: 'sandbox', name }, { userId: null });
}
