/**
 * Announcements (spec section 9): announcement, announcement_read_status.
 *
 * - created_by_id: required FK to the author; the spec gives no delete rule, so CASCADE like
 *   every other required user reference.
 * - target_course_id: optional, SET NULL as the spec says.
 * - target_user_ids holds user ids, so uuid[] (an array cannot carry a foreign key; the
 *   application keeps it clean).
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
    .createTable('announcement')
    .addColumn('id', 'uuid', (c) => c.notNull().defaultTo(newId))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('body', 'text', (c) => c.notNull()) // HTML
    .addColumn('created_by_id', 'uuid', (c) => c.notNull())
    .addColumn('target_role', sql`"AnnouncementTargetRole"`, (c) => c.notNull())
    .addColumn('target_course_id', 'uuid')
    .addColumn('target_user_ids', sql`uuid[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('scheduled_at', 'timestamptz')
    .addColumn('published_at', 'timestamptz')
    .addColumn('status', sql`"AnnouncementStatus"`, (c) => c.notNull().defaultTo('Draft'))
    .addColumn('is_urgent', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('attachment_keys', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addColumn('view_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint('announcement_pkey', ['id'])
    .addForeignKeyConstraint('announcement_created_by_id_fkey', ['created_by_id'], 'user', ['id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .addForeignKeyConstraint('announcement_target_course_id_fkey', ['target_course_id'], 'course', ['id'], (fk) =>
      fk.onDelete('set null'),
    )
    .execute();
  await index(db, 'announcement', 'created_by_id');
  await index(db, 'announcement', 'target_course_id');
  await index(db, 'announcement', 'status');
  await index(db, 'announcement', 'published_at');
  await index(db, 'announcement', 'target_role');
  await touch('announcement').execute(db);

  await db.schema
    .createTable('announcement_read_status')
    .addColumn('id', 'uuid', (c) => c.notNull().defaultTo(newId))
    .addColumn('user_id', 'uuid', (c) => c.notNull())
    .addColumn('announcement_id', 'uuid', (c) => c.notNull())
    .addColumn('read_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint('announcement_read_status_pkey', ['id'])
    // Serves the spec's announcement_read_status.userId index too.
    .addUniqueConstraint('announcement_read_status_user_id_announcement_id_key', ['user_id', 'announcement_id'])
    .addForeignKeyConstraint('announcement_read_status_user_id_fkey', ['user_id'], 'user', ['id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .addForeignKeyConstraint(
      'announcement_read_status_announcement_id_fkey',
      ['announcement_id'],
      'announcement',
      ['id'],
      (fk) => fk.onDelete('cascade'),
    )
    .execute();
  await index(db, 'announcement_read_status', 'announcement_id');
}

// Dropping a table also drops its indexes, constraints and triggers.
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('announcement_read_status').execute();
  await db.schema.dropTable('announcement').execute();
}
