// Conversations: one per channel and contact. Queries take the workspace id first.
import { isUuid, type Db } from '../db/index.js';

export type ConversationStatus = 'open' | 'resolved' | 'snoozed';

export interface ConversationRow {
  id: string;
  workspace_id: string;
  channel_id: string;
  contact_id: string;
  status: ConversationStatus;
  assignee_id: string | null;
  snoozed_until: Date | null;
  last_message_at: Date | null;
  last_inbound_at: Date | null;
  window_expires_at: Date | null;
  last_message_preview: string | null;
  last_message_direction: 'inbound' | 'outbound' | null;
  unread_count: number;
  created_at: Date;
  updated_at: Date;
}

/** The customer-service window: free-form messages within 24 h of the customer's last message. */
export const WINDOW_MS = 24 * 60 * 60 * 1000;

/** findConversation loads a conversation of the workspace. */
export function findConversation(db: Db, workspaceId: string, id: string): Promise<ConversationRow | undefined> {
  if (!isUuid(id)) return Promise.resolve(undefined);
  return db('conversations').where({ workspace_id: workspaceId, id }).first();
}

/** ensureConversation returns the channel+contact conversation, creating it if needed (race-safe). */
export async function ensureConversation(db: Db, workspaceId: string, channelId: string, contactId: string): Promise<ConversationRow> {
  const inserted = await db.raw(
    `INSERT INTO conversations (workspace_id, channel_id, contact_id) VALUES (?, ?, ?)
     ON CONFLICT (workspace_id, channel_id, contact_id) DO NOTHING RETURNING *`,
    [workspaceId, channelId, contactId],
  );
  if (inserted.rows[0]) return inserted.rows[0];
  return db('conversations').where({ workspace_id: workspaceId, channel_id: channelId, contact_id: contactId }).first();
}

/** windowOpen tells whether a free-form message may be sent now. */
export function windowOpen(conversation: Pick<ConversationRow, 'window_expires_at'>, now = new Date()): boolean {
  return Boolean(conversation.window_expires_at && new Date(conversation.window_expires_at).getTime() > now.getTime());
}
