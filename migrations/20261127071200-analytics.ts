/**
 * Analytics & tracking (spec section 14): search_analytics, login_history, error_log,
 * online_session. (lesson_watch_analytics is with the learning tables.)
 *
 * search_analytics.user_id and error_log.user_id are optional: SET NULL when the user is
 * deleted, so the anonymous record stays.
 */
import { type Kysely, sql } from 'kysely';

const newId = sql`gen_random_uuid()`;
const now = sql`now()`;

const index = (db: Kysely<any>, table: string, ...columns: string[]) =>
  db.schema.createIndex(`${table}_${columns.join('_')}_idx`).on(table).columns(columns).execute();

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('search_analytics')
    .addColumn('id', 'uuid', (c) => c.notNull().defaultTo(newId))
    .addColumn('user_id', 'uuid')
    .addColumn('query', 'text', (c) => c.notNull())
    .addColumn('results_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('clicked_result', 'text')
    .addColumn('ip_address', 'text')
    .addColumn('user_agent', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint('search_analytics_pkey', ['id'])
    .addForeignKeyConstraint('search_analytics_user_id_fkey', ['user_id'], 'user', ['id'], (fk) =>
      fk.onDelete('set null'),
    )
    .execute();
  await index(db, 'search_analytics', 'query');
  await index(db, 'search_analytics', 'created_at');
  await index(db, 'search_analytics', 'results_count');
  await index(db, 'search_analytics', 'user_id'); // foreign key, not in the spec's list

  await db.schema
    .createTable('login_history')
    .addColumn('id', 'uuid', (c) => c.notNull().defaultTo(newId))
    .addColumn('user_id', 'uuid', (c) => c.notNull())
    .addColumn('ip_address', 'text')
    .addColumn('user_agent', 'text')
    .addColumn('country', 'text')
    .addColumn('city', 'text')
    .addColumn('success', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('failure_reason', 'text')
    .addColumn('device_info', 'jsonb')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint('login_history_pkey', ['id'])
    .addForeignKeyConstraint('login_history_user_id_fkey', ['user_id'], 'user', ['id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .execute();
  await index(db, 'login_history', 'user_id');
  await index(db, 'login_history', 'success');
  await index(db, 'login_history', 'created_at');
  await index(db, 'login_history', 'ip_address');

  await db.schema
    .createTable('error_log')
    .addColumn('id', 'uuid', (c) => c.notNull().defaultTo(newId))
    .addColumn('user_id', 'uuid')
    .addColumn('error_type', 'text', (c) => c.notNull())
    .addColumn('status_code', 'integer')
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('stack', 'text')
    .addColumn('endpoint', 'text')
    .addColumn('method', 'text')
    .addColumn('metadata', 'jsonb')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint('error_log_pkey', ['id'])
    .addForeignKeyConstraint('error_log_user_id_fkey', ['user_id'], 'user', ['id'], (fk) => fk.onDelete('set null'))
    .execute();
  await index(db, 'error_log', 'error_type');
  await index(db, 'error_log', 'status_code');
  await index(db, 'error_log', 'created_at');
  await index(db, 'error_log', 'user_id'); // foreign key, not in the spec's list

  await db.schema
    .createTable('online_session')
    .addColumn('id', 'uuid', (c) => c.notNull().defaultTo(newId))
    .addColumn('user_id', 'uuid', (c) => c.notNull())
    // An opaque session identifier (the spec gives no relationship), so text, not a FK.
    .addColumn('session_id', 'text', (c) => c.notNull())
    .addColumn('ip_address', 'text')
    .addColumn('user_agent', 'text')
    .addColumn('last_activity_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint('online_session_pkey', ['id'])
    .addUniqueConstraint('online_session_session_id_key', ['session_id'])
    .addForeignKeyConstraint('online_session_user_id_fkey', ['user_id'], 'user', ['id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .execute();
  await index(db, 'online_session', 'user_id');
  await index(db, 'online_session', 'last_activity_at');
}

// Dropping a table also drops its indexes and constraints.
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('online_session').execute();
  await db.schema.dropTable('error_log').execute();
  await db.schema.dropTable('login_history').execute();
  await db.schema.dropTable('search_analytics').execute();
}
