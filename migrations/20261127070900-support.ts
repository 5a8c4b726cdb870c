/**
 * Support & help desk (spec section 10): support_call, support_call_request, help_request.
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
    .createTable('support_call')
    .addColumn('id', 'uuid', (c) => c.notNull().defaultTo(newId))
    .addColumn('course_id', 'uuid', (c) => c.notNull())
    // The spec gives createdBy only "User (creator)", no delete rule: it holds a user id, so a
    // required FK with CASCADE (the creator's calls go with the creator).
    .addColumn('created_by', 'uuid', (c) => c.notNull())
    .addColumn('stream_call_id', 'text')
    .addColumn('title', 'text')
    .addColumn('description', 'text')
    .addColumn('status', sql`"SupportCallStatus"`, (c) => c.notNull().defaultTo('Active'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('ended_at', 'timestamptz')
    .addPrimaryKeyConstraint('support_call_pkey', ['id'])
    .addUniqueConstraint('support_call_stream_call_id_key', ['stream_call_id'])
    .addForeignKeyConstraint('support_call_course_id_fkey', ['course_id'], 'course', ['id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .addForeignKeyConstraint('support_call_created_by_fkey', ['created_by'], 'user', ['id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .execute();
  await index(db, 'support_call', 'course_id');
  await index(db, 'support_call', 'created_by');
  await touch('support_call').execute(db);

  await db.schema
    .createTable('support_call_request')
    .addColumn('id', 'uuid', (c) => c.notNull().defaultTo(newId))
    .addColumn('support_call_id', 'uuid', (c) => c.notNull())
    .addColumn('user_id', 'uuid', (c) => c.notNull())
    .addColumn('support_type', 'text', (c) => c.notNull())
    .addColumn('status', sql`"SupportRequestStatus"`, (c) => c.notNull().defaultTo('Pending'))
    .addColumn('position', 'integer', (c) => c.notNull()) // place in the queue
    .addColumn('joined_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint('support_call_request_pkey', ['id'])
    // Also the index for the support_call_id foreign key.
    .addUniqueConstraint('support_call_request_support_call_id_user_id_key', ['support_call_id', 'user_id'])
    .addForeignKeyConstraint(
      'support_call_request_support_call_id_fkey',
      ['support_call_id'],
      'support_call',
      ['id'],
      (fk) => fk.onDelete('cascade'),
    )
    .addForeignKeyConstraint('support_call_request_user_id_fkey', ['user_id'], 'user', ['id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .addCheckConstraint('support_call_request_position_check', sql`position >= 1`)
    .execute();
  await index(db, 'support_call_request', 'user_id');
  await touch('support_call_request').execute(db);

  await db.schema
    .createTable('help_request')
    .addColumn('id', 'uuid', (c) => c.notNull().defaultTo(newId))
    .addColumn('user_id', 'uuid', (c) => c.notNull())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('user_type', sql`"HelpRequestUserType"`, (c) => c.notNull())
    .addColumn('status', sql`"HelpRequestStatus"`, (c) => c.notNull().defaultTo('Pending'))
    .addColumn('response', 'text')
    .addColumn('responded_at', 'timestamptz')
    .addColumn('user_reply', 'text')
    .addColumn('user_replied_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint('help_request_pkey', ['id'])
    .addForeignKeyConstraint('help_request_user_id_fkey', ['user_id'], 'user', ['id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .execute();
  await index(db, 'help_request', 'user_id');
  await index(db, 'help_request', 'status');
  await index(db, 'help_request', 'created_at');
  await index(db, 'help_request', 'user_type');
  await touch('help_request').execute(db);
}

// Dropping a table also drops its indexes, constraints and triggers.
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('help_request').execute();
  await db.schema.dropTable('support_call_request').execute();
  await db.schema.dropTable('support_call').execute();
}
