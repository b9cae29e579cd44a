// Factories for WhatsApp tests: channels, conversations with an open window, templates.
import request from 'supertest';
import { createApiToken } from '../../src/api/tokens.js';
import { ensureConversation, type ConversationRow } from '../../src/inbox/conversations.js';
import { upsertWhatsAppContact } from '../../src/contacts/repo.js';
import { createChannel, type ChannelRow, type NewChannel } from '../../src/whatsapp/channels.js';
import { testEnv } from './context.js';

let phoneCounter = 0;

/** whatsappChannel connects a Meta number (fake Graph) to the workspace. */
export async function whatsappChannel(workspaceId: string, overrides: Partial<NewChannel> = {}): Promise<ChannelRow> {
  const { ctx } = await testEnv();
  phoneCounter += 1;
  return createChannel(
    ctx.knex,
    ctx.config.encryptionKey,
    workspaceId,
    {
      type: 'whatsapp_cloud',
      name: 'Sales line',
      phone_number_id: `10654035224${Date.now() % 100000}${phoneCounter}`,
      waba_id: `20000${phoneCounter}`,
      display_phone_number: '+1 555 078 3881',
      access_token: `EAAG-test-token-${phoneCounter}`,
      app_secret: `app-secret-${phoneCounter}`,
      verify_token: `verify-${phoneCounter}`,
      ...overrides,
    },
    { userId: null },
  );
}

/** sandboxChannel creates a sandbox channel. */
export async function sandboxChannel(workspaceId: string): Promise<ChannelRow> {
  const { ctx } = await testEnv();
  return createChannel(ctx.knex, ctx.config.encryptionKey, workspaceId, { type: 'sandbox', name: 'Sandbox' }, { userId: null });
}

/** customerConversation makes a contact and its conversation; `windowOpen` acts out a recent customer message. */
export async function customerConversation(channel: ChannelRow, options: { phone?: string; name?: string; windowOpen?: boolean } = {}): Promise<ConversationRow> {
  const { ctx } = await testEnv();
  phoneCounter += 1;
  const contact = await upsertWhatsAppContact(ctx.knex, channel.workspace_id, {
    waId: options.phone ?? `1555${String(1000000 + phoneCounter * 7919).slice(-7)}`,
    profileName: options.name ?? 'Carla Customer',
  });
  const conversation = await ensureConversation(ctx.knex, channel.workspace_id, channel.id, contact.id);
  if (options.windowOpen === false) return conversation;
  const [row] = await ctx.knex('conversations')
    .where({ id: conversation.id })
    .update({ last_inbound_at: new Date(), window_expires_at: new Date(Date.now() + 23 * 3600_000) })
    .returning('*');
  return row;
}

/** approvedTemplate stores a template on the channel as a sync from Meta would. */
export async function approvedTemplate(channel: ChannelRow, template: { name: string; language: string; parameter_format?: string; components: unknown[]; status?: string; category?: string }) {
  const { ctx } = await testEnv();
  const [row] = await ctx.knex('templates')
    .insert({
      workspace_id: channel.workspace_id,
      channel_id: channel.id,
      name: template.name,
      language: template.language,
      status: template.status ?? 'APPROVED',
      category: template.category ?? 'UTILITY',
      parameter_format: template.parameter_format ?? 'POSITIONAL',
      components: JSON.stringify(template.components),
    })
    .returning('*');
  return row;
}

/** apiClient is an authenticated /api/v1 client for the workspace. */
export async function apiClient(workspaceId: string) {
  const { ctx, app } = await testEnv();
  const { token } = await createApiToken(ctx.knex, workspaceId, 'tests', { userId: null });
  const auth = { Authorization: `Bearer ${token}` };
  return {
    get: (path: string) => request(app).get(`/api/v1${path}`).set(auth),
    post: (path: string, body?: unknown) => request(app).post(`/api/v1${path}`).set(auth).send(body as object),
    patch: (path: string, body?: unknown) => request(app).patch(`/api/v1${path}`).set(auth).send(body as object),
    delete: (path: string) => request(app).delete(`/api/v1${path}`).set(auth),
    upload: (path: string, file: Buffer, filename: string, contentType: string) =>
      request(app).post(`/api/v1${path}`).set(auth).attach('file', file, { filename, contentType }),
  };
}

/** A real 1x1 PNG. */
export const PNG_1PX = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

let wamidCounter = 0;

/** storedMessage writes a message row as the webhook processor or the sender would have. */
export async function storedMessage(conversation: ConversationRow, values: Record<string, unknown>) {
  const { ctx } = await testEnv();
  wamidCounter += 1;
  const direction = (values.direction as string) ?? 'inbound';
  const [row] = await ctx.knex('messages')
    .insert({
      workspace_id: conversation.workspace_id,
      conversation_id: conversation.id,
      channel_id: conversation.channel_id,
      contact_id: conversation.contact_id,
      direction,
      type: 'text',
      status: direction === 'inbound' ? 'received' : 'sent',
      wamid: `wamid.TEST${Date.now()}${wamidCounter}`,
      sent_at: new Date(),
      ...values,
      ...(values.location ? { location: JSON.stringify(values.location) } : {}),
      ...(values.contacts ? { contacts: JSON.stringify(values.contacts) } : {}),
      ...(values.interactive ? { interactive: JSON.stringify(values.interactive) } : {}),
      ...(values.content ? { content: JSON.stringify(values.content) } : {}),
      ...(values.referral ? { referral: JSON.stringify(values.referral) } : {}),
    })
    .returning('*');
  await ctx.knex('conversations')
    .where({ id: conversation.id })
    .update({ last_message_at: row.created_at, last_message_preview: row.text ?? row.type, last_message_direction: direction, ...(direction === 'inbound' ? { unread_count: ctx.knex.raw('unread_count + 1') } : {}) });
  return row;
}
