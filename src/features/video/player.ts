import type { Database } from '../../db/database.ts';
import { formatBytes } from '../../lib/bytes.ts';
import { renditionKey, type VideoRenditionKind } from '../../storage/variants.ts';
import type { TranscodeStatus } from './state.ts';

/**
 * What a lesson's player offers: the copies made for slow connections, each with its size, so the
 * page can say what a download costs before it starts ("Audio only · 9 MB", "Small · 38 MB",
 * "HD · 160 MB"). Read for many lessons in one query (the offline manifest lists a chapter's).
 */

export type SourceKind = Exclude<VideoRenditionKind, 'poster'> | 'original';

export interface PlayerSource {
  kind: SourceKind;
  /** The /media URL: served under the lesson's access rules, with Range. */
  url: string;
  bytes: number;
  /** "Small · 38 MB" */
  label: string;
  /** For <source type> and <a type>. */
  type: string;
  height: number | null;
}

export interface PlayerVideo {
  /** undefined: uploaded before renditions existed (no row): only the original. */
  status: TranscodeStatus | undefined;
  failureReason: string | null;
  /** The lesson's own image when the teacher gave one, else the worker's poster frame. */
  posterUrl: string | undefined;
  durationSeconds: number | undefined;
  /** Smallest first: audio, small, hd, then the original (when its size is known). */
  sources: PlayerSource[];
}

const NAMES: Record<SourceKind, string> = { audio: 'Audio only', small: 'Small', hd: 'HD', original: 'Original' };
const ORDER: SourceKind[] = ['audio', 'small', 'hd', 'original'];
const TYPES: Record<Exclude<SourceKind, 'original'>, string> = { audio: 'audio/mp4', small: 'video/mp4', hd: 'video/mp4' };

/** "Small", "Audio only": a copy's name as the player's links say it. */
export const sourceName = (kind: SourceKind): string => NAMES[kind];

export function sourceLabel(kind: SourceKind, bytes: number): string {
  return `${NAMES[kind]} · ${formatBytes(bytes)}`;
}

function originalType(videoKey: string): string {
  return videoKey.endsWith('.webm') ? 'video/webm' : 'video/mp4';
}

/**
 * The player's video for each lesson that has one, in one query. `originalBytes` covers videos
 * uploaded before processing existed (no row: the caller may know the size from storage).
 */
export async function playerVideos(
  db: Database,
  lessons: Array<{ id: string; videoKey: string | null; thumbnailKey?: string | null }>,
  originalBytes: Map<string, number> = new Map(),
): Promise<Map<string, PlayerVideo>> {
  const withVideo = lessons.filter((l): l is { id: string; videoKey: string; thumbnailKey?: string | null } => !!l.videoKey);
  const result = new Map<string, PlayerVideo>();
  if (withVideo.length === 0) return result;
  const rows = await db
    .selectFrom('videoTranscode as t')
    .leftJoin('videoRendition as r', 'r.videoKey', 't.videoKey')
    .select(['t.videoKey', 't.status', 't.failureReason', 't.durationSeconds', 't.sourceBytes', 'r.kind', 'r.bytes', 'r.height'])
    .where(
      't.videoKey',
      'in',
      withVideo.map((l) => l.videoKey),
    )
    .execute();
  for (const lesson of withVideo) {
    const mine = rows.filter((r) => r.videoKey === lesson.videoKey);
    const head = mine[0];
    const ready = head?.status === 'Ready';
    const sources: PlayerSource[] = [];
    let posterUrl: string | undefined;
    if (ready) {
      for (const r of mine) {
        if (!r.kind) continue;
        const kind = r.kind as VideoRenditionKind;
        const url = `/media/${renditionKey(lesson.videoKey, kind)}`;
        if (kind === 'poster') {
          posterUrl = url;
          continue;
        }
        const bytes = Number(r.bytes);
        sources.push({ kind, url, bytes, label: sourceLabel(kind, bytes), type: TYPES[kind], height: r.height });
      }
    }
    const original = head?.sourceBytes != null ? Number(head.sourceBytes) : originalBytes.get(lesson.id);
    sources.push({
      kind: 'original',
      url: `/media/${lesson.videoKey}`,
      bytes: original ?? 0,
      label: original !== undefined ? sourceLabel('original', original) : NAMES.original,
      type: originalType(lesson.videoKey),
      height: null,
    });
    sources.sort((a, b) => ORDER.indexOf(a.kind) - ORDER.indexOf(b.kind));
    result.set(lesson.id, {
      status: head?.status as TranscodeStatus | undefined,
      failureReason: head?.failureReason ?? null,
      // The teacher's own lesson image, when they chose one, over the frame the worker picked.
      posterUrl: lesson.thumbnailKey ? `/media/${lesson.thumbnailKey}` : posterUrl,
      durationSeconds: head?.durationSeconds != null ? Number(head.durationSeconds) : undefined,
      sources,
    });
  }
  return result;
}

/**
 * The copies a student is offered: the ones made for slow connections when there are any (the
 * original is kept for the teacher, and is often the largest by far), else the original alone
 * (still processing, failed, or uploaded before copies existed).
 */
export function offeredSources(video: PlayerVideo): PlayerSource[] {
  const copies = video.sources.filter((s) => s.kind !== 'original');
  return copies.length > 0 ? copies : video.sources;
}

/**
 * The copy the player starts with. Data saver on: the small copy (never HD); off: HD when there
 * is one, else small; no copies yet: the original. Audio only is never the default (a student
 * picks it), and `wanted` (the student's pick, from ?video=) wins when that copy is offered.
 */
export function defaultSource(video: PlayerVideo, { dataSaver, wanted }: { dataSaver: boolean; wanted?: SourceKind | undefined }): PlayerSource {
  const offered = offeredSources(video);
  const byKind = (kind: SourceKind) => offered.find((s) => s.kind === kind);
  const picked = wanted ? byKind(wanted) : undefined;
  if (picked) return picked;
  const order: SourceKind[] = dataSaver ? ['small', 'hd', 'original'] : ['hd', 'small', 'original'];
  for (const kind of order) {
    const source = byKind(kind);
    if (source) return source;
  }
  return video.sources[0]!;
}
