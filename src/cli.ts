// Administration commands: `npm run cli -- <command> [options]`. Same configuration as the server.
import { parseArgs } from 'node:util';
import readline from 'node:readline';
import { createApiToken } from './api/tokens.js';
import { SignUp } from './auth/schema.js';
import { signUp, setPasswordByEmail } from './auth/service.js';
import { closeContext, openContext } from './boot.js';
import { ConfigError, loadConfig } from './config.js';
import type { AppContext } from './context.js';
import { isUuid } from './db/index.js';
import { migrateLatest } from './db/migrate.js';
import { DataDirLockedError } from './db/lock.js';
import { findJob, jobs } from './jobs/index.js';
import { runJobOnce } from './jobs/scheduler.js';
import { createLogger } from './logger.js';
import { HttpError, Invalid } from './web/errors.js';
import { parseInput } from './web/validate.js';
import { findWorkspace } from './workspaces/repo.js';

class UsageError extends Error {}

interface Command {
  usage: string;
  description: string;
  options: Record<string, { type: 'string' | 'boolean' }>;
  /** Options that must be given; checked before the database is opened. */
  requires?: string[];
  /** Checks the positional arguments before the database is opened. */
  checkPositionals?(positionals: string[]): void;
  /** Applies pending migrations (the others refuse to run on an out-of-date schema). */
  migrate?: boolean;
  run(ctx: AppContext, values: Record<string, string | boolean | undefined>, positionals: string[]): Promise<unknown>;
}

function required(values: Record<string, string | boolean | undefined>, name: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v.trim() === '') throw new UsageError(`--${name} is required`);
  return v.trim();
}

const commands: Record<string, Command> = {
  migrate: {
    usage: 'migrate',
    description: 'Apply pending database migrations',
    options: {},
    migrate: true,
    async run(ctx) {
      const applied = await migrateLatest(ctx.knex);
      return { applied };
    },
  },
  'workspace:create': {
    usage: 'workspace:create --name NAME --owner-email EMAIL --owner-password PASSWORD [--owner-name NAME]',
    description: 'Create a workspace and its owner; prints JSON with their ids',
    options: { name: { type: 'string' }, 'owner-email': { type: 'string' }, 'owner-password': { type: 'string' }, 'owner-name': { type: 'string' } },
    requires: ['name', 'owner-email', 'owner-password'],
    async run(ctx, values) {
      const email = required(values, 'owner-email');
      const input = parseInput(SignUp, {
        workspace_name: required(values, 'name'),
        email,
        password: required(values, 'owner-password'),
        name: typeof values['owner-name'] === 'string' ? values['owner-name'] : email.split('@')[0],
      });
      const { user, workspace } = await signUp(ctx.knex, input, { userId: null, ip: 'cli' });
      return { workspace: { id: workspace.id, name: workspace.name }, user: { id: user.id, email: user.email } };
    },
  },
  'token:create': {
    usage: 'token:create --workspace ID --name NAME',
    description: 'Create an API token for a workspace; prints the token (shown once)',
    options: { workspace: { type: 'string' }, name: { type: 'string' } },
    requires: ['workspace', 'name'],
    async run(ctx, values) {
      const workspaceId = required(values, 'workspace');
      if (!isUuid(workspaceId) || !(await findWorkspace(ctx.knex, workspaceId))) {
        throw new UsageError(`no workspace with the id ${workspaceId}`);
      }
      const { row, token } = await createApiToken(ctx.knex, workspaceId, required(values, 'name'), { userId: null, ip: 'cli' });
      return { id: row.id, name: row.name, token };
    },
  },
  'job:run': {
    usage: `job:run NAME   (${jobs.map((j) => j.name).join(', ')})`,
    description: 'Run a background job once, now',
    options: {},
    checkPositionals([name]) {
      if (!name) throw new UsageError('name the job to run');
      if (!findJob(name)) throw new UsageError(`unknown job ${name}; jobs: ${jobs.map((j) => j.name).join(', ')}`);
    },
    async run(ctx, _values, positionals) {
      const name = positionals[0];
      const job = findJob(name)!;
      const outcome = await runJobOnce(ctx, job);
      return outcome.ran ? { job: name, summary: outcome.summary ?? 'done' } : { job: name, skipped: 'another process is running it' };
    },
  },
  'user:set-password': {
    usage: 'user:set-password --email EMAIL [--password PASSWORD]   (without --password: read from stdin)',
    description: "Set a user's password and sign them out everywhere",
    options: { email: { type: 'string' }, password: { type: 'string' } },
    requires: ['email'],
    async run(ctx, values) {
      const email = required(values, 'email');
      const password = typeof values.password === 'string' ? values.password : await readPassword();
      if (password.length < 10) throw new UsageError('the password must be at least 10 characters');
      const user = await setPasswordByEmail(ctx.knex, email, password);
      return { user: { id: user.id, email: user.email }, password: 'updated' };
    },
  },
};

async function readPassword(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('New password: ');
  const rl = readline.createInterface({ input: process.stdin, terminal: false });
  for await (const line of rl) {
    rl.close();
    return line.trim();
  }
  throw new UsageError('no password given on stdin');
}

function help(): string {
  const lines = ['Usage: npm run cli -- <command> [options]', '', 'Commands:'];
  for (const c of Object.values(commands)) lines.push(`  ${c.usage}`, `      ${c.description}`);
  return lines.join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help') {
    process.stdout.write(help() + '\n');
    return name ? 0 : 2;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`Unknown command: ${name}\n\n${help()}\n`);
    return 2;
  }
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: command.options, allowPositionals: true, strict: true });
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\nUsage: npm run cli -- ${command.usage}\n`);
    return 2;
  }
  try {
    for (const option of command.requires ?? []) required(parsed.values as Record<string, string | undefined>, option);
    command.checkPositionals?.(parsed.positionals);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\nUsage: npm run cli -- ${command.usage}\n`);
    return 2;
  }
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`Configuration error in ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  const log = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel);
  let ctx: AppContext | null = null;
  try {
    ctx = await openContext(config, log, { migrate: command.migrate ?? false });
    const result = await command.run(ctx, parsed.values as Record<string, string | boolean | undefined>, parsed.positionals);
    process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`${err.message}\nUsage: npm run cli -- ${command.usage}\n`);
      return 2;
    }
    if (err instanceof Invalid) {
      const t = (await import('./i18n/index.js')).translator('en');
      const fields = Object.entries(err.fields).map(([k, v]) => `${k}: ${t(v)}`);
      process.stderr.write(`Invalid input: ${fields.join('; ')}\n`);
      return 2;
    }
    if (err instanceof HttpError || err instanceof DataDirLockedError) {
      process.stderr.write(`${err.message}\n`);
      return 1;
    }
    process.stderr.write(`Failed: ${(err as Error).message}\n`);
    return 1;
  } finally {
    if (ctx) await closeContext(ctx);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`Failed: ${(err as Error).message}\n`);
    process.exit(1);
  },
);
