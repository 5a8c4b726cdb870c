import type { Insertable } from 'kysely';
import type { Database } from '../../src/db/database.ts';
import type { VideoRendition, VideoTranscode } from '../../src/db/types.ts';

/** Sizes as the player states them (1 MB = 1,000,000 bytes: src/lib/bytes.ts). */
export const MB = 1_000_000;

/** A ten-minute lecture's copies: what the player and offline tests read back. */
export const LECTURE_SIZES = { audio: 9 * MB, small: 38 * MB, hd: 160 * MB, poster: 20_000 } as const;

type Kind = 'audio' | 'small' | 'hd' | 'poster';

export interface VideoStateOptions {
  videoKey: string;
  lessonId: string;
  status: 'Queued' | 'Processing' | 'Ready' | 'Failed';
  /** Ready only: each copy's bytes (a kind left out is not made, as for a silent or small source). */
  sizes?: Partial<Record<Kind, number>>;
  /** Ready only: the video copies' and poster's dimensions (default 640x360, HD 1280x720). */
  dimensions?: Partial<Record<Exclude<Kind, 'audio'>, { width: number; height: number }>>;
  /** Anything else of the video_transcode row (sourceBytes, failureReason, queuedAt, attempts ...). */
  row?: Partial<Insertable<VideoTranscode>>;
}

const BITRATES: Record<Kind, number | null> = { audio: 48, small: 400, hd: 1800, poster: null };
const CODECS: Record<Kind, string> = { audio: 'aac', small: 'h264', hd: 'h264', poster: 'webp' };
const DIMENSIONS = { small: { width: 640, height: 360 }, hd: { width: 1280, height: 720 }, poster: { width: 640, height: 360 } };

/**
 * The rows the worker leaves for a video in `status` (src/features/video/state.ts): the transcode
 * row and, when Ready, its copies. No files: for pages and queries that read the rows (a test that
 * serves the copies stores them itself under storage/variants.ts's renditionKey).
 */
export async function recordVideoState(db: Database, { videoKey, lessonId, status, sizes = LECTURE_SIZES, dimensions = {}, row = {} }: VideoStateOptions): Promise<void> {
  await db
    .insertInto('videoTranscode')
    .values({
      videoKey,
      lessonId,
      status,
      sourceBytes: String(412 * MB),
      failureReason: status === 'Failed' ? 'ffmpeg could not read the file: moov atom not found' : null,
      durationSeconds: status === 'Ready' ? '600.00' : null,
      attempts: status === 'Queued' ? 0 : 1,
      ...row,
    })
    .execute();
  if (status !== 'Ready') return;
  const copies: Insertable<VideoRendition>[] = (Object.keys(sizes) as Kind[]).map((kind) => {
    const size = kind === 'audio' ? { width: null, height: null } : (dimensions[kind] ?? DIMENSIONS[kind]);
    return { videoKey, kind, bytes: String(sizes[kind]), codec: CODECS[kind], bitrateKbps: BITRATES[kind], ...size };
  });
  if (copies.length > 0) await db.insertInto('videoRendition').values(copies).execute();
}
