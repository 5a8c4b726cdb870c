import { afterAll, beforeAll, inject } from 'vitest';
import { createDatabase, type Database } from '../../src/db/database.ts';
import { databaseUrl, dropDatabase, uniqueName, withAdmin } from './postgres.ts';

export interface TestDatabase {
  name: string;
  url: string;
  db: Database;
  drop(): Promise<void>;
}

/** A fresh database for one test file: a clone of the migrated template, or empty when asked. */
export async function createTestDatabase({ empty = false }: { empty?: boolean } = {}): Promise<TestDatabase> {
  const adminUrl = inject('pgAdminUrl');
  const name = uniqueName('edupeak_test');
  await withAdmin(adminUrl, async (client) => {
    await client.query(
      `create database ${client.escapeIdentifier(name)}` +
        (empty ? ' template template0' : ` template ${client.escapeIdentifier(inject('pgTemplate'))}`) +
        // Copying the template's files beats writing all of it through the WAL (the default), once
        // the checkpoint it needs has no disk flush to wait for: so on the embedded cluster only.
        (inject('pgDurable') ? '' : ' strategy file_copy'),
    );
    // A throwaway database: a commit need not wait for its flush to disk (global.ts does the same
    // for the whole embedded cluster; this covers a server TEST_DATABASE_URL names).
    await client.query(`alter database ${client.escapeIdentifier(name)} set synchronous_commit = off`);
  });
  const url = databaseUrl(adminUrl, name);
  const db = createDatabase({ connectionString: url, max: 5 });
  return {
    name,
    url,
    db,
    async drop() {
      await db.destroy();
      await dropDatabase(adminUrl, name);
    },
  };
}

/** Registers hooks that give the file its own migrated database; read `.db` inside tests. */
export function useTestDatabase(): { readonly db: Database; readonly url: string } {
  let current: TestDatabase | undefined;
  beforeAll(async () => {
    current = await createTestDatabase();
  });
  afterAll(async () => {
    await current?.drop();
  });
  return {
    get db() {
      if (!current) throw new Error('the test database is ready only inside tests and hooks');
      return current.db;
    },
    get url() {
      if (!current) throw new Error('the test database is ready only inside tests and hooks');
      return current.url;
    },
  };
}
