import { sql, type Transaction } from 'kysely';
import type { DB, Studentbadgetype } from '../../db/types.ts';
import { msg } from '../../i18n/catalogue.ts';
import type { MessageValues, Translator } from '../../i18n/translator.ts';
import { notify } from '../notifications/notify.ts';
import { creditPoints } from '../points/ledger.ts';

/** Badges: what people read for each, and how one is awarded (once per enrollment). */

export type BadgeType = Studentbadgetype;

/** The one place a badge's name is written: notifications, flashes, the completion answer, the dashboard. */
export const BADGE_NAMES: Record<BadgeType, string> = {
  FirstLessonCompleted: 'First lesson completed',
  SevenDayStreak: 'Seven-day streak',
  HundredPercentProgress: 'Course completed',
  DiscussionContributor: 'Discussion contributor',
  MonthlyTopPerformer: 'Top performer of the month',
  WeeklyTopPerformer: 'Top performer of the week',
};

/** A badge's name as people read it, in their language: `t(BADGE_NAME, { badge })`. */
export const BADGE_NAME = msg(
  '{badge, select, FirstLessonCompleted {First lesson completed} SevenDayStreak {Seven-day streak} HundredPercentProgress {Course completed} DiscussionContributor {Discussion contributor} MonthlyTopPerformer {Top performer of the month} WeeklyTopPerformer {Top performer of the week} other {{badge}}}',
);

/** Badges named in a list ("First lesson completed and Seven-day streak"), in the reader's language. */
export function badgeList(tr: Translator, badges: readonly BadgeType[]): string {
  return new Intl.ListFormat(tr.locale, { type: 'conjunction' }).format(badges.map((badge) => tr.t(BADGE_NAME, { badge })));
}

/**
 * Awards a badge once per enrollment (the unique (enrollment, badge) decides, also between racing
 * requests), with its points and a PointsEarned notification. Takes the transaction of the
 * completion it belongs to: points and badge commit together or not at all.
 */
export async function awardBadge(
  trx: Transaction<DB>,
  award: { enrollmentId: string; userId: string; badge: BadgeType; points: number; courseTitle: string; message?: string; values?: MessageValues },
): Promise<boolean> {
  const row = await trx
    .insertInto('studentBadge')
    .values({ enrollmentId: award.enrollmentId, badgeType: award.badge, metadata: JSON.stringify({ points: award.points }) })
    .onConflict((oc) => oc.columns(['enrollmentId', 'badgeType']).doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!row) return false;
  await creditPoints(trx, {
    userId: award.userId,
    points: award.points,
    reason: 'Badge',
    description: msg(
      '{badge, select, FirstLessonCompleted {First lesson completed} SevenDayStreak {Seven-day streak} HundredPercentProgress {Course completed} DiscussionContributor {Discussion contributor} MonthlyTopPerformer {Top performer of the month} WeeklyTopPerformer {Top performer of the week} other {{badge}}} in "{course}"',
    ),
    values: { badge: award.badge, course: award.courseTitle },
    link: '/dashboard',
  });
  await notify(trx, {
    userId: award.userId,
    type: 'PointsEarned',
    title: msg(
      'Badge earned: {badge, select, FirstLessonCompleted {First lesson completed} SevenDayStreak {Seven-day streak} HundredPercentProgress {Course completed} DiscussionContributor {Discussion contributor} MonthlyTopPerformer {Top performer of the month} WeeklyTopPerformer {Top performer of the week} other {{badge}}}',
    ),
    message: award.message ?? msg('You earned {points, plural, one {# point} other {# points}} in “{course}”.'),
    values: { badge: award.badge, points: award.points, course: award.courseTitle, ...award.values },
    link: '/dashboard',
  });
  return true;
}

/**
 * Learning on each of the last seven days (today included), counted in the student's time zone,
 * as the dashboard's streak is (streak.ts): the badge and the streak a student sees agree. Signing
 * in (LoggedIn) and a deadline passing (MissedAssignment) are activity rows too, but neither is
 * learning: a streak of sign-ins, or of missed work, earns nothing.
 */
export const STREAK_ACTIVITY = ['CompletedLesson', 'ViewedLesson', 'DownloadedFile', 'SubmittedAssignment', 'StartedCourse'] as const;

export async function hasSevenDayStreak(trx: Transaction<DB>, enrollmentId: string): Promise<boolean> {
  const { rows } = await sql<{ days: number }>`
    with zone as (
      select u.time_zone as tz from enrollment e join "user" u on u.id = e.user_id where e.id = ${enrollmentId}
    )
    select count(distinct (a.created_at at time zone zone.tz)::date)::int as days
    from student_activity a, zone
    where a.enrollment_id = ${enrollmentId}
      and a.type in (${sql.join(STREAK_ACTIVITY.map((t) => sql.lit(t)))})
      and a.created_at >= (date_trunc('day', now() at time zone zone.tz) - interval '6 days') at time zone zone.tz`.execute(trx);
  return (rows[0]?.days ?? 0) >= 7;
}
