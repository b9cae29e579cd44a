// Runs PAR CRM's entry points as real child processes (the CLI, the server).
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { rootDir } from '../../src/paths.js';

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

const baseEnv = () => ({ PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'warn' });

/** runCli runs `cli.ts` with arguments, an environment and optional stdin. */
export function runCli(args: string[], env: NodeJS.ProcessEnv, stdin?: string): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { cwd: rootDir, env: { ...baseEnv(), ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin ?? '');
  });
}

/** freePort asks the OS for an unused port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export interface ServerProcess {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** startServer runs `server.ts`; `ready` resolves once it logs that it listens (or rejects if it exits). */
export function startServer(env: NodeJS.ProcessEnv): ServerProcess & { ready: Promise<void> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], { cwd: rootDir, env: { ...baseEnv(), LOG_LEVEL: 'info', ...env } });
  let out = '';
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d;
      if (out.includes('PAR CRM is listening')) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    exited.then((code) => reject(new Error(`server exited with ${code} before listening:\n${out}`)));
  });
  ready.catch(() => {});
  return { child, output: () => out, exited, ready };
}
