import type { Database } from '../../db/database.ts';
import { formatBytes } from '../../lib/bytes.ts';
import { renditionKey, type VideoRenditionKind } from '../../storage/variants.ts';
import { sourceName } from './player.ts';
import { STUCK_AFTER_SECONDS, type TranscodeStatus } from './state.ts';

/**
 * What the teacher's lesson page says about the copies made of the lesson's CURRENT video (its
 * video_transcode row, by the video's key, with the renditions joined: one query). No HTTP here:
 * the page (teaching/structure-routes.ts) and its status fragment (teacher-video-routes.ts) render it.
 */

export type TeacherVideoStatus =
  /** A video uploaded before copies were made: nothing queued ("Make copies"). */
  | { state: 'none'; original: string | undefined; canMake: boolean }
  | { state: 'waiting'; status: 'Queued' | 'Processing'; since: string; stuck: boolean; original: string | undefined }
  | {
      state: 'ready';
      copies: Array<{ kind: VideoRenditionKind; label: string; href: string }>;
      poster: { href: string; width: number | null; height: number | null } | undefined;
      duration: string | undefined;
      original: string | undefined;
    }
  | { state: 'failed'; reason: string; original: string | undefined };

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

/** "just now", "2 min ago", "3 h ago", "2 days ago": how long the teacher has been waiting. */
export function sinceLabel(at: Date, now: Date = new Date()): string {
  const minutes = Math.floor((now.getTime() - at.getTime()) / 60_000);
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  return `${Math.floor(hours / 24)} days ago`;
}

function durationLabel(seconds: number): string {
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const h = Math.floor(s / 3600);
  const m = Math.floor(s / 60) % 60;
  const rest = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${rest}` : `${m}:${rest}`;
}

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
  const original = row?.sourceBytes != null ? formatBytes(Number(row.sourceBytes)) : undefined;
  if (!row) return { state: 'none', original, canMake: isUploadedVideo(videoKey) };
  const status = row.status as TranscodeStatus;
  if (status === 'Failed') return { state: 'failed', reason: row.failureReason ?? 'The copies could not be made.', original };
  if (status === 'Queued' || status === 'Processing') {
    const since = new Date(status === 'Processing' && row.startedAt ? row.startedAt : row.queuedAt);
    // retryTranscode also takes a video stuck longer than any run may take: offer it then.
    const stuck = now.getTime() - new Date(row.queuedAt).getTime() > STUCK_AFTER_SECONDS * 1000;
    return { state: 'waiting', status, since: sinceLabel(since, now), stuck, original };
  }
  const byKind = new Map(rows.filter((r) => r.kind).map((r) => [r.kind as VideoRenditionKind, r]));
  const copies = ORDER.flatMap((kind) => {
    const r = byKind.get(kind);
    if (!r || r.bytes == null) return [];
    const parts = [sourceName(kind), ...(kind !== 'audio' && r.height ? [`${r.height}p`] : []), formatBytes(Number(r.bytes))];
    return [{ kind, label: parts.join(' · '), href: `/media/${renditionKey(videoKey, kind)}` }];
  });
  const poster = byKind.get('poster');
  return {
    state: 'ready',
    copies,
    poster: poster ? { href: `/media/${renditionKey(videoKey, 'poster')}`, width: poster.width, height: poster.height } : undefined,
    duration: row.durationSeconds != null ? durationLabel(Number(row.durationSeconds)) : undefined,
    original,
  };
}
