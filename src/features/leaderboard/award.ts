import { sql, type Transaction } from 'kysely';
import { msg } from '../../i18n/catalogue.ts';
import type { Database } from '../../db/database.ts';
import type { DB } from '../../db/types.ts';
import { translatorFor } from '../../i18n/translator.ts';
import { awardBadge, type BadgeType } from '../learning/badges.ts';
import { notify } from '../notifications/notify.ts';
import { setting } from '../system/settings.ts';
import { lastCompletedPeriod, periodLabel, PERIODS, type Period, type PeriodSpan } from './periods.ts';
import { awardRankingSql } from './standings.ts';

/**
 * Awards the last COMPLETED week and month (UTC), each exactly once: in one transaction the
 * period's leaderboard_period row is inserted first, `on conflict do nothing`; no row back means it
 * was awarded already (or another instance is awarding it right now: the insert waits for that
 * transaction and then finds its row), so nothing more happens. Then the top `leaderboard.winners`
 * students by points earned (standings.ts, opted-out students included: opting out hides a name,
 * it does not cost a prize) get a leaderboard_award row, the period's badge and a notification.
 *
 * The badge goes on the winner's enrollment with the most recent activity that does not have it
 * yet (student_badge is unique per enrollment and type); when every enrollment has it (or there is
 * none), the award row keeps enrollment_id null and the winner is still told. The badges carry no
 * points: points would count towards the next period's ranking.
 *
 * Only the last completed week and month, never older ones: after downtime the job catches up on
 * those two and lets history be.
 */

const BADGES: Record<Period, BadgeType> = { week: 'WeeklyTopPerformer', month: 'MonthlyTopPerformer' };

export interface PeriodOutcome {
  period: Period;
  startDay: string;
  /** False: this period had been awarded already. */
  awarded: boolean;
  winners: number;
}

interface Winner {
  rank: number;
  userId: string;
  points: number;
  enrollmentId: string | null;
  courseTitle: string | null;
  /** The winner's language (user.language): the period is named in it. */
  language: string | null;
}

/** 1st, 2nd, 3rd, 4th ... 11th, 12th, 13th ... 21st. */
/** A place on the leaderboard as an ordinal ("1st", "22nd"): a catalogue message, translated where shown. */
export const PLACE = msg('{rank, selectordinal, one {#st} two {#nd} few {#rd} other {#th}}');

export function ordinal(n: number): string {
  const tens = n % 100;
  if (tens >= 11 && tens <= 13) return `${n}th`;
  return `${n}${['th', 'st', 'nd', 'rd'][n % 10] ?? 'th'}`;
}

async function awardPeriod(trx: Transaction<DB>, span: PeriodSpan, places: number): Promise<PeriodOutcome> {
  const claimed = await trx
    .insertInto('leaderboardPeriod')
    .values({ period: span.period, periodStart: span.startDay })
    .onConflict((oc) => oc.columns(['period', 'periodStart']).doNothing())
    .returning('period')
    .executeTakeFirst();
  if (!claimed) return { period: span.period, startDay: span.startDay, awarded: false, winners: 0 };

  const badge = BADGES[span.period];
  // One statement: rank, pick each winner's enrollment for the badge, insert the award rows, and
  // read back what the notices need (the course of that enrollment).
  const { rows: winners } = await sql<Winner>`
    with ranked as (${awardRankingSql(span)}),
    placed as (
      insert into leaderboard_award (period, period_start, rank, user_id, points, enrollment_id)
      select ${span.period}, ${span.startDay}::date, r.rank, r.user_id, r.points, (
        select e.id from enrollment e
        where e.user_id = r.user_id
          and not exists (select 1 from student_badge b where b.enrollment_id = e.id and b.badge_type = ${badge})
        order by e.status = 'Active' desc, e.last_activity_at desc nulls last, e.created_at desc, e.id
        limit 1
      )
      from ranked r
      where r.rank <= ${places}
      returning rank, user_id, points, enrollment_id
    )
    select p.rank, p.user_id as "userId", p.points, p.enrollment_id as "enrollmentId", c.title as "courseTitle", u.language
    from placed p
    join "user" u on u.id = p.user_id
    left join enrollment e on e.id = p.enrollment_id
    left join course c on c.id = e.course_id
    order by p.rank`.execute(trx);

  for (const w of winners) {
    // Written in the winner's language by notify(); the period's name is a value, so it is named in that language here.
    const values = { rank: w.rank, period: periodLabel(span, translatorFor(w.language)), points: w.points, badge };
    const message = msg(
      'You came {rank, selectordinal, one {#st} two {#nd} few {#rd} other {#th}} on the leaderboard for {period}, with {points, plural, one {# point} other {# points}} earned.',
    );
    const badged =
      w.enrollmentId !== null &&
      (await awardBadge(trx, { enrollmentId: w.enrollmentId, userId: w.userId, badge, points: 0, courseTitle: w.courseTitle ?? '', message, values }));
    if (!badged) {
      const title = msg(
        '{badge, select, MonthlyTopPerformer {Top performer of the month} other {Top performer of the week}}: {rank, selectordinal, one {#st} two {#nd} few {#rd} other {#th}} place',
      );
      await notify(trx, { userId: w.userId, type: 'PointsEarned', title, message, values, link: '/leaderboard' });
    }
  }
  return { period: span.period, startDay: span.startDay, awarded: true, winners: winners.length };
}

/** The job's work: the last completed week and month, in one transaction (the tick's, when given one). */
export async function awardCompletedPeriods(db: Database | Transaction<DB>, now: Date = new Date()): Promise<PeriodOutcome[]> {
  const work = async (trx: Transaction<DB>) => {
    const places = await setting(trx, 'leaderboard.winners');
    const outcomes: PeriodOutcome[] = [];
    for (const period of PERIODS) outcomes.push(await awardPeriod(trx, lastCompletedPeriod(period, now), places));
    return outcomes;
  };
  return db.isTransaction ? work(db as Transaction<DB>) : db.transaction().execute(work);
}
