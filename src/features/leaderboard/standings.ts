import { sql, type RawBuilder } from 'kysely';
import type { Database } from '../../db/database.ts';
import { EARNED_REASONS } from '../points/ledger.ts';
import type { Period, PeriodSpan } from './periods.ts';

/**
 * The ranking, ONE rule for the page and the award job: students (role 'student', no site ban in
 * force) by points EARNED in the period (point_ledger rows of EARNED_REASONS; spends, refunds and
 * the opening balance do not count), more points first; on equal points, whoever reached their
 * total first (the earlier last row); then the user id, so the order never depends on the plan.
 * The partial index point_ledger_earned_created_at_idx serves the sum (an index-only scan).
 *
 * Opting out hides a student's name from /leaderboard, never their rank in the awards: the page
 * ranks among the students shown, the job among all.
 */

export const PAGE_SIZE = 20;

const earnedReasonsSql = () => sql.join(EARNED_REASONS.map((r) => sql.lit(r)));

/** Rows (user_id, points, reached_at, rank) of the eligible students, over the aliases it makes. */
function rankingSql(span: Pick<PeriodSpan, 'start' | 'end'>, options: { shownOnly: boolean }): RawBuilder<unknown> {
  return sql`
    select s.user_id, s.points, s.reached_at,
      row_number() over (order by s.points desc, s.reached_at, s.user_id)::int as rank
    from (
      select l.user_id, sum(l.points)::int as points, max(l.created_at) as reached_at
      from point_ledger l
      where l.reason in (${earnedReasonsSql()}) and l.created_at >= ${span.start} and l.created_at < ${span.end}
      group by l.user_id
    ) s
    join "user" u on u.id = s.user_id
    where s.points > 0 and u.role = 'student'
      and not (u.banned is true and (u.ban_expires is null or u.ban_expires > now()))
      ${options.shownOnly ? sql`and not u.leaderboard_opt_out` : sql``}`;
}

export interface Standing {
  rank: number;
  /** "Maria G.": the first name and the last name's initial, never more. */
  name: string;
  points: number;
}

/** Where the viewing student stands (undefined for visitors and non-students). */
export interface ViewerPlace {
  optedOut: boolean;
  /** Their rank among the students shown; null when they earned nothing yet (or opted out). */
  rank: number | null;
  points: number;
}

/** "Maria G." from a first name and the initial SQL hands over (the full last name never leaves the database). */
export function shortName(firstName: string, initial: string | null): string {
  return initial ? `${firstName.trim()} ${initial}.` : firstName.trim();
}

const initialSql = (alias: string) => sql<string | null>`nullif(upper(left(btrim(${sql.ref(`${alias}.last_name`)}), 1)), '')`;

interface StandingRow {
  kind: 'top' | 'me';
  rank: number | null;
  firstName: string | null;
  initial: string | null;
  points: number | null;
  optedOut: boolean | null;
}

/**
 * The period's top 20 among the students shown, and the viewer's own place: ONE query (a union of
 * the top rows and the viewer's row, which exists only for a signed-in student).
 */
export async function standings(db: Database, span: Pick<PeriodSpan, 'start' | 'end'>, viewerId: string | null): Promise<{ top: Standing[]; viewer?: ViewerPlace }> {
  const { rows } = await sql<StandingRow>`
    with ranked as (${rankingSql(span, { shownOnly: true })})
    select 'top' as kind, r.rank, u.first_name as "firstName", ${initialSql('u')} as initial, r.points, null::boolean as "optedOut"
    from ranked r join "user" u on u.id = r.user_id
    where r.rank <= ${PAGE_SIZE}
    union all
    select 'me', r.rank, null, null,
      (select coalesce(sum(l.points), 0)::int from point_ledger l
       where l.user_id = me.id and l.reason in (${earnedReasonsSql()}) and l.created_at >= ${span.start} and l.created_at < ${span.end}),
      me.leaderboard_opt_out
    from "user" me left join ranked r on r.user_id = me.id
    where me.id = ${viewerId} and me.role = 'student'
    order by kind desc, rank`.execute(db);
  const top = rows.filter((r) => r.kind === 'top').map((r) => ({ rank: r.rank!, name: shortName(r.firstName!, r.initial), points: r.points! }));
  const me = rows.find((r) => r.kind === 'me');
  return { top, viewer: me ? { optedOut: me.optedOut === true, rank: me.rank, points: me.points ?? 0 } : undefined };
}

/** The awarded winners of a completed period, by rank, without those who opted out or are banned now: one query. */
export async function pastWinners(db: Database, period: Period, startDay: string): Promise<Standing[]> {
  const { rows } = await sql<{ rank: number; firstName: string; initial: string | null; points: number }>`
    select a.rank, u.first_name as "firstName", ${initialSql('u')} as initial, a.points
    from leaderboard_award a join "user" u on u.id = a.user_id
    where a.period = ${period} and a.period_start = ${startDay}::date
      and not u.leaderboard_opt_out
      and not (u.banned is true and (u.ban_expires is null or u.ban_expires > now()))
    order by a.rank`.execute(db);
  return rows.map((r) => ({ rank: r.rank, name: shortName(r.firstName, r.initial), points: r.points }));
}

/** The award job's ranking: every eligible student, opted out or not, as rows (user_id, points, reached_at, rank). */
export const awardRankingSql = (span: Pick<PeriodSpan, 'start' | 'end'>): RawBuilder<unknown> => rankingSql(span, { shownOnly: false });
