import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from '../setup/app.ts';
import { createChapter, createCourse, createLesson } from '../setup/factories.ts';
import { signedInAs, type SignedIn } from '../setup/users.ts';

/** Every /teach route of one course, with ids filled in. */
function routesFor(ids: { course: string; chapter: string; lesson: string; attachment?: string; caption?: string }): Array<[string, string]> {
  return [
    ['GET', `/teach/courses/${ids.course}`],
    ['POST', `/teach/courses/${ids.course}`],
    ['POST', `/teach/courses/${ids.course}/publish`],
    ['POST', `/teach/courses/${ids.course}/publish-all`],
    ['POST', `/teach/courses/${ids.course}/chapters`],
    ['POST', `/teach/courses/${ids.course}/thumbnail`],
    ['GET', `/teach/courses/${ids.course}/analytics`],
    ['GET', `/teach/courses/${ids.course}/analytics?format=csv&chart=funnel`],
    ['POST', `/teach/chapters/${ids.chapter}`],
    ['POST', `/teach/chapters/${ids.chapter}/move`],
    ['POST', `/teach/chapters/${ids.chapter}/publish`],
    ['GET', `/teach/chapters/${ids.chapter}/delete`],
    ['POST', `/teach/chapters/${ids.chapter}/delete`],
    ['POST', `/teach/chapters/${ids.chapter}/lessons`],
    ['GET', `/teach/lessons/${ids.lesson}`],
    ['POST', `/teach/lessons/${ids.lesson}`],
    ['POST', `/teach/lessons/${ids.lesson}/move`],
    ['POST', `/teach/lessons/${ids.lesson}/publish`],
    ['GET', `/teach/lessons/${ids.lesson}/delete`],
    ['POST', `/teach/lessons/${ids.lesson}/delete`],
    ['POST', `/teach/lessons/${ids.lesson}/video`],
    ['POST', `/teach/lessons/${ids.lesson}/thumbnail`],
    ['POST', `/teach/lessons/${ids.lesson}/attachments`],
    ['POST', `/teach/lessons/${ids.lesson}/attachments/${ids.attachment ?? '00000000-0000-4000-8000-000000000000'}/delete`],
    ['GET', `/teach/lessons/${ids.lesson}/video/status`],
    ['POST', `/teach/lessons/${ids.lesson}/video/retry`],
    ['POST', `/teach/lessons/${ids.lesson}/video/copies`],
    ['POST', `/teach/lessons/${ids.lesson}/captions`],
    ['POST', `/teach/lessons/${ids.lesson}/captions/${ids.caption ?? '00000000-0000-4000-8000-000000000000'}/delete`],
  ];
}

describe('/teach access', () => {
  const t = useTestApp();
  let owner: SignedIn;
  let otherTeacher: SignedIn;
  let student: SignedIn;
  let admin: SignedIn;
  let ids: { course: string; chapter: string; lesson: string; attachment: string; caption: string };

  beforeAll(async () => {
    owner = await signedInAs(t.app, t.db, 'teacher');
    otherTeacher = await signedInAs(t.app, t.db, 'teacher');
    student = await signedInAs(t.app, t.db, 'student');
    admin = await signedInAs(t.app, t.db, 'admin');
    const course = await createCourse(t.db, { userId: owner.user.id, title: 'Owned Course', status: 'Draft' });
    const chapter = await createChapter(t.db, { courseId: course.id, title: 'Owned Chapter' });
    const lesson = await createLesson(t.db, { chapterId: chapter.id, title: 'Owned Lesson' });
    const attachment = await t.db
      .insertInto('lessonAttachment')
      .values({ lessonId: lesson.id, fileKey: 'attachments/2026/11/owned.pdf', fileName: 'Owned.pdf', contentType: 'application/pdf', sizeBytes: 10, position: 1 })
      .returning('id')
      .executeTakeFirstOrThrow();
    const caption = await t.db
      .insertInto('lessonCaption')
      .values({ lessonId: lesson.id, language: 'en', label: 'Owned captions', vtt: 'WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nHi\n', transcript: 'Hi' })
      .returning('id')
      .executeTakeFirstOrThrow();
    ids = { course: course.id, chapter: chapter.id, lesson: lesson.id, attachment: attachment.id, caption: caption.id };
  });

  const send = (who: SignedIn, method: string, path: string) =>
    method === 'GET' ? who.agent.get(path) : who.post(path, { title: 'Hijacked', direction: 'up', status: 'Published' });

  it("another teacher gets 404 on every route of a course that is not theirs, and changes nothing", async () => {
    for (const [method, path] of routesFor(ids)) {
      const res = await send(otherTeacher, method, path);
      expect(res.status, `${method} ${path}`).toBe(404);
    }
    const course = await t.db.selectFrom('course').select(['title', 'status']).where('id', '=', ids.course).executeTakeFirstOrThrow();
    expect(course).toEqual({ title: 'Owned Course', status: 'Draft' });
    expect(await t.db.selectFrom('chapter').select('title').where('courseId', '=', ids.course).execute()).toEqual([{ title: 'Owned Chapter' }]);
    expect(await t.db.selectFrom('lesson').select('title').where('id', '=', ids.lesson).execute()).toEqual([{ title: 'Owned Lesson' }]);
    expect(await t.db.selectFrom('lessonAttachment').select('fileName').where('lessonId', '=', ids.lesson).execute()).toEqual([{ fileName: 'Owned.pdf' }]);
    expect(await t.db.selectFrom('lessonCaption').select('label').where('lessonId', '=', ids.lesson).execute()).toEqual([{ label: 'Owned captions' }]);
  });

  it('a student gets 404 on every /teach route, their own or not', async () => {
    for (const [method, path] of [...routesFor(ids), ['GET', '/teach'], ['GET', '/teach/courses/new'], ['POST', '/teach/courses/new']] as Array<[string, string]>) {
      const res = await send(student, method, path);
      expect(res.status, `${method} ${path}`).toBe(404);
    }
  });

  it('a visitor is sent to sign in', async () => {
    await t.request().get(`/teach/courses/${ids.course}`).expect(303);
    await t.request().get('/teach').expect(303);
  });

  it('made-up and malformed ids are 404 too', async () => {
    await owner.agent.get('/teach/courses/00000000-0000-0000-0000-000000000000').expect(404);
    await owner.agent.get('/teach/courses/not-a-uuid').expect(404);
    await owner.agent.get("/teach/lessons/1' or '1'='1").expect(404);
  });

  it('the owner and an admin may open it', async () => {
    await owner.agent.get(`/teach/courses/${ids.course}`).expect(200);
    await admin.agent.get(`/teach/courses/${ids.course}`).expect(200);
    await admin.agent.get(`/teach/lessons/${ids.lesson}`).expect(200);
  });

  it("the owner and an admin may use the lesson's video and caption routes", async () => {
    const vtt = Buffer.from('WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nHola\n');
    for (const [who, language] of [[owner, 'es'], [admin, 'fr']] as const) {
      await who.agent.get(`/teach/lessons/${ids.lesson}/video/status`).set('HX-Request', 'true').expect(200);
      await who.post(`/teach/lessons/${ids.lesson}/video/retry`).expect(303);
      await who.post(`/teach/lessons/${ids.lesson}/video/copies`).expect(303);
      await who.agent
        .post(`/teach/lessons/${ids.lesson}/captions?_csrf=${encodeURIComponent(who.csrf)}`)
        .field('language', language)
        .attach('captions', vtt, { filename: 'c.vtt', contentType: 'text/vtt' })
        .expect(303);
      const added = await t.db.selectFrom('lessonCaption').select('id').where('lessonId', '=', ids.lesson).where('language', '=', language).executeTakeFirstOrThrow();
      await who.post(`/teach/lessons/${ids.lesson}/captions/${added.id}/delete`).expect(303);
    }
  });
});
