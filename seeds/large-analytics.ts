import { sql, type RawBuilder, type Transaction } from 'kysely';
import type { DB } from '../src/db/types.ts';
import { BADGE_NAMES } from '../src/features/learning/badges.ts';
import { describeUserAgent } from '../src/lib/user-agent.ts';

/**
 * The large data set's analytics rows (seeds/large.ts calls this in its transaction, after the
 * enrollments): what the teacher's and the admin's analytics pages, the dashboard's streak and
 * calendar and the leaderboards read. Set-based like the rest, from the temporary tables large.ts
 * made (large_user, large_course, large_lesson, large_enrollment).
 *
 * student_activity respects its unique partial indexes by construction, not by `on conflict`: an
 * enrollment's rows are StartedCourse (once), then CompletedLesson and ViewedLesson each of another
 * lesson (never the same lesson twice), and LoggedIn only when its rows fall on distinct UTC days
 * (the activity spans at least as many days as rows, activityAt); so the count is exact.
 */

/**
 * When an enrollment's i-th activity row happened (i from 0, its start, to rows - 1, its last
 * activity): whole days apart from its start, at the enrollment's minute of the day, so two rows on
 * different days are never on the same UTC date. SQL over the alias `e` (large_enrollment).
 */
export function activityAt(i: string): RawBuilder<Date> {
  return sql.raw<Date>(`(now() - (e.d - (${i}) * (e.d - e.a) / (e.rows - 1)) * interval '1 day' - e.m * interval '1 minute')`);
}

/**
 * Runs a bulk insert into `table` with its indexes and keys taken off and put back afterwards, from
 * their own definitions in the catalog (so nothing here repeats a migration): a million rows
 * inserted one index entry and one foreign-key check at a time, into random-uuid indexes far larger
 * than shared_buffers, took a minute; building each index once, sorted, and checking each foreign
 * key with one join takes seconds (the way pg_restore loads). The primary key and unique
 * constraints come off too unless another table's foreign key needs them. All in the seed's
 * transaction: a failure puts everything back, and each key put back checks every row again.
 */
export async function withKeysRebuilt<T>(trx: Transaction<DB>, table: string, insert: () => Promise<T>): Promise<T> {
  const { rows: constraints } = await sql<{ name: string; definition: string; kind: string }>`
    select c.conname as name, pg_get_constraintdef(c.oid) as definition, c.contype as kind
    from pg_constraint c
    where c.conrelid = ${table}::regclass
      and (c.contype = 'f' or (c.contype in ('p', 'u') and not exists (select 1 from pg_constraint r where r.confrelid = c.conrelid)))`.execute(trx);
  const { rows: indexes } = await sql<{ name: string; definition: string }>`
    select i.indexrelid::regclass::text as name, pg_get_indexdef(i.indexrelid) as definition
    from pg_index i
    where i.indrelid = ${table}::regclass and not exists (select 1 from pg_constraint c where c.conindid = i.indexrelid)`.execute(trx);
  const target = sql.table(table);
  for (const c of constraints) await sql`alter table ${target} drop constraint ${sql.id(c.name)}`.execute(trx);
  for (const index of indexes) await sql`drop index ${sql.raw(index.name)}`.execute(trx);
  const result = await insert();
  // Keys before foreign keys: a foreign key needs its referenced key.
  for (const c of constraints.filter((c) => c.kind !== 'f')) await sql`alter table ${target} add constraint ${sql.id(c.name)} ${sql.raw(c.definition)}`.execute(trx);
  for (const index of indexes) await sql.raw(index.definition).execute(trx);
  for (const c of constraints.filter((c) => c.kind === 'f')) await sql`alter table ${target} add constraint ${sql.id(c.name)} ${sql.raw(c.definition)}`.execute(trx);
  return result;
}

export interface LargeAnalyticsCounts {
  studentActivity: number;
  watchAnalytics: number;
  quizzes: number;
  quizSubmissions: number;
  assignments: number;
  assignmentSubmissions: number;
  badges: number;
  pointLedger: number;
  logins: number;
  searches: number;
  /** user_active_day rows: each student's days with a sign-in or activity. */
  activeDays: number;
}

/** The fixed counts (12 or 13 activity rows per enrollment: 50 per student; 6 sign-ins and 10 searches each). */
export function largeAnalyticsCounts(students: number, courses: number): LargeAnalyticsCounts {
  return {
    studentActivity: students * 50,
    watchAnalytics: 0,
    quizzes: courses,
    quizSubmissions: 0,
    assignments: courses,
    assignmentSubmissions: 0,
    badges: 0,
    pointLedger: 0,
    logins: students * 6,
    searches: students * 10,
    activeDays: 0,
  };
}

/** What people look for and do not find: misspellings and subjects no course teaches. */
const ZERO_RESULT_QUERIES = ['pyhton', 'javascipt', 'blockchain', 'piano', 'guitar for beginners', 'welding', 'french grammar', 'excel macros', 'tax returns', 'sign language'];
const BROWSERS = [
  'Mozilla/5.0 (Linux; Android 13; SM-A145F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/139.0 Mobile Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
];
const QUIZ_TITLE = 'Check part 1';
/** The first-lesson badge's points and the quiz's (large.ts sets each student's balance from them at insert). */
export const FIRST_LESSON_POINTS = 10;
export const QUIZ_POINTS = 10;

export async function seedLargeAnalytics(trx: Transaction<DB>, shape: { topics: number; forms: number }): Promise<LargeAnalyticsCounts> {
  const run = (query: RawBuilder<unknown>) => query.execute(trx);
  const count = (result: { numAffectedRows?: bigint }) => Number(result.numAffectedRows ?? 0n);
  const { rows: sizes } = await sql<{ students: number; courses: number; teachers: number }>`
    select count(*) filter (where not teacher)::int as students, count(*) filter (where teacher)::int as teachers,
      (select count(*)::int from large_course) as courses
    from large_user`.execute(trx);
  const { students, courses, teachers } = sizes[0]!;

  // Row 0 StartedCourse; rows 1..done CompletedLesson of lessons 1..done; the rest alternate
  // ViewedLesson of the next lessons and LoggedIn (ViewedLesson when the days are too few).
  const rebuilt = (table: string, query: RawBuilder<unknown>) => withKeysRebuilt(trx, table, () => run(query));
  const activity = await rebuilt('student_activity', sql`
    insert into student_activity (enrollment_id, type, description, metadata, created_at)
    select e.id, t.type::"ActivityType", t.description, case when t.type <> 'LoggedIn' then jsonb_build_object('lessonId', l.id) end, ${activityAt('i')}
    from large_enrollment e
    cross join generate_series(0, e.rows - 1) i
    cross join lateral (
      select case when i = 0 then 'StartedCourse' when i <= e.done then 'CompletedLesson'
        when (i - e.done) % 2 = 0 and e.d - e.a >= e.rows - 1 then 'LoggedIn' else 'ViewedLesson' end as type
    ) k
    cross join lateral (
      select k.type, case k.type when 'StartedCourse' then 'Opened the first lesson' when 'CompletedLesson' then 'Completed a lesson'
        when 'LoggedIn' then 'Signed in' else 'Opened a lesson' end as description
    ) t
    join large_lesson l on l.course_n = e.course_n and l.idx = greatest(i, 1)`);

  // Watched: each completed video lesson 70-100 %, the next one (opened, not finished) 5-54 %.
  const watch = await rebuilt('lesson_watch_analytics', sql`
    insert into lesson_watch_analytics (lesson_id, user_id, watch_duration, total_duration, completion_rate, last_watched_at, created_at, updated_at)
    select l.id, e.user_id, (l.seconds * r.rate) / 100, l.seconds, r.rate, ${activityAt('l.idx')}, ${activityAt('l.idx')}, ${activityAt('l.idx')}
    from large_enrollment e
    join large_lesson l on l.course_n = e.course_n and l.idx <= e.done + 1 and l.video
    cross join lateral (
      select case when l.idx <= e.done then 70 + (e.user_n + l.idx * 7) % 31 else 5 + (e.user_n * 3 + l.idx) % 50 end as rate
    ) r
    order by e.user_id`);

  // A quiz of three questions closing part 1 (lesson 5; not required, so completion never waited
  // for it), taken by everyone who completed that lesson: 0 to 3 right, scored as the app scores.
  await run(sql`create temp table large_quiz on commit drop as
    select c.n as course_n, c.title, c.slug, gen_random_uuid() as id, l.id as lesson_id,
      gen_random_uuid() as q1, gen_random_uuid() as q2, gen_random_uuid() as q3
    from large_course c join large_lesson l on l.course_n = c.n and l.idx = 5`);
  await run(sql`insert into quiz (id, lesson_id, title, points, required) select id, lesson_id, ${QUIZ_TITLE}, ${QUIZ_POINTS}, false from large_quiz`);
  await run(sql`
    insert into quiz_question (id, quiz_id, question, options, correct_answer, position)
    select v.question_id, q.id, 'Question ' || v.p || ' about part 1', array['First answer', 'Second answer', 'Third answer', 'Fourth answer'], v.p - 1, v.p
    from large_quiz q cross join lateral (values (1, q.q1), (2, q.q2), (3, q.q3)) v(p, question_id)`);
  const quizSubmissions = await rebuilt('quiz_submission', sql`
    insert into quiz_submission (quiz_id, user_id, answers, correct_answers, total_questions, score, points_earned, submitted_at, updated_at)
    select q.id, e.user_id,
      jsonb_build_object(q.q1::text, case when e.quiz_correct >= 1 then 0 else 1 end, q.q2::text, case when e.quiz_correct >= 2 then 1 else 2 end,
        q.q3::text, case when e.quiz_correct >= 3 then 2 else 3 end),
      e.quiz_correct, 3, e.quiz_score, e.quiz_points, ${activityAt('5')}, ${activityAt('5')}
    from large_enrollment e join large_quiz q on q.course_n = e.course_n
    where e.done >= 5`);

  // An assignment on lesson 8, handed in by everyone who got that far; two in three graded (40-100 of 100).
  await run(sql`create temp table large_assignment on commit drop as
    select c.n as course_n, gen_random_uuid() as id, l.id as lesson_id
    from large_course c join large_lesson l on l.course_n = c.n and l.idx = 8`);
  await run(sql`insert into assignment (id, lesson_id, title, description, points)
    select id, lesson_id, 'Project: part 2', 'Apply what parts 1 and 2 covered to a small project of your own; hand in a file or a link.', 100
    from large_assignment`);
  const assignmentSubmissions = await rebuilt('assignment_submission', sql`
    insert into assignment_submission (assignment_id, user_id, description, status, grade, feedback, submitted_at, updated_at)
    select a.id, e.user_id, 'My project for part 2.',
      case when (e.user_n + e.k) % 3 = 0 then 'Pending' else 'Graded' end::"AssignmentSubmissionStatus",
      case when (e.user_n + e.k) % 3 <> 0 then 40 + (e.user_n * 7 + e.k) % 61 end,
      case when (e.user_n + e.k) % 3 <> 0 then 'Clear and complete. Well done.' end,
      ${activityAt('8')}, ${activityAt('8')}
    from large_enrollment e join large_assignment a on a.course_n = e.course_n
    where e.done >= 8`);

  // Points earned, as the app credits them: the first-lesson badge (10) and the quizzes; the
  // balance is the ledger's sum (src/features/points/ledger.ts keeps them equal in the app).
  const badges = await rebuilt('student_badge', sql`
    insert into student_badge (enrollment_id, badge_type, earned_at, metadata)
    select e.id, 'FirstLessonCompleted', ${activityAt('1')}, ${JSON.stringify({ points: FIRST_LESSON_POINTS })}::jsonb from large_enrollment e`);
  const ledger = await rebuilt('point_ledger', sql`
    insert into point_ledger (user_id, points, reason, description, link, created_at)
    select e.user_id, ${FIRST_LESSON_POINTS}, 'Badge', ${BADGE_NAMES.FirstLessonCompleted} || ' in "' || e.title || '"', '/dashboard', ${activityAt('1')}
    from large_enrollment e
    union all
    select e.user_id, e.quiz_points, 'Quiz', ${`"${QUIZ_TITLE}" in "`} || q.title || '"', '/learn/' || q.slug || '/lessons/' || q.lesson_id, ${activityAt('5')}
    from large_enrollment e join large_quiz q on q.course_n = e.course_n
    where e.done >= 5 and e.quiz_points > 0`);

  // Six successful sign-ins per student, from sign-up to now.
  const devices = JSON.stringify(BROWSERS.map((ua) => describeUserAgent(ua)));
  const logins = await rebuilt('login_history', sql`
    insert into login_history (user_id, success, ip_address, user_agent, device_info, created_at)
    select u.id, true, '198.51.100.' || (1 + u.n % 254), (${sql.val(BROWSERS)}::text[])[1 + (u.n + j) % 3], ${devices}::jsonb -> ((u.n + j) % 3),
      now() - (u.signup - (j * u.signup) / 6) * interval '1 day' - ((u.n * 37 + j * 101) % 600) * interval '1 minute'
    from large_user u, generate_series(0, 5) j
    where not u.teacher`);

  // Searches: 60 % a topic (the catalog finds its courses), 25 % a course's title (one), 15 % something
  // no course teaches; within each, a few queries far more often than the rest. 4 in 10 that found
  // something were clicked; a third anonymous; a signed-in one after that person's sign-up.
  await run(sql`create temp table large_query on commit drop as
    select kind, row_number() over (partition by kind order by ord)::int as idx, query, results, slug
    from (
      select 1 as kind, min(n) as ord, lower(topic) as query, count(*)::int as results, min(slug) as slug from large_course group by topic
      union all
      select 2, n, lower(topic || ' ' || form), 1, slug from large_course where n <= ${shape.topics * shape.forms}
      union all
      select 3, ord, q, 0, null from unnest(${sql.val(ZERO_RESULT_QUERIES)}::text[]) with ordinality as z(q, ord)
    ) x`);
  const searches = await rebuilt('search_analytics', sql`
    insert into search_analytics (user_id, query, results_count, clicked_result, ip_address, created_at)
    with kinds as (select kind, count(*)::int as total from large_query group by kind),
    picks as (
      select s, case when s % 20 < 12 then 1 when s % 20 < 17 then 2 else 3 end as kind, ((s * 7919) % 10007) / 10007.0 as r
      from generate_series(1::bigint, ${students * 10}::bigint) s
    )
    select case when p.s % 3 <> 0 then u.id end, q.query, q.results, case when q.results > 0 and p.s % 10 < 4 then q.slug end,
      '203.0.113.' || (1 + p.s % 254),
      now() - (case when p.s % 3 = 0 then (p.s * 104729) % 525600 else (p.s * 104729) % (u.signup * 1440 + 600) end) * interval '1 minute'
    from picks p
    join kinds k on k.kind = p.kind
    join large_query q on q.kind = p.kind and q.idx = 1 + floor(k.total * p.r * p.r)::int
    join large_user u on u.n = ${teachers} + 1 + (p.s * 31) % ${students}`);

  // The days each person used Edupeak (the presence tracker's user_active_day, which the admin's
  // active users read), from their sign-ins and activity as migration user-active-day fills it.
  const activeDays = await rebuilt('user_active_day', sql`
    insert into user_active_day (day, user_id)
    select (l.created_at at time zone 'UTC')::date, l.user_id from login_history l join large_user u on u.id = l.user_id where l.success
    union
    select (a.created_at at time zone 'UTC')::date, e.user_id from student_activity a join large_enrollment e on e.id = a.enrollment_id where a.type <> 'MissedAssignment'`);

  return {
    ...largeAnalyticsCounts(students, courses),
    activeDays: count(activeDays),
    studentActivity: count(activity),
    watchAnalytics: count(watch),
    quizSubmissions: count(quizSubmissions),
    assignmentSubmissions: count(assignmentSubmissions),
    badges: count(badges),
    pointLedger: count(ledger),
    logins: count(logins),
    searches: count(searches),
  };
}
