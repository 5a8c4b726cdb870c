import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEMO_ATTACHMENT, LESSON_TEXT } from '../../seeds/demo-lessons.ts';
import { seedDemo } from '../../seeds/demo.ts';
import { createDiskStorage } from '../../src/storage/index.ts';
import { useTestDatabase } from '../setup/database.ts';

describe('demo lessons: a newcomer sees what a lesson is', () => {
  const t = useTestDatabase();

  it('every demo lesson has real text (paragraphs, a list, code or a table), and the first has a file to download', async () => {
    const storage = createDiskStorage(path.join(mkdtempSync(path.join(os.tmpdir(), 'edupeak-seed-')), 'uploads'));
    await seedDemo(t.db, { env: 'development', storage });
    const lessons = await t.db.selectFrom('lesson').select(['id', 'title', 'contentMarkdown', 'contentHtml']).execute();
    expect(lessons.length).toBe(Object.keys(LESSON_TEXT).length);
    for (const lesson of lessons) {
      expect(lesson.contentMarkdown, lesson.title).toBe(LESSON_TEXT[lesson.title]);
      const html = lesson.contentHtml ?? '';
      expect(html.match(/<p>/g)?.length ?? 0, lesson.title).toBeGreaterThanOrEqual(2);
      expect(html, lesson.title).toMatch(/<(ul|ol)>/);
      expect(html, lesson.title).toMatch(/<pre tabindex="0"><code|<table>/);
    }
    const withTable = lessons.filter((l) => l.contentHtml!.includes('<table>')).length;
    const withCode = lessons.filter((l) => l.contentHtml!.includes('<pre tabindex="0"><code')).length;
    expect(withTable).toBe(lessons.length);
    expect(withCode).toBe(lessons.length);

    const files = await t.db.selectFrom('lessonAttachment').innerJoin('lesson', 'lesson.id', 'lessonAttachment.lessonId').select(['lesson.title', 'fileKey', 'fileName', 'sizeBytes']).execute();
    expect(files).toHaveLength(1);
    expect(files[0]).toMatchObject({ title: DEMO_ATTACHMENT.lessonTitle, fileName: 'html-cheat-sheet.txt', sizeBytes: Buffer.byteLength(DEMO_ATTACHMENT.body) });
    expect((await storage.head(files[0]!.fileKey))?.size).toBe(Buffer.byteLength(DEMO_ATTACHMENT.body));

    // Idempotent: a second run adds neither lessons nor files.
    await seedDemo(t.db, { env: 'development', storage });
    expect(await t.db.selectFrom('lessonAttachment').select('id').execute()).toHaveLength(1);
  });
});
