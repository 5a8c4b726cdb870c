import pg from 'pg';

/** Small helpers over a maintenance connection (the `postgres` database, or TEST_DATABASE_URL). */

export async function withAdmin<T>(adminUrl: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

export function databaseUrl(adminUrl: string, database: string): string {
  const url = new URL(adminUrl);
  url.pathname = '/' + encodeURIComponent(database);
  return url.toString();
}

export async function dropDatabase(adminUrl: string, database: string): Promise<void> {
  await withAdmin(adminUrl, (client) => client.query(`drop database if exists ${client.escapeIdentifier(database)} with (force)`));
}

export { freePort, freePorts } from '../../src/lib/free-port.ts';

export function uniqueName(prefix: string): string {
  return `${prefix}_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
}
