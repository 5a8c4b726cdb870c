import type { Kysely } from 'kysely';
import { observeQueries } from '../../src/db/database.ts';

/** Runs `action` and counts the SQL statements the database ran meanwhile (an N+1 shows as growth). */
export async function countQueries<T>(db: Kysely<any>, action: () => Promise<T>): Promise<{ result: T; count: number; queries: string[] }> {
  const queries: string[] = [];
  const stop = observeQueries(db, (event) => queries.push(event.query.sql));
  try {
    const result = await action();
    return { result, count: queries.length, queries };
  } finally {
    stop();
  }
}
