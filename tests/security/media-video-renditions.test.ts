import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectUnreferencedFiles } from '../../src/jobs/collect-unreferenced-files.ts';
import { createDiskStorage, newKey } from '../../src/storage/index.ts';
import { derivedKeysOf, primaryKeysOf, renditionKey } from '../../src/storage/variants.ts';
import { useTestApp } from '../setup/app.ts';
import { createChapter, createCourse, createEnrollment, createLesson } from '../setup/factories.ts';
import { signedInAs } from '../setup/users.ts';

/**
 * A video's copies (small, HD, audio only, poster) are named after the original and go out, stay
 * and go by the original's rules: the lesson's access, the orphan collector, replacement.
 */
describe('video renditions follow their original', () => {
  const t = useTestApp();

  it('names every copy after the original, and finds the original back from each (mp4 or webm)', () => {
    const mp4 = newKey('videos', 'mp4');
    const webm = newKey('videos', 'webm');
    expect(renditionKey(mp4, 'small')).toBe(mp4.replace(/\.mp4$/, '-360p.mp4'));
    expect(renditionKey(webm, 'audio')).toBe(webm.replace(/\.webm$/, '-audio.m4a'));
    expect(derivedKeysOf(mp4)).toHaveLength(4);
    expect(primaryKeysOf(renditionKey(webm, 'poster'))).toContain(webm);
    expect(primaryKeysOf(mp4)).toEqual([]);
    // Only our own keys: nothing derived from a key that is not an uploaded video's.
    expect(() => renditionKey('thumbnails/2026/11/x.mp4', 'small')).toThrow();
  });

  it('serves a copy only to those who may open the lesson, named for what it is', async () => {
    const storage = createDiskStorage(path.join(t.config.dataDir, 'uploads'));
    const original = newKey('videos', 'webm');
    const small = renditionKey(original, 'small');
    const body = Buffer.from('not really a video, but bytes to serve');
    for (const key of [original, small]) await storage.put(key, body, { contentType: 'video/mp4', contentLength: body.length });
    const teacher = await signedInAs(t.app, t.db, 'teacher');
    const course = await createCourse(t.db, { userId: teacher.user.id, status: 'Published' });
    const chapter = await createChapter(t.db, { courseId: course.id });
    const lesson = await createLesson(t.db, { chapterId: chapter.id, title: 'Lists and tables', videoKey: original });
    const student = await signedInAs(t.app, t.db, 'student');
    await createEnrollment(t.db, { userId: student.user.id, courseId: course.id, status: 'Active' });
    const stranger = await signedInAs(t.app, t.db, 'student');

    expect((await t.request().get(`/media/${small}`)).status).toBe(404);
    expect((await stranger.agent.get(`/media/${small}`)).status).toBe(404);
    const ok = await student.agent.get(`/media/${small}`).set('Range', 'bytes=0-9');
    expect(ok.status).toBe(206);
    expect(ok.headers['content-disposition']).toContain('Lists and tables (small).mp4');
    expect((await teacher.agent.get(`/media/${small}`)).status).toBe(200);
    // A copy of a video no lesson holds any more: 404, like the original.
    await t.db.updateTable('lesson').set({ videoKey: null }).where('id', '=', lesson.id).execute();
    expect((await student.agent.get(`/media/${small}`)).status).toBe(404);
  });

  it('the orphan sweep keeps a referenced video\'s copies and removes an unreferenced one\'s', async () => {
    const storage = createDiskStorage(path.join(t.config.dataDir, 'sweep'));
    const kept = newKey('videos', 'mp4');
    const gone = newKey('videos', 'mp4');
    const body = Buffer.from('x');
    for (const key of [kept, ...derivedKeysOf(kept), ...derivedKeysOf(gone)]) await storage.put(key, body, { contentType: 'video/mp4', contentLength: 1 });
    const teacher = await signedInAs(t.app, t.db, 'teacher');
    const course = await createCourse(t.db, { userId: teacher.user.id });
    const chapter = await createChapter(t.db, { courseId: course.id });
    await createLesson(t.db, { chapterId: chapter.id, videoKey: kept });
    const result = await collectUnreferencedFiles({ db: t.db, storage, graceMs: 0, now: new Date(Date.now() + 60_000) });
    expect(result.deleted).toBe(4);
    for (const key of [kept, ...derivedKeysOf(kept)]) expect(await storage.head(key)).toBeDefined();
    for (const key of derivedKeysOf(gone)) expect(await storage.head(key)).toBeUndefined();
  });
});
