// The one error handler. Typed errors become their status with a clear message (and form
// errors beside their fields); anything else is logged with the request id and answered with
// a generic page or JSON body: no stack trace or database error ever reaches the user.
import type { NextFunction, Request, Response } from 'express';
import type { AppContext } from '../context.js';
import { defaultLocale, formatter, translator } from '../i18n/index.js';
import { HttpError, Invalid, TooManyRequests } from './errors.js';
import { isHtmx, render } from './render.js';
import type { FormView } from './validate.js';

const SECRET_FIELDS = /pass|token|secret|_csrf/i;

function submittedValues(body: unknown): Record<string, unknown> {
  if (!body || typeof body !== 'object') return {};
  return Object.fromEntries(Object.entries(body).filter(([k]) => !SECRET_FIELDS.test(k)));
}

/** A body-parser failure (bad JSON, too large) as one of our errors. */
function parserError(err: { type?: string; status?: number }): HttpError | null {
  if (err.type === 'entity.too.large') return new HttpError(413, 'payload_too_large', 'errors.too_large');
  if (err.type === 'entity.parse.failed') return new HttpError(400, 'bad_request', 'errors.bad_json');
  if (err.type && err.status && err.status >= 400 && err.status < 500) return new HttpError(err.status, 'bad_request', 'errors.bad_request');
  return null;
}

/** isApiRequest tells whether the request should be answered in JSON. */
export function isApiRequest(req: Request): boolean {
  return req.originalUrl.startsWith('/api/') || req.originalUrl.startsWith('/webhooks/');
}

/** errorHandler answers every error thrown by a route or middleware. */
export function errorHandler(ctx: AppContext) {
  // Express recognises an error handler by its four parameters.
  return async (rawErr: unknown, req: Request, res: Response, _next: NextFunction) => {
    const err = rawErr instanceof HttpError ? rawErr : (parserError(rawErr as { type?: string }) ?? rawErr);
    if (!(err instanceof HttpError)) {
      req.log?.error({ err: rawErr }, 'unhandled error');
      if (!req.log) ctx.log.error({ err: rawErr, reqId: req.id }, 'unhandled error');
    }
    if (res.headersSent) {
      res.end();
      return;
    }
    const status = err instanceof HttpError ? err.status : 500;
    if (err instanceof TooManyRequests) res.set('Retry-After', String(err.retryAfterSeconds));
    res.locals.t ??= translator(defaultLocale);
    res.locals.fmt ??= formatter(defaultLocale, 'UTC', 'USD');
    const t = res.locals.t as ReturnType<typeof translator>;
    const message = err instanceof HttpError ? t(err.message) : t('errors.generic');

    if (isApiRequest(req)) {
      const body: Record<string, unknown> = { code: err instanceof HttpError ? err.code : 'internal_error', message };
      if (err instanceof Invalid) body.fields = Object.fromEntries(Object.entries(err.fields).map(([k, v]) => [k, t(v)]));
      if (status === 500) body.request_id = req.id;
      res.status(status).json({ error: body });
      return;
    }

    const formView = res.locals.formView as FormView | undefined;
    if (formView && (err instanceof Invalid || err instanceof TooManyRequests) && res.locals.csrfToken) {
      const extra = formView.locals ? await formView.locals(req) : {};
      const errors = err instanceof Invalid ? err.fields : { _: err.message };
      render(req, res, formView.view, { ...extra, values: submittedValues(req.body), errors }, {
        title: t(formView.title),
        layout: formView.layout,
        partial: isHtmx(req) ? formView.view : undefined,
        status,
      });
      return;
    }

    if (isHtmx(req)) {
      // htmx does not swap error responses; public/js/app.js shows this text as a toast.
      res.status(status).set('HX-Reswap', 'none').type('text/plain').send(message);
      return;
    }
    res.locals.csrfToken ??= '';
    res.locals.user ??= req.user ?? null;
    res.locals.memberships ??= [];
    res.locals.takeFlash ??= () => [];
    res.locals.path ??= req.path;
    render(req, res, 'errors/error', { status, message, requestId: status === 500 ? req.id : null }, {
      title: t(`errors.title.${status}`),
      layout: req.user && res.locals.workspace ? 'app' : 'plain',
      status,
    });
  };
}
