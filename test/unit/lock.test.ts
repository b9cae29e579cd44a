import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { expect } from 'chai';
import { acquireDataDirLock, DataDirLockedError } from '../../src/db/lock.js';

describe('the embedded database lock', () => {
  it('lets one process hold DATA_DIR and takes over a lock a dead process left', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'par-lock-'));
    // A lock left by a process that no longer exists.
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    fs.writeFileSync(path.join(dir, 'par-crm.lock'), dead);
    const lock = acquireDataDirLock(dir);
    expect(fs.readFileSync(path.join(dir, 'par-crm.lock'), 'utf8')).to.equal(String(process.pid));
    lock.release();
    expect(fs.existsSync(path.join(dir, 'par-crm.lock'))).to.equal(false);
  });

  it('refuses while a live process holds it', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'par-lock-'));
    // pid 1 is always alive.
    fs.writeFileSync(path.join(dir, 'par-crm.lock'), '1');
    expect(() => acquireDataDirLock(dir)).to.throw(DataDirLockedError, /in use by another PAR CRM process \(pid 1\)/);
  });
});
