import { sql, type RawBuilder } from 'kysely';
import type { Database } from '../../db/database.ts';
import { normalised as searchKey } from '../admin/search.ts';
import { bucketOfSql, bucketsSql, inRangeSql, type DateRange } from './range.ts';

/**
 * The numbers behind /admin/analytics: five statements per page whatever the data's size, each
 * aggregated in SQL and filtered by the range on an indexed timestamp (user, login_history,
 * student_activity, online_session.last_activity_at, enrollment, payment_transaction.created_at and
 * its partial refunded_at index, teacher_application, search_analytics). Each builder returns the
 * statement itself (a RawBuilder) so a test can EXPLAIN exactly what the page runs.
 *
 * Rules named once here:
 * - An enrollment counts when it is not Pending (a Pending one is a checkout never paid).
 * - A sale counts at its payment's created_at when the payment went through (Completed, or Refunded
 *   later: it was a sale first); a refund counts its refund_amount at refunded_at. Net = gross − refunds.
 *   Several part refunds of one payment keep one total and the last date (the spec's columns), so
 *   they count together at the last one.
 * - A user is active in a bucket with a successful sign-in (login_history), a learning activity
 *   (student_activity of their enrollments) or a signed-in device seen then (online_session's last
 *   activity; those rows are pruned after a day idle, so they matter for the latest buckets only).
 *   login_session adds nobody: its rows are written at a successful sign-in, which login_history counts.
 * - Searches: the same words in any case or spacing are one query, and the click-through rate is
 *   the share of searches whose result was followed: /admin/search's rules (its `normalised`).
 */

const PAID = sql`('Completed', 'Refunded')`;

const ref = (column: string) => sql.ref(column);

export interface SeriesRow {
  bucket: string;
  signUps: number;
  activeUsers: number;
  enrollments: number;
  /** Cents. */
  gross: number;
  /** Cents. */
  refunds: number;
}

/** All time starts at the first account: every other row belongs to a user. */
const EARLIEST = sql<Date | null>`(select min(created_at) from "user")`;

/** Every bucket of the range, oldest first, with the line charts' counts but active users (zeros included). */
export function seriesSql(range: DateRange): RawBuilder<Omit<SeriesRow, 'activeUsers'>> {
  const bucket = (column: string) => bucketOfSql(ref(column), range);
  const inRange = (column: string) => inRangeSql(ref(column), range);
  return sql<Omit<SeriesRow, 'activeUsers'>>`
    with buckets as (${bucketsSql(range, EARLIEST)}),
    sign_ups as (
      select ${bucket('u.created_at')} as bucket, count(*)::int as n
      from "user" u where ${inRange('u.created_at')} group by 1
    ),
    enrolled as (
      select ${bucket('e.created_at')} as bucket, count(*)::int as n
      from enrollment e where e.status <> 'Pending' and ${inRange('e.created_at')} group by 1
    ),
    sales as (
      select ${bucket('p.created_at')} as bucket, sum(p.amount)::bigint as cents
      from payment_transaction p where p.status in ${PAID} and ${inRange('p.created_at')} group by 1
    ),
    refunds as (
      select ${bucket('p.refunded_at')} as bucket, sum(p.refund_amount)::bigint as cents
      from payment_transaction p where p.refunded and ${inRange('p.refunded_at')} group by 1
    )
    select b.bucket, coalesce(s.n, 0) as "signUps", coalesce(e.n, 0) as enrollments,
      coalesce(g.cents, 0)::float8 as gross, coalesce(r.cents, 0)::float8 as refunds
    from buckets b
    left join sign_ups s using (bucket)
    left join enrolled e using (bucket)
    left join sales g using (bucket)
    left join refunds r using (bucket)
    order by b.bucket`;
}

/**
 * Active users per bucket (every bucket, oldest first): the people who used Edupeak signed in then,
 * each once a bucket. user_active_day holds one row per person and UTC day (kept by the presence
 * tracker, backfilled from sign-ins, activity and devices: migration user-active-day), and a trigger
 * keeps user_active_week and user_active_month from it (migration user-active-weeks-months), so each
 * bucket is a count(*) over its table's primary key, never a count(distinct). Days, weeks and months
 * are UTC ones, so for a viewer far from UTC a bucket's edge is off by their offset (said on the page).
 */
const ACTIVE_TABLES = {
  day: { table: 'user_active_day', column: 'day' },
  week: { table: 'user_active_week', column: 'week' },
  month: { table: 'user_active_month', column: 'month' },
} as const;

export function activeUsersSql(range: DateRange): RawBuilder<{ bucket: string; activeUsers: number }> {
  const { table, column } = ACTIVE_TABLES[range.bucket];
  const start = sql.ref(`a.${column}`);
  // The bucket containing the range's first instant (its UTC day, week or month), as the buckets are.
  const from = range.from
    ? sql`${start} >= date_trunc(${range.bucket}, ${range.from}::timestamptz at time zone 'UTC')::date`
    : sql`true`;
  return sql<{ bucket: string; activeUsers: number }>`
    with buckets as (${bucketsSql(range, EARLIEST)}),
    active as (
      select to_char(${start}, 'YYYY-MM-DD') as bucket, count(*)::int as n
      from ${sql.table(table)} as a
      where ${from}
      group by ${start}
    )
    select b.bucket, coalesce(a.n, 0) as "activeUsers"
    from buckets b left join active a using (bucket)
    order by b.bucket`;
}

export interface TopCourseRow {
  list: 'enrollments' | 'revenue';
  id: string;
  title: string;
  /** Enrollments, or net revenue in cents. */
  value: number;
}

export const TOP = 10;

/**
 * The ten courses with the most enrollments in the range and the ten with the most net revenue in
 * it (sales in the range less refunds given in it; only courses that took money), ties by title then
 * id, so the order never changes between two loads.
 */
export function topCoursesSql(range: DateRange): RawBuilder<TopCourseRow> {
  const inRange = (column: string) => inRangeSql(ref(column), range);
  return sql<TopCourseRow>`
    (select 'enrollments' as list, c.id, c.title, count(*)::float8 as value
     from enrollment e join course c on c.id = e.course_id
     where e.status <> 'Pending' and ${inRange('e.created_at')}
     group by c.id order by count(*) desc, c.title, c.id limit ${TOP})
    union all
    (select 'revenue' as list, c.id, c.title, sum(money.cents)::float8 as value
     from (
       select p.enrollment_id, p.course_id, p.amount as cents from payment_transaction p
       where p.status in ${PAID} and ${inRange('p.created_at')}
       union all
       select p.enrollment_id, p.course_id, -p.refund_amount from payment_transaction p
       where p.refunded and ${inRange('p.refunded_at')}
     ) as money
     -- A payment whose payer deleted their account has no enrollment; its course_id says what was sold.
     left join enrollment e on e.id = money.enrollment_id join course c on c.id = coalesce(e.course_id, money.course_id)
     group by c.id having sum(money.cents) > 0 order by sum(money.cents) desc, c.title, c.id limit ${TOP})`;
}

export interface SummaryRow {
  applicationsSubmitted: number;
  applicationsPending: number;
  applicationsApproved: number;
  applicationsRejected: number;
  searches: number;
  searchesClicked: number;
  searchesWithoutResults: number;
  /** The currencies of the range's payments (lower case), one expected. */
  currencies: string[];
}

/**
 * One row: the teacher applications submitted in the range by where they stand now, the range's
 * search totals, and the currencies its payments were made in.
 */
export function summarySql(range: DateRange): RawBuilder<SummaryRow> {
  const inRange = (column: string) => inRangeSql(ref(column), range);
  return sql<SummaryRow>`
    with applications as (
      select count(*)::int as "applicationsSubmitted",
        (count(*) filter (where t.status = 'Pending'))::int as "applicationsPending",
        (count(*) filter (where t.status = 'Approved'))::int as "applicationsApproved",
        (count(*) filter (where t.status = 'Rejected'))::int as "applicationsRejected"
      from teacher_application t where ${inRange('t.created_at')}
    ), searched as (
      select count(*)::int as searches, count(s.clicked_result)::int as "searchesClicked",
        (count(*) filter (where s.results_count = 0))::int as "searchesWithoutResults"
      from search_analytics s where ${inRange('s.created_at')}
    ), money as (
      select coalesce(array_agg(distinct lower(p.currency)), '{}') as currencies
      from payment_transaction p where p.status in ${PAID} and ${inRange('p.created_at')}
    )
    select * from applications, searched, money`;
}

export interface TopSearchRow {
  list: 'top' | 'zero';
  query: string;
  searches: number;
  averageResults: number;
  clicks: number;
}

/** The ten most searched queries of the range, and the ten most searched that found nothing. */
export function topSearchesSql(range: DateRange): RawBuilder<TopSearchRow> {
  const inRange = inRangeSql(ref('s.created_at'), range);
  return sql<TopSearchRow>`
    (select 'top' as list, ${searchKey} as query, count(*)::int as searches,
       round(avg(s.results_count), 1)::float8 as "averageResults", count(s.clicked_result)::int as clicks
     from search_analytics s where ${inRange}
     group by 2 order by count(*) desc, 2 limit ${TOP})
    union all
    (select 'zero' as list, ${searchKey} as query, count(*)::int, 0::float8, count(s.clicked_result)::int
     from search_analytics s where s.results_count = 0 and ${inRange}
     group by 2 order by count(*) desc, 2 limit ${TOP})`;
}

export interface PlatformNumbers {
  series: SeriesRow[];
  topCourses: TopCourseRow[];
  summary: SummaryRow;
  topSearches: TopSearchRow[];
}

const rowsOf = async <T>(db: Database, query: RawBuilder<T>): Promise<T[]> => (await query.execute(db)).rows;

export const platformQueries = {
  /** The two bucket statements side by side, joined by bucket (both list the range's buckets in order). */
  series: async (db: Database, range: DateRange): Promise<SeriesRow[]> => {
    const [series, active] = await Promise.all([rowsOf(db, seriesSql(range)), rowsOf(db, activeUsersSql(range))]);
    const activeIn = new Map(active.map((r) => [r.bucket, r.activeUsers]));
    return series.map((r) => ({ ...r, activeUsers: activeIn.get(r.bucket) ?? 0 }));
  },
  topCourses: (db: Database, range: DateRange) => rowsOf(db, topCoursesSql(range)),
  summary: async (db: Database, range: DateRange) => (await rowsOf(db, summarySql(range)))[0]!,
  topSearches: (db: Database, range: DateRange) => rowsOf(db, topSearchesSql(range)),
};

/** Everything the page shows, in five statements run side by side. */
export async function platformNumbers(db: Database, range: DateRange): Promise<PlatformNumbers> {
  const [series, topCourses, summary, topSearches] = await Promise.all([
    platformQueries.series(db, range),
    platformQueries.topCourses(db, range),
    platformQueries.summary(db, range),
    platformQueries.topSearches(db, range),
  ]);
  return { series, topCourses, summary, topSearches };
}
