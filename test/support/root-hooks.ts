// Root-level hooks for the whole run: tear the shared environment down at the end.
import { closeTestEnv } from './context.js';

after(async function () {
  this.timeout(60_000);
  await closeTestEnv();
});
