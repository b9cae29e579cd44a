import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import request from 'supertest';
import { acquireDataDirLock } from '../../src/db/lock.js';
import { testEnv } from '../support/context.js';
import { runCli } from '../support/processes.js';

// The CLI runs against the suite's Postgres when there is one, else its own embedded database.
async function cliEnv(): Promise<NodeJS.ProcessEnv> {
  const { database } = await testEnv();
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'par-cli-'));
  return { DATA_DIR: dataDir, ...(database.url ? { DATABASE_URL: database.url } : {}) };
}

describe('command line', function () {
  this.timeout(120_000);

  it('explains its usage and refuses bad arguments with a non-zero exit', async () => {
    const env = await cliEnv();
    const none = await runCli([], env);
    expect(none.code).to.equal(2);
    expect(none.stdout).to.contain('Usage: npm run cli -- <command>').and.contain('workspace:create');
    const unknown = await runCli(['frobnicate'], env);
    expect(unknown.code).to.equal(2);
    expect(unknown.stderr).to.contain('Unknown command: frobnicate');
    const missing = await runCli(['workspace:create', '--owner-email', 'a@b.co'], env);
    expect(missing.code).to.equal(2);
    expect(missing.stderr).to.contain('--name is required');
    const badFlag = await runCli(['token:create', '--bogus'], env);
    expect(badFlag.code).to.equal(2);
    expect(badFlag.stderr).to.contain("Unknown option '--bogus'");
    const badConfig = await runCli(['migrate'], { ...env, PORT: 'x' });
    expect(badConfig.code).to.equal(1);
    expect(badConfig.stderr).to.contain('Configuration error in PORT');
  });

  it('migrates, creates a workspace with its owner, a token, runs a job and sets a password', async () => {
    const env = await cliEnv();
    const migrate = await runCli(['migrate'], env);
    expect(migrate.code, migrate.stderr).to.equal(0);
    expect(JSON.parse(migrate.stdout)).to.have.property('applied');

    const weak = await runCli(['workspace:create', '--name', 'Weak', '--owner-email', 'weak@example.test', '--owner-password', 'short'], env);
    expect(weak.code).to.equal(2);
    expect(weak.stderr).to.contain('password: Use at least 10 characters');

    const email = `cli-${Date.now()}@example.test`;
    const created = await runCli(['workspace:create', '--name', 'CLI Co', '--owner-email', email, '--owner-password', 'a long password 1'], env);
    expect(created.code, created.stderr).to.equal(0);
    const { workspace, user } = JSON.parse(created.stdout);
    expect(workspace.name).to.equal('CLI Co');
    expect(user.email).to.equal(email);

    const token = await runCli(['token:create', '--workspace', workspace.id, '--name', 'integration'], env);
    expect(token.code, token.stderr).to.equal(0);
    const tokenValue = JSON.parse(token.stdout).token;
    expect(tokenValue).to.match(/^par_/);
    const nobody = await runCli(['token:create', '--workspace', '00000000-0000-0000-0000-000000000000', '--name', 'x'], env);
    expect(nobody.code).to.equal(2);
    expect(nobody.stderr).to.contain('no workspace with the id');

    const job = await runCli(['job:run', 'cleanup'], env);
    expect(job.code, job.stderr).to.equal(0);
    expect(JSON.parse(job.stdout).summary).to.match(/^deleted \d+ sessions/);
    const unknownJob = await runCli(['job:run', 'nope'], env);
    expect(unknownJob.code).to.equal(2);
    expect(unknownJob.stderr).to.contain('unknown job nope');

    const reset = await runCli(['user:set-password', '--email', email], env, 'another long password\n');
    expect(reset.code, reset.stderr).to.equal(0);
    const noUser = await runCli(['user:set-password', '--email', 'ghost@example.test', '--password', 'long enough password'], env);
    expect(noUser.code).to.equal(1);
    expect(noUser.stderr).to.contain('no user with the email');

    // On the suite's Postgres, the same database serves the in-process app: the token works there.
    const { app, database } = await testEnv();
    if (database.url) {
      const me = await request(app).get('/api/v1/me').set('Authorization', `Bearer ${tokenValue}`).expect(200);
      expect(me.body.data.workspace.id).to.equal(workspace.id);
    }
  });

  it('refuses to open the embedded database while another process holds it', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'par-cli-locked-'));
    const lock = acquireDataDirLock(dataDir);
    try {
      const res = await runCli(['migrate'], { DATA_DIR: dataDir });
      expect(res.code).to.equal(1);
      expect(res.stderr).to.contain(`is in use by another PAR CRM process (pid ${process.pid})`);
    } finally {
      lock.release();
    }
  });
});
