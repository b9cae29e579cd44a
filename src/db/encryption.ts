// Secrets at rest (WhatsApp access tokens, app secrets): AES-256-GCM with ENCRYPTION_KEY. The
// stored form names the key it was made with, so a wrong or rotated key is reported as such
// instead of yielding garbage: v1.<key id>.<iv>.<tag>.<ciphertext>, base64url parts.
import crypto from 'node:crypto';

const VERSION = 'v1';

/** keyId is a short, non-secret fingerprint of the key (the first 8 hex of its SHA-256). */
export function keyId(key: Buffer): string {
  return crypto.createHash('sha256').update(key).digest('hex').slice(0, 8);
}

/** encryptSecret encrypts a UTF-8 string with a fresh random IV. */
export function encryptSecret(key: Buffer, plaintext: string): string {
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [VERSION, keyId(key), iv.toString('base64url'), tag.toString('base64url'), ciphertext.toString('base64url')].join('.');
}

export class SecretDecryptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretDecryptionError';
  }
}

/** decryptSecret reverses encryptSecret; throws SecretDecryptionError for another key or tampering. */
export function decryptSecret(key: Buffer, stored: string): string {
  const parts = stored.split('.');
  if (parts.length !== 5 || parts[0] !== VERSION) throw new SecretDecryptionError('not an encrypted secret');
  const [, kid, iv, tag, ciphertext] = parts;
  if (kid !== keyId(key)) {
    throw new SecretDecryptionError(`this secret was encrypted with another ENCRYPTION_KEY (key id ${kid}, current ${keyId(key)})`);
  }
  try {
    const decipher = crypto.createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    throw new SecretDecryptionError('the secret could not be decrypted (damaged or tampered with)');
  }
}
