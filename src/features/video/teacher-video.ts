import type { Database } from '../../db/database.ts';
import { renditionKey, type VideoRenditionKind } from '../../storage/variants.ts';
import { STUCK_AFTER_SECONDS, type TranscodeStatus } from './state.ts';

/**
 * What the teacher's lesson page says about the copies made of the lesson's CURRENT video (its
 * video_transcode row, by the video's key, with the renditions joined: one query). No HTTP here:
 * the page (teaching/structure-routes.ts) and its status fragment (teacher-video-routes.ts) render it,
 * and the template words and formats the figures in the teacher's language (sizes in bytes, times in
 * minutes and seconds).
 */

export type TeacherVideoStatus =
  /** A video uploaded before copies were made: nothing queued ("Make copies"). */
  | { state: 'none'; originalBytes: number | undefined; canMake: boolean }
  /** `minutesWaiting`: since it was queued, or since its run started. */
  | { state: 'waiting'; status: 'Queued' | 'Processing'; minutesWaiting: number; stuck: boolean; originalBytes: number | undefined }
  | {
      state: 'ready';
      copies: Array<{ kind: VideoRenditionKind; height: number | null; bytes: number; href: string }>;
      poster: { href: string; width: number | null; height: number | null } | undefined;
      durationSeconds: number | undefined;
      originalBytes: number | undefined;
    }
  /** `reason`: what the run recorded (ffmpeg's words, for the teacher), or none. */
  | { state: 'failed'; reason: string | null; originalBytes: number | undefined };

/** Copies are made only of an uploaded video (storage/variants.ts names them after its key). */
export function isUploadedVideo(videoKey: string): boolean {
  try {
    renditionKey(videoKey, 'small');
    return true;
  } catch {
    return false;
  }
}

/** Smallest first, as the player lists them. */
const ORDER: Array<Exclude<VideoRenditionKind, 'poster'>> = ['audio', 'small', 'hd'];

/**
 * The status of `videoKey` (the lesson's video). `original` is the size recorded when it was queued
 * (the page prefers the stored file's, from storage, when it has it).
 */
export async function teacherVideoStatus(db: Database, videoKey: string, now: Date = new Date()): Promise<TeacherVideoStatus> {
  const rows = await db
    .selectFrom('videoTranscode as t')
    .leftJoin('videoRendition as r', 'r.videoKey', 't.videoKey')
    .select(['t.status', 't.failureReason', 't.sourceBytes', 't.durationSeconds', 't.queuedAt', 't.startedAt', 'r.kind', 'r.bytes', 'r.width', 'r.height'])
    .where('t.videoKey', '=', videoKey)
    .execute();
  const row = rows[0];
  const originalBytes = row?.sourceBytes != null ? Number(row.sourceBytes) : undefined;
  if (!row) return { state: 'none', originalBytes, canMake: isUploadedVideo(videoKey) };
  const status = row.status as TranscodeStatus;
  if (status === 'Failed') return { state: 'failed', reason: row.failureReason, originalBytes };
  if (status === 'Queued' || status === 'Processing') {
    const since = new Date(status === 'Processing' && row.startedAt ? row.startedAt : row.queuedAt);
    // retryTranscode also takes a video stuck longer than any run may take: offer it then.
    const stuck = now.getTime() - new Date(row.queuedAt).getTime() > STUCK_AFTER_SECONDS * 1000;
    return { state: 'waiting', status, minutesWaiting: Math.max(0, Math.floor((now.getTime() - since.getTime()) / 60_000)), stuck, originalBytes };
  }
  const byKind = new Map(rows.filter((r) => r.kind).map((r) => [r.kind as VideoRenditionKind, r]));
  const copies = ORDER.flatMap((kind) => {
    const r = byKind.get(kind);
    if (!r || r.bytes == null) return [];
    return [{ kind, height: kind !== 'audio' ? r.height : null, bytes: Number(r.bytes), href: `/media/${renditionKey(videoKey, kind)}` }];
  });
  const poster = byKind.get('poster');
  return {
    state: 'ready',
    copies,
    poster: poster ? { href: `/media/${renditionKey(videoKey, 'poster')}`, width: poster.width, height: poster.height } : undefined,
    durationSeconds: row.durationSeconds != null ? Math.round(Number(row.durationSeconds)) : undefined,
    originalBytes,
  };
}
