// Where media bytes live. A small interface so object storage can replace the local disk
// later; the default keeps files under DATA_DIR/media (a shared volume with several replicas).
import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';

export interface MediaStorage {
  /** Stores bytes under a new key and returns it. */
  put(workspaceId: string, data: Buffer): Promise<string>;
  /** Opens the bytes of a key for streaming: all of them, or the inclusive byte range (HTTP Range). */
  open(key: string, range?: { start: number; end: number }): Promise<{ stream: Readable; size: number }>;
  read(key: string): Promise<Buffer>;
  delete(key: string): Promise<void>;
}

/** localMediaStorage keeps files in `dir`, one folder per workspace. */
export function localMediaStorage(dir: string): MediaStorage {
  const resolve = (key: string) => {
    // Keys are ours, but never let one climb out of the folder.
    if (!/^[0-9a-f-]{36}\/[0-9a-f]{2}\/[0-9a-f]{32}$/.test(key)) throw new Error(`bad media key ${key}`);
    return path.join(dir, key);
  };
  return {
    async put(workspaceId, data) {
      const name = crypto.randomBytes(16).toString('hex');
      const key = `${workspaceId}/${name.slice(0, 2)}/${name}`;
      const file = resolve(key);
      await fsp.mkdir(path.dirname(file), { recursive: true });
      await fsp.writeFile(file, data, { mode: 0o640 });
      return key;
    },
    async open(key, range) {
      const file = resolve(key);
      const stat = await fsp.stat(file);
      return { stream: fs.createReadStream(file, range ? { start: range.start, end: range.end } : {}), size: stat.size };
    },
    read: (key) => fsp.readFile(resolve(key)),
    async delete(key) {
      await fsp.rm(resolve(key), { force: true });
    },
  };
}
