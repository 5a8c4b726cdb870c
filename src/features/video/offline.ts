import { statSync } from 'node:fs';
import { sql } from 'kysely';
import type { Database } from '../../db/database.ts';
import type { AssetManifest } from '../../http/assets.ts';
import type { CurrentUser } from '../../http/guards.ts';
import type { Storage } from '../../storage/index.ts';
import { lessonIsOpen, managesCourse } from '../access/course-policy.ts';
import { learnerCurriculum } from '../learning/curriculum.ts';
import { defaultSource, playerVideos, type SourceKind } from './player.ts';

/**
 * Offline lessons (issue 20): what the service worker (offline-sw.js) may save of a chapter, and
 * which saved chapters a student may still keep. Only lessons the learner may open go in (the
 * course policy's lessonIsOpen, through the curriculum): never a draft or an unreleased lesson.
 */

export interface OfflineMedia {
  url: string;
  bytes: number;
  kind: SourceKind;
}

export interface OfflineLesson {
  id: string;
  title: string;
  /** The lesson page, cached as the student's browser fetches it. */
  url: string;
  media: OfflineMedia | null;
  /** The poster image of the video (a few KB), or null. */
  poster: string | null;
  captions: string[];
}

export interface OfflineManifest {
  chapterId: string;
  chapterTitle: string;
  course: { slug: string; title: string };
  /** The Cache API cache the service worker keeps this chapter in. */
  cache: string;
  /** 'audio' when the student asked for audio only; 'video' otherwise. */
  kind: 'video' | 'audio';
  lessons: OfflineLesson[];
  assets: string[];
  totalBytes: number;
}

/**
 * A lesson page as the cache keeps it: uncompressed HTML. Measured: 20.6 KB for a lesson of a
 * 40-lesson course with 3.6 KB of text (4.6 KB gzipped on the wire); 40 KB each leaves room for
 * longer texts, so the size the page states is rather over than under.
 */
export const PAGE_BYTES_ESTIMATE = 40_000;

/** One cache per chapter, so that removing (or revoking) one chapter touches nothing else. */
export const offlineCacheName = (courseSlug: string, chapterId: string) => `offline-${courseSlug}-${chapterId}`;

/** The stylesheets and scripts a lesson page loads (and the favicon), with their sizes, read once. */
export function offlineAssets(assets: AssetManifest): { urls: string[]; bytes: number } {
  const wanted = assets.entries().filter((e) => /^(css|js)\//.test(e.name) || e.name === 'img/favicon.svg');
  return { urls: wanted.map((e) => e.url), bytes: wanted.reduce((sum, e) => sum + statSync(e.file).size, 0) };
}

export interface ManifestInput {
  user: { id: string };
  course: { id: string; slug: string; title: string };
  /** The teacher or an admin previewing: every lesson is open to them. */
  manages: boolean;
  chapterId: string;
  dataSaver: boolean;
  audioOnly: boolean;
  assets: { urls: string[]; bytes: number };
}

/**
 * The chapter's manifest, or undefined when the chapter is not the course's or has no lesson open
 * to the learner (a draft, a chapter not released yet). Three queries however long the chapter
 * (the curriculum's two, the lessons' videos with their copies, the captions), plus a storage HEAD
 * for a video uploaded before renditions existed (its size is in no row).
 */
export async function offlineManifest(db: Database, storage: Storage, input: ManifestInput): Promise<OfflineManifest | undefined> {
  const chapters = await learnerCurriculum(db, input.course.id, { userId: input.user.id, manages: input.manages });
  const chapter = chapters.find((c) => c.id === input.chapterId);
  const open = chapter?.lessons.filter((l) => l.open) ?? [];
  if (!chapter || open.length === 0) return undefined;
  const ids = open.map((l) => l.id);
  const [lessons, captions] = await Promise.all([
    db.selectFrom('lesson').select(['id', 'videoKey', 'thumbnailKey']).where('id', 'in', ids).execute(),
    db
      .selectFrom('lessonCaption')
      .select(['lessonId', 'language', sql<number>`octet_length(vtt)`.as('bytes')])
      .where('lessonId', 'in', ids)
      .orderBy('language')
      .execute(),
  ]);
  // Videos with no transcode row: the original's size from storage (rare; old uploads).
  const videos = await playerVideos(db, lessons);
  const unknown = lessons.filter((l) => l.videoKey && (videos.get(l.id)?.sources.at(-1)?.bytes ?? 0) === 0);
  if (unknown.length > 0) {
    const sizes = await Promise.all(unknown.map(async (l) => [l.id, (await storage.head(l.videoKey!))?.size ?? 0] as const));
    const known = await playerVideos(db, unknown, new Map(sizes));
    for (const [id, video] of known) videos.set(id, video);
  }

  const slug = input.course.slug;
  let totalBytes = input.assets.bytes;
  const result: OfflineLesson[] = open.map((lesson) => {
    const video = videos.get(lesson.id);
    let media: OfflineMedia | null = null;
    if (video) {
      const audio = input.audioOnly ? video.sources.find((s) => s.kind === 'audio') : undefined;
      const source = audio ?? defaultSource(video, { dataSaver: input.dataSaver });
      media = { url: source.url, bytes: source.bytes, kind: source.kind };
    }
    const mine = captions.filter((c) => c.lessonId === lesson.id);
    totalBytes += PAGE_BYTES_ESTIMATE + (media?.bytes ?? 0) + mine.reduce((sum, c) => sum + Number(c.bytes), 0);
    return {
      id: lesson.id,
      title: lesson.title,
      url: `/learn/${slug}/lessons/${lesson.id}`,
      media,
      poster: video?.posterUrl ?? null,
      captions: mine.map((c) => `/learn/${slug}/lessons/${lesson.id}/captions/${c.language}.vtt`),
    };
  });
  return {
    chapterId: chapter.id,
    chapterTitle: chapter.title,
    course: { slug, title: input.course.title },
    cache: offlineCacheName(slug, chapter.id),
    kind: input.audioOnly ? 'audio' : 'video',
    lessons: result,
    assets: input.assets.urls,
    totalBytes,
  };
}

/**
 * Of the saved chapters a browser names ("<course slug>/<chapter id>"), those the user may still
 * open: a chapter with at least one lesson open to them (lessonIsOpen: an Active, unbanned
 * enrollment in a course that is out, released or unlocked), or any chapter of a course they
 * manage. The service worker deletes the caches of the others. One query for them all.
 */
export async function allowedChapters(db: Database, user: Pick<CurrentUser, 'id' | 'role'>, saved: Array<{ slug: string; chapterId: string }>): Promise<Array<{ slug: string; chapterId: string }>> {
  if (saved.length === 0) return [];
  const rows = await db
    .selectFrom('chapter as ch')
    .innerJoin('course as c', 'c.id', 'ch.courseId')
    .leftJoin('lesson as l', 'l.chapterId', 'ch.id')
    .select(['ch.id', 'c.slug', 'c.userId as ownerId', sql<boolean>`coalesce(bool_or(${lessonIsOpen({ userId: user.id, manages: false })}), false)`.as('open')])
    .where(
      'ch.id',
      'in',
      saved.map((s) => s.chapterId),
    )
    .groupBy(['ch.id', 'c.slug', 'c.userId'])
    .execute();
  return saved.filter((s) => rows.some((r) => r.id === s.chapterId && r.slug === s.slug && (r.open || managesCourse(user, r.ownerId))));
}
