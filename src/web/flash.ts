// One-time messages shown on the next page (after a POST -> 303 redirect).
import type { Request } from 'express';

export type FlashType = 'success' | 'error' | 'info';

/** flash queues a message for the next rendered page of this session. */
export function flash(req: Request, type: FlashType, message: string): void {
  (req.session.flash ??= []).push({ type, message });
}

/** takeFlash returns and clears the queued messages. */
export function takeFlash(req: Request): Array<{ type: FlashType; message: string }> {
  const messages = req.session?.flash ?? [];
  if (req.session?.flash) delete req.session.flash;
  return messages;
}
