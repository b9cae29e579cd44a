import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../src/config.js';

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'par-config-'));
}

function errorOf(env: NodeJS.ProcessEnv): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('loadConfig accepted the environment');
}

const secrets = { SESSION_SECRET: 'x'.repeat(40), ENCRYPTION_KEY: 'ab'.repeat(32) };

describe('configuration', () => {
  it('starts with nothing set: defaults, embedded database, secrets generated once into DATA_DIR', () => {
    const dir = tmp();
    const a = loadConfig({ DATA_DIR: dir });
    expect(a.port).to.equal(3000);
    expect(a.baseUrl).to.equal('http://localhost:3000');
    expect(a.databaseUrl).to.equal(null);
    expect(a.generated).to.deep.equal(['SESSION_SECRET', 'ENCRYPTION_KEY']);
    expect(a.encryptionKey).to.have.length(32);
    const file = path.join(dir, 'secrets.json');
    expect(fs.statSync(file).mode & 0o777).to.equal(0o600);
    const b = loadConfig({ DATA_DIR: dir });
    expect(b.sessionSecret).to.equal(a.sessionSecret);
    expect(b.encryptionKey.equals(a.encryptionKey)).to.equal(true);
    expect(Object.isFrozen(a)).to.equal(true);
  });

  it('names the variable that is wrong', () => {
    const dir = tmp();
    expect(errorOf({ DATA_DIR: dir, PORT: 'eighty' }).variable).to.equal('PORT');
    expect(errorOf({ DATA_DIR: dir, PORT: '70000' }).message).to.match(/^PORT: must be between 1 and 65535/);
    expect(errorOf({ DATA_DIR: dir, DATABASE_URL: 'mysql://x' }).variable).to.equal('DATABASE_URL');
    expect(errorOf({ DATA_DIR: dir, BASE_URL: 'localhost:3000' }).variable).to.equal('BASE_URL');
    expect(errorOf({ DATA_DIR: dir, ENCRYPTION_KEY: 'too-short' }).variable).to.equal('ENCRYPTION_KEY');
    expect(errorOf({ DATA_DIR: dir, SESSION_SECRET: 'short' }).message).to.contain('at least 32 characters');
    expect(errorOf({ DATA_DIR: dir, LOG_LEVEL: 'loud' }).variable).to.equal('LOG_LEVEL');
    expect(errorOf({ DATA_DIR: dir, SIGNUP_ENABLED: 'maybe' }).variable).to.equal('SIGNUP_ENABLED');
    expect(errorOf({ DATA_DIR: dir, NODE_ENV: 'staging' }).variable).to.equal('NODE_ENV');
    expect(errorOf({ DATA_DIR: dir, WHATSAPP_GRAPH_VERSION: '25' }).variable).to.equal('WHATSAPP_GRAPH_VERSION');
  });

  it('refuses production without explicit secrets and BASE_URL', () => {
    const err = errorOf({ NODE_ENV: 'production', DATA_DIR: tmp() });
    expect(err.message).to.contain('required when NODE_ENV=production').and.contain('SESSION_SECRET, ENCRYPTION_KEY, BASE_URL');
    expect(errorOf({ NODE_ENV: 'production', ...secrets }).variable).to.equal('BASE_URL');
    const ok = loadConfig({ NODE_ENV: 'production', ...secrets, BASE_URL: 'https://crm.example.com/', TRUST_PROXY: '1' });
    expect(ok.baseUrl).to.equal('https://crm.example.com');
    expect(ok.secureCookies).to.equal(true);
    expect(ok.generated).to.deep.equal([]);
  });

  it('needs TRUST_PROXY behind https so secure cookies survive the proxy', () => {
    expect(errorOf({ ...secrets, BASE_URL: 'https://crm.example.com' }).variable).to.equal('TRUST_PROXY');
    expect(loadConfig({ ...secrets, BASE_URL: 'https://crm.example.com', TRUST_PROXY: 'true' }).trustProxy).to.equal(true);
    expect(loadConfig({ ...secrets, BASE_URL: 'https://crm.example.com', TRUST_PROXY: '10.0.0.0/8' }).trustProxy).to.equal('10.0.0.0/8');
  });

  it('reads secrets from *_FILE variables', () => {
    const dir = tmp();
    const file = path.join(dir, 'secret');
    fs.writeFileSync(file, 'f'.repeat(48) + '\n');
    expect(loadConfig({ DATA_DIR: dir, SESSION_SECRET_FILE: file }).sessionSecret).to.equal('f'.repeat(48));
    expect(errorOf({ DATA_DIR: dir, SESSION_SECRET_FILE: path.join(dir, 'missing') }).variable).to.equal('SESSION_SECRET_FILE');
    expect(errorOf({ DATA_DIR: dir, SESSION_SECRET_FILE: file, SESSION_SECRET: 'y'.repeat(40) }).message).to.contain('not both');
  });

  it('accepts the encryption key as hex or base64', () => {
    const key = Buffer.alloc(32, 7);
    expect(loadConfig({ ...secrets, ENCRYPTION_KEY: key.toString('base64') }).encryptionKey.equals(key)).to.equal(true);
    expect(loadConfig({ ...secrets, ENCRYPTION_KEY: key.toString('hex') }).encryptionKey.equals(key)).to.equal(true);
  });
});
