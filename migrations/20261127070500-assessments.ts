/**
 * Assessments (spec section 4): assignment, assignment_submission, quiz, quiz_question,
 * quiz_submission, and the trigger function lesson_single_assessment() that enforces
 * "a lesson has an assignment OR a quiz, not both" (the spec leaves it to the application;
 * the database is the last line).
 *
 * quiz_question (quiz_id, position) is DEFERRABLE INITIALLY IMMEDIATE so a reorder can swap
 * two positions inside one transaction after `SET CONSTRAINTS ... DEFERRED`. A deferrable
 * unique constraint cannot be the arbiter of `INSERT ... ON CONFLICT`.
 */
import { type Kysely, sql } from 'kysely';

const newId = sql`gen_random_uuid()`;
const now = sql`now()`;

const touch = (table: string) =>
  sql`create trigger ${sql.id(`${table}_set_updated_at`)} before update on ${sql.table(table)} for each row execute function set_updated_at()`;

const index = (db: Kysely<any>, table: string, ...columns: string[]) =>
  db.schema.createIndex(`${table}_${columns.join('_')}_idx`).on(table).columns(columns).execute();

/** Attaches lesson_single_assessment() to assignment or quiz. */
const singleAssessment = (table: string) =>
  sql`create trigger ${sql.id(`${table}_single_assessment`)} before insert or update of lesson_id on ${sql.table(table)} for each row execute function lesson_single_assessment()`;

export async function up(db: Kysely<any>): Promise<void> {
  // Created first (plpgsql resolves table names at run time) so that `down`, which drops the
  // tables and with them the triggers, can drop it last.
  // The lesson row is locked first so that two concurrent inserts (an assignment and a quiz
  // for the same lesson) serialize: the second waits, then sees the first one's row.
  // FOR NO KEY UPDATE rather than FOR UPDATE: it conflicts with itself, which is all that is
  // needed, but not with the FOR KEY SHARE locks that foreign-key checks of other child rows
  // (lesson_progress, ...) take on the lesson, so those are neither blocked nor deadlocked.
  await sql`
    create function lesson_single_assessment() returns trigger
    language plpgsql as $$
    begin
      perform 1 from lesson where id = NEW.lesson_id for no key update;
      if TG_TABLE_NAME = 'assignment' then
        if exists (select 1 from quiz where lesson_id = NEW.lesson_id) then
          raise exception 'lesson already has a quiz'
            using errcode = '23514', table = TG_TABLE_NAME, column = 'lesson_id';
        end if;
      elsif exists (select 1 from assignment where lesson_id = NEW.lesson_id) then
        raise exception 'lesson already has an assignment'
          using errcode = '23514', table = TG_TABLE_NAME, column = 'lesson_id';
      end if;
      return NEW;
    end;
    $$
  `.execute(db);

  await db.schema
    .createTable('assignment')
    .addColumn('id', 'uuid', (c) => c.notNull().defaultTo(newId))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('file_key', 'text')
    .addColumn('points', 'integer', (c) => c.notNull().defaultTo(100))
    .addColumn('due_date', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('lesson_id', 'uuid', (c) => c.notNull())
    .addPrimaryKeyConstraint('assignment_pkey', ['id'])
    .addUniqueConstraint('assignment_lesson_id_key', ['lesson_id'])
    .addForeignKeyConstraint('assignment_lesson_id_fkey', ['lesson_id'], 'lesson', ['id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .addCheckConstraint('assignment_points_check', sql`points >= 0`)
    .execute();
  await touch('assignment').execute(db);

  await db.schema
    .createTable('assignment_submission')
    .addColumn('id', 'uuid', (c) => c.notNull().defaultTo(newId))
    .addColumn('file_key', 'text')
    .addColumn('status', sql`"AssignmentSubmissionStatus"`, (c) => c.notNull().defaultTo('Pending'))
    .addColumn('grade', 'integer')
    .addColumn('feedback', 'text')
    .addColumn('submitted_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('assignment_id', 'uuid', (c) => c.notNull())
    .addColumn('user_id', 'uuid', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('link', 'text')
    .addColumn('submission_count', 'integer', (c) => c.notNull().defaultTo(1))
    .addPrimaryKeyConstraint('assignment_submission_pkey', ['id'])
    // Also the index for the user_id foreign key.
    .addUniqueConstraint('assignment_submission_user_id_assignment_id_key', ['user_id', 'assignment_id'])
    .addForeignKeyConstraint(
      'assignment_submission_assignment_id_fkey',
      ['assignment_id'],
      'assignment',
      ['id'],
      (fk) => fk.onDelete('cascade'),
    )
    .addForeignKeyConstraint('assignment_submission_user_id_fkey', ['user_id'], 'user', ['id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .addCheckConstraint('assignment_submission_grade_check', sql`grade >= 0`)
    .execute();
  await index(db, 'assignment_submission', 'assignment_id');
  await touch('assignment_submission').execute(db);

  await db.schema
    .createTable('quiz')
    .addColumn('id', 'uuid', (c) => c.notNull().defaultTo(newId))
    .addColumn('title', 'text')
    .addColumn('points', 'integer', (c) => c.notNull().defaultTo(10))
    .addColumn('required', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('lesson_id', 'uuid', (c) => c.notNull())
    .addPrimaryKeyConstraint('quiz_pkey', ['id'])
    .addUniqueConstraint('quiz_lesson_id_key', ['lesson_id'])
    .addForeignKeyConstraint('quiz_lesson_id_fkey', ['lesson_id'], 'lesson', ['id'], (fk) => fk.onDelete('cascade'))
    .addCheckConstraint('quiz_points_check', sql`points >= 0`)
    .execute();
  await touch('quiz').execute(db);

  await singleAssessment('assignment').execute(db);
  await singleAssessment('quiz').execute(db);

  await db.schema
    .createTable('quiz_question')
    .addColumn('id', 'uuid', (c) => c.notNull().defaultTo(newId))
    .addColumn('question', 'text', (c) => c.notNull())
    // No default '{}' (unlike other arrays): an empty list could never pass the
    // cardinality >= 2 check, and without a default the generated type makes it required.
    .addColumn('options', sql`text[]`, (c) => c.notNull())
    .addColumn('correct_answer', 'integer', (c) => c.notNull()) // 0-based index into options
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('quiz_id', 'uuid', (c) => c.notNull())
    .addPrimaryKeyConstraint('quiz_question_pkey', ['id'])
    // Also the index for the quiz_id foreign key (and the spec's (quizId, position) index).
    .addUniqueConstraint('quiz_question_quiz_id_position_key', ['quiz_id', 'position'], (u) =>
      u.deferrable().initiallyImmediate(),
    )
    .addForeignKeyConstraint('quiz_question_quiz_id_fkey', ['quiz_id'], 'quiz', ['id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .addCheckConstraint('quiz_question_options_check', sql`cardinality(options) >= 2`)
    .addCheckConstraint(
      'quiz_question_correct_answer_check',
      sql`correct_answer >= 0 and correct_answer < cardinality(options)`,
    )
    .addCheckConstraint('quiz_question_position_check', sql`position >= 1`)
    .execute();
  await touch('quiz_question').execute(db);

  await db.schema
    .createTable('quiz_submission')
    .addColumn('id', 'uuid', (c) => c.notNull().defaultTo(newId))
    .addColumn('score', 'integer', (c) => c.notNull()) // percent
    .addColumn('total_questions', 'integer', (c) => c.notNull())
    .addColumn('correct_answers', 'integer', (c) => c.notNull())
    .addColumn('points_earned', 'integer', (c) => c.notNull())
    .addColumn('submitted_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('quiz_id', 'uuid', (c) => c.notNull())
    .addColumn('user_id', 'uuid', (c) => c.notNull())
    .addColumn('answers', 'jsonb', (c) => c.notNull()) // {questionId: selectedOptionIndex}
    .addPrimaryKeyConstraint('quiz_submission_pkey', ['id'])
    // Also the index for the user_id foreign key.
    .addUniqueConstraint('quiz_submission_user_id_quiz_id_key', ['user_id', 'quiz_id'])
    .addForeignKeyConstraint('quiz_submission_quiz_id_fkey', ['quiz_id'], 'quiz', ['id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .addForeignKeyConstraint('quiz_submission_user_id_fkey', ['user_id'], 'user', ['id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .addCheckConstraint('quiz_submission_score_check', sql`score between 0 and 100`)
    .addCheckConstraint('quiz_submission_correct_answers_check', sql`correct_answers between 0 and total_questions`)
    .addCheckConstraint('quiz_submission_points_earned_check', sql`points_earned >= 0`)
    .execute();
  await index(db, 'quiz_submission', 'quiz_id');
  await touch('quiz_submission').execute(db);
}

// Dropping a table also drops its indexes, constraints and triggers.
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('quiz_submission').execute();
  await db.schema.dropTable('quiz_question').execute();
  await db.schema.dropTable('quiz').execute();
  await db.schema.dropTable('assignment_submission').execute();
  await db.schema.dropTable('assignment').execute();
  await sql`drop function lesson_single_assessment()`.execute(db);
}
