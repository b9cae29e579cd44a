// The mails PAR CRM sends, in the recipient's language, as text and simple HTML.
import type { Translate } from '../i18n/index.js';
import type { MailMessage } from './index.js';

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function compose(to: string, subject: string, paragraphs: string[], action: { label: string; url: string }, footer: string): MailMessage {
  const text = [...paragraphs, `${action.label}: ${action.url}`, footer].join('\n\n') + '\n';
  const html = `<!doctype html><html><body style="font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#1f2933;line-height:1.5;max-width:560px;margin:0 auto;padding:24px">
${paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`).join('\n')}
<p><a href="${escapeHtml(action.url)}" style="display:inline-block;background:#0f766e;color:#fff;padding:10px 18px;border-radius:8px;text-decoration:none">${escapeHtml(action.label)}</a></p>
<p style="font-size:13px;color:#52606d">${escapeHtml(action.url)}</p>
<p style="font-size:13px;color:#52606d">${escapeHtml(footer)}</p>
</body></html>`;
  return { to, subject, text, html };
}

/** passwordResetMail carries a single-use link valid for one hour. */
export function passwordResetMail(t: Translate, to: string, name: string, url: string): MailMessage {
  return compose(
    to,
    t('mail.reset.subject'),
    [t('mail.greeting', { name }), t('mail.reset.body')],
    { label: t('mail.reset.action'), url },
    t('mail.reset.footer'),
  );
}

/** invitationMail invites someone to a workspace with a role. */
export function invitationMail(t: Translate, to: string, inviter: string, workspace: string, role: string, url: string): MailMessage {
  return compose(
    to,
    t('mail.invite.subject', { workspace }),
    [t('mail.invite.body', { inviter, workspace, role })],
    { label: t('mail.invite.action'), url },
    t('mail.invite.footer'),
  );
}
