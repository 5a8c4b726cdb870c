import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, testConfig, useTestApp } from '../setup/app.ts';
import { useTestDatabase } from '../setup/database.ts';
import { createChapter, createCourse, createEnrollment, createLesson } from '../setup/factories.ts';
import { exeFile, mp4Video, pngImage } from '../setup/media.ts';
import { startS3rver } from '../setup/s3.ts';
import { signedInAs, type SignedIn } from '../setup/users.ts';

const files = (dir: string): string[] =>
  existsSync(dir) ? readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name) : [];

describe('media on disk: uploads and who may see them', () => {
  const t = useTestApp({ config: { UPLOAD_MAX_MB: '1' } });
  let teacher: SignedIn;
  let course: { id: string };
  let lesson: { id: string; chapterId: string };
  beforeAll(async () => {
    teacher = await signedInAs(t.app, t.db, 'teacher');
    course = await createCourse(t.db, { userId: teacher.user.id, status: 'Draft', fileKey: null });
    const chapter = await createChapter(t.db, { courseId: course.id, status: 'Published' });
    lesson = await createLesson(t.db, { chapterId: chapter.id, status: 'Published' });
  });
  const upload = (path: string, field: string, body: Buffer, name: string, type: string, csrf = teacher.csrf) =>
    teacher.agent.post(`${path}?_csrf=${encodeURIComponent(csrf)}`).attach(field, body, { filename: name, contentType: type });
  const uploadsDir = () => path.join(t.config.dataDir, 'uploads');
  const tmpDir = () => path.join(t.config.dataDir, 'tmp');

  it('a course image is cropped to a 640 by 360 WebP (and a 320-pixel copy), audited, and public once the course is published', async () => {
    const res = await upload(`/teach/courses/${course.id}/thumbnail`, 'thumbnail', await pngImage(), 'photo.png', 'image/png');
    expect(res.status).toBe(303);
    const { fileKey } = await t.db.selectFrom('course').select('fileKey').where('id', '=', course.id).executeTakeFirstOrThrow();
    expect(fileKey).toMatch(/^thumbnails\/\d{4}\/\d{2}\/[0-9a-f-]{36}-640w\.webp$/);

    const mine = await teacher.agent.get(`/media/${fileKey}`).buffer(true).expect(200);
    expect(mine.headers['content-type']).toBe('image/webp');
    expect(mine.headers['x-content-type-options']).toBe('nosniff');
    expect(mine.headers['content-disposition']).toMatch(/^inline; filename="/);
    const meta = await sharp(mine.body as Buffer).metadata();
    expect(meta).toMatchObject({ format: 'webp', width: 640, height: 360 });

    // A draft's image is the teacher's alone.
    await t.request().get(`/media/${fileKey}`).expect(404);
    await t.db.updateTable('course').set({ status: 'Published' }).where('id', '=', course.id).execute();
    const visitor = await t.request().get(`/media/${fileKey}`).expect(200);
    expect(visitor.headers['cache-control']).toBe('public, max-age=86400');

    const audit = await t.db.selectFrom('activityLog').selectAll().where('action', '=', 'media_uploaded').where('entityId', '=', course.id).execute();
    expect(audit).toHaveLength(1);
    expect(files(tmpDir())).toEqual([]);
  });

  it('a lesson video is stored as uploaded, shown with preload="none" and its size, and replacing it deletes the old file', async () => {
    const first = mp4Video(5000);
    await upload(`/teach/lessons/${lesson.id}/video`, 'video', first, 'intro.mp4', 'video/mp4').expect(303);
    const { videoKey } = await t.db.selectFrom('lesson').select('videoKey').where('id', '=', lesson.id).executeTakeFirstOrThrow();
    expect(videoKey).toMatch(/^videos\/\d{4}\/\d{2}\/[0-9a-f-]{36}\.mp4$/);
    const page = await teacher.agent.get(`/teach/lessons/${lesson.id}`).expect(200);
    expect(page.text).toContain('preload="none"');
    expect(page.text).toContain('Video size: 5.0 KB');

    const whole = await teacher.agent.get(`/media/${videoKey}`).buffer(true).expect(200);
    expect(Buffer.compare(whole.body as Buffer, first)).toBe(0);
    const part = await teacher.agent.get(`/media/${videoKey}`).set('Range', 'bytes=100-199').buffer(true).expect(206);
    expect(part.headers['content-range']).toBe('bytes 100-199/5000');
    expect(Buffer.compare(part.body as Buffer, first.subarray(100, 200))).toBe(0);

    await upload(`/teach/lessons/${lesson.id}/video`, 'video', mp4Video(3000), 'better.mp4', 'video/mp4').expect(303);
    const { videoKey: second } = await t.db.selectFrom('lesson').select('videoKey').where('id', '=', lesson.id).executeTakeFirstOrThrow();
    expect(second).not.toBe(videoKey);
    expect(existsSync(path.join(uploadsDir(), videoKey!))).toBe(false);
    expect(existsSync(path.join(uploadsDir(), second!))).toBe(true);
  });

  it('refuses a renamed .exe called video.mp4 (422) and leaves nothing behind', async () => {
    const before = files(uploadsDir()).sort();
    const { videoKey } = await t.db.selectFrom('lesson').select('videoKey').where('id', '=', lesson.id).executeTakeFirstOrThrow();
    const res = await upload(`/teach/lessons/${lesson.id}/video`, 'video', exeFile(), 'video.mp4', 'video/mp4');
    expect(res.status).toBe(422);
    expect(res.text).toMatch(/not a video we accept/);
    expect((await t.db.selectFrom('lesson').select('videoKey').where('id', '=', lesson.id).executeTakeFirstOrThrow()).videoKey).toBe(videoKey);
    expect(files(uploadsDir()).sort()).toEqual(before);
    expect(files(tmpDir())).toEqual([]);
  });

  it('answers 413 to an upload over UPLOAD_MAX_MB and leaves no file', async () => {
    const before = files(uploadsDir()).sort();
    const res = await upload(`/teach/lessons/${lesson.id}/video`, 'video', mp4Video(1_500_000), 'big.mp4', 'video/mp4');
    expect(res.status).toBe(413);
    expect(res.text).toContain('The file is too large');
    expect(files(uploadsDir()).sort()).toEqual(before);
    expect(files(tmpDir())).toEqual([]);
  });

  it('an upload without the CSRF token is refused before anything is written', async () => {
    const before = files(uploadsDir()).sort();
    const res = await teacher.agent.post(`/teach/lessons/${lesson.id}/video`).attach('video', mp4Video(), 'x.mp4');
    expect(res.status).toBe(403);
    expect(files(uploadsDir()).sort()).toEqual(before);
  });

  it('videos go to enrolled students with access, the teacher and admins; everyone else gets 404', async () => {
    const { videoKey } = await t.db.selectFrom('lesson').select('videoKey').where('id', '=', lesson.id).executeTakeFirstOrThrow();
    const url = `/media/${videoKey}`;
    const student = await signedInAs(t.app, t.db, 'student');
    const admin = await signedInAs(t.app, t.db, 'admin');
    const otherTeacher = await signedInAs(t.app, t.db, 'teacher');

    await t.request().get(url).expect(404);
    await student.agent.get(url).expect(404);
    await otherTeacher.agent.get(url).expect(404);
    await admin.agent.get(url).expect(200);

    const enrollment = await createEnrollment(t.db, { userId: student.user.id, courseId: course.id, status: 'Pending' });
    await student.agent.get(url).expect(404);
    await t.db.updateTable('enrollment').set({ status: 'Active' }).where('id', '=', enrollment.id).execute();
    const ok = await student.agent.get(url).expect(200);
    expect(ok.headers['cache-control']).toBe('private, max-age=3600');

    await t.db.updateTable('enrollment').set({ banned: true, banType: 'Temporary', banUntil: new Date(Date.now() + 86_400_000) }).where('id', '=', enrollment.id).execute();
    await student.agent.get(url).expect(404);
    await t.db.updateTable('enrollment').set({ banUntil: new Date(Date.now() - 1000) }).where('id', '=', enrollment.id).execute();
    await student.agent.get(url).expect(200);
    await t.db.updateTable('enrollment').set({ banType: 'Permanent', banUntil: null }).where('id', '=', enrollment.id).execute();
    await student.agent.get(url).expect(404);
    await t.db.updateTable('enrollment').set({ banned: false, banType: null }).where('id', '=', enrollment.id).execute();

    await t.db.updateTable('lesson').set({ status: 'Draft' }).where('id', '=', lesson.id).execute();
    await student.agent.get(url).expect(404);
    await teacher.agent.get(url).expect(200);
    await t.db.updateTable('lesson').set({ status: 'Published' }).where('id', '=', lesson.id).execute();

    // Archived courses keep their students.
    await t.db.updateTable('course').set({ status: 'Archived' }).where('id', '=', course.id).execute();
    await student.agent.get(url).expect(200);
    await t.db.updateTable('course').set({ status: 'Published' }).where('id', '=', course.id).execute();
  });

  it.each(['/media/../../etc/passwd', '/media/videos/%2e%2e/%2e%2e/etc/passwd', '/media/videos/..%2F..%2Fsecret', '/media/unknown/2026/01/x.mp4', '/media/'])(
    '%s is 404',
    async (url) => {
      await t.request().get(url).expect(404);
    },
  );

  it('a profile picture is resized to 256 pixels wide and shown to anyone', async () => {
    const student = await signedInAs(t.app, t.db, 'student');
    await student.agent
      .post(`/account/picture?_csrf=${encodeURIComponent(student.csrf)}`)
      .attach('picture', await pngImage(900, 900), { filename: 'me.png', contentType: 'image/png' })
      .expect(303);
    const { image } = await t.db.selectFrom('user').select('image').where('id', '=', student.user.id).executeTakeFirstOrThrow();
    expect(image).toMatch(/^avatars\//);
    const res = await t.request().get(`/media/${image}`).buffer(true).expect(200);
    expect((await sharp(res.body as Buffer).metadata()).width).toBe(256);
  });
});

describe('media on S3 (s3rver)', () => {
  let s3: Awaited<ReturnType<typeof startS3rver>>;
  beforeAll(async () => {
    s3 = await startS3rver();
  });
  afterAll(() => s3?.stop());
  const t = useTestDatabase();

  it('stores uploads in the bucket and answers media requests with a short-lived presigned redirect', async () => {
    // The app reads the S3 settings from its config: one pointing at this s3rver.
    const app = buildTestApp(t.db, { config: testConfig(s3.env) });
    const teacher = await signedInAs(app, t.db, 'teacher');
    const course = await createCourse(t.db, { userId: teacher.user.id, status: 'Published' });
    await teacher.agent
      .post(`/teach/courses/${course.id}/thumbnail?_csrf=${encodeURIComponent(teacher.csrf)}`)
      .attach('thumbnail', await pngImage(), { filename: 'p.png', contentType: 'image/png' })
      .expect(303);
    const { fileKey } = await t.db.selectFrom('course').select('fileKey').where('id', '=', course.id).executeTakeFirstOrThrow();
    const res = await teacher.agent.get(`/media/${fileKey}`).redirects(0).expect(302);
    expect(res.headers['cache-control']).toBe('private, no-store');
    expect(res.headers.location).toContain(s3.options.endpoint!);
    expect(res.headers.location).toMatch(/X-Amz-Expires=300/);
    const fetched = await fetch(res.headers.location!);
    expect(fetched.status).toBe(200);
    expect((await sharp(Buffer.from(await fetched.arrayBuffer())).metadata()).format).toBe('webp');
  });
});
