// The only reader of process.env. Every setting PAR CRM understands is declared here once,
// validated at start, documented in README.md, .env.example and the Helm values.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

export type NodeEnv = 'development' | 'production' | 'test';

export interface Config {
  env: NodeEnv;
  port: number;
  host: string;
  baseUrl: string;
  /** True when BASE_URL is https: cookies get the Secure flag. */
  secureCookies: boolean;
  trustProxy: boolean | number | string;
  dataDir: string;
  databaseUrl: string | null;
  databasePoolMax: number;
  sessionSecret: string;
  sessionTtlHours: number;
  /** 32-byte key for AES-256-GCM encryption of secrets at rest. */
  encryptionKey: Buffer;
  logLevel: string;
  smtpUrl: string | null;
  mailFrom: string;
  signupEnabled: boolean;
  jobsEnabled: boolean;
  whatsappGraphUrl: string;
  whatsappGraphVersion: string;
  /** Settings that were generated into DATA_DIR instead of being set: warned about loudly. */
  generated: string[];
}

export class ConfigError extends Error {
  constructor(readonly variable: string, message: string) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

const bool = z
  .string()
  .trim()
  .toLowerCase()
  .refine((v) => ['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'].includes(v), 'must be true or false')
  .transform((v) => ['true', '1', 'yes', 'on'].includes(v));

const int = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .refine((n) => n >= min && n <= max, `must be between ${min} and ${max}`);

const url = (protocols: string[]) =>
  z
    .string()
    .trim()
    .refine((v) => {
      try {
        return protocols.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    }, `must be a URL starting with ${protocols.map((p) => p + '//').join(' or ')}`);

/** Every variable with its validator; also the source of the README's configuration table. */
const variables = {
  NODE_ENV: z.enum(['development', 'production', 'test']),
  PORT: int(1, 65535),
  HOST: z.string().trim().min(1),
  BASE_URL: url(['http:', 'https:']),
  TRUST_PROXY: z
    .string()
    .trim()
    .min(1)
    .regex(/^(true|false|\d+|[0-9a-fA-F.:/,\s]+|loopback|linklocal|uniquelocal)$/, 'must be true, false, a hop count, or a comma-separated list of proxy addresses'),
  DATA_DIR: z.string().trim().min(1),
  DATABASE_URL: url(['postgres:', 'postgresql:']),
  DATABASE_POOL_MAX: int(1, 200),
  SESSION_SECRET: z.string().min(32, 'must be at least 32 characters'),
  SESSION_TTL_HOURS: int(1, 24 * 365),
  ENCRYPTION_KEY: z
    .string()
    .trim()
    .refine((v) => decodeKey(v) !== null, 'must be 32 bytes, written as 64 hex characters or base64'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  SMTP_URL: url(['smtp:', 'smtps:']),
  MAIL_FROM: z.string().trim().min(3),
  SIGNUP_ENABLED: bool,
  JOBS_ENABLED: bool,
  WHATSAPP_GRAPH_URL: url(['http:', 'https:']),
  WHATSAPP_GRAPH_VERSION: z.string().trim().regex(/^v\d+\.\d+$/, 'must look like v25.0'),
} as const;

type VariableName = keyof typeof variables;

/** Secrets may also be given as <NAME>_FILE pointing at a file (Docker and Kubernetes secrets). */
const fileVariables: VariableName[] = ['SESSION_SECRET', 'ENCRYPTION_KEY', 'DATABASE_URL', 'SMTP_URL'];

function decodeKey(value: string): Buffer | null {
  if (/^[0-9a-fA-F]{64}$/.test(value)) return Buffer.from(value, 'hex');
  try {
    const buf = Buffer.from(value, 'base64');
    return buf.length === 32 ? buf : null;
  } catch {
    return null;
  }
}

function readVariable(env: NodeJS.ProcessEnv, name: VariableName): string | undefined {
  const direct = env[name];
  const file = fileVariables.includes(name) ? env[`${name}_FILE`] : undefined;
  if (direct !== undefined && direct !== '' && file) {
    throw new ConfigError(name, `set either ${name} or ${name}_FILE, not both`);
  }
  if (file) {
    try {
      return fs.readFileSync(file, 'utf8').trim();
    } catch (err) {
      throw new ConfigError(`${name}_FILE`, `cannot read ${file}: ${(err as Error).message}`);
    }
  }
  return direct === '' ? undefined : direct;
}

function parse<N extends VariableName>(env: NodeJS.ProcessEnv, name: N): z.output<(typeof variables)[N]> | undefined {
  const raw = readVariable(env, name);
  if (raw === undefined) return undefined;
  const result = variables[name].safeParse(raw);
  if (!result.success) throw new ConfigError(name, result.error.issues[0]?.message ?? 'is invalid');
  return result.data as z.output<(typeof variables)[N]>;
}

function parseTrustProxy(value: string | undefined): boolean | number | string {
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  if (/^\d+$/.test(value)) return Number(value);
  return value;
}

/**
 * loadConfig validates the environment and returns a frozen Config. Secrets missing outside
 * production are generated once into DATA_DIR/secrets.json so restarts keep sessions valid.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  const nodeEnv = parse(env, 'NODE_ENV') ?? 'development';
  const production = nodeEnv === 'production';
  const port = parse(env, 'PORT') ?? 3000;
  const dataDir = path.resolve(parse(env, 'DATA_DIR') ?? './data');

  const missing = (['SESSION_SECRET', 'ENCRYPTION_KEY', 'BASE_URL'] as const).filter((n) => !readVariable(env, n));
  if (production && missing.length > 0) {
    throw new ConfigError(missing[0], `is required when NODE_ENV=production (missing: ${missing.join(', ')})`);
  }

  const baseUrl = (parse(env, 'BASE_URL') ?? `http://localhost:${port}`).replace(/\/+$/, '');
  const trustProxy = parseTrustProxy(parse(env, 'TRUST_PROXY'));
  const secureCookies = baseUrl.startsWith('https:');
  if (secureCookies && trustProxy === false) {
    throw new ConfigError(
      'TRUST_PROXY',
      'must be set when BASE_URL is https (PAR CRM serves plain HTTP behind a TLS proxy; without TRUST_PROXY it cannot tell the request was secure and sign-in cookies would be dropped)',
    );
  }

  const generated: string[] = [];
  let sessionSecret = parse(env, 'SESSION_SECRET');
  let encryptionKeyText = parse(env, 'ENCRYPTION_KEY');
  if (!sessionSecret || !encryptionKeyText) {
    const stored = generatedSecrets(dataDir);
    if (!sessionSecret) {
      sessionSecret = stored.SESSION_SECRET;
      generated.push('SESSION_SECRET');
    }
    if (!encryptionKeyText) {
      encryptionKeyText = stored.ENCRYPTION_KEY;
      generated.push('ENCRYPTION_KEY');
    }
  }

  const config: Config = {
    env: nodeEnv,
    port,
    host: parse(env, 'HOST') ?? '0.0.0.0',
    baseUrl,
    secureCookies,
    trustProxy,
    dataDir,
    databaseUrl: parse(env, 'DATABASE_URL') ?? null,
    databasePoolMax: parse(env, 'DATABASE_POOL_MAX') ?? 10,
    sessionSecret,
    sessionTtlHours: parse(env, 'SESSION_TTL_HOURS') ?? 24 * 14,
    encryptionKey: decodeKey(encryptionKeyText)!,
    logLevel: parse(env, 'LOG_LEVEL') ?? (nodeEnv === 'test' ? 'silent' : 'info'),
    smtpUrl: parse(env, 'SMTP_URL') ?? null,
    mailFrom: parse(env, 'MAIL_FROM') ?? 'PAR CRM <no-reply@localhost>',
    signupEnabled: parse(env, 'SIGNUP_ENABLED') ?? true,
    jobsEnabled: parse(env, 'JOBS_ENABLED') ?? true,
    whatsappGraphUrl: (parse(env, 'WHATSAPP_GRAPH_URL') ?? 'https://graph.facebook.com').replace(/\/+$/, ''),
    whatsappGraphVersion: parse(env, 'WHATSAPP_GRAPH_VERSION') ?? 'v25.0',
    generated,
  };
  return Object.freeze(config);
}

/** Reads DATA_DIR/secrets.json, creating it (mode 0600) with fresh random secrets if absent. */
function generatedSecrets(dataDir: string): { SESSION_SECRET: string; ENCRYPTION_KEY: string } {
  const file = path.join(dataDir, 'secrets.json');
  try {
    const stored = JSON.parse(fs.readFileSync(file, 'utf8'));
    if (typeof stored.SESSION_SECRET === 'string' && decodeKey(String(stored.ENCRYPTION_KEY))) return stored;
    throw new ConfigError('DATA_DIR', `${file} is damaged; restore it from a backup or set SESSION_SECRET and ENCRYPTION_KEY`);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new ConfigError('DATA_DIR', `cannot read ${file}: ${(err as Error).message}`);
    }
  }
  const secrets = {
    SESSION_SECRET: crypto.randomBytes(48).toString('base64url'),
    ENCRYPTION_KEY: crypto.randomBytes(32).toString('hex'),
  };
  try {
    fs.mkdirSync(dataDir, { recursive: true });
    fs.writeFileSync(file, JSON.stringify(secrets, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return generatedSecrets(dataDir);
    throw new ConfigError('DATA_DIR', `cannot write ${file}: ${(err as Error).message}`);
  }
  return secrets;
}

/** The names of every variable (and its _FILE form), for docs and tests. */
export const variableNames = Object.keys(variables) as VariableName[];
export const fileVariableNames = fileVariables.map((n) => `${n}_FILE`);
