import type { Database } from '../src/db/database.ts';
import { languageName } from '../src/features/video/caption-store.ts';
import { parseCaptions } from '../src/features/video/captions.ts';
import { DEMO_COURSE_SLUGS, VIDEO_LESSONS, type CourseKey } from './demo-analytics-plan.ts';

/**
 * Captions for seeds/demo-video.webm (8 s) in English and Spanish, on the demo lessons that got
 * that video (seeds/demo-analytics.ts, VIDEO_LESSONS). They go through captions.ts like a
 * teacher's upload, so the demo's tracks and transcripts are what an upload would store.
 */

export const DEMO_CAPTIONS: Record<'en' | 'es', string> = {
  en: `WEBVTT

00:00:00.000 --> 00:00:02.500
<v Teacher>Welcome! This lesson is short on purpose.</v>

00:00:02.500 --> 00:00:05.000
Watch a step, pause, and try it yourself.

00:00:05.000 --> 00:00:08.000
On a slow connection, choose the small copy or audio only.
`,
  es: `WEBVTT

00:00:00.000 --> 00:00:02.500
<v Profesora>¡Bienvenidos! Esta lección es corta a propósito.</v>

00:00:02.500 --> 00:00:05.000
Mira un paso, haz una pausa y pruébalo tú.

00:00:05.000 --> 00:00:08.000
Con una conexión lenta, elige la copia pequeña o solo audio.
`,
};

/** Adds the two tracks to each demo video lesson that has none in that language yet (seeding twice adds nothing). */
export async function seedDemoCaptions(trx: Database): Promise<void> {
  const tracks = Object.entries(DEMO_CAPTIONS).map(([language, text]) => {
    const parsed = parseCaptions(text);
    if (!parsed.ok) throw new Error(`demo captions (${language}): ${parsed.message}`);
    return { language, label: languageName(language), vtt: parsed.vtt, transcript: parsed.transcript };
  });
  const rows = await trx
    .selectFrom('lesson as l')
    .innerJoin('chapter as ch', 'ch.id', 'l.chapterId')
    .innerJoin('course as c', 'c.id', 'ch.courseId')
    .select(['l.id', 'l.videoKey', 'c.slug'])
    .where('c.slug', 'in', Object.values(DEMO_COURSE_SLUGS))
    .orderBy('ch.position')
    .orderBy('l.position')
    .execute();
  const lessonIds = (Object.keys(VIDEO_LESSONS) as CourseKey[]).flatMap((key) => {
    const lessons = rows.filter((r) => r.slug === DEMO_COURSE_SLUGS[key]);
    return VIDEO_LESSONS[key].map((n) => lessons[n - 1]).filter((l) => l?.videoKey != null).map((l) => l!.id);
  });
  if (lessonIds.length === 0) return; // seeded without storage: no videos to caption
  await trx
    .insertInto('lessonCaption')
    .values(lessonIds.flatMap((lessonId) => tracks.map((track) => ({ lessonId, ...track }))))
    .onConflict((oc) => oc.columns(['lessonId', 'language']).doNothing())
    .execute();
}
