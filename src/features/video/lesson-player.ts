import { msg } from '../../i18n/catalogue.ts';
import type { Translator } from '../../i18n/translator.ts';
import { sql } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../db/database.ts';
import type { Storage } from '../../storage/index.ts';
import { formatBytes } from '../../lib/bytes.ts';
import { defaultSource, offeredSources, playerVideos, sourceLabel, sourceName, type PlayerSource, type SourceKind } from './player.ts';

/**
 * What the student's lesson page shows of a lesson's video (views/learn/_player.eta): the copy
 * that plays, the others as plain links with their sizes, the captions as <track>s and the
 * transcript. Built from the one player model (player.ts) plus the lesson's captions; nothing
 * here knows of HTTP (the route passes the data saver flag and the query's picks).
 */

/** `?video=`: the student's pick; anything else is ignored (the default plays). */
export const videoChoice = z.enum(['audio', 'small', 'hd', 'original']).optional().catch(undefined);
/** `?transcript=`: which language's transcript is shown (BCP-47, as lesson_caption stores it). */
export const transcriptChoice = z
  .string()
  .regex(/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/)
  .optional()
  .catch(undefined);

export interface PlayerCaption {
  language: string;
  label: string;
  /** GET /learn/:slug/lessons/:lessonId/captions/:language.vtt (caption-serve-routes.ts). */
  src: string;
  isDefault: boolean;
}

/** A copy as the page names it: "Small" and "38 MB" apart, for "Small copy: 38 MB." ('' when the size is not known). */
export type PlayerChoice = PlayerSource & { name: string; size: string };

export interface LessonPlayer {
  /** The copy that plays, and whether it is sound only (an <audio> element then). */
  chosen: PlayerChoice;
  audioOnly: boolean;
  /** Each copy offered, smallest first, for "Watch: Audio only · 9 MB | Small · 38 MB | HD · 160 MB". */
  choices: PlayerChoice[];
  /** The student's ?video= pick, kept in the transcript's links. */
  wanted: SourceKind | undefined;
  /** The copies are being made: the original plays meanwhile. */
  processing: boolean;
  poster: string | undefined;
  captions: PlayerCaption[];
  transcript: { language: string; label: string; paragraphs: string[]; asked: boolean } | undefined;
  /** The other languages a transcript exists in (links that show theirs). */
  otherTranscripts: Array<{ language: string; label: string }>;
}

type CaptionRow = { language: string; label: string; transcript: string };

/**
 * A lesson's captions (the teacher's tracks), the first uploaded first; no VTT bodies (served by
 * their route). A column of the lesson page's own `select ... from lesson` (no query of its own),
 * and empty for a lesson without a video: captions belong to the video.
 */
export function lessonCaptionsSql() {
  return sql<CaptionRow[]>`(
    select coalesce(jsonb_agg(jsonb_build_object('language', c.language, 'label', c.label, 'transcript', c.transcript) order by c.created_at, c.language), '[]'::jsonb)
    from lesson_caption c where c.lesson_id = lesson.id and lesson.video_key is not null)`;
}

/** A copy's name as the player's links say it, in the reader's language. */
export const SOURCE_NAME = msg('{kind, select, audio {Audio only} small {Small} hd {HD} original {Original} other {{kind}}}');

/**
 * The lesson's player. One query (playerVideos: transcode row and renditions joined); a video
 * uploaded before processing existed has no row, and its size comes from storage as before.
 * `preferredLanguage` picks the default track among the captions' languages (the browser's
 * Accept-Language, matched by the route); else the first.
 */
export async function lessonPlayer(
  deps: { db: Database; storage: Storage },
  lesson: { id: string; videoKey: string; thumbnailKey: string | null; courseSlug: string },
  captionRows: CaptionRow[],
  options: { dataSaver: boolean; wanted?: SourceKind | undefined; preferredLanguage?: string | undefined; transcript?: string | undefined; tr?: Translator },
): Promise<LessonPlayer> {
  let video = (await playerVideos(deps.db, [lesson])).get(lesson.id)!;
  if (video.status === undefined) {
    const head = await deps.storage.head(lesson.videoKey);
    if (head) video = { ...video, sources: video.sources.map((s) => (s.kind === 'original' ? { ...s, bytes: head.size, label: sourceLabel('original', head.size) } : s)) };
  }
  // Names and sizes in the reader's language (tr), else English.
  const tr = options.tr;
  const named = (s: PlayerSource): PlayerChoice => ({
    ...s,
    name: tr ? tr.t(SOURCE_NAME, { kind: s.kind }) : sourceName(s.kind),
    size: s.bytes > 0 ? (tr ? tr.bytes(s.bytes) : formatBytes(s.bytes)) : '',
  });
  const chosen = named(defaultSource(video, { dataSaver: options.dataSaver, wanted: options.wanted }));
  const defaultLanguage = captionRows.find((c) => c.language === options.preferredLanguage)?.language ?? captionRows[0]?.language;
  const captions = captionRows.map((c) => ({
    language: c.language,
    label: c.label,
    src: `/learn/${lesson.courseSlug}/lessons/${lesson.id}/captions/${encodeURIComponent(c.language)}.vtt`,
    isDefault: c.language === defaultLanguage,
  }));
  const withText = captionRows.filter((c) => c.transcript.trim() !== '');
  const asked = withText.find((c) => c.language === options.transcript);
  const shown = asked ?? withText.find((c) => c.language === defaultLanguage) ?? withText[0];
  return {
    chosen,
    audioOnly: chosen.kind === 'audio',
    choices: offeredSources(video).map(named),
    wanted: options.wanted && chosen.kind === options.wanted ? options.wanted : undefined,
    processing: video.status === 'Queued' || video.status === 'Processing',
    poster: video.posterUrl,
    captions,
    transcript: shown
      ? {
          language: shown.language,
          label: shown.label,
          // Paragraphs as the transcript was made (captions.ts breaks on pauses and speakers); shown as text, escaped.
          paragraphs: shown.transcript
            .split(/\n\s*\n/)
            .map((p) => p.trim())
            .filter(Boolean),
          asked: asked !== undefined,
        }
      : undefined,
    otherTranscripts: withText.filter((c) => c !== shown).map((c) => ({ language: c.language, label: c.label })),
  };
}
