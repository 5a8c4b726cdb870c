import { sql, type RawBuilder } from 'kysely';
import type { Database } from '../../db/database.ts';
import { banInForceSql, releasedSql } from '../access/course-policy.ts';
import { bucketOfSql, bucketsSql, inRangeSql, type DateRange } from './range.ts';

/**
 * The numbers of a course's analytics page (GET /teach/courses/:courseId/analytics), one SQL
 * statement per chart: each counts in SQL (group by, count(*) filter, generate_series buckets
 * left-joined) and starts from the course (enrollment by course_id, chapter by course_id), so the
 * plan is index-driven whatever the size of the big tables. The page runs all of them at once
 * (Promise.all): a fixed number of queries however many lessons, students or payments.
 *
 * Each query is a function returning the RawBuilder the page runs, so the EXPLAIN test
 * (tests/analytics/course-explain.test.ts) checks exactly that SQL with its parameters.
 *
 * Only enrollments and revenue follow the date range; the rest is the state now.
 */

export interface CourseScope {
  courseId: string;
  range: DateRange;
}

export interface EnrollmentBucket {
  bucket: string;
  enrollments: number;
}

export interface RevenueBucket {
  bucket: string;
  gross: number;
  refunds: number;
}

export interface FunnelRow {
  title: string;
  completed: number;
  students: number;
}

export interface WatchRow {
  title: string;
  average: number | null;
  viewers: number;
}

export interface AssessmentRow {
  title: string;
  /** Percent: a quiz's average best score, an assignment's average grade of its points. */
  average: number | null;
  count: number;
}

export interface RatingRow {
  stars: number;
  ratings: number;
  average: number | null;
}

export interface ActiveRow {
  students: number;
  last7: number;
  last30: number;
}

const ref = sql.ref;

/** New enrollments per bucket (a checkout never paid, Pending, is not one), every bucket present. */
export function enrollmentsQuery({ courseId, range }: CourseScope): RawBuilder<EnrollmentBucket> {
  return sql<EnrollmentBucket>`
    with counted as (
      select ${bucketOfSql(ref('e.created_at'), range)} as bucket, count(*)::int as n
      from enrollment e
      where e.course_id = ${courseId} and e.status <> 'Pending' and ${inRangeSql(ref('e.created_at'), range)}
      group by 1
    )
    select b.bucket, coalesce(c.n, 0)::int as enrollments
    from (${bucketsSql(range, sql`(select min(created_at) from enrollment where course_id = ${courseId})`)}) b
    left join counted c on c.bucket = b.bucket
    order by b.bucket`;
}

/**
 * Revenue per bucket, in cents: a payment that completed (Completed, or Refunded later: it was paid)
 * counts in full on the day it was made; what was refunded of it (partly or wholly) counts on the
 * day of the refund. Net is gross less refunds.
 *
 * The payments are read per enrollment of the course (a lateral subquery with its own group by, so
 * it is not flattened into a join): each is an index lookup on payment_transaction.enrollment_id,
 * work in proportion to the course. As a plain join the planner preferred to hash the whole
 * payments table once the course had a few hundred enrollments. A payment whose payer deleted
 * their account has no enrollment; it is found by its course_id (issue 22), one more index lookup.
 */
export function revenueQuery({ courseId, range }: CourseScope): RawBuilder<RevenueBucket> {
  const paid = sql`p.enrollment_id = e.id and p.status in ('Completed', 'Refunded')`;
  const detached = sql`p.enrollment_id is null and p.course_id = ${courseId} and p.status in ('Completed', 'Refunded')`;
  /**
   * Money per bucket: the course's enrollments' payments (one lateral index lookup each) and its
   * detached ones, `of` choosing the bucket and amount, `where` which payments count.
   */
  const perBucket = (of: RawBuilder<unknown>, where: RawBuilder<unknown>) => sql`
      select m.bucket, sum(m.cents)::bigint as cents
      from (
        select m.bucket, m.cents
        from course_enrollment e
        cross join lateral (select ${of} from payment_transaction p where ${paid} and ${where} group by 1) m
        union all
        select ${of} from payment_transaction p where ${detached} and ${where} group by 1
      ) m
      group by m.bucket`;
  const gross = perBucket(
    sql`${bucketOfSql(ref('p.created_at'), range)} as bucket, sum(p.amount) as cents`,
    inRangeSql(ref('p.created_at'), range),
  );
  const refunds = perBucket(
    sql`${bucketOfSql(ref('p.refunded_at'), range)} as bucket, sum(p.refund_amount) as cents`,
    sql`p.refunded and p.refund_amount > 0 and ${inRangeSql(ref('p.refunded_at'), range)}`,
  );
  return sql<RevenueBucket>`
    with course_enrollment as materialized (
      select id from enrollment where course_id = ${courseId}
    ),
    gross as (${gross}),
    refunds as (${refunds}),
    earliest as (
      select least(
        (select min(f.first) from course_enrollment e cross join lateral (select min(p.created_at) as first from payment_transaction p where ${paid}) f),
        (select min(p.created_at) from payment_transaction p where ${detached})
      ) as first
    )
    select b.bucket, coalesce(g.cents, 0)::int as gross, coalesce(r.cents, 0)::int as refunds
    from (${bucketsSql(range, sql`(select first from earliest)`)}) b
    left join gross g on g.bucket = b.bucket
    left join refunds r on r.bucket = b.bucket
    order by b.bucket`;
}

/** The lessons that count toward progress (released, in a released chapter), in course order. */
const countedLessons = (courseId: string, extra: RawBuilder<boolean> = sql<boolean>`true`) => sql`
  select l.id, l.title, ch.position as chapter_position, l.position
  from chapter ch
  join lesson l on l.chapter_id = ch.id
  where ch.course_id = ${courseId} and ${releasedSql('ch')} and ${releasedSql('l')} and ${extra}`;

/**
 * The completion funnel, now: for each counted lesson, how many of the course's Active students
 * whose ban is not in force have completed it, of how many such students.
 */
export function funnelQuery({ courseId }: Pick<CourseScope, 'courseId'>): RawBuilder<FunnelRow> {
  return sql<FunnelRow>`
    with students as materialized (
      select e.user_id
      from enrollment e
      where e.course_id = ${courseId} and e.status = 'Active' and not ${banInForceSql('e')}
    ),
    lessons as (${countedLessons(courseId)})
    select l.title, count(s.user_id)::int as completed, (select count(*)::int from students) as students
    from lessons l
    left join lesson_progress lp on lp.lesson_id = l.id and lp.completed
    left join students s on s.user_id = lp.user_id
    group by l.id, l.title, l.chapter_position, l.position
    order by l.chapter_position, l.position`;
}

/** Whether a user is (or was) a student of the course: the teacher's and admins' previews do not count. */
const studentOfCourse = (courseId: string, userColumn: string) =>
  sql<boolean>`exists (select 1 from enrollment e where e.course_id = ${courseId} and e.user_id = ${ref(userColumn)})`;

/** Average watched share (lesson_watch_analytics.completion_rate) of each counted video lesson. */
export function watchQuery({ courseId }: Pick<CourseScope, 'courseId'>): RawBuilder<WatchRow> {
  return sql<WatchRow>`
    with lessons as (${countedLessons(courseId, sql<boolean>`l.video_key is not null`)})
    select l.title, avg(w.completion_rate)::float8 as average, count(w.id)::int as viewers
    from lessons l
    left join lesson_watch_analytics w on w.lesson_id = l.id and ${studentOfCourse(courseId, 'w.user_id')}
    group by l.id, l.title, l.chapter_position, l.position
    order by l.chapter_position, l.position`;
}

/** Every quiz of the course (course order): the average of the students' best scores, and how many took it. */
export function quizzesQuery({ courseId }: Pick<CourseScope, 'courseId'>): RawBuilder<AssessmentRow> {
  return sql<AssessmentRow>`
    select coalesce(q.title, l.title) as title, avg(s.score)::float8 as average, count(s.id)::int as count
    from chapter ch
    join lesson l on l.chapter_id = ch.id
    join quiz q on q.lesson_id = l.id
    left join quiz_submission s on s.quiz_id = q.id and ${studentOfCourse(courseId, 's.user_id')}
    where ch.course_id = ${courseId}
    group by q.id, q.title, l.title, ch.position, l.position
    order by ch.position, l.position`;
}

/** Every assignment of the course (course order): the average grade as a percentage of its points, over graded hand-ins. */
export function assignmentsQuery({ courseId }: Pick<CourseScope, 'courseId'>): RawBuilder<AssessmentRow> {
  const graded = sql<boolean>`s.status in ('Graded', 'Returned') and s.grade is not null`;
  return sql<AssessmentRow>`
    select a.title,
      (avg(s.grade * 100.0 / nullif(a.points, 0)) filter (where ${graded}))::float8 as average,
      (count(*) filter (where ${graded}))::int as count
    from chapter ch
    join lesson l on l.chapter_id = ch.id
    join assignment a on a.lesson_id = l.id
    left join assignment_submission s on s.assignment_id = a.id and ${studentOfCourse(courseId, 's.user_id')}
    where ch.course_id = ${courseId}
    group by a.id, a.title, ch.position, l.position
    order by ch.position, l.position`;
}

/** Ratings from 5 stars to 1, every level present, with the course's average on each row. */
export function ratingsQuery({ courseId }: Pick<CourseScope, 'courseId'>): RawBuilder<RatingRow> {
  return sql<RatingRow>`
    select s.stars, count(r.id)::int as ratings,
      (select avg(rating)::float8 from course_rating where course_id = ${courseId}) as average
    from generate_series(5, 1, -1) as s(stars)
    left join course_rating r on r.course_id = ${courseId} and r.rating = s.stars
    group by s.stars
    order by s.stars desc`;
}

/** Active enrollments, and how many of them did anything (any student_activity) in the last 7 and 30 days. */
export function activeQuery({ courseId, range }: CourseScope): RawBuilder<ActiveRow> {
  const since = (days: number) => sql<boolean>`exists (
    select 1 from student_activity a
    where a.enrollment_id = e.id and a.created_at > ${range.to}::timestamptz - ${`${days} days`}::interval)`;
  return sql<ActiveRow>`
    select count(*)::int as students,
      (count(*) filter (where ${since(7)}))::int as last7,
      (count(*) filter (where ${since(30)}))::int as last30
    from enrollment e
    where e.course_id = ${courseId} and e.status = 'Active'`;
}

/** Every query of the page, by name: what the page runs and the EXPLAIN test checks. */
export function courseAnalyticsQueries(scope: CourseScope) {
  return {
    enrollments: enrollmentsQuery(scope),
    revenue: revenueQuery(scope),
    funnel: funnelQuery(scope),
    watch: watchQuery(scope),
    quizzes: quizzesQuery(scope),
    assignments: assignmentsQuery(scope),
    ratings: ratingsQuery(scope),
    active: activeQuery(scope),
  };
}

export type CourseAnalyticsQueries = ReturnType<typeof courseAnalyticsQueries>;
export type CourseAnalytics = { [K in keyof CourseAnalyticsQueries]: CourseAnalyticsQueries[K] extends RawBuilder<infer R> ? R[] : never };

/** Runs the named queries (all of them by default) at once. */
export async function loadCourseAnalytics<K extends keyof CourseAnalyticsQueries>(
  db: Database,
  scope: CourseScope,
  names: readonly K[] = Object.keys(courseAnalyticsQueries(scope)) as K[],
): Promise<Pick<CourseAnalytics, K>> {
  const queries = courseAnalyticsQueries(scope);
  const results = await Promise.all(names.map((name) => queries[name].execute(db)));
  return Object.fromEntries(names.map((name, i) => [name, results[i]!.rows])) as Pick<CourseAnalytics, K>;
}
