// The few error types PAR CRM raises on purpose. Anything else is a bug: it is logged with the
// request id and answered with a generic page or JSON body, never with a stack trace.

/** Field name -> message, shown beside the form field (HTML) or returned as `fields` (API). */
export type FieldErrors = Record<string, string>;

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** NotFound answers 404 for a record that does not exist or belongs to another workspace. */
export class NotFound extends HttpError {
  constructor(message = 'errors.not_found') {
    super(404, 'not_found', message);
  }
}

/** Forbidden answers 403 when the member's role does not allow the action. */
export class Forbidden extends HttpError {
  constructor(message = 'errors.forbidden', code = 'forbidden') {
    super(403, code, message);
  }
}

/** Unauthorized answers 401 when no valid session or API token came with the request. */
export class Unauthorized extends HttpError {
  constructor(message = 'errors.unauthorized') {
    super(401, 'unauthorized', message);
  }
}

/** Invalid answers 422 with one message per field; HTML forms re-render with them. */
export class Invalid extends HttpError {
  constructor(
    readonly fields: FieldErrors,
    message = 'errors.invalid',
    code = 'invalid',
  ) {
    super(422, code, message);
  }
}

/** Conflict answers 409 when the request clashes with the current state (e.g. a taken email). */
export class Conflict extends HttpError {
  constructor(message: string, code = 'conflict') {
    super(409, code, message);
  }
}

/** TooManyRequests answers 429 with a Retry-After header. */
export class TooManyRequests extends HttpError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(429, 'rate_limited', message);
  }
}

/** notFound throws NotFound; handy after a lookup: `find(...) ?? notFound()`. */
export function notFound(message?: string): never {
  throw new NotFound(message);
}
