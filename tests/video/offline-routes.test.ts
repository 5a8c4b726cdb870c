import { statSync } from 'node:fs';
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { systemAudit } from '../../src/features/audit/activity.ts';
import { changeStatus } from '../../src/features/enrollments/service.ts';
import { PAGE_BYTES_ESTIMATE } from '../../src/features/video/offline.ts';
import { buildAssetManifest } from '../../src/http/assets.ts';
import { newKey } from '../../src/storage/index.ts';
import { renditionKey } from '../../src/storage/variants.ts';
import { useTestApp } from '../setup/app.ts';
import { expectWithinPageBudget } from '../setup/budget.ts';
import { createChapter, createCourse, createEnrollment, createLesson } from '../setup/factories.ts';
import { countQueries } from '../setup/queries.ts';
import { signedInAs, type SignedIn } from '../setup/users.ts';
import { LECTURE_SIZES, recordVideoState } from '../setup/video-factories.ts';

/**
 * Offline lessons (issue 20), the server's side: the chapter manifest the service worker saves
 * from (only lessons the student may open, the copy their data saver picks, captions, assets, the
 * size), the check that drops a revoked enrollment's chapters, /sw.js, and a completion form that
 * can be sent twice.
 */

const SIZES = LECTURE_SIZES;
const VTT = 'WEBVTT\n\n00:00:00.000 --> 00:00:02.000\nOne row per sale.\n';
const assets = buildAssetManifest();

describe('offline lessons: routes', () => {
  const t = useTestApp();
  let teacher: SignedIn;
  let student: SignedIn;

  beforeAll(async () => {
    teacher = await signedInAs(t.app, t.db, 'teacher');
    student = await signedInAs(t.app, t.db, 'student');
  });

  async function course() {
    const c = await createCourse(t.db, { userId: teacher.user.id });
    await createEnrollment(t.db, { userId: student.user.id, courseId: c.id });
    return c;
  }

  /** A lesson with a Ready video (audio 9 MB, small 38 MB, HD 160 MB, a poster) and, if asked, English and Spanish captions. */
  async function videoLesson(chapterId: string, options: { captions?: boolean; title?: string } = {}) {
    const videoKey = newKey('videos', 'mp4');
    const lesson = await createLesson(t.db, { chapterId, title: options.title ?? 'Tidy data', videoKey });
    await recordVideoState(t.db, { videoKey, lessonId: lesson.id, status: 'Ready', sizes: SIZES });
    if (options.captions) {
      await t.db
        .insertInto('lessonCaption')
        .values([
          { lessonId: lesson.id, language: 'en', label: 'English', vtt: VTT, transcript: 'One row per sale.' },
          { lessonId: lesson.id, language: 'es', label: 'Español', vtt: VTT, transcript: 'Una fila por venta.' },
        ])
        .execute();
    }
    return { lesson, videoKey };
  }

  const manifestUrl = (slug: string, chapterId: string) => `/learn/${slug}/chapters/${chapterId}/offline.json`;
  const assetBytes = () =>
    assets
      .entries()
      .filter((e) => /^(css|js)\//.test(e.name) || e.name === 'img/favicon.svg')
      .reduce((sum, e) => sum + statSync(e.file).size, 0);

  describe('GET /learn/:slug/chapters/:chapterId/offline.json', () => {
    it('lists the open lessons of the chapter with the HD copy, captions and assets, and states the size', async () => {
      const c = await course();
      const chapter = await createChapter(t.db, { courseId: c.id, title: 'Cleaning data' });
      const { lesson: first, videoKey } = await videoLesson(chapter.id, { captions: true, title: 'Tidy data' });
      const reading = await createLesson(t.db, { chapterId: chapter.id, title: 'Reading: column names' });
      await createLesson(t.db, { chapterId: chapter.id, title: 'Draft lesson', status: 'Draft' });
      await createLesson(t.db, { chapterId: chapter.id, title: 'Next week', releaseAt: new Date(Date.now() + 7 * 86_400_000) });

      const res = await student.agent.get(manifestUrl(c.slug, chapter.id)).expect(200);
      expect(res.headers['content-type']).toMatch(/application\/json/);
      expect(res.headers['cache-control']).toBe('private, no-store');
      const m = res.body;
      expect(m.chapterId).toBe(chapter.id);
      expect(m.chapterTitle).toBe('Cleaning data');
      expect(m.course).toEqual({ slug: c.slug, title: c.title });
      expect(m.cache).toBe(`offline-${c.slug}-${chapter.id}`);
      expect(m.kind).toBe('video');
      expect(m.lessons.map((l: { title: string }) => l.title)).toEqual(['Tidy data', 'Reading: column names']);
      expect(m.lessons[0]).toEqual({
        id: first.id,
        title: 'Tidy data',
        url: `/learn/${c.slug}/lessons/${first.id}`,
        media: { url: `/media/${renditionKey(videoKey, 'hd')}`, bytes: SIZES.hd, kind: 'hd' },
        poster: `/media/${renditionKey(videoKey, 'poster')}`,
        captions: [`/learn/${c.slug}/lessons/${first.id}/captions/en.vtt`, `/learn/${c.slug}/lessons/${first.id}/captions/es.vtt`],
      });
      expect(m.lessons[1]).toEqual({ id: reading.id, title: 'Reading: column names', url: `/learn/${c.slug}/lessons/${reading.id}`, media: null, poster: null, captions: [] });
      expect(m.assets).toEqual(expect.arrayContaining([assets.url('css/app.css'), assets.url('js/htmx.min.js'), assets.url('js/offline.js')]));
      expect(m.totalBytes).toBe(SIZES.hd + 2 * Buffer.byteLength(VTT) + 2 * PAGE_BYTES_ESTIMATE + assetBytes());
    });

    it('picks the small copy with data saver (the setting, or Save-Data when not chosen), and audio only when asked', async () => {
      const c = await course();
      const chapter = await createChapter(t.db, { courseId: c.id });
      const { videoKey } = await videoLesson(chapter.id);
      const url = manifestUrl(c.slug, chapter.id);

      const saveData = await student.agent.get(url).set('Save-Data', 'on').expect(200);
      expect(saveData.body.lessons[0].media).toEqual({ url: `/media/${renditionKey(videoKey, 'small')}`, bytes: SIZES.small, kind: 'small' });
      const audio = await student.agent.get(`${url}?kind=audio`).expect(200);
      expect(audio.body.kind).toBe('audio');
      expect(audio.body.lessons[0].media).toEqual({ url: `/media/${renditionKey(videoKey, 'audio')}`, bytes: SIZES.audio, kind: 'audio' });
      expect(audio.body.totalBytes).toBeLessThan(saveData.body.totalBytes);
      await student.agent.get(`${url}?kind=hd`).expect(400);

      const saver = await signedInAs(t.app, t.db, 'student', { dataSaver: true });
      await createEnrollment(t.db, { userId: saver.user.id, courseId: c.id });
      expect((await saver.agent.get(url).expect(200)).body.lessons[0].media.kind).toBe('small');
      // Chosen off: the header does not turn it on.
      const off = await signedInAs(t.app, t.db, 'student', { dataSaver: false });
      await createEnrollment(t.db, { userId: off.user.id, courseId: c.id });
      expect((await off.agent.get(url).set('Save-Data', 'on').expect(200)).body.lessons[0].media.kind).toBe('hd');
    });

    it('takes the same number of queries for 2 or 6 video lessons', async () => {
      const c = await course();
      const small = await createChapter(t.db, { courseId: c.id });
      const large = await createChapter(t.db, { courseId: c.id });
      for (let i = 0; i < 2; i++) await videoLesson(small.id, { captions: true });
      for (let i = 0; i < 6; i++) await videoLesson(large.id, { captions: true });
      const two = await countQueries(t.db, () => student.agent.get(manifestUrl(c.slug, small.id)).expect(200));
      const six = await countQueries(t.db, () => student.agent.get(manifestUrl(c.slug, large.id)).expect(200));
      expect(six.result.body.lessons).toHaveLength(6);
      expect(six.count).toBe(two.count);
    });

    it('answers 404 to a stranger, for another course’s chapter, a chapter not released yet and a draft chapter', async () => {
      const c = await course();
      const chapter = await createChapter(t.db, { courseId: c.id });
      await videoLesson(chapter.id);
      const stranger = await signedInAs(t.app, t.db, 'student');
      await stranger.agent.get(manifestUrl(c.slug, chapter.id)).expect(404);

      const other = await course();
      const otherChapter = await createChapter(t.db, { courseId: other.id });
      await createLesson(t.db, { chapterId: otherChapter.id });
      await student.agent.get(manifestUrl(c.slug, otherChapter.id)).expect(404);

      const later = await createChapter(t.db, { courseId: c.id, releaseAt: new Date(Date.now() + 7 * 86_400_000) });
      await createLesson(t.db, { chapterId: later.id });
      await student.agent.get(manifestUrl(c.slug, later.id)).expect(404);
      const draft = await createChapter(t.db, { courseId: c.id, status: 'Draft' });
      await createLesson(t.db, { chapterId: draft.id });
      await student.agent.get(manifestUrl(c.slug, draft.id)).expect(404);
      await student.agent.get(manifestUrl(c.slug, 'not-a-uuid')).expect(404);
      // Signed out: to the sign-in page, as every /learn page.
      expect((await t.request().get(manifestUrl(c.slug, chapter.id))).status).toBe(303);
      // The teacher previewing gets it (everything is open to them).
      expect((await teacher.agent.get(manifestUrl(c.slug, later.id)).expect(200)).body.lessons).toHaveLength(1);
    });
  });

  describe('POST /learn/offline/check', () => {
    it('keeps the chapters the student may open and drops a cancelled enrollment’s', async () => {
      const kept = await course();
      const keptChapter = await createChapter(t.db, { courseId: kept.id });
      await createLesson(t.db, { chapterId: keptChapter.id });
      const cancelled = await createCourse(t.db, { userId: teacher.user.id });
      const enrollment = await createEnrollment(t.db, { userId: student.user.id, courseId: cancelled.id });
      const cancelledChapter = await createChapter(t.db, { courseId: cancelled.id });
      await createLesson(t.db, { chapterId: cancelledChapter.id });
      const saved = [`${kept.slug}/${keptChapter.id}`, `${cancelled.slug}/${cancelledChapter.id}`];

      const before = await student.agent.post('/learn/offline/check').set('x-csrf-token', student.csrf).send({ chapters: saved }).expect(200);
      expect(before.headers['cache-control']).toBe('private, no-store');
      expect(before.body).toEqual({ allowed: saved });

      const admin = await signedInAs(t.app, t.db, 'admin');
      expect(await changeStatus(t.db, systemAudit(admin.user.id), { enrollmentId: enrollment.id, status: 'Cancelled', reason: 'Asked to leave' })).toMatchObject({ ok: true, changed: true });

      const after = await student.agent.post('/learn/offline/check').set('x-csrf-token', student.csrf).send({ chapters: saved }).expect(200);
      expect(after.body).toEqual({ allowed: [saved[0]] });
      // As a form (chapters[] repeated), with the token in the header as htmx sends it.
      const form = await student.agent.post('/learn/offline/check').set('x-csrf-token', student.csrf).type('form').send(`chapters[]=${encodeURIComponent(saved[0]!)}&chapters[]=${encodeURIComponent(saved[1]!)}`).expect(200);
      expect(form.body).toEqual({ allowed: [saved[0]] });
      // A slug that does not go with the chapter, and another student's view of the same chapter.
      expect((await student.agent.post('/learn/offline/check').set('x-csrf-token', student.csrf).send({ chapters: [`${cancelled.slug}/${keptChapter.id}`] }).expect(200)).body).toEqual({ allowed: [] });
      const stranger = await signedInAs(t.app, t.db, 'student');
      expect((await stranger.agent.post('/learn/offline/check').set('x-csrf-token', stranger.csrf).send({ chapters: saved }).expect(200)).body).toEqual({ allowed: [] });
      // The course's teacher keeps theirs.
      expect((await teacher.agent.post('/learn/offline/check').set('x-csrf-token', teacher.csrf).send({ chapters: saved }).expect(200)).body).toEqual({ allowed: saved });
    });

    it('refuses a request without the CSRF token, and says what is wrong with bad input', async () => {
      const res = await student.agent.post('/learn/offline/check').send({ chapters: [] });
      expect(res.status).toBe(403);
      const bad = await student.agent.post('/learn/offline/check').set('x-csrf-token', student.csrf).send({ chapters: ['../etc/passwd'] });
      expect(bad.status).toBe(422);
      expect(bad.text).toContain('chapters must be a list of');
      const none = await student.agent.post('/learn/offline/check').set('x-csrf-token', student.csrf).send({}).expect(200);
      expect(none.body).toEqual({ allowed: [] });
    });
  });

  it('serves the service worker at /sw.js: JavaScript, revalidated each time, under the CSP, no session', async () => {
    const res = await t.request().get('/sw.js').expect(200);
    expect(res.headers['content-type']).toBe('application/javascript; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['set-cookie']).toBeUndefined();
    expect(res.text).toContain("addEventListener('fetch'");
  });

  describe('the lesson page', () => {
    it('offers to save the chapter (buttons hidden until the script shows them) with the plain fallback text', async () => {
      const c = await course();
      const chapter = await createChapter(t.db, { courseId: c.id });
      const { lesson } = await videoLesson(chapter.id);
      const page = await student.agent.get(`/learn/${c.slug}/lessons/${lesson.id}`).expect(200);
      expectWithinPageBudget(page);
      expect(page.text).toContain(`data-manifest="/learn/${c.slug}/chapters/${chapter.id}/offline.json" data-cache="offline-${c.slug}-${chapter.id}"`);
      expect(page.text).toMatch(/<button type="button" class="small" data-do="ask" hidden>Save this chapter for offline use<\/button>/);
      expect(page.text).toContain('Without this browser feature, download the videos from each lesson');
      expect(page.text).toContain(`<script src="${assets.url('js/offline.js')}" defer></script>`);
      // The teacher's preview is not saved offline.
      expect((await teacher.agent.get(`/learn/${c.slug}/lessons/${lesson.id}`).expect(200)).text).not.toContain('id="offline"');
    });

    it('completion sent twice (a form queued offline, sent again) stays completed; the form says which state it wants', async () => {
      const c = await course();
      const chapter = await createChapter(t.db, { courseId: c.id });
      const lesson = await createLesson(t.db, { chapterId: chapter.id });
      const page = await student.agent.get(`/learn/${c.slug}/lessons/${lesson.id}`).expect(200);
      expect(page.text).toContain('<input type="hidden" name="completed" value="true">');
      const url = `/learn/${c.slug}/lessons/${lesson.id}/complete`;
      const done = async () =>
        (await t.db.selectFrom('lessonProgress').select('completed').where('userId', '=', student.user.id).where('lessonId', '=', lesson.id).executeTakeFirst())?.completed;
      await student.post(url, { completed: 'true' }).expect(303);
      await student.post(url, { completed: 'true' }).expect(303);
      expect(await done()).toBe(true);
      const fragment = await student.agent.post(url).set('HX-Request', 'true').type('form').send({ _csrf: student.csrf, completed: 'true' }).expect(200);
      expect(fragment.text).toContain('Completed · mark as not done');
      expect(fragment.text).toContain('<input type="hidden" name="completed" value="false">');
      const activity = await t.db.selectFrom('studentActivity').select('id').where('type', '=', 'CompletedLesson').where(sql`metadata->>'lessonId'`, '=', lesson.id).execute();
      expect(activity).toHaveLength(1);
      await student.post(url, { completed: 'false' }).expect(303);
      await student.post(url, { completed: 'false' }).expect(303);
      expect(await done()).toBe(false);
      // A page from before the field (no `completed`): the button still toggles.
      await student.post(url).expect(303);
      expect(await done()).toBe(true);
    });
  });
});
