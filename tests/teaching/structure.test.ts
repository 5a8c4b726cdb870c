import { describe, expect, it } from 'vitest';
import { releaseScheduledContent } from '../../src/jobs/release-scheduled-content.ts';
import { useTestApp } from '../setup/app.ts';
import { createChapter, createCourse, createLesson } from '../setup/factories.ts';
import { signedInAs } from '../setup/users.ts';

describe('chapters and lessons', () => {
  const t = useTestApp();

  const chapterOrder = async (courseId: string) =>
    (await t.db.selectFrom('chapter').select(['title', 'position']).where('courseId', '=', courseId).orderBy('position').execute()).map(
      (c) => `${c.position}:${c.title}`,
    );

  async function teacherWithCourse() {
    const teacher = await signedInAs(t.app, t.db, 'teacher');
    const course = await createCourse(t.db, { userId: teacher.user.id, status: 'Draft' });
    return { teacher, course };
  }

  it('adds chapters and lessons at the end, renames them, and audits each change', async () => {
    const { teacher, course } = await teacherWithCourse();
    await teacher.post(`/teach/courses/${course.id}/chapters`, { title: 'Basics' }).expect(303);
    await teacher.post(`/teach/courses/${course.id}/chapters`, { title: 'Practice' }).expect(303);
    expect(await chapterOrder(course.id)).toEqual(['1:Basics', '2:Practice']);

    const basics = await t.db.selectFrom('chapter').selectAll().where('courseId', '=', course.id).where('position', '=', 1).executeTakeFirstOrThrow();
    await teacher.post(`/teach/chapters/${basics.id}/lessons`, { title: 'First steps' }).expect(303);
    await teacher.post(`/teach/chapters/${basics.id}/lessons`, { title: 'Second steps' }).expect(303);
    const lessons = await t.db.selectFrom('lesson').select(['title', 'position', 'status']).where('chapterId', '=', basics.id).orderBy('position').execute();
    expect(lessons).toEqual([
      { title: 'First steps', position: 1, status: 'Draft' },
      { title: 'Second steps', position: 2, status: 'Draft' },
    ]);

    await teacher.post(`/teach/chapters/${basics.id}`, { title: 'The basics' }).expect(303);
    const empty = await teacher.post(`/teach/chapters/${basics.id}`, { title: '   ' });
    expect(empty.status).toBe(422);
    expect(empty.text).toContain('Title is required.');
    expect(await chapterOrder(course.id)).toEqual(['1:The basics', '2:Practice']);

    const actions = await t.db.selectFrom('activityLog').select('action').where('userId', '=', teacher.user.id).orderBy('createdAt').execute();
    expect(actions.map((a) => a.action)).toEqual(['chapter_added', 'chapter_added', 'lesson_added', 'lesson_added', 'chapter_updated']);
  });

  it('moves chapters up and down without JavaScript (303) and with htmx (the structure fragment)', async () => {
    const { teacher, course } = await teacherWithCourse();
    const a = await createChapter(t.db, { courseId: course.id, title: 'A' });
    await createChapter(t.db, { courseId: course.id, title: 'B' });
    const c = await createChapter(t.db, { courseId: course.id, title: 'C' });

    const plain = await teacher.post(`/teach/chapters/${c.id}/move`, { direction: 'up' });
    expect(plain.status).toBe(303);
    expect(plain.headers.location).toBe(`/teach/courses/${course.id}#chapter-${c.id}`);
    expect(await chapterOrder(course.id)).toEqual(['1:A', '2:C', '3:B']);

    const htmx = await teacher.agent
      .post(`/teach/chapters/${a.id}/move`)
      .set('HX-Request', 'true')
      .set('x-csrf-token', teacher.csrf)
      .type('form')
      .send({ direction: 'down' });
    expect(htmx.status).toBe(200);
    expect(htmx.text).toMatch(/^<section id="structure"/m);
    expect(htmx.text).not.toContain('<html');
    expect(await chapterOrder(course.id)).toEqual(['1:C', '2:A', '3:B']);

    // The first cannot go up; nothing changes, and nothing is audited.
    await teacher.post(`/teach/chapters/${c.id}/move`, { direction: 'up' }).expect(303);
    expect(await chapterOrder(course.id)).toEqual(['1:C', '2:A', '3:B']);
    const moves = await t.db.selectFrom('activityLog').select(['action', 'entityId']).where('action', '=', 'chapter_moved').where('userId', '=', teacher.user.id).execute();
    expect(moves).toHaveLength(2);
  });

  it('racing moves keep positions 1..n and unique', async () => {
    const { teacher, course } = await teacherWithCourse();
    const chapters: Array<{ id: string }> = [];
    for (const title of ['A', 'B', 'C', 'D', 'E']) chapters.push(await createChapter(t.db, { courseId: course.id, title }));
    const moves = Array.from({ length: 30 }, (_, i) =>
      teacher.post(`/teach/chapters/${chapters[i % 5]!.id}/move`, { direction: i % 3 === 0 ? 'down' : 'up' }),
    );
    const results = await Promise.all(moves);
    expect(results.every((r) => r.status === 303)).toBe(true);
    const positions = (await t.db.selectFrom('chapter').select('position').where('courseId', '=', course.id).orderBy('position').execute()).map((c) => c.position);
    expect(positions).toEqual([1, 2, 3, 4, 5]);
  });

  it('racing lesson moves and additions keep lesson positions valid too', async () => {
    const { teacher, course } = await teacherWithCourse();
    const chapter = await createChapter(t.db, { courseId: course.id });
    const lessons: Array<{ id: string }> = [];
    for (let i = 0; i < 4; i++) lessons.push(await createLesson(t.db, { chapterId: chapter.id }));
    await Promise.all([
      ...lessons.map((l, i) => teacher.post(`/teach/lessons/${l.id}/move`, { direction: i % 2 ? 'up' : 'down' })),
      teacher.post(`/teach/chapters/${chapter.id}/lessons`, { title: 'Added while moving' }),
      teacher.post(`/teach/chapters/${chapter.id}/lessons`, { title: 'Also added' }),
    ]);
    const positions = (await t.db.selectFrom('lesson').select('position').where('chapterId', '=', chapter.id).orderBy('position').execute()).map((l) => l.position);
    expect(positions).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('deletes after a confirmation page, and closes the gap', async () => {
    const { teacher, course } = await teacherWithCourse();
    await createChapter(t.db, { courseId: course.id, title: 'A' });
    const b = await createChapter(t.db, { courseId: course.id, title: 'B' });
    await createLesson(t.db, { chapterId: b.id });
    await createChapter(t.db, { courseId: course.id, title: 'C' });

    const confirm = await teacher.agent.get(`/teach/chapters/${b.id}/delete`).expect(200);
    expect(confirm.text).toContain('Delete the chapter &quot;B&quot;?');
    expect(confirm.text).toContain('Its 1 lesson');
    expect(await chapterOrder(course.id)).toEqual(['1:A', '2:B', '3:C']);

    await teacher.post(`/teach/chapters/${b.id}/delete`).expect(303);
    expect(await chapterOrder(course.id)).toEqual(['1:A', '2:C']);
    const audit = await t.db.selectFrom('activityLog').select(['action', 'entityType']).where('entityId', '=', b.id).execute();
    expect(audit).toEqual([{ action: 'chapter_deleted', entityType: 'chapter' }]);
    expect(await t.db.selectFrom('lesson').select('id').where('chapterId', '=', b.id).execute()).toEqual([]);
  });

  it('schedules a chapter only for a future time; the cron job publishes it when due', async () => {
    const { teacher, course } = await teacherWithCourse();
    const chapter = await createChapter(t.db, { courseId: course.id, status: 'Draft' });
    // A chapter is scheduled only with a lesson in it (tests/teaching/empty-chapters.test.ts).
    await createLesson(t.db, { chapterId: chapter.id });
    const past = await teacher.post(`/teach/chapters/${chapter.id}/publish`, { status: 'Scheduled', releaseAt: '2001-01-01T09:00' });
    expect(past.status).toBe(422);
    expect(past.text).toContain('needs a date and time in the future');
    const missing = await teacher.post(`/teach/chapters/${chapter.id}/publish`, { status: 'Scheduled' });
    expect(missing.status).toBe(422);

    const soon = new Date(Date.now() + 3_600_000).toISOString().slice(0, 16);
    await teacher.post(`/teach/chapters/${chapter.id}/publish`, { status: 'Scheduled', releaseAt: soon }).expect(303);
    const scheduled = await t.db.selectFrom('chapter').select(['status', 'releaseAt']).where('id', '=', chapter.id).executeTakeFirstOrThrow();
    expect(scheduled.status).toBe('Scheduled');
    expect(new Date(scheduled.releaseAt!).toISOString().slice(0, 16)).toBe(soon);

    await releaseScheduledContent(t.db);
    expect((await t.db.selectFrom('chapter').select('status').where('id', '=', chapter.id).executeTakeFirstOrThrow()).status).toBe('Scheduled');
    await t.db.updateTable('chapter').set({ releaseAt: new Date(Date.now() - 1000) }).where('id', '=', chapter.id).execute();
    await releaseScheduledContent(t.db);
    expect((await t.db.selectFrom('chapter').select('status').where('id', '=', chapter.id).executeTakeFirstOrThrow()).status).toBe('Published');
  });

  it('edits a lesson on its own page, and publishes it from there', async () => {
    const { teacher, course } = await teacherWithCourse();
    const chapter = await createChapter(t.db, { courseId: course.id });
    const lesson = await createLesson(t.db, { chapterId: chapter.id, status: 'Draft' });
    const page = await teacher.agent.get(`/teach/lessons/${lesson.id}`).expect(200);
    expect(page.text).toContain('No video yet.');
    const bad = await teacher.post(`/teach/lessons/${lesson.id}`, { title: '', description: 'Kept description' });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('Kept description');
    await teacher.post(`/teach/lessons/${lesson.id}`, { title: 'Renamed lesson', description: '' }).expect(303);
    await teacher.post(`/teach/lessons/${lesson.id}/publish`, { status: 'Published', from: 'lesson' }).expect(303).expect('Location', `/teach/lessons/${lesson.id}`);
    const saved = await t.db.selectFrom('lesson').select(['title', 'description', 'status']).where('id', '=', lesson.id).executeTakeFirstOrThrow();
    expect(saved).toEqual({ title: 'Renamed lesson', description: null, status: 'Published' });
  });
});
