import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../../src/db/embedded.ts';
import { migrateToLatest } from '../../src/db/migrator.ts';
import { databaseUrl, dropDatabase, freePort, uniqueName, withAdmin } from './postgres.ts';

/**
 * Once per run: a PostgreSQL server (embedded, or the one TEST_DATABASE_URL points at) and a
 * migrated template database. Each test file clones the template (see database.ts), so files
 * run in parallel on databases of their own.
 */
export default async function setup(project: TestProject) {
  let adminUrl: string;
  let stopServer = async () => {};

  if (process.env.TEST_DATABASE_URL) {
    adminUrl = process.env.TEST_DATABASE_URL;
  } else {
    const directory = mkdtempSync(path.join(os.tmpdir(), 'edupeak-test-pg-'));
    const server = await startEmbeddedPostgres({
      directory,
      port: await freePort(),
      database: 'postgres',
      // As root: where the binaries are copied when the postgres user cannot reach this checkout.
      runtimeDir: process.env.EMBEDDED_PG_RUNTIME_DIR || undefined,
    });
    adminUrl = server.adminUrl;
    // A throwaway cluster: durability buys nothing here, and a flush to disk at every commit and
    // checkpoint costs; so does autovacuum visiting some 70 databases of a few rows each, which live
    // a minute. (A server TEST_DATABASE_URL names is left as it is configured.)
    await withAdmin(adminUrl, async (client) => {
      for (const setting of ['fsync = off', 'synchronous_commit = off', 'full_page_writes = off', 'autovacuum = off']) await client.query(`alter system set ${setting}`);
      await client.query('select pg_reload_conf()');
    });
    stopServer = async () => {
      await server.stop();
      rmSync(directory, { recursive: true, force: true });
    };
  }

  const template = uniqueName('edupeak_template');
  await withAdmin(adminUrl, (client) => client.query(`create database ${client.escapeIdentifier(template)}`));
  const db = new Kysely<any>({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: databaseUrl(adminUrl, template), max: 1 }) }),
  });
  try {
    await migrateToLatest(db);
  } finally {
    await db.destroy();
  }
  // Nobody may connect to a template while it is being cloned.
  await withAdmin(adminUrl, (client) => client.query(`alter database ${client.escapeIdentifier(template)} allow_connections false`));

  project.provide('pgAdminUrl', adminUrl);
  project.provide('pgTemplate', template);
  // Whether the server flushes to disk (TEST_DATABASE_URL's does; our embedded one does not).
  project.provide('pgDurable', Boolean(process.env.TEST_DATABASE_URL));

  return async () => {
    await dropDatabase(adminUrl, template);
    await stopServer();
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    pgAdminUrl: string;
    pgTemplate: string;
    pgDurable: boolean;
  }
}
