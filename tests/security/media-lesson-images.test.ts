import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createDiskStorage, newKey } from '../../src/storage/index.ts';
import { useTestApp } from '../setup/app.ts';
import { createChapter, createCourse, createEnrollment, createLesson, createUser } from '../setup/factories.ts';
import { pngImage } from '../setup/media.ts';
import { signedInAs } from '../setup/users.ts';

/** A lesson's image goes out by the lesson's rule: a draft lesson's poster told what was coming. */
describe('lesson images follow the lesson', () => {
  const t = useTestApp();

  it('a draft or unreleased lesson image in a published course is 404 to visitors and students; open lessons to their students; the teacher always', async () => {
    const storage = createDiskStorage(path.join(t.config.dataDir, 'uploads'));
    const image = await pngImage(40, 30);
    const put = async () => {
      const key = newKey('thumbnails', 'webp');
      await storage.put(key, image, { contentType: 'image/webp', contentLength: image.length });
      return key;
    };
    const teacher = await signedInAs(t.app, t.db, 'teacher');
    const course = await createCourse(t.db, { userId: teacher.user.id, status: 'Published' });
    const chapter = await createChapter(t.db, { courseId: course.id });
    const draft = await createLesson(t.db, { chapterId: chapter.id, status: 'Draft', thumbnailKey: await put() });
    const later = await createLesson(t.db, { chapterId: chapter.id, status: 'Scheduled', releaseAt: new Date(Date.now() + 86_400_000), thumbnailKey: await put() });
    const open = await createLesson(t.db, { chapterId: chapter.id, thumbnailKey: await put() });

    const student = await signedInAs(t.app, t.db, 'student');
    await createEnrollment(t.db, { userId: student.user.id, courseId: course.id, status: 'Active' });
    const stranger = await signedInAs(t.app, t.db, 'student');
    await createUser(t.db);

    const get = (agent: { get: (url: string) => Promise<{ status: number; headers: Record<string, string> }> } | null, key: string | null) =>
      (agent ?? t.request()).get(`/media/${key}`);

    for (const lesson of [draft, later]) {
      expect((await get(null, lesson.thumbnailKey)).status).toBe(404);
      expect((await get(student.agent, lesson.thumbnailKey)).status).toBe(404);
      expect((await get(teacher.agent, lesson.thumbnailKey)).status).toBe(200);
    }
    expect((await get(null, open.thumbnailKey)).status).toBe(404);
    expect((await get(stranger.agent, open.thumbnailKey)).status).toBe(404);
    const seen = await get(student.agent, open.thumbnailKey);
    expect(seen.status).toBe(200);
    expect(seen.headers['cache-control']).toContain('private');
  });
});
