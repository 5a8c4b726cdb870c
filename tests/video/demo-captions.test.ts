import { describe, expect, it } from 'vitest';
import { DEMO_COURSE_SLUGS } from '../../seeds/demo-analytics-plan.ts';
import { DEMO_CAPTIONS, seedDemoCaptions } from '../../seeds/demo-captions.ts';
import { parseCaptions } from '../../src/features/video/captions.ts';
import { newKey } from '../../src/storage/index.ts';
import { useTestDatabase } from '../setup/database.ts';
import { createChapter, createCourse, createLesson } from '../setup/factories.ts';

/** The demo's captions: valid by construction, on the lessons that got the demo video, once. */
describe('demo captions', () => {
  const t = useTestDatabase();

  it('are valid WebVTT that the parser keeps as written, 8 s long', () => {
    for (const text of Object.values(DEMO_CAPTIONS)) {
      const parsed = parseCaptions(text);
      expect(parsed.ok).toBe(true);
      if (parsed.ok) {
        expect(parsed.vtt).toBe(text);
        expect(parsed.cues.at(-1)!.endMs).toBe(8000);
      }
    }
  });

  it('go on the demo video lessons that have a video, in English and Spanish, and seeding again adds nothing', async () => {
    // The web course's lessons 1, 2, 3 and 5 get the demo video (VIDEO_LESSONS); here 3 has none.
    const course = await createCourse(t.db, { slug: DEMO_COURSE_SLUGS.web });
    const chapter = await createChapter(t.db, { courseId: course.id });
    const lessons: Array<{ id: string }> = [];
    for (let n = 1; n <= 5; n++) lessons.push(await createLesson(t.db, { chapterId: chapter.id, videoKey: n === 3 ? null : newKey('videos', 'webm') }));
    await t.db.transaction().execute((trx) => seedDemoCaptions(trx));
    await t.db.transaction().execute((trx) => seedDemoCaptions(trx));
    const rows = await t.db.selectFrom('lessonCaption').select(['lessonId', 'language', 'label', 'transcript']).orderBy('language').execute();
    const expected = [0, 1, 4].map((i) => lessons[i]!.id);
    expect(rows.filter((r) => r.language === 'en').map((r) => r.lessonId).sort()).toEqual([...expected].sort());
    expect(rows.filter((r) => r.language === 'es').map((r) => r.lessonId).sort()).toEqual([...expected].sort());
    expect(rows).toHaveLength(6);
    expect(rows.find((r) => r.language === 'es')).toMatchObject({ label: 'Español', transcript: expect.stringMatching(/^Profesora: ¡Bienvenidos!/) });
  });
});
