// Migrations: timestamp-named files in migrations/, run on start and by `cli migrate`.
// Names are recorded without their extension so the TypeScript sources (tsx) and the
// compiled files (dist) are the same migrations.
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Knex } from 'knex';
import { migrationsDir, runningCompiled } from '../paths.js';

class DirectoryMigrationSource implements Knex.MigrationSource<string> {
  constructor(private readonly dir: string) {}

  async getMigrations(): Promise<string[]> {
    const ext = runningCompiled ? '.js' : '.ts';
    return fs
      .readdirSync(this.dir)
      .filter((f) => f.endsWith(ext) && !f.endsWith('.d.ts') && /^\d{14}_/.test(f))
      .sort();
  }

  getMigrationName(file: string): string {
    return file.replace(/\.(ts|js)$/, '');
  }

  async getMigration(file: string): Promise<Knex.Migration> {
    return import(pathToFileURL(path.join(this.dir, file)).href);
  }
}

const migrationConfig = (): Knex.MigratorConfig => ({
  migrationSource: new DirectoryMigrationSource(migrationsDir),
  tableName: 'knex_migrations',
});

/** migrateLatest applies every pending migration and returns the names it ran. */
export async function migrateLatest(knex: Knex): Promise<string[]> {
  const [, applied] = await knex.migrate.latest(migrationConfig());
  return applied as string[];
}

/** pendingMigrations lists migrations not yet applied (empty when the schema is current). */
export async function pendingMigrations(knex: Knex): Promise<string[]> {
  const [, pending] = await knex.migrate.list(migrationConfig());
  return (pending as Array<{ file: string } | string>).map((p) => (typeof p === 'string' ? p : p.file));
}
