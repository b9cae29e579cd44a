// JSON logs (pino). Secrets, passwords and tokens are redacted wherever they appear.
import { pino, type Logger } from 'pino';

export type { Logger };

const redact = [
  'password',
  '*.password',
  '*.password_confirmation',
  '*.access_token',
  '*.app_secret',
  '*.token',
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'req.headers["x-hub-signature-256"]',
  'res.headers["set-cookie"]',
];

/** createLogger builds the process logger at the configured level. */
export function createLogger(level: string): Logger {
  return pino({ level, redact: { paths: redact, censor: '[redacted]' }, base: { service: 'par-crm' } });
}
