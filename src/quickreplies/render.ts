// Placeholders in quick replies: {{contact_name}} and {{agent_name}} (spaces inside the braces and
// any letter case allowed) are filled in when the reply is inserted into the composer.

export const QUICK_REPLY_PLACEHOLDERS = ['contact_name', 'agent_name'] as const;

export interface QuickReplyContext {
  /** The customer's name as the inbox shows it (contactDisplayName). */
  contactName?: string | null;
  /** The agent who is answering. */
  agentName?: string | null;
}

/**
 * renderQuickReply fills a quick reply's placeholders. A placeholder whose value is unknown (or
 * empty) stays as written, so the agent sees it in the composer and fills it in by hand; other
 * {{...}} text is left alone. The result is plain text: escape it when putting it in HTML.
 */
export function renderQuickReply(text: string, context: QuickReplyContext): string {
  const values: Record<string, string | null | undefined> = { contact_name: context.contactName, agent_name: context.agentName };
  return text.replace(/\{\{\s*([A-Za-z_]+)\s*\}\}/g, (whole, name: string) => {
    const value = values[name.toLowerCase()];
    return value && value.trim() ? value.trim() : whole;
  });
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** escapeHtml makes text safe to put in HTML (element content or a quoted attribute). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);
}

/** placeholdersMarked escapes a quick reply's text for HTML and marks its known placeholders (settings list). */
export function placeholdersMarked(text: string): string {
  return escapeHtml(text).replace(/\{\{\s*([A-Za-z_]+)\s*\}\}/g, (whole, name: string) =>
    (QUICK_REPLY_PLACEHOLDERS as readonly string[]).includes(name.toLowerCase()) ? `<span class="placeholder">${whole}</span>` : whole,
  );
}
