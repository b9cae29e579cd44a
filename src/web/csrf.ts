// CSRF protection for everything a browser session can change: a random token kept in the
// session must come back with every POST/PUT/PATCH/DELETE, as the `_csrf` form field or the
// X-CSRF-Token header (htmx sends it from the <body hx-headers> of every page).
import crypto from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { Forbidden } from './errors.js';

const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

/** csrfToken returns the session's token, creating it on first use. */
export function csrfToken(req: Request): string {
  if (!req.session.csrf) req.session.csrf = crypto.randomBytes(32).toString('base64url');
  return req.session.csrf;
}

/** checkCsrf throws Forbidden unless the request carries the session's token. */
export function checkCsrf(req: Request): void {
  const sent = req.get('x-csrf-token') ?? (typeof req.body?._csrf === 'string' ? req.body._csrf : undefined);
  const expected = req.session?.csrf;
  if (!sent || !expected) throw new Forbidden('errors.csrf', 'csrf');
  const a = Buffer.from(sent);
  const b = Buffer.from(expected);
  if (a.length !== b.length || !crypto.timingSafeEqual(a, b)) {
    throw new Forbidden('errors.csrf', 'csrf');
  }
}

/**
 * csrfProtection checks every unsafe request except multipart uploads, whose body is parsed
 * later by the upload route (which calls checkCsrf itself once the form fields are read).
 */
export function csrfProtection(req: Request, _res: Response, next: NextFunction): void {
  if (SAFE.has(req.method) || req.is('multipart/form-data')) return next();
  checkCsrf(req);
  next();
}
