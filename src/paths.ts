// Where PAR CRM's files live, found from this module so it works from src/ (tsx) and dist/src/ (node).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

function findRoot(start: string): string {
  let dir = start;
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`package.json not found above ${start}`);
    dir = parent;
  }
  return dir;
}

/** The project root: the folder holding package.json, views/ and public/. */
export const rootDir = findRoot(here);
export const viewsDir = path.join(rootDir, 'views');
export const publicDir = path.join(rootDir, 'public');
/** Compiled code runs its compiled migrations; tsx runs the TypeScript ones. */
export const runningCompiled = import.meta.url.endsWith('.js');
export const migrationsDir = runningCompiled ? path.join(rootDir, 'dist', 'migrations') : path.join(rootDir, 'migrations');
/** The version in package.json. */
export const appVersion: string = JSON.parse(fs.readFileSync(path.join(rootDir, 'package.json'), 'utf8')).version;
