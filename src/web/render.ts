// Rendering: a page is a view rendered inside a layout; an htmx request for the same URL gets
// the view's swappable partial alone. The page includes that partial, so both come from the
// same template.
import type { Request, Response } from 'express';

/**
 * isHtmx tells whether the request came from htmx for a fragment: not a boosted full-page
 * navigation, nor the back button restoring a page whose URL an htmx swap pushed.
 */
export function isHtmx(req: Request): boolean {
  return req.get('HX-Request') === 'true' && req.get('HX-Boosted') !== 'true' && req.get('HX-History-Restore-Request') !== 'true';
}

export interface PageOptions {
  /** Shown in <title> and the page header. */
  title: string;
  /** 'app' (navigation and workspace) or 'plain' (sign-in pages, public pages). */
  layout?: 'app' | 'plain';
  /** The view rendered alone for htmx requests; defaults to the whole page body. */
  partial?: string;
  status?: number;
  /** A class for <main>: 'wide' drops the width limit, 'full' also the padding (the inbox, the board). */
  mainClass?: string;
}

/** render answers a full page, or the partial alone when htmx asks for it. */
export function render(req: Request, res: Response, view: string, locals: Record<string, unknown>, options: PageOptions): void {
  res.status(options.status ?? 200);
  if (isHtmx(req) && options.partial) {
    res.render(options.partial, locals);
    return;
  }
  res.render(view, locals, (err, body) => {
    if (err) return req.next?.(err);
    res.render(`layouts/${options.layout ?? 'app'}`, { ...locals, body, title: options.title, mainClass: options.mainClass ?? '' }, (layoutErr, html) => {
      if (layoutErr) return req.next?.(layoutErr);
      res.send(html);
    });
  });
}

/** redirect answers a POST with 303 See Other; htmx requests get HX-Redirect so the page follows. */
export function redirect(req: Request, res: Response, location: string): void {
  const answer = () => {
    if (isHtmx(req)) {
      res.set('HX-Redirect', location).status(204).end();
      return;
    }
    res.redirect(303, location);
  };
  // Save the session (and its flash message) first: express-session would otherwise send the
  // 303's headers while its save is still running, and a browser that follows the redirect at once
  // could load the next page from the session as it was, without the flash.
  if (req.session) req.session.save((err) => (err ? req.next?.(err) : answer()));
  else answer();
}

/** safeReturnTo keeps only local paths, so a crafted ?return_to cannot send users elsewhere. */
export function safeReturnTo(value: unknown, fallback = '/inbox'): string {
  return typeof value === 'string' && /^\/(?![/\\])/.test(value) ? value : fallback;
}
