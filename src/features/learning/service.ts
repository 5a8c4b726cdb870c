import { msg } from '../../i18n/catalogue.ts';
import { sql } from 'kysely';
import type { Database } from '../../db/database.ts';
import { spendPoints } from '../points/ledger.ts';
import { setting } from '../system/settings.ts';

/** Learning rules: activity, early unlocks, watch time, ratings (completion: completion.ts; badges: badges.ts). */

type ActivityType = 'StartedCourse' | 'ViewedLesson' | 'DownloadedFile';

/**
 * A lesson opened by an enrolled student who may open it (the caller has asked the course policy):
 * its lesson_progress row (the spec: createdAt is the first access; completed false until the
 * student completes it, completion.ts), ViewedLesson (once a day) and StartedCourse (once), and
 * lastActivityAt. (The course's login_session rows are written at sign-in: accounts/service.ts
 * recordSignIn.)
 */
export async function recordLessonView(db: Database, viewer: { enrollmentId: string; userId: string }, lessonId: string): Promise<void> {
  const { enrollmentId, userId } = viewer;
  // One statement (so one round trip, and atomic without BEGIN/COMMIT around it): a lesson page
  // ran at two thirds of its speed with the four round trips of a transaction (issue 13's benchmark).
  // Once per course (StartedCourse) and once per lesson a day (ViewedLesson): unique partial indexes
  // decide (migration lesson-views-once-a-day), so a reload or a race adds nothing. lastActivityAt at
  // most once a minute: an update (and a lock on the enrollment) on every view made a student's
  // reloads and parallel tabs queue behind each other. The progress row: once per student and
  // lesson (its unique key decides), never touched again here, so created_at stays the first open.
  const metadata = JSON.stringify({ lessonId });
  await sql`
    with activity as (
      insert into student_activity (enrollment_id, type, description, metadata)
      values (${enrollmentId}, ${'StartedCourse' satisfies ActivityType}, 'Opened the first lesson', ${metadata}),
             (${enrollmentId}, ${'ViewedLesson' satisfies ActivityType}, 'Opened a lesson', ${metadata})
      on conflict do nothing
    ), opened as (
      insert into lesson_progress (user_id, lesson_id, completed) values (${userId}, ${lessonId}, false)
      on conflict (user_id, lesson_id) do nothing
    ), touched as (
      update enrollment set last_activity_at = now()
      where id = ${enrollmentId} and (last_activity_at is null or last_activity_at < now() - interval '1 minute')
    )
    select 1`.execute(db);
}

/**
 * A lesson's file downloaded: DownloadedFile once per enrollment, attachment and UTC day (a unique
 * partial index decides, migration rich-lessons, so reloads and parallel clicks add nothing), and
 * lastActivityAt.
 */
export async function recordDownload(db: Database, enrollmentId: string, file: { attachmentId: string; lessonId: string }): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const type: ActivityType = 'DownloadedFile';
    await trx
      .insertInto('studentActivity')
      .values({ enrollmentId, type, description: 'Downloaded a lesson file', metadata: JSON.stringify(file) })
      .onConflict((oc) => oc.doNothing())
      .execute();
    await trx.updateTable('enrollment').set({ lastActivityAt: new Date() }).where('id', '=', enrollmentId).execute();
  });
}

/**
 * The student's own certificate downloaded: DownloadedFile with `{ certificateId }` (the enrollment
 * whose certificate it is), once per enrollment and UTC day (the unique partial index
 * student_activity_downloaded_file_daily_key covers certificates too, migration
 * analytics-additions), so a reload or parallel clicks add nothing. One statement.
 */
export async function recordCertificateDownload(db: Database, enrollmentId: string): Promise<void> {
  const type: ActivityType = 'DownloadedFile';
  await db
    .insertInto('studentActivity')
    .values({ enrollmentId, type, description: 'Downloaded the certificate', metadata: JSON.stringify({ certificateId: enrollmentId }) })
    .onConflict((oc) => oc.doNothing())
    .execute();
}

export type UnlockResult = { ok: true } | { ok: false; message: string; values: { price: number } };

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
    const paid = await spendPoints(trx, {
      userId: input.userId,
      points: price,
      reason: 'EarlyUnlock',
      description: 'chapterId' in input.target ? msg('Opened a chapter before its release') : msg('Opened a lesson before its release'),
      values: {},
    });
    if (!paid) {
      // Not enough points: the unlock row goes with the rolled-back transaction.
      throw new NotEnoughPoints(price);
    }
    return { ok: true as const };
  }).catch((error: unknown) => {
    if (error instanceof NotEnoughPoints) return { ok: false as const, message: msg('Opening early costs {price, plural, one {# point} other {# points}}, and you have fewer.'), values: { price: error.price } };
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
