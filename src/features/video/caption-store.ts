import { sql } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../db/database.ts';
import { recordActivity, type AuditContext } from '../audit/activity.ts';
import { msg } from '../../i18n/catalogue.ts';

/**
 * A lesson's caption tracks (lesson_caption), one per language: saved already checked and rebuilt
 * by captions.ts, listed for the teacher's lesson page, deleted. Each write is one transaction
 * with its audit row. No HTTP here (caption-routes.ts).
 */

/** The languages the upload form offers first (any other valid BCP-47 tag is accepted too). */
export const CAPTION_LANGUAGES = ['en', 'es', 'fr', 'pt', 'pt-BR', 'ar', 'hi', 'bn', 'ur', 'sw', 'ha', 'yo', 'am', 'zh', 'ru', 'id', 'de', 'it', 'tr', 'fa', 'vi', 'ja', 'ko'] as const;

/** "en", "pt-BR", "zh-Hant" as lesson_caption's check allows, canonical ("PT-br" -> "pt-BR"). */
export const captionLanguage = z
  .string()
  .trim()
  .min(1, msg('Choose the language of the captions.'))
  .transform((value, ctx) => {
    let canonical: string | undefined;
    try {
      canonical = Intl.getCanonicalLocales(value)[0];
    } catch {
      canonical = undefined;
    }
    if (!canonical || !/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(canonical)) {
      ctx.addIssue({ code: 'custom', message: msg('Choose a language from the list (or a language tag such as en or pt-BR).') });
      return z.NEVER;
    }
    return canonical;
  });

export const captionFields = z.object({
  language: captionLanguage,
  label: z.string().trim().max(60, msg('Keep the label to 60 characters.')).optional().default(''),
});

/** A language's name in itself, as students pick their track: "English", "Español", "Português (Brasil)". */
export function languageName(language: string): string {
  let name: string | undefined;
  try {
    name = new Intl.DisplayNames([language, 'en'], { type: 'language', fallback: 'none' }).of(language);
  } catch {
    name = undefined;
  }
  if (!name) return language;
  return name.charAt(0).toLocaleUpperCase(language) + name.slice(1);
}

/** The select's options: the common languages by their own names. */
export function languageOptions(): Array<{ value: string; name: string }> {
  return CAPTION_LANGUAGES.map((value) => ({ value, name: `${languageName(value)} (${value})` }));
}

export interface LessonCaptionRow {
  id: string;
  language: string;
  label: string;
  cues: number;
  bytes: number;
  updatedAt: Date;
}

/** The lesson's tracks for its teacher, in one query; the cue count is the rebuilt file's "-->" (only timing lines carry one). */
export async function lessonCaptionList(db: Database, lessonId: string): Promise<LessonCaptionRow[]> {
  const rows = await db
    .selectFrom('lessonCaption')
    .select([
      'id',
      'language',
      'label',
      'updatedAt',
      sql<number>`(length(vtt) - length(replace(vtt, '-->', ''))) / 3`.as('cues'),
      sql<number>`octet_length(vtt)`.as('bytes'),
    ])
    .where('lessonId', '=', lessonId)
    .orderBy('createdAt')
    .orderBy('language')
    .execute();
  return rows.map((r) => ({ ...r, cues: Number(r.cues), bytes: Number(r.bytes), updatedAt: new Date(r.updatedAt) }));
}

/**
 * Saves the lesson's track in `language`; the same language again replaces it (its id stays, so
 * the track keeps its place). Returns whether it replaced one.
 */
export async function saveCaption(
  db: Database,
  audit: AuditContext,
  lessonId: string,
  track: { language: string; label: string; vtt: string; transcript: string; cues: number },
): Promise<{ id: string; replaced: boolean }> {
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('lessonCaption')
      .values({ lessonId, language: track.language, label: track.label, vtt: track.vtt, transcript: track.transcript })
      .onConflict((oc) => oc.columns(['lessonId', 'language']).doUpdateSet({ label: track.label, vtt: track.vtt, transcript: track.transcript, updatedAt: sql`now()` }))
      // xmax is 0 for a row this statement inserted, the updating transaction's id for one it replaced.
      .returning(['id', sql<boolean>`xmax <> 0`.as('replaced')])
      .executeTakeFirstOrThrow();
    await recordActivity(trx, audit, {
      action: 'caption_saved',
      entityType: 'lesson',
      entityId: lessonId,
      metadata: { captionId: row.id, language: track.language, cues: track.cues, bytes: Buffer.byteLength(track.vtt), replaced: row.replaced },
    });
    return { id: row.id, replaced: row.replaced };
  });
}

/** Deletes one of the lesson's tracks; undefined when it is not the lesson's (or already gone). */
export async function deleteCaption(db: Database, audit: AuditContext, lessonId: string, captionId: string): Promise<{ language: string; label: string } | undefined> {
  return db.transaction().execute(async (trx) => {
    const row = await trx.deleteFrom('lessonCaption').where('id', '=', captionId).where('lessonId', '=', lessonId).returning(['language', 'label']).executeTakeFirst();
    if (!row) return undefined;
    await recordActivity(trx, audit, { action: 'caption_deleted', entityType: 'lesson', entityId: lessonId, metadata: { captionId, language: row.language } });
    return row;
  });
}
