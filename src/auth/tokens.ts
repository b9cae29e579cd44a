// Random secrets that travel in links or headers. Only their SHA-256 is stored: the tokens are
// 256-bit random, so a fast hash is enough to make a leaked table useless.
import crypto from 'node:crypto';

/** newToken makes a URL-safe random token (with an optional readable prefix) and its hash. */
export function newToken(prefix = ''): { token: string; hash: string } {
  const token = prefix + crypto.randomBytes(32).toString('base64url');
  return { token, hash: hashToken(token) };
}

/** hashToken is the stored form of a token. */
export function hashToken(token: string): string {
  return crypto.createHash('sha256').update(token).digest('hex');
}
