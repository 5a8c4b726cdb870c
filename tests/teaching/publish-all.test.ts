import { describe, expect, it } from 'vitest';
import { useTestApp } from '../setup/app.ts';
import { expectWithinPageBudget } from '../setup/budget.ts';
import { createChapter, createCourse, createLesson } from '../setup/factories.ts';
import { signedInAs } from '../setup/users.ts';

const VIDEO = 'videos/2026/01/00000000-0000-0000-0000-0000000000b1.mp4';
const inDays = (n: number) => new Date(Date.now() + n * 86_400_000);

/** The teacher's checklist and "Publish course with all chapters and lessons". */
describe('publish a course with all its chapters and lessons', () => {
  const t = useTestApp();

  /** A draft course built as the editor builds it: chapters and lessons start as drafts. */
  async function draftCourse(overrides: { fileKey?: string | null } = {}) {
    const teacher = await signedInAs(t.app, t.db, 'teacher');
    const course = await createCourse(t.db, { userId: teacher.user.id, status: 'Draft', title: `Pottery at Home ${teacher.user.id.slice(0, 6)}`, ...overrides });
    const one = await createChapter(t.db, { courseId: course.id, status: 'Draft', title: 'Clay' });
    const two = await createChapter(t.db, { courseId: course.id, status: 'Draft', title: 'Glaze' });
    await createLesson(t.db, { chapterId: one.id, status: 'Draft', title: 'Wedging', videoKey: VIDEO });
    await createLesson(t.db, { chapterId: one.id, status: 'Draft', title: 'Pinch pots', videoKey: VIDEO });
    await createLesson(t.db, { chapterId: two.id, status: 'Draft', title: 'Dipping', videoKey: VIDEO });
    const scheduled = await createLesson(t.db, { chapterId: two.id, status: 'Scheduled', releaseAt: inDays(5), title: 'Firing day', videoKey: VIDEO });
    return { teacher, course, chapters: [one, two], scheduled };
  }
  const statuses = async (courseId: string) => ({
    course: (await t.db.selectFrom('course').select('status').where('id', '=', courseId).executeTakeFirstOrThrow()).status,
    chapters: (await t.db.selectFrom('chapter').select('status').where('courseId', '=', courseId).orderBy('position').execute()).map((c) => c.status),
    lessons: (
      await t.db
        .selectFrom('lesson')
        .innerJoin('chapter', 'chapter.id', 'lesson.chapterId')
        .select(['lesson.title', 'lesson.status'])
        .where('chapter.courseId', '=', courseId)
        .orderBy('chapter.position')
        .orderBy('lesson.position')
        .execute()
    ).map((l) => `${l.title}:${l.status}`),
  });
  const auditRows = (courseId: string) => t.db.selectFrom('activityLog').select(['action', 'metadata']).where('entityId', '=', courseId).where('action', '=', 'course_published').execute();

  it('one POST publishes the drafts and the course; the checklist said so before and is gone after', async () => {
    const { teacher, course } = await draftCourse();
    const before = await teacher.agent.get(`/teach/courses/${course.id}`).expect(200);
    expectWithinPageBudget(before);
    expect(before.text).toContain('Before the course can be published');
    expect(before.text).toContain('2 draft chapters and 3 draft lessons would stay hidden from students');
    expect(before.text).toContain('Publish at least one chapter with a published lesson first');
    expect(before.text).toContain(`action="/teach/courses/${course.id}/publish-all"`);
    expect(before.text).toContain('Publish course with all chapters and lessons');
    expect((await t.request().get('/courses')).text).not.toContain(course.title);

    const done = await teacher.post(`/teach/courses/${course.id}/publish-all`).expect(303);
    expect(done.headers.location).toBe(`/teach/courses/${course.id}`);
    expect(await statuses(course.id)).toEqual({
      course: 'Published',
      chapters: ['Published', 'Published'],
      lessons: ['Wedging:Published', 'Pinch pots:Published', 'Dipping:Published', 'Firing day:Scheduled'],
    });
    const after = await teacher.agent.get(`/teach/courses/${course.id}`).expect(200);
    expect(after.text).toContain('Course published with 2 chapters and 3 lessons that were drafts');
    expect(after.text).not.toContain('id="checklist-title"');
    expect(after.text).not.toContain('/publish-all');

    // Students find it, and its published lessons.
    expect((await t.request().get('/courses')).text).toContain(course.title);
    const page = await t.request().get(`/courses/${course.slug}`).expect(200);
    expect(page.text).toContain('Pinch pots');
    const rows = await auditRows(course.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.metadata).toMatchObject({ withContent: true, coursePublished: true });

    // Again: nothing to do, nothing recorded.
    await teacher.post(`/teach/courses/${course.id}/publish-all`).expect(303);
    expect((await teacher.agent.get(`/teach/courses/${course.id}`)).text).toContain('were already published');
    expect(await auditRows(course.id)).toHaveLength(1);
  });

  it('lists what is missing, and refuses (422) with nothing changed while the image is missing', async () => {
    const { teacher, course } = await draftCourse({ fileKey: null });
    const empty = await createChapter(t.db, { courseId: course.id, status: 'Draft', title: 'Kilns' });
    const page = await teacher.agent.get(`/teach/courses/${course.id}`).expect(200);
    expect(page.text).toContain('Upload a course image');
    expect(page.text).toContain('Add a lesson to &quot;Kilns&quot;, or delete it');

    const refused = await teacher.post(`/teach/courses/${course.id}/publish-all`);
    expect(refused.status).toBe(422);
    expect(refused.text).toContain('Nothing was published.');
    expect(refused.text).toContain('Upload a course image');
    expect(refused.text).toContain('Before the course can be published');
    expect(await statuses(course.id)).toEqual({
      course: 'Draft',
      chapters: ['Draft', 'Draft', 'Draft'],
      lessons: ['Wedging:Draft', 'Pinch pots:Draft', 'Dipping:Draft', 'Firing day:Scheduled'],
    });
    expect(await auditRows(course.id)).toEqual([]);

    // The one-step Publish asks the same checklist.
    const one = await teacher.post(`/teach/courses/${course.id}/publish`, { status: 'Published' });
    expect(one.status).toBe(422);
    expect(one.text).toContain('Upload a course image');

    // Fixed: the image is there and the empty chapter gone.
    await t.db.updateTable('course').set({ fileKey: 'test/pottery.webp' }).where('id', '=', course.id).execute();
    await t.db.deleteFrom('chapter').where('id', '=', empty.id).execute();
    await teacher.post(`/teach/courses/${course.id}/publish-all`).expect(303);
    expect((await statuses(course.id)).course).toBe('Published');
  });

  it('a course with nothing in it says to add chapters and lessons', async () => {
    const teacher = await signedInAs(t.app, t.db, 'teacher');
    const course = await createCourse(t.db, { userId: teacher.user.id, status: 'Draft' });
    const page = await teacher.agent.get(`/teach/courses/${course.id}`).expect(200);
    expect(page.text).toContain('Add a chapter');
    expect(page.text).toContain('Add a lesson');
    expect(page.text).not.toContain('/publish-all');
    const refused = await teacher.post(`/teach/courses/${course.id}/publish-all`);
    expect(refused.status).toBe(422);
    expect(refused.text).toContain('Add a chapter');
  });

  it('lessons with neither a video nor text are pointed out, without blocking', async () => {
    const teacher = await signedInAs(t.app, t.db, 'teacher');
    const course = await createCourse(t.db, { userId: teacher.user.id, status: 'Published' });
    const chapter = await createChapter(t.db, { courseId: course.id });
    await createLesson(t.db, { chapterId: chapter.id, title: 'Only a title' });
    const page = await teacher.agent.get(`/teach/courses/${course.id}`).expect(200);
    expect(page.text).toContain('Worth a look');
    expect(page.text).toContain('1 lesson has neither a video nor text: &quot;Only a title&quot;');
    expect(page.text).not.toContain('Before the course can be published');
  });

  it('htmx structure changes bring the checklist up to date out of band', async () => {
    const { teacher, chapters } = await draftCourse();
    const fragment = await teacher.agent
      .post(`/teach/chapters/${chapters[0]!.id}/publish`)
      .set('HX-Request', 'true')
      .type('form')
      .send({ status: 'Published', _csrf: teacher.csrf })
      .expect(200);
    expect(fragment.text).toContain('id="structure"');
    expect(fragment.text).toContain('id="publish-checklist" aria-labelledby="checklist-title" class="panel" hx-swap-oob="true"');
    expect(fragment.text).toContain('1 draft chapter and 3 draft lessons');
    expect(fragment.text).not.toContain('<html');
  });

  it('another teacher, or a student, gets the same 404 as the other course routes', async () => {
    const { course } = await draftCourse();
    const other = await signedInAs(t.app, t.db, 'teacher');
    await other.post(`/teach/courses/${course.id}/publish-all`).expect(404);
    const student = await signedInAs(t.app, t.db, 'student');
    expect([403, 404]).toContain((await student.post(`/teach/courses/${course.id}/publish-all`)).status);
    await other.post('/teach/courses/not-a-uuid/publish-all').expect(404);
    expect((await statuses(course.id)).course).toBe('Draft');
    // An admin may.
    const admin = await signedInAs(t.app, t.db, 'admin');
    await admin.post(`/teach/courses/${course.id}/publish-all`).expect(303);
    expect((await statuses(course.id)).course).toBe('Published');
  });

  it('two publish-all POSTs at once: no error, the same end state, one audit row', async () => {
    const { teacher, course } = await draftCourse();
    const answers = await Promise.all([teacher.post(`/teach/courses/${course.id}/publish-all`), teacher.post(`/teach/courses/${course.id}/publish-all`)]);
    expect(answers.map((a) => a.status)).toEqual([303, 303]);
    expect(await statuses(course.id)).toEqual({
      course: 'Published',
      chapters: ['Published', 'Published'],
      lessons: ['Wedging:Published', 'Pinch pots:Published', 'Dipping:Published', 'Firing day:Scheduled'],
    });
    expect(await auditRows(course.id)).toHaveLength(1);
  });
});
