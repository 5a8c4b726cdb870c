import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { LARGE_EMAIL_DOMAIN, largeCounts, seedLarge } from '../../seeds/large.ts';
import { EARNED_REASONS } from '../../src/features/points/ledger.ts';
import { useTestDatabase } from '../setup/database.ts';

type Db = Parameters<typeof seedLarge>[0];
const count = async (db: Db, query: ReturnType<typeof sql<{ n: number }>>) => (await query.execute(db)).rows[0]!.n;

/** Every index and constraint of the schema, as the catalog prints them. */
async function schemaKeys(db: Db): Promise<string[]> {
  const { rows } = await sql<{ line: string }>`
    select tablename || ': ' || indexdef as line from pg_indexes where schemaname = 'public'
    union all
    select conrelid::regclass::text || ': ' || conname || ' ' || pg_get_constraintdef(oid) from pg_constraint where connamespace = 'public'::regnamespace
    order by 1`.execute(db);
  return rows.map((r) => r.line);
}

describe('the large data set (npm run seed:large), at a small scale', () => {
  const t = useTestDatabase();
  let made: Awaited<ReturnType<typeof seedLarge>>;
  let keysBefore: string[];
  beforeAll(async () => {
    keysBefore = await schemaKeys(t.db);
    made = await seedLarge(t.db, { env: 'development', scale: 0.01 });
  });

  it('adds students, published courses with chapters and lessons, enrollments, progress and payments that hang together', async () => {
    const expected = largeCounts(0.01);
    expect(made).toMatchObject({ students: expected.students, courses: expected.courses, lessons: expected.courses * 25, enrollments: expected.students * 4 });

    expect(await count(t.db, sql`select count(*)::int as n from "user" where role = 'student' and email like ${'%@' + LARGE_EMAIL_DOMAIN}`)).toBe(expected.students);
    expect(await count(t.db, sql`select count(*)::int as n from course where status = 'Published'`)).toBe(expected.courses);
    expect(await count(t.db, sql`select count(*)::int as n from chapter where status = 'Published'`)).toBe(expected.courses * 5);
    expect(await count(t.db, sql`select count(*)::int as n from lesson where status = 'Published'`)).toBe(expected.courses * 25);
    // Every enrollment Active but those refunded in full, which are Cancelled.
    expect(await count(t.db, sql`select count(*)::int as n from enrollment where status = 'Active'`)).toBe(expected.students * 4 - made.fullRefunds);
    expect(await count(t.db, sql`select count(*)::int as n from enrollment where status = 'Cancelled'`)).toBe(made.fullRefunds);
    // 3 to 10 lessons per enrollment: 6.5 on average.
    const progress = await count(t.db, sql`select count(*)::int as n from lesson_progress where completed`);
    expect(progress).toBe(made.lessonProgress);
    expect(progress).toBeGreaterThanOrEqual(expected.students * 4 * 6);
    // Progress only in lessons of a course the student is enrolled in.
    expect(
      await count(t.db, sql`select count(*)::int as n from lesson_progress p join lesson l on l.id = p.lesson_id join chapter ch on ch.id = l.chapter_id
        left join enrollment e on e.user_id = p.user_id and e.course_id = ch.course_id where e.id is null`),
    ).toBe(0);
    // One payment per enrollment in a paid course, of the enrollment's amount.
    expect(await count(t.db, sql`select count(*)::int as n from payment_transaction where status in ('Completed', 'Refunded')`)).toBe(made.payments);
    expect(await count(t.db, sql`select count(*)::int as n from enrollment where amount > 0`)).toBe(made.payments);
    expect(await count(t.db, sql`select count(*)::int as n from payment_transaction p join enrollment e on e.id = p.enrollment_id where p.amount <> e.amount`)).toBe(0);
    // The catalog finds the courses, and their words are in the spelling vocabulary (the course triggers ran).
    expect(await count(t.db, sql`select count(*)::int as n from course where search @@ to_tsquery('english', 'python:*')`)).toBeGreaterThan(0);
    expect(await count(t.db, sql`select count(*)::int as n from search_word where word = 'python'`)).toBe(1);
  });

  it('puts back every index, key and foreign key it takes off for the bulk inserts', async () => {
    expect(await schemaKeys(t.db)).toEqual(keysBefore);
  });

  it('spreads sign-ups and enrollments over the last 12 months, each enrollment after its sign-up and its course', async () => {
    for (const table of ['enrollment', '"user"']) {
      const months = await count(t.db, sql`select count(distinct date_trunc('month', created_at))::int as n from ${sql.raw(table)} where created_at > now() - interval '365 days'`);
      expect(months, table).toBeGreaterThanOrEqual(12);
      expect(await count(t.db, sql`select count(*)::int as n from ${sql.raw(table)} where created_at > now() - interval '30 days'`), table).toBeGreaterThan(0);
    }
    expect(
      await count(t.db, sql`select count(*)::int as n from enrollment e join "user" u on u.id = e.user_id join course c on c.id = e.course_id
        where e.created_at < u.created_at or e.created_at < c.created_at or e.created_at > now()`),
    ).toBe(0);
  });

  it('gives every enrollment its activity: one start, its completed lessons, lessons opened and visits, the last one its last activity', async () => {
    const rows = await count(t.db, sql`select count(*)::int as n from student_activity`);
    expect(rows).toBe(made.studentActivity);
    expect(rows).toBe(largeCounts(0.01).students * 50); // 1,000,000 at scale 1
    // One StartedCourse per enrollment, when it was made; the latest row is its last activity.
    expect(
      await count(t.db, sql`select count(*)::int as n from enrollment e
        where (select count(*) from student_activity a where a.enrollment_id = e.id and a.type = 'StartedCourse' and a.created_at = e.created_at) <> 1
           or e.last_activity_at <> (select max(created_at) from student_activity a where a.enrollment_id = e.id)`),
    ).toBe(0);
    // A CompletedLesson row for each lesson completed; lesson rows name a lesson of the course.
    expect(await count(t.db, sql`select count(*)::int as n from student_activity where type = 'CompletedLesson'`)).toBe(made.lessonProgress);
    expect(
      await count(t.db, sql`select count(*)::int as n from student_activity a join enrollment e on e.id = a.enrollment_id
        left join lesson l on l.id = (a.metadata->>'lessonId')::uuid left join chapter ch on ch.id = l.chapter_id
        where a.type <> 'LoggedIn' and ch.course_id is distinct from e.course_id`),
    ).toBe(0);
    const types = await sql<{ type: string }>`select distinct type::text from student_activity order by 1`.execute(t.db);
    expect(types.rows.map((r) => r.type)).toEqual(['CompletedLesson', 'LoggedIn', 'StartedCourse', 'ViewedLesson']);
    // Recent enough for the 7- and 30-day figures, the streaks and the calendars, never in the future.
    expect(await count(t.db, sql`select count(distinct enrollment_id)::int as n from student_activity where created_at > now() - interval '7 days'`)).toBeGreaterThan(0);
    expect(await count(t.db, sql`select count(*)::int as n from student_activity where created_at > now()`)).toBe(0);
  });

  it('refunds 1 in 40 paid enrollments in part (still Completed and Active) and 1 in 40 in full (Refunded, Cancelled), as the refund action leaves them', async () => {
    expect(made.partialRefunds).toBeGreaterThan(0);
    expect(made.fullRefunds).toBeGreaterThan(0);
    const partial = await sql<{ n: number; bad: number }>`
      select count(*)::int as n, count(*) filter (where not (p.refund_amount > 0 and p.refund_amount < p.amount and e.status = 'Active'))::int as bad
      from payment_transaction p join enrollment e on e.id = p.enrollment_id where p.refunded and p.status = 'Completed'`.execute(t.db);
    expect(partial.rows[0]).toEqual({ n: made.partialRefunds, bad: 0 });
    const full = await sql<{ n: number; bad: number }>`
      select count(*)::int as n, count(*) filter (where not (p.refunded and p.refund_amount = p.amount and e.status = 'Cancelled'))::int as bad
      from payment_transaction p join enrollment e on e.id = p.enrollment_id where p.status = 'Refunded'`.execute(t.db);
    expect(full.rows[0]).toEqual({ n: made.fullRefunds, bad: 0 });
    expect(
      await count(t.db, sql`select count(*)::int as n from payment_transaction where refunded and (refunded_at is null or refunded_at < created_at or refunded_at > now() or refund_reason is null)`),
    ).toBe(0);
  });

  it('records watching for video lessons only, quiz scores as the app scores them and assignment grades within their points', async () => {
    expect(await count(t.db, sql`select count(*)::int as n from lesson_watch_analytics`)).toBe(made.watchAnalytics);
    expect(made.watchAnalytics).toBeGreaterThan(0);
    expect(
      await count(t.db, sql`select count(*)::int as n from lesson_watch_analytics w join lesson l on l.id = w.lesson_id
        where l.video_key is null or w.watch_duration > w.total_duration or w.completion_rate not between 0 and 100`),
    ).toBe(0);
    expect(await count(t.db, sql`select count(*)::int as n from quiz_submission`)).toBe(made.quizSubmissions);
    // The score from the answers: right ones are the questions' correct options.
    expect(
      await count(t.db, sql`select count(*)::int as n from quiz_submission s
        where s.correct_answers <> (select count(*) from quiz_question q where q.quiz_id = s.quiz_id and (s.answers->>q.id::text)::int = q.correct_answer)
           or s.score <> round(100.0 * s.correct_answers / s.total_questions) or s.points_earned <> round(10 * s.score / 100.0)`),
    ).toBe(0);
    expect(await count(t.db, sql`select count(*)::int as n from assignment_submission`)).toBe(made.assignmentSubmissions);
    expect(await count(t.db, sql`select count(*)::int as n from assignment_submission where status = 'Graded'`)).toBeGreaterThan(0);
    expect(
      await count(t.db, sql`select count(*)::int as n from assignment_submission s join assignment a on a.id = s.assignment_id
        where (s.status = 'Graded') <> (s.grade is not null) or s.grade > a.points`),
    ).toBe(0);
  });

  it('keeps each balance equal to its ledger of points earned, spread over the year and this week', async () => {
    expect(await count(t.db, sql`select count(*)::int as n from point_ledger`)).toBe(made.pointLedger);
    expect(
      await count(t.db, sql`select count(*)::int as n from "user" u
        where u.email like ${'%@' + LARGE_EMAIL_DOMAIN} and u.points <> coalesce((select sum(points) from point_ledger l where l.user_id = u.id), 0)`),
    ).toBe(0);
    const reasons = await sql<{ reason: string }>`select distinct reason from point_ledger order by 1`.execute(t.db);
    for (const { reason } of reasons.rows) expect(EARNED_REASONS).toContain(reason);
    expect(await count(t.db, sql`select count(distinct date_trunc('month', created_at))::int as n from point_ledger`)).toBeGreaterThanOrEqual(12);
    expect(await count(t.db, sql`select count(distinct user_id)::int as n from point_ledger where created_at > now() - interval '7 days'`)).toBeGreaterThan(1);
    expect(await count(t.db, sql`select count(*)::int as n from student_badge`)).toBe(made.badges);
  });

  it('adds successful sign-ins and searches (some finding nothing, some clicked), each after its person signed up', async () => {
    expect(await count(t.db, sql`select count(*)::int as n from login_history where success`)).toBe(made.logins);
    expect(made.logins).toBe(largeCounts(0.01).students * 6);
    expect(await count(t.db, sql`select count(*)::int as n from search_analytics`)).toBe(made.searches);
    expect(made.searches).toBe(largeCounts(0.01).students * 10); // 200,000 at scale 1
    expect(await count(t.db, sql`select count(*)::int as n from search_analytics where results_count = 0`)).toBeGreaterThan(0);
    expect(await count(t.db, sql`select count(*)::int as n from search_analytics where results_count = 0 and clicked_result is not null`)).toBe(0);
    expect(await count(t.db, sql`select count(*)::int as n from search_analytics s where s.clicked_result is not null`)).toBeGreaterThan(0);
    expect(await count(t.db, sql`select count(*)::int as n from search_analytics s where s.clicked_result is not null and not exists (select 1 from course c where c.slug = s.clicked_result)`)).toBe(0);
    for (const table of ['login_history', 'search_analytics']) {
      expect(
        await count(t.db, sql`select count(*)::int as n from ${sql.raw(table)} x join "user" u on u.id = x.user_id where x.created_at < u.created_at or x.created_at > now()`),
        table,
      ).toBe(0);
    }
  });

  it("records each student's active days (user_active_day) from their sign-ins and activity, for the admin's active users", async () => {
    expect(await count(t.db, sql`select count(*)::int as n from user_active_day`)).toBe(made.activeDays);
    expect(
      await count(t.db, sql`select count(*)::int as n from (
        select (l.created_at at time zone 'UTC')::date as day, l.user_id from login_history l where l.success
        union
        select (a.created_at at time zone 'UTC')::date, e.user_id from student_activity a join enrollment e on e.id = a.enrollment_id
      ) x`),
    ).toBe(made.activeDays);
    expect(await count(t.db, sql`select count(distinct day)::int as n from user_active_day where day > current_date - 30`)).toBeGreaterThanOrEqual(25);
  });

  it('refuses a second run and production, saying why', async () => {
    const users = await count(t.db, sql`select count(*)::int as n from "user"`);
    await expect(seedLarge(t.db, { env: 'development', scale: 0.01 })).rejects.toThrow(/already in this database/);
    expect(await count(t.db, sql`select count(*)::int as n from "user"`)).toBe(users);
    await expect(seedLarge(t.db, { env: 'production', scale: 0.01 })).rejects.toThrow(/refuses to run in production/);
  });
});
