import type { Request } from 'express';
import { sql } from 'kysely';
import type { Database } from '../../db/database.ts';
import { describeUserAgent } from '../../lib/user-agent.ts';
import { setting } from '../system/settings.ts';

/** Learning rules: activity, completion, badges and points, early unlocks, watch time, ratings. */

type ActivityType = 'StartedCourse' | 'ViewedLesson' | 'CompletedLesson';
type BadgeType = 'FirstLessonCompleted' | 'SevenDayStreak' | 'HundredPercentProgress';

declare module 'express-session' {
  interface SessionData {
    /** Enrollments this signed-in device has opened (one login_session row each). */
    openedCourses?: string[];
  }
}

/**
 * A lesson opened: ViewedLesson (and StartedCourse the first time), lastActivityAt, and a
 * login_session row the first time this signed-in device opens the course.
 */
export async function recordLessonView(db: Database, req: Request, enrollmentId: string, lessonId: string, country: string | null): Promise<void> {
  const firstOnDevice = !(req.session.openedCourses ?? []).includes(enrollmentId);
  await db.transaction().execute(async (trx) => {
    // Once per course (StartedCourse) and once per lesson a day (ViewedLesson): unique partial
    // indexes decide (migration lesson-views-once-a-day), so a reload or a race adds nothing.
    const rows: Array<{ type: ActivityType; description: string }> = [
      { type: 'StartedCourse', description: 'Opened the first lesson' },
      { type: 'ViewedLesson', description: 'Opened a lesson' },
    ];
    await trx
      .insertInto('studentActivity')
      .values(rows.map((row) => ({ enrollmentId, ...row, metadata: JSON.stringify({ lessonId }) })))
      .onConflict((oc) => oc.doNothing())
      .execute();
    await trx.updateTable('enrollment').set({ lastActivityAt: new Date() }).where('id', '=', enrollmentId).execute();
    if (firstOnDevice) {
      const ua = req.get('user-agent') ?? null;
      const device = describeUserAgent(ua);
      await trx
        .insertInto('loginSession')
        .values({ enrollmentId, device: device.device, browser: device.browser, country, ipAddress: req.ip ?? null, userAgent: ua?.slice(0, 500) ?? null })
        .execute();
    }
  });
  if (firstOnDevice) req.session.openedCourses = [...(req.session.openedCourses ?? []), enrollmentId].slice(-50);
}

async function awardBadge(trx: Database, enrollmentId: string, userId: string, badge: BadgeType, points: number, courseTitle: string): Promise<boolean> {
  // Once per enrollment: the unique (enrollment, badge) decides, also between racing requests.
  const row = await trx
    .insertInto('studentBadge')
    .values({ enrollmentId, badgeType: badge, metadata: JSON.stringify({ points }) })
    .onConflict((oc) => oc.columns(['enrollmentId', 'badgeType']).doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!row) return false;
  if (points > 0) {
    await trx.updateTable('user').set((eb) => ({ points: eb('points', '+', points) })).where('id', '=', userId).execute();
  }
  const names: Record<BadgeType, string> = {
    FirstLessonCompleted: 'First lesson completed',
    SevenDayStreak: 'Seven-day streak',
    HundredPercentProgress: 'Course completed',
  };
  await trx
    .insertInto('notification')
    .values({
      userId,
      type: 'PointsEarned',
      title: `Badge earned: ${names[badge]}`,
      message: `You earned ${points} points in "${courseTitle}".`,
      link: '/dashboard',
    })
    .execute();
  return true;
}

/** Activity on each of the last seven days (today included), counted in UTC. */
async function hasSevenDayStreak(trx: Database, enrollmentId: string): Promise<boolean> {
  const { rows } = await sql<{ days: number }>`
    select count(distinct (created_at at time zone 'UTC')::date)::int as days
    from student_activity
    where enrollment_id = ${enrollmentId}
      and created_at >= (date_trunc('day', now() at time zone 'UTC') - interval '6 days') at time zone 'UTC'`.execute(trx);
  return (rows[0]?.days ?? 0) >= 7;
}

export interface CompletionResult {
  completed: boolean;
  badges: BadgeType[];
}

/**
 * Marks a lesson done (or not done again). Completing writes CompletedLesson and checks the badges;
 * `courseComplete` (run inside the same transaction) says whether every counted lesson is now done.
 */
export async function toggleCompletion(
  db: Database,
  input: { userId: string; enrollmentId: string; lessonId: string; courseTitle: string; courseComplete: (trx: Database) => Promise<boolean> },
): Promise<CompletionResult> {
  const badgePoints = await setting(db, 'learning.badgePoints');
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('lessonProgress')
      .values({ userId: input.userId, lessonId: input.lessonId, completed: true })
      .onConflict((oc) => oc.columns(['userId', 'lessonId']).doUpdateSet({ completed: sql`not lesson_progress.completed` }))
      .returning('completed')
      .executeTakeFirstOrThrow();
    const badges: BadgeType[] = [];
    if (!row.completed) return { completed: false, badges };

    await trx
      .insertInto('studentActivity')
      .values({ enrollmentId: input.enrollmentId, type: 'CompletedLesson', description: 'Completed a lesson', metadata: JSON.stringify({ lessonId: input.lessonId }) })
      .execute();
    await trx.updateTable('enrollment').set({ lastActivityAt: new Date() }).where('id', '=', input.enrollmentId).execute();

    const award = async (badge: BadgeType) => {
      if (await awardBadge(trx, input.enrollmentId, input.userId, badge, badgePoints[badge], input.courseTitle)) badges.push(badge);
    };
    await award('FirstLessonCompleted');
    if (await hasSevenDayStreak(trx, input.enrollmentId)) await award('SevenDayStreak');
    if (await input.courseComplete(trx)) await award('HundredPercentProgress');
    return { completed: true, badges };
  });
}

export type UnlockResult = { ok: true } | { ok: false; message: string };

/**
 * Opens a scheduled chapter or lesson early for points. The spend is one conditional UPDATE
 * (`where points >= price`), so parallel requests can never overspend or go below zero; the unlock row
 * is unique per user and item, and a repeated unlock costs nothing.
 */
export async function unlockEarly(db: Database, input: { userId: string; target: { chapterId: string } | { lessonId: string } }): Promise<UnlockResult> {
  const price = await setting(db, 'learning.earlyUnlockPoints');
  return db.transaction().execute(async (trx) => {
    const inserted = await trx
      .insertInto('earlyUnlock')
      .values({ userId: input.userId, pointsSpent: price, ...input.target })
      .onConflict((oc) => oc.columns(['userId', 'chapterId', 'lessonId']).doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!inserted) return { ok: true as const };
    const paid = await trx
      .updateTable('user')
      .set((eb) => ({ points: eb('points', '-', price) }))
      .where('id', '=', input.userId)
      .where('points', '>=', price)
      .executeTakeFirst();
    if (paid.numUpdatedRows === 0n) {
      // Not enough points: the unlock row goes with the rolled-back transaction.
      throw new NotEnoughPoints(price);
    }
    return { ok: true as const };
  }).catch((error: unknown) => {
    if (error instanceof NotEnoughPoints) return { ok: false as const, message: `Opening early costs ${error.price} points, and you have fewer.` };
    throw error;
  });
}

class NotEnoughPoints extends Error {
  constructor(readonly price: number) {
    super('not enough points');
  }
}

/**
 * Seconds watched, reported by the player's script: upserted, never going down; the completion rate
 * is derived and kept within 0-100.
 */
export async function recordWatchTime(db: Database, input: { userId: string; lessonId: string; watched: number; duration: number }): Promise<void> {
  const watched = Math.max(0, Math.min(Math.floor(input.watched), 24 * 3600));
  const duration = Math.max(0, Math.min(Math.floor(input.duration), 24 * 3600));
  const rate = duration > 0 ? Math.min(100, (watched * 100) / duration) : 0;
  await db
    .insertInto('lessonWatchAnalytics')
    .values({ userId: input.userId, lessonId: input.lessonId, watchDuration: watched, totalDuration: duration, completionRate: rate })
    .onConflict((oc) =>
      oc.columns(['userId', 'lessonId']).doUpdateSet({
        watchDuration: sql`greatest(lesson_watch_analytics.watch_duration, excluded.watch_duration)`,
        totalDuration: sql`greatest(lesson_watch_analytics.total_duration, excluded.total_duration)`,
        completionRate: sql`least(100, greatest(lesson_watch_analytics.completion_rate, excluded.completion_rate))`,
        lastWatchedAt: new Date(),
      }),
    )
    .execute();
}

export async function rateCourse(db: Database, input: { userId: string; courseId: string; rating: number; comment: string | null }): Promise<void> {
  await db
    .insertInto('courseRating')
    .values(input)
    .onConflict((oc) => oc.columns(['userId', 'courseId']).doUpdateSet({ rating: input.rating, comment: input.comment }))
    .execute();
}
