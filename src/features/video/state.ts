import { sql } from 'kysely';
import type { Database } from '../../db/database.ts';
import { QUEUES, type JobQueue } from '../../queue/boss.ts';
import type { VideoRenditionKind } from '../../storage/variants.ts';

/**
 * The one owner of a video's processing state (video_transcode): nothing else writes its status.
 *
 *   Queued --claim--> Processing --finish--> Ready
 *      ^                  |  \----fail-----> Failed --retry--> Queued
 *      |                  |
 *      +--- retryable ----+   (a crash, a storage error: the queue runs it again)
 *
 * Every row belongs to one stored original (its key); replacing a lesson's video forgets the old
 * row (its renditions go with it, by cascade, and their files with the original's: variants.ts).
 */

export type TranscodeStatus = 'Queued' | 'Processing' | 'Ready' | 'Failed';

export interface TranscodeJob {
  videoKey: string;
}

/** A failure the next run would meet again (the file is not a video, ffmpeg is missing): not retried. */
export class PermanentVideoError extends Error {
  override name = 'PermanentVideoError';
}

/**
 * Seconds a run may take before the queue counts it as crashed: 15 min plus 30 s per MB, up to 6 h.
 * Only the size is known when the job is queued (the duration comes from ffprobe, in the run), and
 * pg-boss 10 cannot extend a running job's expiry: so the allowance is generous per MB, because a
 * long lecture at a low bitrate (an hour in 100 MB) takes the longest to transcode for its size
 * (about real time for 720p on 2 cores: 65 min allowed here). The cost of generosity is only how
 * long a crashed run of a large file waits before it is retried.
 */
export function expirySecondsFor(sourceBytes: number): number {
  return Math.min(6 * 3600, 900 + Math.ceil(sourceBytes / (1024 * 1024)) * 30);
}

/** Longer than any run may take (expirySecondsFor's ceiling) times the queue's three runs. */
export const STUCK_AFTER_SECONDS = 3 * 6 * 3600;

/**
 * In the caller's transaction (the one that points the lesson at `videoKey`): forgets the replaced
 * original's processing, and queues the new one. The job is in the queue exactly when this commits.
 */
export async function queueTranscode(
  trx: Database,
  queue: JobQueue,
  { lessonId, videoKey, sourceBytes, replaced }: { lessonId: string; videoKey: string; sourceBytes: number; replaced?: string | null },
): Promise<void> {
  if (replaced && replaced !== videoKey) await trx.deleteFrom('videoTranscode').where('videoKey', '=', replaced).execute();
  await trx
    .insertInto('videoTranscode')
    .values({ videoKey, lessonId, status: 'Queued', sourceBytes })
    .onConflict((oc) => oc.column('videoKey').doNothing())
    .execute();
  await queue.send<TranscodeJob>(trx, QUEUES.videoTranscode, { videoKey }, { singletonKey: videoKey, expireInSeconds: expirySecondsFor(sourceBytes) });
}

/**
 * Failed -> Queued, and a new job, in one transaction. Also a video stuck in Queued or Processing
 * for longer than any run may take (its last run crashed after the queue's last retry, so nothing
 * will move it on). False otherwise (queued, running or done: a double click retries once) or when
 * it is no longer the lesson's video.
 */
export async function retryTranscode(db: Database, queue: JobQueue, lessonId: string): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable('videoTranscode')
      .set({ status: 'Queued', failureReason: null, queuedAt: sql`now()`, startedAt: null, finishedAt: null, attempts: 0 })
      .where('lessonId', '=', lessonId)
      .where((eb) => eb.or([eb('status', '=', 'Failed'), eb('queuedAt', '<', sql<Date>`now() - make_interval(secs => ${STUCK_AFTER_SECONDS})`)]))
      .where('status', '<>', 'Ready')
      .where('videoKey', '=', (eb) => eb.selectFrom('lesson').select('videoKey').where('id', '=', lessonId).$castTo<string>())
      .returning(['videoKey', 'sourceBytes'])
      .executeTakeFirst();
    if (!row) return false;
    const sourceBytes = Number(row.sourceBytes ?? 0);
    await queue.send<TranscodeJob>(trx, QUEUES.videoTranscode, { videoKey: row.videoKey }, { singletonKey: row.videoKey, expireInSeconds: expirySecondsFor(sourceBytes) });
    return true;
  });
}

/**
 * A run begins: Queued (or Processing, when an earlier run crashed) -> Processing, attempts + 1.
 * Undefined when there is nothing to do: the row is gone (the video was replaced or the lesson
 * deleted), already Ready, or Failed.
 */
export async function claimTranscode(db: Database, videoKey: string): Promise<{ lessonId: string; attempts: number } | undefined> {
  return db
    .updateTable('videoTranscode')
    .set((eb) => ({ status: 'Processing', attempts: eb('attempts', '+', 1), startedAt: sql`now()`, finishedAt: null }))
    .where('videoKey', '=', videoKey)
    .where('status', 'in', ['Queued', 'Processing'])
    .returning(['lessonId', 'attempts'])
    .executeTakeFirst();
}

export interface MadeRendition {
  kind: VideoRenditionKind;
  bytes: number;
  width: number | null;
  height: number | null;
  bitrateKbps: number | null;
  codec: string;
}

export interface TranscodeResult {
  durationSeconds: number;
  sourceWidth: number | null;
  sourceHeight: number | null;
  renditions: MadeRendition[];
}

/** Processing -> Ready with what was made, in one transaction. False when the row went meanwhile. */
export async function finishTranscode(db: Database, videoKey: string, result: TranscodeResult): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable('videoTranscode')
      .set({
        status: 'Ready',
        failureReason: null,
        finishedAt: sql`now()`,
        durationSeconds: result.durationSeconds.toFixed(2),
        sourceWidth: result.sourceWidth,
        sourceHeight: result.sourceHeight,
      })
      .where('videoKey', '=', videoKey)
      .where('status', '=', 'Processing')
      .returning('videoKey')
      .executeTakeFirst();
    if (!row) return false;
    await trx.deleteFrom('videoRendition').where('videoKey', '=', videoKey).execute();
    if (result.renditions.length > 0) {
      await trx
        .insertInto('videoRendition')
        .values(result.renditions.map((r) => ({ videoKey, kind: r.kind, bytes: r.bytes, width: r.width, height: r.height, bitrateKbps: r.bitrateKbps, codec: r.codec })))
        .execute();
    }
    return true;
  });
}

/** Processing -> Failed with the reason the teacher reads (kept short). */
export async function failTranscode(db: Database, videoKey: string, reason: string): Promise<void> {
  await db
    .updateTable('videoTranscode')
    .set({ status: 'Failed', failureReason: reason.slice(0, 500), finishedAt: sql`now()` })
    .where('videoKey', '=', videoKey)
    .where('status', 'in', ['Queued', 'Processing'])
    .execute();
}

/**
 * A video uploaded before copies were made (no video_transcode row): queues it, in one
 * transaction, when `videoKey` is still the lesson's video and has no row yet. The lesson row is
 * locked, so two clicks at once queue once. False when there is nothing to queue.
 */
export async function queueMissingTranscode(db: Database, queue: JobQueue, { lessonId, videoKey, sourceBytes }: { lessonId: string; videoKey: string; sourceBytes: number }): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const lesson = await trx.selectFrom('lesson').select('videoKey').where('id', '=', lessonId).forUpdate().executeTakeFirst();
    if (lesson?.videoKey !== videoKey) return false;
    const existing = await trx.selectFrom('videoTranscode').select('videoKey').where('videoKey', '=', videoKey).executeTakeFirst();
    if (existing) return false;
    await queueTranscode(trx, queue, { lessonId, videoKey, sourceBytes });
    return true;
  });
}
