// express-session store on the sessions table, so all replicas share sign-ins.
import session from 'express-session';
import type { Knex } from 'knex';

type Callback = (err?: unknown) => void;

export class KnexSessionStore extends session.Store {
  constructor(
    private readonly knex: Knex,
    private readonly ttlMs: number,
  ) {
    super();
  }

  private expiry(sess: session.SessionData): Date {
    const cookieExpiry = sess.cookie?.expires ? new Date(sess.cookie.expires) : null;
    return cookieExpiry ?? new Date(Date.now() + this.ttlMs);
  }

  override get(sid: string, cb: (err: unknown, session?: session.SessionData | null) => void): void {
    this.knex('sessions')
      .where({ sid })
      .andWhere('expires_at', '>', new Date())
      .first('sess')
      .then((row) => cb(null, row ? row.sess : null), cb);
  }

  override set(sid: string, sess: session.SessionData, cb?: Callback): void {
    const row = { sid, sess: JSON.stringify(sess), user_id: sess.passport?.user ?? null, expires_at: this.expiry(sess) };
    this.knex('sessions')
      .insert(row)
      .onConflict('sid')
      .merge(['sess', 'user_id', 'expires_at'])
      .then(() => cb?.(), (err) => cb?.(err));
  }

  override touch(sid: string, sess: session.SessionData, cb?: Callback): void {
    this.knex('sessions')
      .where({ sid })
      .update({ expires_at: this.expiry(sess) })
      .then(() => cb?.(), (err) => cb?.(err));
  }

  override destroy(sid: string, cb?: Callback): void {
    this.knex('sessions')
      .where({ sid })
      .delete()
      .then(() => cb?.(), (err) => cb?.(err));
  }
}

declare module 'express-session' {
  interface SessionData {
    /** The workspace the user is working in; checked against memberships on every request. */
    workspaceId?: string;
    csrf?: string;
    flash?: Array<{ type: 'success' | 'error' | 'info'; message: string }>;
    /** Where to go after signing in (an invitation link, say). Always a local path. */
    returnTo?: string;
    passport?: { user?: string };
  }
}
