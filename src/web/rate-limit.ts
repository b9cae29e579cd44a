// Fixed-window rate limits kept in Postgres, so every replica counts the same attempts.
import type { Db } from '../db/index.js';

export interface RateLimitResult {
  allowed: boolean;
  hits: number;
  retryAfterSeconds: number;
}

/**
 * hitRateLimit counts one attempt for `key` and says whether it is within `limit` per
 * `windowSeconds`. The upsert is one statement, so concurrent attempts are all counted.
 */
export async function hitRateLimit(db: Db, key: string, limit: number, windowSeconds: number): Promise<RateLimitResult> {
  const { rows } = await db.raw(
    `INSERT INTO rate_limits (key, window_started_at, hits) VALUES (?, now(), 1)
     ON CONFLICT (key) DO UPDATE SET
       hits = CASE WHEN rate_limits.window_started_at < now() - make_interval(secs => ?) THEN 1 ELSE rate_limits.hits + 1 END,
       window_started_at = CASE WHEN rate_limits.window_started_at < now() - make_interval(secs => ?) THEN now() ELSE rate_limits.window_started_at END
     RETURNING hits, extract(epoch FROM (window_started_at + make_interval(secs => ?) - now()))::int AS retry_after`,
    [key, windowSeconds, windowSeconds, windowSeconds],
  );
  const row = rows[0];
  return { allowed: row.hits <= limit, hits: row.hits, retryAfterSeconds: Math.max(1, Number(row.retry_after)) };
}

/** peekRateLimit tells whether `key` is already over `limit` without counting an attempt. */
export async function peekRateLimit(db: Db, key: string, limit: number, windowSeconds: number): Promise<RateLimitResult> {
  const row = await db('rate_limits')
    .where({ key })
    .andWhere('window_started_at', '>=', db.raw('now() - make_interval(secs => ?)', [windowSeconds]))
    .first('hits', db.raw('extract(epoch FROM (window_started_at + make_interval(secs => ?) - now()))::int AS retry_after', [windowSeconds]));
  if (!row) return { allowed: true, hits: 0, retryAfterSeconds: 0 };
  return { allowed: row.hits < limit, hits: row.hits, retryAfterSeconds: Math.max(1, Number(row.retry_after)) };
}

/** clearRateLimit forgets a key's attempts (after a successful sign-in, say). */
export async function clearRateLimit(db: Db, key: string): Promise<void> {
  await db('rate_limits').where({ key }).delete();
}
