// Copies the browser libraries PAR CRM serves from its own origin (no CDN) into public/vendor.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(root, 'package.json'));
const out = path.join(root, 'public', 'vendor');
fs.mkdirSync(out, { recursive: true });

const files = [
  ['htmx.org/dist/htmx.min.js', 'htmx.min.js'],
  // Drag and drop on the pipeline board (loaded by that page only).
  ['sortablejs/Sortable.min.js', 'sortable.min.js'],
];
for (const [from, to] of files) {
  fs.copyFileSync(require.resolve(from), path.join(out, to));
}
