/**
 * rate_limit: fixed-window counters for sign-in, registration and password-reset limits.
 * Not in the spec: like http_session it is infrastructure. Kept in PostgreSQL so that every
 * instance behind a load balancer shares the same counts. One row per (rule, subject) key.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('rate_limit')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('hits', 'integer', (c) => c.notNull().check(sql`hits >= 0`))
    .addColumn('window_ends_at', 'timestamptz', (c) => c.notNull())
    .execute();
  // The prune job deletes finished windows.
  await db.schema.createIndex('rate_limit_window_ends_at_idx').on('rate_limit').column('window_ends_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('rate_limit').execute();
}
