import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { testEnv } from '../support/context.js';
import { freePort, startServer } from '../support/processes.js';

describe('the server process', function () {
  this.timeout(120_000);

  it('starts with nothing configured, serves, and stops cleanly on SIGTERM', async () => {
    const { database } = await testEnv();
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'par-server-'));
    const port = await freePort();
    const server = startServer({ DATA_DIR: dataDir, PORT: String(port), ...(database.url ? { DATABASE_URL: database.url } : {}) });
    await server.ready;
    if (!database.url) {
      expect(server.output()).to.contain('SESSION_SECRET and ENCRYPTION_KEY not set');
      expect(fs.existsSync(path.join(dataDir, 'secrets.json'))).to.equal(true);
      expect(fs.readFileSync(path.join(dataDir, 'par-crm.lock'), 'utf8')).to.equal(String(server.child.pid));
    }
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(health.status).to.equal(200);
    expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).to.equal(200);

    // A request in flight when SIGTERM arrives still gets its answer: its headers are half
    // sent when the signal lands, the rest follows after.
    const socket = net.connect(port, '127.0.0.1');
    let answer = '';
    socket.on('data', (d) => (answer += d));
    const closed = new Promise((resolve) => socket.on('close', resolve));
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write('GET /login HTTP/1.1\r\nHost: localhost\r\n');
    await new Promise((resolve) => setTimeout(resolve, 300));
    server.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 300));
    socket.write('Connection: close\r\n\r\n');
    await closed;
    expect(answer).to.match(/^HTTP\/1\.1 200 OK/);
    expect(await server.exited).to.equal(0);
    expect(server.output()).to.contain('"msg":"stopped"');
    if (!database.url) {
      // The generated secrets are never written to the log.
      const secrets = JSON.parse(fs.readFileSync(path.join(dataDir, 'secrets.json'), 'utf8'));
      expect(server.output()).not.to.contain(secrets.SESSION_SECRET).and.not.contain(secrets.ENCRYPTION_KEY);
    }
    if (!database.url) expect(fs.existsSync(path.join(dataDir, 'par-crm.lock'))).to.equal(false);
  });

  it('refuses to start on a bad setting, naming it', async () => {
    const server = startServer({ DATA_DIR: os.tmpdir(), PORT: 'not-a-port' });
    expect(await server.exited).to.equal(1);
    expect(server.output()).to.contain('configuration error in PORT');
  });

  it('refuses to start in production without explicit secrets', async () => {
    const server = startServer({ NODE_ENV: 'production', DATA_DIR: os.tmpdir() });
    expect(await server.exited).to.equal(1);
    expect(server.output()).to.contain('SESSION_SECRET: is required when NODE_ENV=production');
  });
});
