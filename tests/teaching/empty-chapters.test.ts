import { describe, expect, it } from 'vitest';
import { releaseScheduledContent } from '../../src/jobs/release-scheduled-content.ts';
import { useTestApp } from '../setup/app.ts';
import { expectWithinPageBudget } from '../setup/budget.ts';
import { createChapter, createCourse, createEnrollment, createLesson } from '../setup/factories.ts';
import { signedInAs } from '../setup/users.ts';

/**
 * Issue 23, point 3, the spec's "Chapters must have at least one lesson": an empty chapter is neither
 * published nor scheduled (422, naming it, nothing lost), a course with an empty chapter is not
 * published (the checklist says so first), and deleting a chapter's last lesson takes a chapter
 * students see back to Draft (said on the confirmation page, and after).
 */

const VIDEO = 'videos/2026/01/00000000-0000-0000-0000-0000000000c1.mp4';
const soon = () => new Date(Date.now() + 3_600_000).toISOString().slice(0, 16);

describe('chapters must have at least one lesson', () => {
  const t = useTestApp();

  async function courseWithChapters() {
    const teacher = await signedInAs(t.app, t.db, 'teacher');
    const course = await createCourse(t.db, { userId: teacher.user.id, status: 'Draft', title: `Woodwork ${teacher.user.id.slice(0, 6)}` });
    const full = await createChapter(t.db, { courseId: course.id, status: 'Draft', title: 'Sawing' });
    const lesson = await createLesson(t.db, { chapterId: full.id, status: 'Draft', title: 'Straight cuts', videoKey: VIDEO });
    const empty = await createChapter(t.db, { courseId: course.id, status: 'Draft', title: 'Joinery & glue' });
    return { teacher, course, full, lesson, empty };
  }
  const chapterRow = (id: string) => t.db.selectFrom('chapter').select(['title', 'status', 'releaseAt', 'position']).where('id', '=', id).executeTakeFirstOrThrow();

  it('publishing an empty chapter: 422 naming it, without JavaScript, nothing changed', async () => {
    const { teacher, course, empty, full } = await courseWithChapters();
    const before = await chapterRow(empty.id);
    const refused = await teacher.post(`/teach/chapters/${empty.id}/publish`, { status: 'Published' });
    expect(refused.status).toBe(422);
    expect(refused.text).toContain('<html');
    expect(refused.text).toContain('<p class="error-text" role="alert">Add a lesson to “Joinery &amp; glue” before publishing it.</p>');
    // The chapter's release form is open, where the teacher pressed the button.
    expect(refused.text).toMatch(new RegExp(`<li id="chapter-${empty.id}" class="chapter">[\\s\\S]*?<details open>`));
    expectWithinPageBudget(refused);
    expect(await chapterRow(empty.id)).toEqual(before);
    expect((await chapterRow(full.id)).status).toBe('Draft');
    expect(await t.db.selectFrom('activityLog').select('action').where('entityId', '=', empty.id).execute()).toEqual([]);

    // Back to Draft is always fine; with a lesson it publishes.
    await teacher.post(`/teach/chapters/${empty.id}/publish`, { status: 'Draft' }).expect(303);
    await createLesson(t.db, { chapterId: empty.id, status: 'Draft', title: 'Dovetails' });
    const ok = await teacher.post(`/teach/chapters/${empty.id}/publish`, { status: 'Published' }).expect(303);
    expect(ok.headers.location).toBe(`/teach/courses/${course.id}#chapter-${empty.id}`);
    expect((await chapterRow(empty.id)).status).toBe('Published');
  });

  it('with htmx: the structure fragment with the message, and the checklist out of band', async () => {
    const { teacher, empty } = await courseWithChapters();
    const refused = await teacher.agent
      .post(`/teach/chapters/${empty.id}/publish`)
      .set('HX-Request', 'true')
      .type('form')
      .send({ status: 'Published', _csrf: teacher.csrf });
    expect(refused.status).toBe(422);
    expect(refused.text).not.toContain('<html');
    expect(refused.text).toContain('id="structure"');
    expect(refused.text).toContain('Add a lesson to “Joinery &amp; glue” before publishing it.');
    expect(refused.text).toContain('id="publish-checklist" aria-labelledby="checklist-title" class="panel" hx-swap-oob="true"');
    expect(refused.text).toContain('Add a lesson to &quot;Joinery &amp; glue&quot;, or delete it');
    expect((await chapterRow(empty.id)).status).toBe('Draft');
  });

  it('scheduling an empty chapter: 422 (it would be released empty); the release job has nothing to put out', async () => {
    const { teacher, empty } = await courseWithChapters();
    const refused = await teacher.post(`/teach/chapters/${empty.id}/publish`, { status: 'Scheduled', releaseAt: soon() });
    expect(refused.status).toBe(422);
    expect(refused.text).toContain('Add a lesson to “Joinery &amp; glue” before scheduling it: it would be released empty.');
    expect(await chapterRow(empty.id)).toMatchObject({ status: 'Draft', releaseAt: null });
    await releaseScheduledContent(t.db);
    expect((await chapterRow(empty.id)).status).toBe('Draft');

    // A bad date is still reported as such first (the form's own check).
    const past = await teacher.post(`/teach/chapters/${empty.id}/publish`, { status: 'Scheduled', releaseAt: '2001-01-01T09:00' });
    expect(past.status).toBe(422);
    expect(past.text).toContain('needs a date and time in the future');
  });

  it('the course checklist shows the empty chapter before publishing, and both publish buttons refuse it with nothing changed', async () => {
    const { teacher, course, empty } = await courseWithChapters();
    const page = await teacher.agent.get(`/teach/courses/${course.id}`).expect(200);
    expect(page.text).toContain('Before the course can be published');
    expect(page.text).toContain('<a href="#structure">Add a lesson to &quot;Joinery &amp; glue&quot;, or delete it</a>');

    const publish = await teacher.post(`/teach/courses/${course.id}/publish`, { status: 'Published' });
    expect(publish.status).toBe(422);
    expect(publish.text).toContain('Add a lesson to &quot;Joinery &amp; glue&quot;, or delete it');

    // Publish-all would publish the empty draft chapter: refused, and the drafts stay drafts.
    const all = await teacher.post(`/teach/courses/${course.id}/publish-all`);
    expect(all.status).toBe(422);
    expect(all.text).toContain('Nothing was published.');
    expect(all.text).toContain('Add a lesson to &quot;Joinery &amp; glue&quot;, or delete it');
    expect((await t.db.selectFrom('course').select('status').where('id', '=', course.id).executeTakeFirstOrThrow()).status).toBe('Draft');
    expect((await t.db.selectFrom('chapter').select('status').where('courseId', '=', course.id).execute()).map((c) => c.status)).toEqual(['Draft', 'Draft']);
    expect((await t.db.selectFrom('lesson').select('status').where('chapterId', '=', empty.id).execute())).toEqual([]);

    // Deleting the empty chapter lifts it; publish-all then publishes the rest.
    await teacher.post(`/teach/chapters/${empty.id}/delete`).expect(303);
    await teacher.post(`/teach/courses/${course.id}/publish-all`).expect(303);
    expect((await t.db.selectFrom('course').select('status').where('id', '=', course.id).executeTakeFirstOrThrow()).status).toBe('Published');
  });

  it('a course whose chapters are all empty is not published', async () => {
    const teacher = await signedInAs(t.app, t.db, 'teacher');
    const course = await createCourse(t.db, { userId: teacher.user.id, status: 'Draft' });
    await createChapter(t.db, { courseId: course.id, status: 'Published', title: 'Hollow one' });
    await createChapter(t.db, { courseId: course.id, status: 'Draft', title: 'Hollow two' });
    for (const action of ['publish', 'publish-all']) {
      const refused = await teacher.post(`/teach/courses/${course.id}/${action}`, { status: 'Published' });
      expect(refused.status).toBe(422);
      expect(refused.text).toContain('Add a lesson to &quot;Hollow one&quot;, &quot;Hollow two&quot;, or delete them');
    }
    expect((await t.db.selectFrom('course').select('status').where('id', '=', course.id).executeTakeFirstOrThrow()).status).toBe('Draft');
  });

  it('deleting the last lesson of a published chapter: warned first, then the chapter is a draft again; students no longer see it', async () => {
    const teacher = await signedInAs(t.app, t.db, 'teacher');
    const course = await createCourse(t.db, { userId: teacher.user.id, status: 'Published' });
    const kept = await createChapter(t.db, { courseId: course.id, title: 'Kept' });
    await createLesson(t.db, { chapterId: kept.id, title: 'Stays' });
    const chapter = await createChapter(t.db, { courseId: course.id, title: 'Finishing' });
    const first = await createLesson(t.db, { chapterId: chapter.id, title: 'Sanding' });
    const last = await createLesson(t.db, { chapterId: chapter.id, title: 'Oiling' });
    const student = await signedInAs(t.app, t.db, 'student');
    await createEnrollment(t.db, { userId: student.user.id, courseId: course.id, status: 'Active' });

    // Not the last one: the usual confirmation and flash, the chapter stays published.
    const plain = await teacher.agent.get(`/teach/lessons/${first.id}/delete`).expect(200);
    expect(plain.text).not.toContain('goes back to Draft');
    await teacher.post(`/teach/lessons/${first.id}/delete`).expect(303);
    expect((await teacher.agent.get(`/teach/courses/${course.id}`)).text).toContain('Lesson &quot;Sanding&quot; deleted.');
    expect((await chapterRow(chapter.id)).status).toBe('Published');

    const confirm = await teacher.agent.get(`/teach/lessons/${last.id}/delete`).expect(200);
    expect(confirm.text).toContain('It is the only lesson of “Finishing”: the chapter goes back to Draft, hidden from students until it has a lesson and you publish it again.');
    const done = await teacher.post(`/teach/lessons/${last.id}/delete`).expect(303);
    expect(done.headers.location).toBe(`/teach/courses/${course.id}#chapter-${chapter.id}`);
    const after = await teacher.agent.get(`/teach/courses/${course.id}`).expect(200);
    expect(after.text).toContain('Lesson “Oiling” deleted. “Finishing” has no lessons left, so it is a draft again: add a lesson, then publish it.');
    expect(after.text).toContain('Add a lesson to &quot;Finishing&quot;, or delete it');
    expect(await chapterRow(chapter.id)).toMatchObject({ status: 'Draft', releaseAt: null, title: 'Finishing' });
    const audit = await t.db.selectFrom('activityLog').select(['action', 'metadata']).where('entityId', '=', chapter.id).execute();
    expect(audit).toEqual([{ action: 'chapter_published', metadata: expect.objectContaining({ status: 'Draft', reason: 'last_lesson_deleted' }) }]);

    // The student's player no longer lists the chapter; the other one is untouched.
    const player = await student.agent.get(`/learn/${course.slug}`).redirects(1).expect(200);
    expect(player.text).toContain('Kept');
    expect(player.text).not.toContain('Finishing');
  });

  it('a scheduled chapter goes back to Draft too, and its release time is cleared; a draft chapter stays a draft', async () => {
    const teacher = await signedInAs(t.app, t.db, 'teacher');
    const course = await createCourse(t.db, { userId: teacher.user.id });
    const scheduled = await createChapter(t.db, { courseId: course.id, status: 'Scheduled', releaseAt: new Date(Date.now() + 86_400_000), title: 'Soon' });
    const only = await createLesson(t.db, { chapterId: scheduled.id, title: 'Lone' });
    await teacher.post(`/teach/lessons/${only.id}/delete`).expect(303);
    expect(await chapterRow(scheduled.id)).toMatchObject({ status: 'Draft', releaseAt: null });

    const draft = await createChapter(t.db, { courseId: course.id, status: 'Draft', title: 'Sketch' });
    const lone = await createLesson(t.db, { chapterId: draft.id, title: 'Idea' });
    expect((await teacher.agent.get(`/teach/lessons/${lone.id}/delete`)).text).not.toContain('goes back to Draft');
    await teacher.post(`/teach/lessons/${lone.id}/delete`).expect(303);
    expect((await teacher.agent.get(`/teach/courses/${course.id}`)).text).toContain('Lesson &quot;Idea&quot; deleted.');
    expect((await chapterRow(draft.id)).status).toBe('Draft');
    expect(await t.db.selectFrom('activityLog').select('action').where('entityId', '=', draft.id).execute()).toEqual([]);
  });

  it('publishing a chapter while its last lesson is deleted never leaves it published and empty', async () => {
    const { teacher, empty: chapter } = await courseWithChapters();
    for (let i = 0; i < 5; i++) {
      await t.db.updateTable('chapter').set({ status: 'Draft' }).where('id', '=', chapter.id).execute();
      const lesson = await createLesson(t.db, { chapterId: chapter.id, title: `Try ${i}` });
      const [publish, remove] = await Promise.all([
        teacher.post(`/teach/chapters/${chapter.id}/publish`, { status: 'Published' }),
        teacher.post(`/teach/lessons/${lesson.id}/delete`),
      ]);
      expect([303, 422]).toContain(publish.status);
      expect(remove.status).toBe(303);
      expect((await chapterRow(chapter.id)).status).toBe('Draft');
    }
  });
});
