// Factories for pipeline tests: contacts, a sandbox channel with conversation messages, deals made
// through PAR CRM's own commands, and an API client for a workspace token.
import crypto from 'node:crypto';
import request from 'supertest';
import { createApiToken } from '../../src/api/tokens.js';
import { upsertWhatsAppContact, type ContactRow } from '../../src/contacts/repo.js';
import { ensureConversation } from '../../src/inbox/conversations.js';
import type { DealRow } from '../../src/pipeline/deals.js';
import { defaultPipeline, listStages, type StageRow } from '../../src/pipeline/repo.js';
import type { NewDealInput } from '../../src/pipeline/schema.js';
import { createDeal } from '../../src/pipeline/service.js';
import { createChannel, type ChannelRow } from '../../src/whatsapp/channels.js';
import { testEnv } from './context.js';

/** createContact adds a WhatsApp contact with a name and a random phone number. */
export async function createContact(workspaceId: string, name: string): Promise<ContactRow> {
  const { ctx } = await testEnv();
  const waId = `55119${crypto.randomInt(10_000_000, 99_999_999)}`;
  const contact = await upsertWhatsAppContact(ctx.knex, workspaceId, { waId, profileName: name });
  const [named] = await ctx.knex('contacts').where({ workspace_id: workspaceId, id: contact.id }).update({ name }).returning('*');
  return named;
}

/** createSandboxChannel connects a sandbox WhatsApp number to the workspace. */
export async function createSandboxChannel(workspaceId: string): Promise<ChannelRow> {
  const { ctx } = await testEnv();
  return createChannel(ctx.knex, ctx.config.encryptionKey, workspaceId, { type: 'sandbox', name: 'Sandbox' }, { userId: null });
}

/** addMessage stores a message of the contact's conversation on the channel, at a given time. */
export async function addMessage(
  workspaceId: string,
  channel: ChannelRow,
  contact: ContactRow,
  direction: 'inbound' | 'outbound',
  text: string,
  at: Date,
  sentBy: string | null = null,
): Promise<{ conversationId: string }> {
  const { ctx } = await testEnv();
  const conversation = await ensureConversation(ctx.knex, workspaceId, channel.id, contact.id);
  await ctx.knex('messages').insert({
    workspace_id: workspaceId,
    conversation_id: conversation.id,
    channel_id: channel.id,
    contact_id: contact.id,
    direction,
    type: 'text',
    text,
    status: direction === 'inbound' ? 'received' : 'sent',
    sent_by: sentBy,
    created_at: at,
  });
  await ctx.knex('conversations')
    .where({ workspace_id: workspaceId, id: conversation.id })
    .update({ last_message_at: at, last_message_direction: direction });
  return { conversationId: conversation.id };
}

/** stagesByName maps the default pipeline's stage names to their rows. */
export async function stagesByName(workspaceId: string): Promise<Record<string, StageRow>> {
  const { ctx } = await testEnv();
  const pipeline = (await defaultPipeline(ctx.knex, workspaceId))!;
  const stages = await listStages(ctx.knex, workspaceId, pipeline.id);
  return Object.fromEntries(stages.map((s) => [s.name, s]));
}

/** makeDeal creates a deal through the createDeal command. */
export async function makeDeal(
  workspace: { id: string; currency: string },
  contact: ContactRow,
  input: Partial<NewDealInput> = {},
  actorId: string | null = null,
): Promise<DealRow> {
  const { ctx } = await testEnv();
  return createDeal(ctx.knex, workspace, { title: 'Deal', contact_id: contact.id, ...input } as NewDealInput, { userId: actorId });
}

/** columnOrder lists the titles of a stage's deals in board order. */
export async function columnOrder(workspaceId: string, stageId: string): Promise<string[]> {
  const { ctx } = await testEnv();
  const rows = await ctx.knex('deals').where({ workspace_id: workspaceId, stage_id: stageId }).orderBy([{ column: 'position' }, { column: 'id' }]).select('title');
  return rows.map((r: { title: string }) => r.title);
}

/** apiClient makes an API token for the workspace and returns a small JSON client. */
export async function apiClient(workspaceId: string) {
  const { ctx, app } = await testEnv();
  const { token } = await createApiToken(ctx.knex, workspaceId, 'tests', { userId: null });
  const auth = { Authorization: `Bearer ${token}` };
  return {
    get: (path: string) => request(app).get(`/api/v1${path}`).set(auth),
    post: (path: string, body: unknown = {}) => request(app).post(`/api/v1${path}`).set(auth).send(body as object),
    patch: (path: string, body: unknown = {}) => request(app).patch(`/api/v1${path}`).set(auth).send(body as object),
    delete: (path: string) => request(app).delete(`/api/v1${path}`).set(auth),
  };
}
