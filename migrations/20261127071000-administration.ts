/**
 * Administration (spec sections 11 and 15): teacher_application, activity_log, system_config.
 */
import { type Kysely, sql } from 'kysely';

const newId = sql`gen_random_uuid()`;
const now = sql`now()`;

const touch = (table: string) =>
  sql`create trigger ${sql.id(`${table}_set_updated_at`)} before update on ${sql.table(table)} for each row execute function set_updated_at()`;

const index = (db: Kysely<any>, table: string, ...columns: string[]) =>
  db.schema.createIndex(`${table}_${columns.join('_')}_idx`).on(table).columns(columns).execute();

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('teacher_application')
    .addColumn('id', 'uuid', (c) => c.notNull().defaultTo(newId))
    .addColumn('user_id', 'uuid', (c) => c.notNull())
    .addColumn('status', sql`"TeacherApplicationStatus"`, (c) => c.notNull().defaultTo('Pending'))
    .addColumn('application_data', 'jsonb', (c) => c.notNull())
    .addColumn('rejection_reason', 'text')
    // The spec gives reviewedBy no relationship, but it holds the reviewer's user id: an
    // optional FK, set null if the reviewer is deleted (the application stays).
    .addColumn('reviewed_by', 'uuid')
    .addColumn('reviewed_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint('teacher_application_pkey', ['id'])
    // One application per user; also the index for the user_id foreign key.
    .addUniqueConstraint('teacher_application_user_id_key', ['user_id'])
    .addForeignKeyConstraint('teacher_application_user_id_fkey', ['user_id'], 'user', ['id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .addForeignKeyConstraint('teacher_application_reviewed_by_fkey', ['reviewed_by'], 'user', ['id'], (fk) =>
      fk.onDelete('set null'),
    )
    .execute();
  await index(db, 'teacher_application', 'status');
  await index(db, 'teacher_application', 'created_at');
  await index(db, 'teacher_application', 'reviewed_by'); // foreign key, not in the spec's list
  await touch('teacher_application').execute(db);

  await db.schema
    .createTable('activity_log')
    .addColumn('id', 'uuid', (c) => c.notNull().defaultTo(newId))
    .addColumn('user_id', 'uuid', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('entity_type', 'text', (c) => c.notNull())
    // Polymorphic (points into whichever table entity_type names), so no FK; text as the
    // spec's String.
    .addColumn('entity_id', 'text')
    .addColumn('metadata', 'jsonb')
    .addColumn('ip_address', 'text')
    .addColumn('user_agent', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint('activity_log_pkey', ['id'])
    .addForeignKeyConstraint('activity_log_user_id_fkey', ['user_id'], 'user', ['id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .execute();
  await index(db, 'activity_log', 'user_id');
  await index(db, 'activity_log', 'action');
  await index(db, 'activity_log', 'created_at');
  await index(db, 'activity_log', 'entity_type', 'entity_id');

  await db.schema
    .createTable('system_config')
    .addColumn('id', 'uuid', (c) => c.notNull().defaultTo(newId))
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('value', 'jsonb', (c) => c.notNull())
    .addColumn('description', 'text')
    // The spec gives updatedBy no relationship, but it holds a user id: an optional FK, set
    // null if that user is deleted (the setting stays).
    .addColumn('updated_by', 'uuid')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint('system_config_pkey', ['id'])
    // Serves the spec's system_config.key index too.
    .addUniqueConstraint('system_config_key_key', ['key'])
    .addForeignKeyConstraint('system_config_updated_by_fkey', ['updated_by'], 'user', ['id'], (fk) =>
      fk.onDelete('set null'),
    )
    .execute();
  await index(db, 'system_config', 'updated_by');
  await touch('system_config').execute(db);
}

// Dropping a table also drops its indexes, constraints and triggers.
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('system_config').execute();
  await db.schema.dropTable('activity_log').execute();
  await db.schema.dropTable('teacher_application').execute();
}
