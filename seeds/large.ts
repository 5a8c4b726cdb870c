import { sql } from 'kysely';
import type { Database } from '../src/db/database.ts';

/**
 * A large data set for the benchmark (`npm run seed:large`, bench/run.ts): at scale 1, 20,000
 * students, 40 teachers, 200 published courses of 5 chapters of 5 lessons (5,000 lessons), 4 active
 * enrollments per student (80,000), about 520,000 completed lesson_progress rows, a Completed payment
 * for every enrollment in a paid course (about 64,000) and 10,000 ratings. Added beside whatever is
 * there (the demo data, say).
 *
 * Set-based: every table is one `insert ... select ... from generate_series(...)`, keyed by numbered
 * temporary tables, so the whole set takes seconds, not an hour of round trips. The course
 * statement-level triggers (search_word) run once for the one insert of all courses.
 *
 * Every large row is recognisable: emails end in `@large.edupeak.test`, slugs start with `large-`.
 * A second run refuses (the data is already there); production refuses.
 */

export const LARGE_EMAIL_DOMAIN = 'large.edupeak.test';

export interface LargeSeedOptions {
  env: 'development' | 'production' | 'test';
  /** Multiplies students and courses (and with them everything else): 0.01 makes a small set for tests. */
  scale?: number;
}

export interface LargeSeedCounts {
  students: number;
  teachers: number;
  courses: number;
  chapters: number;
  lessons: number;
  enrollments: number;
  lessonProgress: number;
  payments: number;
  ratings: number;
}

export class LargeSeedRefused extends Error {
  override name = 'LargeSeedRefused';
}

const TOPICS = [
  'Python', 'JavaScript', 'Spreadsheets', 'Photography', 'Marketing', 'Accounting', 'Web Design', 'Data Analysis',
  'SQL', 'Writing', 'Public Speaking', 'Project Management', 'Statistics', 'Mobile Apps', 'Bookkeeping', 'Networking',
  'Linux', 'Graphic Design', 'Negotiation', 'Machine Learning',
];
const FORMS = ['for Beginners', 'in Practice', 'Step by Step', 'for Small Business', 'Fundamentals', 'on a Budget', 'Masterclass', 'Projects', 'Essentials', 'Advanced Topics'];
const CATEGORIES = ['Programming', 'Business', 'Creative', 'Data Science', 'Personal Development'];
const WORDS = [
  'learn', 'practice', 'build', 'understand', 'project', 'skills', 'examples', 'exercises', 'tools', 'method',
  'career', 'students', 'simple', 'clear', 'lessons', 'video', 'notes', 'quiz', 'workflow', 'habits',
];

/** Counts at a scale (what seedLarge inserts). */
export function largeCounts(scale = 1): LargeSeedCounts {
  const students = Math.max(10, Math.round(20_000 * scale));
  // At least 20: four enrollments per student fall on four different courses.
  const courses = Math.max(20, Math.round(200 * scale));
  const teachers = Math.max(2, Math.round(40 * scale));
  return {
    students,
    teachers,
    courses,
    chapters: courses * 5,
    lessons: courses * 25,
    enrollments: students * 4,
    // Filled in by seedLarge from what it inserted (depends on the course each enrollment falls on).
    lessonProgress: 0,
    payments: 0,
    ratings: 0,
  };
}

const literalArray = (values: string[]) => sql`${sql.lit(`{${values.map((v) => `"${v}"`).join(',')}}`)}::text[]`;

export async function seedLarge(db: Database, { env, scale = 1 }: LargeSeedOptions): Promise<LargeSeedCounts> {
  if (env === 'production') throw new LargeSeedRefused('The large seed refuses to run in production (NODE_ENV=production).');
  if (!(scale > 0 && scale <= 10)) throw new LargeSeedRefused(`LARGE_SCALE must be a number above 0 and at most 10 (got ${scale}).`);
  const n = largeCounts(scale);

  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext('edupeak-large-seed'))`.execute(trx);
    const already = await trx.selectFrom('user').select('id').where('email', 'like', `%@${LARGE_EMAIL_DOMAIN}`).limit(1).executeTakeFirst();
    if (already) throw new LargeSeedRefused(`The large data set is already in this database (users @${LARGE_EMAIL_DOMAIN}); nothing was added.`);

    const run = (query: ReturnType<typeof sql>) => query.execute(trx);
    // Numbered ids first: every later insert joins on the numbers.
    await run(sql`create temp table large_user on commit drop as
      select g as n, gen_random_uuid() as id, g <= ${n.teachers} as teacher from generate_series(1, ${n.teachers + n.students}) g`);
    await run(sql`insert into "user" (id, first_name, last_name, email, email_verified, role, created_at)
      select id, case when teacher then 'Teacher' else 'Student' end, 'Number ' || n,
        case when teacher then 'teacher-' || n else 'student-' || (n - ${n.teachers}) end || '@' || ${LARGE_EMAIL_DOMAIN},
        true, case when teacher then 'teacher' else 'student' end, now() - (n % 700) * interval '1 day'
      from large_user`);

    // Courses: a topic and a form (200 distinct titles at scale 1), a fifth of them free.
    await run(sql`create temp table large_course on commit drop as
      select g as n, gen_random_uuid() as id,
        (${literalArray(TOPICS)})[1 + (g - 1) % ${TOPICS.length}] as topic,
        (${literalArray(FORMS)})[1 + ((g - 1) / ${TOPICS.length}) % ${FORMS.length}] as form,
        case when g % 5 = 0 then 0 else 900 + (g % 7) * 500 end as price
      from generate_series(1, ${n.courses}) g`);
    await run(sql`insert into course (id, title, description, price, duration, level, category, small_description, slug, status, user_id, created_at)
      select c.id, c.topic || ' ' || c.form || case when c.n > ${TOPICS.length * FORMS.length} then ' ' || c.n else '' end,
        'A course on ' || lower(c.topic) || ': ' || array_to_string(array(select (${literalArray(WORDS)})[1 + (c.n * 7 + k * 3) % ${WORDS.length}] from generate_series(1, 40) k), ' ') || '.',
        c.price, 60 + (c.n % 10) * 30,
        (array['Beginner', 'Intermediate', 'Advanced']::"CourseLevel"[])[1 + c.n % 3],
        (${literalArray(CATEGORIES)})[1 + c.n % ${CATEGORIES.length}],
        'Learn ' || lower(c.topic) || ' ' || lower(c.form) || ', with exercises.',
        'large-' || c.n || '-' || regexp_replace(lower(c.topic || '-' || c.form), '[^a-z0-9]+', '-', 'g'),
        'Published', u.id, now() - (c.n % 365) * interval '1 day'
      from large_course c join large_user u on u.n = 1 + (c.n - 1) % ${n.teachers}`);

    await run(sql`create temp table large_chapter on commit drop as
      select c.n as course_n, c.id as course_id, p as position, gen_random_uuid() as id
      from large_course c, generate_series(1, 5) p`);
    await run(sql`insert into chapter (id, title, position, course_id, status)
      select id, 'Part ' || position, position, course_id, 'Published' from large_chapter`);
    await run(sql`create temp table large_lesson on commit drop as
      select ch.course_n, ch.id as chapter_id, p as position, (ch.position - 1) * 5 + p as idx, gen_random_uuid() as id
      from large_chapter ch, generate_series(1, 5) p`);
    await run(sql`create index on large_lesson (course_n, idx)`);
    await run(sql`insert into lesson (id, title, description, position, chapter_id, status)
      select id, 'Lesson ' || idx, 'What lesson ' || idx || ' covers.', position, chapter_id, 'Published' from large_lesson`);

    // Four enrollments per student, spread over the courses (the k-th at a stride, so no pair repeats).
    await run(sql`create temp table large_enrollment on commit drop as
      select gen_random_uuid() as id, u.id as user_id, u.n as user_n, k, c.n as course_n, c.id as course_id, c.price
      from large_user u, generate_series(0, 3) k, large_course c
      where not u.teacher and c.n = 1 + ((u.n * 7 + k * ${Math.floor(n.courses / 4) + 1}) % ${n.courses})`);
    await run(sql`insert into enrollment (id, amount, status, course_id, user_id, last_activity_at, created_at)
      select id, price, 'Active', course_id, user_id, now() - ((user_n + k) % 90) * interval '1 day', now() - ((user_n + k) % 300 + 90) * interval '1 day'
      from large_enrollment`);
    // 3 to 10 lessons completed in each (6.5 on average).
    const progress = await run(sql`insert into lesson_progress (completed, user_id, lesson_id)
      select true, e.user_id, l.id
      from large_enrollment e join large_lesson l on l.course_n = e.course_n and l.idx <= 3 + (e.user_n + e.k) % 8`);
    const payments = await run(sql`insert into payment_transaction (enrollment_id, amount, currency, stripe_payment_id, status, payment_method, created_at)
      select id, price, 'usd', 'pi_large_' || replace(id::text, '-', ''), 'Completed', 'card', now() - ((user_n + k) % 300 + 90) * interval '1 day'
      from large_enrollment where price > 0`);
    // One rating in eight enrollments, half with a comment.
    const ratings = await run(sql`insert into course_rating (course_id, user_id, rating, comment)
      select course_id, user_id, 1 + (user_n + k) % 5, case when (user_n + k) % 2 = 0 then 'Useful course, clear lessons.' end
      from large_enrollment where (user_n + k) % 8 = 0`);

    const count = (result: { numAffectedRows?: bigint }) => Number(result.numAffectedRows ?? 0n);
    return { ...n, lessonProgress: count(progress), payments: count(payments), ratings: count(ratings) };
  });
}

/** The bigger tables' statistics, fresh: the planner must see the new sizes at once. */
export async function analyzeLarge(db: Database): Promise<void> {
  for (const table of ['user', 'course', 'chapter', 'lesson', 'enrollment', 'lesson_progress', 'payment_transaction', 'course_rating', 'search_word']) {
    await sql`analyze ${sql.table(table)}`.execute(db);
  }
}
