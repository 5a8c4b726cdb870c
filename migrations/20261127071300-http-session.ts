/**
 * http_session: the cookie-session store of connect-pg-simple (not the spec's `session` table,
 * which records signed-in devices). Exactly the shape connect-pg-simple expects (its
 * table.sql): sid varchar primary key, sess json, expire timestamp(6), an index on expire.
 * Kept apart from the spec's conventions (no uuid id, json not jsonb, timestamp without time
 * zone) on purpose.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('http_session')
    .addColumn('sid', 'varchar', (c) => c.notNull())
    .addColumn('sess', 'json', (c) => c.notNull())
    .addColumn('expire', sql`timestamp(6)`, (c) => c.notNull())
    .addPrimaryKeyConstraint('http_session_pkey', ['sid'])
    .execute();
  await db.schema.createIndex('http_session_expire_idx').on('http_session').column('expire').execute();
}

// Dropping the table also drops its index.
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('http_session').execute();
}
