import { promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { pathToFileURL } from 'node:url';
import { Migrator, type Kysely, type Migration, type MigrationProvider, type MigrationResultSet } from 'kysely';

/** The folder of `<timestamp>-<slug>.ts` migrations; they run in file-name order. */
export const migrationFolder = fileURLToPath(new URL('../../migrations', import.meta.url));

/**
 * Like Kysely's FileMigrationProvider, but the import() is ours: under tsx and under Vitest it then
 * goes through their TypeScript loaders (Kysely's own import() from node_modules would not).
 */
const folderProvider: MigrationProvider = {
  async getMigrations() {
    const files = (await fs.readdir(migrationFolder)).filter((f) => /^\d{14}-[a-z0-9-]+\.ts$/.test(f)).sort();
    const migrations: Record<string, Migration> = {};
    for (const file of files) {
      migrations[file.slice(0, -'.ts'.length)] = (await import(pathToFileURL(path.join(migrationFolder, file)).href)) as Migration;
    }
    return migrations;
  },
};

export function createMigrator(db: Kysely<any>): Migrator {
  // Migrations name things exactly as SQL spells them ("CourseLevel", lesson_progress):
  // the app's CamelCasePlugin must not rename them.
  return new Migrator({ db: db.withoutPlugins(), provider: folderProvider });
}

function unwrap({ error, results }: MigrationResultSet): string[] {
  if (error) {
    const failed = results?.find((r) => r.status === 'Error');
    const where = failed ? ` (in ${failed.migrationName})` : '';
    throw new Error(`migration failed${where}: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Applies every pending migration; returns the names it applied. */
export async function migrateToLatest(db: Kysely<any>): Promise<string[]> {
  return unwrap(await createMigrator(db).migrateToLatest());
}

/** Reverts the newest applied migration; returns its name (none when nothing was applied). */
export async function migrateDown(db: Kysely<any>): Promise<string[]> {
  return unwrap(await createMigrator(db).migrateDown());
}

/** Reverts every applied migration, newest first. */
export async function migrateToNothing(db: Kysely<any>): Promise<string[]> {
  const { NO_MIGRATIONS } = await import('kysely');
  return unwrap(await createMigrator(db).migrateTo(NO_MIGRATIONS));
}
