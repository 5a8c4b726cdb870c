import { sql, type Transaction } from 'kysely';
import type { Database } from '../../db/database.ts';
import type { DB } from '../../db/types.ts';
import { translatorFor, type MessageValues } from '../../i18n/translator.ts';

/**
 * The one owner of `user.points`: every credit and spend changes the balance and writes its
 * point_ledger row in ONE statement (a data-modifying CTE), so the history and the balance never
 * disagree, also between racing requests. Nothing else updates `user.points` (a test scans src/).
 *
 * Earned points (badges, quizzes, engagement with one's posts) count on the leaderboards; refunds of
 * spent points and the opening balance do not (see EARNED_REASONS and the partial index
 * point_ledger_earned_created_at_idx, migration analytics-additions).
 */

export type PointsReason = 'Opening' | 'Badge' | 'Quiz' | 'BlogEngagement' | 'BlogRefund' | 'BlogSubmission' | 'EarlyUnlock';

/** The reasons that are points *earned*: what the weekly and monthly leaderboards rank. */
export const EARNED_REASONS = ['Badge', 'Quiz', 'BlogEngagement'] as const satisfies readonly PointsReason[];

/** What the history shows for each reason. */
export const REASON_LABELS: Record<PointsReason, string> = {
  Opening: 'Balance before the history began',
  Badge: 'Badge',
  Quiz: 'Quiz',
  BlogEngagement: 'Your blog post',
  BlogRefund: 'Blog post returned',
  BlogSubmission: 'Blog post sent to moderation',
  EarlyUnlock: 'Opened early',
};

export interface PointsChange {
  userId: string;
  /** How many points (positive; spendPoints subtracts them). */
  points: number;
  reason: PointsReason;
  /** A line for the history: "Badge: Course completed in "Python for Beginners"". */
  description: string;
  /**
   * Given when `description` is a catalogue message (msg('…')) with these values: the line is
   * written in the person's language (user.language), as notices are. Without: kept as it is.
   */
  values?: MessageValues;
  /** A path on this site the history links to, if any. */
  link?: string;
}

type Db = Transaction<DB> | Database;

const clipDescription = (text: string) => (text.length > 300 ? `${text.slice(0, 299)}…` : text);

/** The history line: a catalogue message in the person's language (one query for it), or the text given. */
async function describe(db: Db, change: PointsChange): Promise<string> {
  if (!change.values) return clipDescription(change.description);
  const row = await db.selectFrom('user').select('language').where('id', '=', change.userId).executeTakeFirst();
  return clipDescription(translatorFor(row?.language).t(change.description, change.values));
}

/** Adds points to a balance, with its history row. Nothing for zero or less. */
export async function creditPoints(db: Db, change: PointsChange): Promise<void> {
  if (change.points <= 0) return;
  const description = await describe(db, change);
  await sql`
    with credited as (
      update "user" set points = points + ${change.points} where id = ${change.userId} returning id
    )
    insert into point_ledger (user_id, points, reason, description, link)
    select id, ${change.points}, ${change.reason}, ${description}, ${change.link ?? null} from credited`.execute(db);
}

/**
 * Spends points if the balance has them: one conditional UPDATE (`where points >= cost`), so
 * parallel requests never overspend or go below zero; the history row only when it was paid.
 * True when paid (also for a cost of zero).
 */
export async function spendPoints(db: Db, change: PointsChange): Promise<boolean> {
  if (change.points <= 0) return true;
  const description = await describe(db, change);
  const { rows } = await sql<{ id: string }>`
    with paid as (
      update "user" set points = points - ${change.points} where id = ${change.userId} and points >= ${change.points} returning id
    )
    insert into point_ledger (user_id, points, reason, description, link)
    select id, ${-change.points}, ${change.reason}, ${description}, ${change.link ?? null} from paid
    returning id`.execute(db);
  return rows.length > 0;
}
