import { translatorFor, type Translator } from '../../i18n/translator.ts';
import { sql } from 'kysely';
import type { Database } from '../../db/database.ts';
import { calendarChart, type CalendarChart } from '../../lib/charts/index.ts';
import { nextDay } from '../../lib/dates.ts';
import { STREAK_ACTIVITY } from './badges.ts';

/**
 * A student's learning days, on their own clock: the current streak, the longest streak in the
 * calendar's 12 weeks, and the activity per day for the calendar. ONE query, aggregated in SQL
 * (gaps and islands over the distinct local days), whatever the length of the history.
 *
 * Learning is the STREAK_ACTIVITY types on any of the student's enrollments: signing in
 * (LoggedIn) and a deadline passing (MissedAssignment) are activity rows too, but not learning.
 * A streak ends today, or yesterday when today has nothing yet: the day is not over, so the
 * streak is not broken until it is.
 */

/** The calendar's length: whole weeks, Monday to Sunday, ending with the current week. */
export const CALENDAR_WEEKS = 12;

export interface LearningDays {
  /** Consecutive days with learning, ending today or yesterday; 0 when neither has any. */
  current: number;
  /** The longest run of days inside the calendar's weeks (a longer run counts only its days there). */
  longestInCalendar: number;
  /** Whether today already counts (false: the streak continues if the student learns today). */
  activeToday: boolean;
  /** The student's today, 'YYYY-MM-DD'. */
  today: string;
  /** Every day from the calendar's first Monday to today, oldest first; days to come are not listed. */
  days: { date: string; count: number }[];
}

interface Row {
  today: string;
  start: string;
  current: number;
  longest: number;
  activeToday: boolean;
  counts: Record<string, number> | null;
}

/** `now` is for tests: the streak of a given moment. */
export async function learningDays(db: Database, userId: string, timeZone: string, now: Date = new Date()): Promise<LearningDays> {
  const types = sql.join(STREAK_ACTIVITY.map((t) => sql.lit(t)));
  const { rows } = await sql<Row>`
    with clock as (
      select (${now}::timestamptz at time zone ${timeZone})::date as today
    ), bounds as (
      -- The Monday of the current week (date_trunc's weeks start on Monday), then 11 weeks back.
      select today, (date_trunc('week', today::timestamp) - ${CALENDAR_WEEKS - 1}::int * interval '1 week')::date as start from clock
    ), days as (
      select (a.created_at at time zone ${timeZone})::date as day, count(*)::int as n
      from enrollment e
      join student_activity a on a.enrollment_id = e.id
      where e.user_id = ${userId} and a.type in (${types}) and a.created_at <= ${now}::timestamptz
      group by 1
    ), islands as (
      -- Consecutive days share day - row_number (the "gaps and islands" trick).
      select day, day - (row_number() over (order by day))::int as island from days
    ), runs as (
      select min(day) as first, max(day) as last from islands group by island
    )
    select
      to_char(b.today, 'YYYY-MM-DD') as today,
      to_char(b.start, 'YYYY-MM-DD') as start,
      coalesce((select max(r.last - r.first + 1) from runs r where r.last >= b.today - 1), 0)::int as current,
      coalesce((select max(r.last - greatest(r.first, b.start) + 1) from runs r where r.last >= b.start), 0)::int as longest,
      exists (select 1 from days d where d.day = b.today) as "activeToday",
      (select jsonb_object_agg(to_char(d.day, 'YYYY-MM-DD'), d.n) from days d where d.day >= b.start) as counts
    from bounds b`.execute(db);
  const row = rows[0]!;
  const counts = row.counts ?? {};
  const days: LearningDays['days'] = [];
  for (let day = row.start; day <= row.today; day = nextDay(day)) days.push({ date: day, count: counts[day] ?? 0 });
  return { current: row.current, longestInCalendar: row.longest, activeToday: row.activeToday, today: row.today, days };
}


/** The dashboard's calendar: 12 weeks of learning days (src/lib/charts/calendar.ts), described in words. */
export function activityCalendar(learning: LearningDays, tr: Translator = translatorFor('en')): CalendarChart {
  const active = learning.days.filter((d) => d.count > 0);
  const total = active.reduce((sum, d) => sum + d.count, 0);
  const weeks = CALENDAR_WEEKS;
  return calendarChart({
    id: 'activity-calendar',
    title: tr.t('Your learning in the last {weeks} weeks', { weeks }),
    description:
      active.length === 0
        ? tr.t('No learning in the last {weeks} weeks: one square per day, Monday to Sunday, each darker the more you did.', { weeks })
        : tr.t(
            'You learned on {days, plural, one {# day} other {# days}} ({activities, plural, one {# activity} other {# activities}}) in the last {weeks} weeks: one square per day, Monday to Sunday, each darker the more you did.',
            { days: active.length, activities: total, weeks },
          ),
    days: learning.days,
    csvHref: '/dashboard/activity.csv',
    tr,
  });
}
