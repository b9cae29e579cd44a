// What the WhatsApp composer needs to render for a conversation, wherever it appears (the inbox,
// a deal's page): the conversation with its contact and channel, whether the 24-hour window is
// open, and the channel's approved templates when it is not.
import { contactDisplayName } from '../contacts/repo.js';
import type { Db } from '../db/index.js';
import { windowOpen } from './conversations.js';
import { conversationDetail, type ConversationDetail } from './repo.js';

export interface TemplateOption {
  id: string;
  name: string;
  language: string;
  category: string | null;
  parameter_format: string;
  components: Array<{ type?: string; format?: string; text?: string; buttons?: Array<{ type?: string; text?: string; url?: string }> }>;
}

export interface ComposerLocals {
  conversation: ConversationDetail;
  contactName: string;
  windowIsOpen: boolean;
  templates: TemplateOption[];
}

/** approvedTemplates lists the templates a conversation's channel may send. */
export function approvedTemplates(db: Db, workspaceId: string, channelId: string): Promise<TemplateOption[]> {
  return db('templates').where({ workspace_id: workspaceId, channel_id: channelId, status: 'APPROVED' }).orderBy(['name', 'language']);
}

/** composerFor loads what the composer shows for a conversation of the workspace (undefined if none). */
export async function composerFor(db: Db, workspaceId: string, conversationId: string): Promise<ComposerLocals | undefined> {
  const conversation = await conversationDetail(db, workspaceId, conversationId);
  if (!conversation) return undefined;
  const open = windowOpen(conversation);
  return {
    conversation,
    contactName: contactDisplayName(conversation.contact),
    windowIsOpen: open,
    templates: open ? [] : await approvedTemplates(db, workspaceId, conversation.channel_id),
  };
}
