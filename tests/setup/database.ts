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
  await withAdmin(adminUrl, (client) =>
    client.query(
      `create database ${client.escapeIdentifier(name)}` +
        (empty ? ' template template0' : ` template ${client.escapeIdentifier(inject('pgTemplate'))}`),
    ),
  );
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
