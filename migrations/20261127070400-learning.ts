/**
 * Learning & progress (spec sections 3, 5, 13 and part of 14): enrollment, lesson_progress,
 * early_unlock, student_activity, student_badge, login_session, course_rating,
 * lesson_watch_analytics.
 *
 * Indexes the spec lists on a column that already leads a unique constraint (e.g.
 * enrollment.user_id, lesson_watch_analytics.user_id) are not created again: the constraint's
 * index serves them.
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
    .createTable('enrollment')
    .addColumn('id', 'uuid', (c) => c.notNull().defaultTo(newId))
    .addColumn('amount', 'integer', (c) => c.notNull()) // cents
    .addColumn('status', sql`"EnrollmentStatus"`, (c) => c.notNull().defaultTo('Pending'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('course_id', 'uuid', (c) => c.notNull())
    .addColumn('user_id', 'uuid', (c) => c.notNull())
    .addColumn('ban_reason', 'text')
    .addColumn('ban_type', sql`"BanType"`)
    .addColumn('ban_until', 'timestamptz')
    .addColumn('banned', 'boolean') // spec: Optional, no default
    .addColumn('follow_up_email_sent', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('last_activity_at', 'timestamptz')
    .addColumn('certificate_earned', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('certificate_issued_at', 'timestamptz')
    .addColumn('certificate_key', 'text')
    .addColumn('certificate_revoked', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('certificate_revoked_at', 'timestamptz')
    .addColumn('tags', sql`"StudentTag"[]`, (c) => c.notNull().defaultTo(sql`'{}'`))
    .addPrimaryKeyConstraint('enrollment_pkey', ['id'])
    // Serves the spec's enrollment.userId index too.
    .addUniqueConstraint('enrollment_user_id_course_id_key', ['user_id', 'course_id'])
    .addUniqueConstraint('enrollment_certificate_key_key', ['certificate_key'])
    .addForeignKeyConstraint('enrollment_course_id_fkey', ['course_id'], 'course', ['id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .addForeignKeyConstraint('enrollment_user_id_fkey', ['user_id'], 'user', ['id'], (fk) => fk.onDelete('cascade'))
    .addCheckConstraint('enrollment_amount_check', sql`amount >= 0`)
    .execute();
  await index(db, 'enrollment', 'course_id');
  await touch('enrollment').execute(db);

  await db.schema
    .createTable('lesson_progress')
    .addColumn('id', 'uuid', (c) => c.notNull().defaultTo(newId))
    .addColumn('completed', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('user_id', 'uuid', (c) => c.notNull())
    .addColumn('lesson_id', 'uuid', (c) => c.notNull())
    .addPrimaryKeyConstraint('lesson_progress_pkey', ['id'])
    // Serves the spec's lesson_progress.userId index too.
    .addUniqueConstraint('lesson_progress_user_id_lesson_id_key', ['user_id', 'lesson_id'])
    .addForeignKeyConstraint('lesson_progress_user_id_fkey', ['user_id'], 'user', ['id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .addForeignKeyConstraint('lesson_progress_lesson_id_fkey', ['lesson_id'], 'lesson', ['id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .execute();
  await index(db, 'lesson_progress', 'lesson_id');
  await touch('lesson_progress').execute(db);

  await db.schema
    .createTable('early_unlock')
    .addColumn('id', 'uuid', (c) => c.notNull().defaultTo(newId))
    .addColumn('unlocked_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('points_spent', 'integer', (c) => c.notNull())
    .addColumn('user_id', 'uuid', (c) => c.notNull())
    .addColumn('chapter_id', 'uuid')
    .addColumn('lesson_id', 'uuid')
    .addPrimaryKeyConstraint('early_unlock_pkey', ['id'])
    // NULLS NOT DISTINCT (PostgreSQL 15+): one of chapter_id / lesson_id is always NULL, and
    // with ordinary NULL semantics the constraint would never fire.
    .addUniqueConstraint('early_unlock_user_id_chapter_id_lesson_id_key', ['user_id', 'chapter_id', 'lesson_id'], (u) =>
      u.nullsNotDistinct(),
    )
    .addForeignKeyConstraint('early_unlock_user_id_fkey', ['user_id'], 'user', ['id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .addForeignKeyConstraint('early_unlock_chapter_id_fkey', ['chapter_id'], 'chapter', ['id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .addForeignKeyConstraint('early_unlock_lesson_id_fkey', ['lesson_id'], 'lesson', ['id'], (fk) =>
      fk.onDelete('cascade'),
    )
    // Spec: "Either chapterId OR lessonId must be provided" -- read as exactly one.
    .addCheckConstraint('early_unlock_chapter_id_lesson_id_check', sql`num_nonnulls(chapter_id, lesson_id) = 1`)
    .addCheckConstraint('early_unlock_points_spent_check', sql`points_spent >= 0`)
    .execute();
  await index(db, 'early_unlock', 'chapter_id');
  await index(db, 'early_unlock', 'lesson_id');

  await db.schema
    .createTable('student_activity')
    .addColumn('id', 'uuid', (c) => c.notNull().defaultTo(newId))
    .addColumn('type', sql`"ActivityType"`, (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('metadata', 'jsonb')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('enrollment_id', 'uuid', (c) => c.notNull())
    .addPrimaryKeyConstraint('student_activity_pkey', ['id'])
    .addForeignKeyConstraint('student_activity_enrollment_id_fkey', ['enrollment_id'], 'enrollment', ['id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .execute();
  await index(db, 'student_activity', 'enrollment_id');

  await db.schema
    .createTable('student_badge')
    .addColumn('id', 'uuid', (c) => c.notNull().defaultTo(newId))
    .addColumn('badge_type', sql`"StudentBadgeType"`, (c) => c.notNull())
    .addColumn('earned_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('metadata', 'jsonb')
    .addColumn('enrollment_id', 'uuid', (c) => c.notNull())
    .addPrimaryKeyConstraint('student_badge_pkey', ['id'])
    // Also the index for the enrollment_id foreign key.
    .addUniqueConstraint('student_badge_enrollment_id_badge_type_key', ['enrollment_id', 'badge_type'])
    .addForeignKeyConstraint('student_badge_enrollment_id_fkey', ['enrollment_id'], 'enrollment', ['id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .execute();

  await db.schema
    .createTable('login_session')
    .addColumn('id', 'uuid', (c) => c.notNull().defaultTo(newId))
    .addColumn('device', 'text')
    .addColumn('browser', 'text')
    .addColumn('country', 'text')
    .addColumn('ip_address', 'text')
    .addColumn('user_agent', 'text')
    .addColumn('logged_in_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('enrollment_id', 'uuid', (c) => c.notNull())
    .addPrimaryKeyConstraint('login_session_pkey', ['id'])
    .addForeignKeyConstraint('login_session_enrollment_id_fkey', ['enrollment_id'], 'enrollment', ['id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .execute();
  await index(db, 'login_session', 'enrollment_id');

  await db.schema
    .createTable('course_rating')
    .addColumn('id', 'uuid', (c) => c.notNull().defaultTo(newId))
    .addColumn('course_id', 'uuid', (c) => c.notNull())
    .addColumn('user_id', 'uuid', (c) => c.notNull())
    .addColumn('rating', 'integer', (c) => c.notNull())
    .addColumn('comment', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint('course_rating_pkey', ['id'])
    // Also the index for the user_id foreign key.
    .addUniqueConstraint('course_rating_user_id_course_id_key', ['user_id', 'course_id'])
    .addForeignKeyConstraint('course_rating_course_id_fkey', ['course_id'], 'course', ['id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .addForeignKeyConstraint('course_rating_user_id_fkey', ['user_id'], 'user', ['id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .addCheckConstraint('course_rating_rating_check', sql`rating between 1 and 5`)
    .execute();
  await index(db, 'course_rating', 'course_id');
  await index(db, 'course_rating', 'rating');
  await index(db, 'course_rating', 'created_at');
  await touch('course_rating').execute(db);

  await db.schema
    .createTable('lesson_watch_analytics')
    .addColumn('id', 'uuid', (c) => c.notNull().defaultTo(newId))
    .addColumn('lesson_id', 'uuid', (c) => c.notNull())
    .addColumn('user_id', 'uuid', (c) => c.notNull())
    .addColumn('watch_duration', 'integer', (c) => c.notNull()) // seconds
    .addColumn('total_duration', 'integer', (c) => c.notNull()) // seconds
    .addColumn('completion_rate', 'double precision', (c) => c.notNull()) // percent
    .addColumn('last_watched_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint('lesson_watch_analytics_pkey', ['id'])
    // Serves the spec's lesson_watch_analytics.userId index too.
    .addUniqueConstraint('lesson_watch_analytics_user_id_lesson_id_key', ['user_id', 'lesson_id'])
    .addForeignKeyConstraint('lesson_watch_analytics_lesson_id_fkey', ['lesson_id'], 'lesson', ['id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .addForeignKeyConstraint('lesson_watch_analytics_user_id_fkey', ['user_id'], 'user', ['id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .addCheckConstraint('lesson_watch_analytics_watch_duration_check', sql`watch_duration >= 0`)
    .addCheckConstraint('lesson_watch_analytics_total_duration_check', sql`total_duration >= 0`)
    .addCheckConstraint('lesson_watch_analytics_completion_rate_check', sql`completion_rate between 0 and 100`)
    .execute();
  await index(db, 'lesson_watch_analytics', 'lesson_id');
  await index(db, 'lesson_watch_analytics', 'completion_rate');
  await touch('lesson_watch_analytics').execute(db);
}

// Dropping a table also drops its indexes, constraints and triggers.
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('lesson_watch_analytics').execute();
  await db.schema.dropTable('course_rating').execute();
  await db.schema.dropTable('login_session').execute();
  await db.schema.dropTable('student_badge').execute();
  await db.schema.dropTable('student_activity').execute();
  await db.schema.dropTable('early_unlock').execute();
  await db.schema.dropTable('lesson_progress').execute();
  await db.schema.dropTable('enrollment').execute();
}
