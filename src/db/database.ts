import { CamelCasePlugin, Kysely, PostgresDialect, type LogEvent } from 'kysely';
import pg from 'pg';
import type { DB } from './types.ts';

export type Database = Kysely<DB>;

type QueryObserver = (event: LogEvent) => void;

// Observers per database instance: tests count the SQL a request runs (see tests/setup/queries.ts).
const observers = new WeakMap<Kysely<any>, Set<QueryObserver>>();
const pools = new WeakMap<Kysely<any>, pg.Pool>();

export interface DatabaseOptions {
  connectionString: string;
  /** Pool size; PostgreSQL's default of 100 connections is shared by every instance. */
  max?: number;
}

export function createDatabase({ connectionString, max = 10 }: DatabaseOptions): Database {
  // JIT off for every session (a startup parameter, so no extra query): our queries are short page
  // queries, and PostgreSQL's cost estimate for a correlated audience count (announcements) crossed
  // jit_above_cost at 10,000 rows, spending 1.2 s compiling for a query that runs in 40 ms. Servers
  // built with LLVM (Debian's) have JIT on by default; the embedded build has none.
  const pool = new pg.Pool({ connectionString, max, connectionTimeoutMillis: 10_000, idleTimeoutMillis: 30_000, options: '-c jit=off' });
  // A dropped idle connection must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  // Nor a dropped connection that is checked out (a transaction between two statements): pg-pool
  // listens for errors on idle clients only, and an 'error' event nobody listens for ends the
  // process. A PostgreSQL shutdown or restart did exactly that (tests/server/faults-postgres.test.ts).
  // The client's next query fails instead ("not queryable": a 503), and the pool drops it on release.
  pool.on('connect', (client) => client.on('error', () => {}));
  const listeners = new Set<QueryObserver>();
  const db = new Kysely<DB>({
    dialect: new PostgresDialect({ pool }),
    plugins: [new CamelCasePlugin()],
    log(event) {
      for (const listener of listeners) listener(event);
    },
  });
  observers.set(db, listeners);
  pools.set(db, pool);
  return db;
}

/** The pg pool under a database, for the one library that wants it (the session store). */
export function poolOf(db: Kysely<any>): pg.Pool {
  const pool = pools.get(db);
  if (!pool) throw new Error('poolOf: this database was not made by createDatabase');
  return pool;
}

/** Subscribes to every query this database runs; returns the unsubscribe function. */
export function observeQueries(db: Kysely<any>, observer: QueryObserver): () => void {
  const set = observers.get(db);
  if (!set) throw new Error('observeQueries: this database was not made by createDatabase');
  set.add(observer);
  return () => set.delete(observer);
}
