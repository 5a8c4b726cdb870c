import { sql } from 'kysely';
import type { Database } from '../src/db/database.ts';
import { activityAt, FIRST_LESSON_POINTS, largeAnalyticsCounts, QUIZ_POINTS, seedLargeAnalytics, withKeysRebuilt, type LargeAnalyticsCounts } from './large-analytics.ts';

/**
 * A large data set for the benchmark (`npm run seed:large`, bench/run.ts) and the analytics pages'
 * EXPLAIN tests. At scale 1:
 * - 20,000 students and 40 teachers; 200 published courses of 5 chapters of 5 lessons (5,000
 *   lessons, the first three of each chapter a video), each with a quiz and an assignment;
 * - 4 enrollments per student (80,000), made between their sign-up and now over the last 12 months
 *   (more of them recently), about 520,000 completed lesson_progress rows, a payment for every
 *   enrollment in a paid course (about 64,000: 1 in 40 partly refunded, 1 in 40 refunded in full and
 *   its enrollment Cancelled, as src/payments/refunds.ts leaves them), 10,000 ratings;
 * - and what the analytics pages read (seeds/large-analytics.ts): 1,000,000 student_activity rows,
 *   about 360,000 lesson_watch_analytics rows, quiz and assignment submissions, badges and the points
 *   ledger (user.points equal to its sum), 120,000 successful sign-ins and 200,000 searches, and
 *   each student's active days (user_active_day).
 * Added beside whatever is there (the demo data, say).
 *
 * Set-based: every table is one `insert ... select ... from generate_series(...)`, keyed by numbered
 * temporary tables, so the whole set takes tens of seconds, not an hour of round trips. The course
 * statement-level triggers (search_word) run once for the one insert of all courses. Dates are
 * relative to now: each enrollment has a start (d days ago), a last activity (a days ago) and its
 * activity rows between the two (activityAt), which its progress, payment, refund, rating,
 * submissions, badges and points reuse, so the data set hangs together on any day it is made.
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

export interface LargeSeedCounts extends LargeAnalyticsCounts {
  students: number;
  teachers: number;
  courses: number;
  chapters: number;
  lessons: number;
  enrollments: number;
  lessonProgress: number;
  payments: number;
  /** Payments refunded in part (still Completed, the enrollment Active). */
  partialRefunds: number;
  /** Payments refunded in full (Refunded, the enrollment Cancelled). */
  fullRefunds: number;
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

/** Counts at a scale (what seedLarge inserts); the ones that depend on the data are filled in by seedLarge. */
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
    lessonProgress: 0,
    payments: 0,
    partialRefunds: 0,
    fullRefunds: 0,
    ratings: 0,
    ...largeAnalyticsCounts(students, courses),
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
    // The big inserts with their table's indexes and keys put back afterwards (withKeysRebuilt),
    // which sorts each index once: with more memory than the default, in fewer passes.
    const rebuilt = (table: string, query: ReturnType<typeof sql>) => withKeysRebuilt(trx, table, () => run(query));
    await run(sql`set local maintenance_work_mem = '256MB'`);

    // Numbered ids first: every later insert joins on the numbers. A student signed up `signup` days
    // ago (evenly over the last year), a teacher before any course.
    await run(sql`create temp table large_user on commit drop as
      select g as n, gen_random_uuid() as id, g <= ${n.teachers} as teacher,
        case when g <= ${n.teachers} then 400 + g else (g * 7) % 365 end as signup
      from generate_series(1, ${n.teachers + n.students}) g`);
    await run(sql`create index on large_user (n)`);
    // Courses: a topic and a form (200 distinct titles at scale 1), a fifth of them free; all older than any enrollment.
    await run(sql`create temp table large_course on commit drop as
      select n, id, price, topic, form, title,
        'large-' || n || '-' || regexp_replace(lower(topic || '-' || form), '[^a-z0-9]+', '-', 'g') as slug
      from (
        select g as n, gen_random_uuid() as id,
          (${literalArray(TOPICS)})[1 + (g - 1) % ${TOPICS.length}] as topic,
          (${literalArray(FORMS)})[1 + ((g - 1) / ${TOPICS.length}) % ${FORMS.length}] as form,
          case when g % 5 = 0 then 0 else 900 + (g % 7) * 500 end as price
        from generate_series(1, ${n.courses}) g
      ) c
      cross join lateral (select c.topic || ' ' || c.form || case when c.n > ${TOPICS.length * FORMS.length} then ' ' || c.n else '' end as title) t`);

    // Four enrollments per student, spread over the courses (the k-th at a stride, so no pair
    // repeats), the k-th made at (4 - k)/4 of the time since sign-up: d days ago. Activity until
    // `a` days ago, at the same minute of the day (m), in 12 or 13 rows (`rows`); `done` (3 to 10)
    // lessons completed; 1 in 40 paid enrollments refunded in part, 1 in 40 in full; the part 1 quiz
    // (lesson 5) taken by those who got that far, 0 to 3 of 3 right, scored as the app scores it.
    await run(sql`create temp table large_enrollment on commit drop as
      select s.*, least(s.d, (s.user_n * 3 + s.k * 11) % 120) as a, round(100.0 * s.quiz_correct / 3)::int as quiz_score,
        case when s.done >= 5 then round(${QUIZ_POINTS} * round(100.0 * s.quiz_correct / 3) / 100)::int else 0 end as quiz_points
      from (
        select gen_random_uuid() as id, u.id as user_id, u.n as user_n, k, c.n as course_n, c.id as course_id, c.price, c.title, c.slug,
          (u.signup * (4 - k)) / 4 as d, (u.n * 37 + k * 11) % 600 as m, 12 + k % 2 as rows, 3 + (u.n + k) % 8 as done,
          case when c.price > 0 and (u.n + k) % 40 = 3 then 'partial' when c.price > 0 and (u.n + k) % 40 = 17 then 'full' end as refund,
          (u.n + k * 2) % 4 as quiz_correct
        from large_user u, generate_series(0, 3) k, large_course c
        where not u.teacher and c.n = 1 + ((u.n * 7 + k * ${Math.floor(n.courses / 4) + 1}) % ${n.courses})
      ) s`);
    await run(sql`create index on large_enrollment (course_n)`);
    await run(sql`create index on large_enrollment (user_n)`);

    // A student's balance is what the ledger will hold (seedLargeAnalytics): the first-lesson badge of
    // each enrollment and the quiz points. Set at insert: updating 20,000 users afterwards took seconds.
    await run(sql`insert into "user" (id, first_name, last_name, email, email_verified, role, created_at, points)
      select id, case when teacher then 'Teacher' else 'Student' end, 'Number ' || n,
        case when teacher then 'teacher-' || n else 'student-' || (n - ${n.teachers}) end || '@' || ${LARGE_EMAIL_DOMAIN},
        true, case when teacher then 'teacher' else 'student' end, now() - signup * interval '1 day' - interval '11 hours',
        coalesce((select sum(${FIRST_LESSON_POINTS} + e.quiz_points) from large_enrollment e where e.user_n = u.n), 0)
      from large_user u`);
    await run(sql`insert into course (id, title, description, price, duration, level, category, small_description, slug, status, user_id, created_at)
      select c.id, c.title,
        'A course on ' || lower(c.topic) || ': ' || array_to_string(array(select (${literalArray(WORDS)})[1 + (c.n * 7 + k * 3) % ${WORDS.length}] from generate_series(1, 40) k), ' ') || '.',
        c.price, 60 + (c.n % 10) * 30,
        (array['Beginner', 'Intermediate', 'Advanced']::"CourseLevel"[])[1 + c.n % 3],
        (${literalArray(CATEGORIES)})[1 + c.n % ${CATEGORIES.length}],
        'Learn ' || lower(c.topic) || ' ' || lower(c.form) || ', with exercises.',
        c.slug, 'Published', u.id, now() - (370 + c.n % 365) * interval '1 day'
      from large_course c join large_user u on u.n = 1 + (c.n - 1) % ${n.teachers}`);

    await run(sql`create temp table large_chapter on commit drop as
      select c.n as course_n, c.id as course_id, p as position, gen_random_uuid() as id
      from large_course c, generate_series(1, 5) p`);
    await run(sql`insert into chapter (id, title, position, course_id, status)
      select id, 'Part ' || position, position, course_id, 'Published' from large_chapter`);
    // The first three lessons of each chapter are videos (their key names no file: the benchmark
    // measures pages, not playback), of 4 to 14 minutes.
    await run(sql`create temp table large_lesson on commit drop as
      select ch.course_n, ch.id as chapter_id, p as position, (ch.position - 1) * 5 + p as idx, gen_random_uuid() as id,
        p <= 3 as video, 240 + (((ch.position - 1) * 5 + p) * 53 + ch.course_n * 17) % 600 as seconds
      from large_chapter ch, generate_series(1, 5) p`);
    await run(sql`create index on large_lesson (course_n, idx)`);
    await run(sql`insert into lesson (id, title, description, position, chapter_id, status, video_key)
      select id, 'Lesson ' || idx, 'What lesson ' || idx || ' covers.', position, chapter_id, 'Published',
        case when video then 'videos/large/' || id || '.mp4' end
      from large_lesson`);

    // Enrolled at the first activity, last active at the last; Cancelled when refunded in full.
    await rebuilt('enrollment', sql`insert into enrollment (id, amount, status, course_id, user_id, last_activity_at, created_at)
      select id, price, case when refund = 'full' then 'Cancelled' else 'Active' end::"EnrollmentStatus", course_id, user_id,
        ${activityAt('e.rows - 1')}, ${activityAt('0')}
      from large_enrollment e`);
    // Lessons 1 to `done` completed (6.5 on average), each when its CompletedLesson activity says.
    const progress = await rebuilt('lesson_progress', sql`insert into lesson_progress (completed, user_id, lesson_id, created_at, updated_at)
      select true, e.user_id, l.id, ${activityAt('l.idx')}, ${activityAt('l.idx')}
      from large_enrollment e join large_lesson l on l.course_n = e.course_n and l.idx <= e.done
      order by e.user_id`);
    // Paid when enrolled; a refund an hour after the last activity, as the refund action leaves it:
    // in part, Completed and refunded with the amount; in full, Refunded (the enrollment Cancelled above).
    const payments = await rebuilt('payment_transaction', sql`insert into payment_transaction
        (enrollment_id, amount, currency, stripe_payment_id, status, payment_method, created_at, refunded, refund_amount, refund_reason, refunded_at)
      select id, price, 'usd', 'pi_large_' || replace(id::text, '-', ''),
        case when refund = 'full' then 'Refunded' else 'Completed' end::"PaymentTransactionStatus", 'card', ${activityAt('0')},
        refund is not null, case refund when 'partial' then price / 2 when 'full' then price end,
        case refund when 'partial' then 'Goodwill: part of the course was too basic for the student.' when 'full' then 'The student asked for their money back.' end,
        case when refund is not null then least(now(), ${activityAt('e.rows - 1')} + interval '1 hour') end
      from large_enrollment e where price > 0`);
    // One rating in eight enrollments, half with a comment, at the last activity.
    const ratings = await run(sql`insert into course_rating (course_id, user_id, rating, comment, created_at, updated_at)
      select course_id, user_id, 1 + (user_n + k) % 5, case when (user_n + k) % 2 = 0 then 'Useful course, clear lessons.' end,
        ${activityAt('e.rows - 1')}, ${activityAt('e.rows - 1')}
      from large_enrollment e where (user_n + k) % 8 = 0`);

    const analytics = await seedLargeAnalytics(trx, { topics: TOPICS.length, forms: FORMS.length });
    const refunds = await sql<{ partial: number; full: number }>`
      select count(*) filter (where refund = 'partial')::int as partial, count(*) filter (where refund = 'full')::int as full from large_enrollment`.execute(trx);
    const count = (result: { numAffectedRows?: bigint }) => Number(result.numAffectedRows ?? 0n);
    return {
      ...n,
      ...analytics,
      lessonProgress: count(progress),
      payments: count(payments),
      partialRefunds: refunds.rows[0]!.partial,
      fullRefunds: refunds.rows[0]!.full,
      ratings: count(ratings),
    };
  });
}

/** The bigger tables' statistics, fresh: the planner must see the new sizes at once. */
export async function analyzeLarge(db: Database): Promise<void> {
  for (const table of [
    'user', 'course', 'chapter', 'lesson', 'enrollment', 'lesson_progress', 'payment_transaction', 'course_rating', 'search_word',
    'student_activity', 'lesson_watch_analytics', 'quiz', 'quiz_question', 'quiz_submission', 'assignment', 'assignment_submission',
    'student_badge', 'point_ledger', 'login_history', 'search_analytics', 'user_active_day',
  ]) {
    await sql`analyze ${sql.table(table)}`.execute(db);
  }
}
