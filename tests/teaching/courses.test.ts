import { describe, expect, it } from 'vitest';
import { useTestApp } from '../setup/app.ts';
import { expectWithinPageBudget } from '../setup/budget.ts';
import { createChapter, createCourse, createEnrollment, createLesson } from '../setup/factories.ts';
import { countQueries } from '../setup/queries.ts';
import { signedInAs } from '../setup/users.ts';

const form = {
  title: 'Algebra for Everyone',
  smallDescription: 'Equations without fear.',
  description: 'From one unknown to systems of equations.',
  category: 'Mathematics',
  level: 'Beginner',
  price: '19.99',
  duration: '240',
};

describe('teacher courses', () => {
  const t = useTestApp();

  it('creates a draft course: price in major units stored in cents, address from the title, audit row', async () => {
    const teacher = await signedInAs(t.app, t.db, 'teacher');
    const page = await teacher.agent.get('/teach/courses/new').expect(200);
    expectWithinPageBudget(page);
    const res = await teacher.post('/teach/courses/new', form);
    expect(res.status).toBe(303);
    const course = await t.db.selectFrom('course').selectAll().where('userId', '=', teacher.user.id).executeTakeFirstOrThrow();
    expect(res.headers.location).toBe(`/teach/courses/${course.id}`);
    expect(course).toMatchObject({ title: form.title, slug: 'algebra-for-everyone', price: 1999, duration: 240, status: 'Draft', fileKey: null });
    const log = await t.db.selectFrom('activityLog').selectAll().where('entityId', '=', course.id).execute();
    expect(log).toMatchObject([{ action: 'course_created', entityType: 'course', userId: teacher.user.id }]);
    expect(log[0]!.ipAddress).toBeTruthy();
    expect(log[0]!.userAgent).toContain('Firefox');
  });

  it('makes the address unique with a suffix, and keeps every typed value when the form is refused', async () => {
    const teacher = await signedInAs(t.app, t.db, 'teacher');
    await teacher.post('/teach/courses/new', { ...form, title: 'Same Title' });
    await teacher.post('/teach/courses/new', { ...form, title: 'Same Title' });
    const slugs = (await t.db.selectFrom('course').select('slug').where('title', '=', 'Same Title').orderBy('createdAt').execute()).map((c) => c.slug);
    expect(slugs).toEqual(['same-title', 'same-title-2']);

    const bad = await teacher.post('/teach/courses/new', { ...form, title: 'Kept title', price: '12.345', duration: 'long', level: 'Expert' });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('value="Kept title"');
    expect(bad.text).toContain('value="12.345"');
    expect(bad.text).toContain('Enter a price like 19.99');
    expect(bad.text).toContain('Choose a level.');
    expect(bad.text).toContain(form.description);
  });

  it('edits a course; a taken address is refused with 422', async () => {
    const teacher = await signedInAs(t.app, t.db, 'teacher');
    const other = await createCourse(t.db, { slug: 'taken-address' });
    const course = await createCourse(t.db, { userId: teacher.user.id, status: 'Draft' });
    const page = await teacher.agent.get(`/teach/courses/${course.id}`).expect(200);
    expect(page.text).toContain(`value="${course.slug}"`);
    const taken = await teacher.post(`/teach/courses/${course.id}`, { ...form, slug: other.slug });
    expect(taken.status).toBe(422);
    expect(taken.text).toContain('Another course already uses this address.');
    const ok = await teacher.post(`/teach/courses/${course.id}`, { ...form, slug: 'my-new-address', price: '0' });
    expect(ok.status).toBe(303);
    const saved = await t.db.selectFrom('course').selectAll().where('id', '=', course.id).executeTakeFirstOrThrow();
    expect(saved).toMatchObject({ slug: 'my-new-address', price: 0, title: form.title });
  });

  it('publishes only a course with a published chapter holding a published lesson', async () => {
    const teacher = await signedInAs(t.app, t.db, 'teacher');
    const course = await createCourse(t.db, { userId: teacher.user.id, status: 'Draft' });
    const chapter = await createChapter(t.db, { courseId: course.id, status: 'Published' });
    await createLesson(t.db, { chapterId: chapter.id, status: 'Draft' });
    const refused = await teacher.post(`/teach/courses/${course.id}/publish`, { status: 'Published' });
    expect(refused.status).toBe(422);
    expect(refused.text).toContain('Publish at least one chapter with a published lesson first');
    expect((await t.db.selectFrom('course').select('status').where('id', '=', course.id).executeTakeFirstOrThrow()).status).toBe('Draft');

    await createLesson(t.db, { chapterId: chapter.id, status: 'Published' });
    await teacher.post(`/teach/courses/${course.id}/publish`, { status: 'Published' }).expect(303);
    expect((await t.db.selectFrom('course').select('status').where('id', '=', course.id).executeTakeFirstOrThrow()).status).toBe('Published');
    expect((await t.request().get('/')).text).toContain(course.title);

    await teacher.post(`/teach/courses/${course.id}/publish`, { status: 'Archived' }).expect(303);
    expect((await t.request().get('/')).text).not.toContain(course.title);
    const actions = await t.db.selectFrom('activityLog').select('action').where('entityId', '=', course.id).orderBy('createdAt').execute();
    expect(actions.map((a) => a.action)).toEqual(['course_published', 'course_archived']);
  });

  it('lists the teacher\'s courses with chapters, lessons, students and revenue, in a fixed number of queries', async () => {
    const teacher = await signedInAs(t.app, t.db, 'teacher');
    const course = await createCourse(t.db, { userId: teacher.user.id, title: 'Counted Course', price: 1000 });
    const chapter = await createChapter(t.db, { courseId: course.id });
    await createLesson(t.db, { chapterId: chapter.id });
    await createLesson(t.db, { chapterId: chapter.id });
    const paid = await createEnrollment(t.db, { courseId: course.id });
    await createEnrollment(t.db, { courseId: course.id, status: 'Pending' });
    await t.db.insertInto('paymentTransaction').values({ enrollmentId: paid.id, amount: 1000, status: 'Completed' }).execute();
    await createCourse(t.db, { title: 'Someone else\'s course' });

    const few = await countQueries(t.db, () => teacher.agent.get('/teach').expect(200));
    const text = few.result.text;
    expect(text).toContain('Counted Course');
    expect(text).not.toContain('Someone else');
    expect(text).toMatch(/Counted Course<\/a><\/td>\s*<td[^>]*><span class="status status-published">Published<\/span><\/td>\s*<td[^>]*>1<\/td>\s*<td[^>]*>2<\/td>\s*<td[^>]*>1<\/td>\s*<td[^>]*>\$10\.00<\/td>\s*<td[^>]*>\$10\.00<\/td>/);

    for (let i = 0; i < 15; i++) await createCourse(t.db, { userId: teacher.user.id });
    const many = await countQueries(t.db, () => teacher.agent.get('/teach').expect(200));
    expect(many.count).toBe(few.count);
    expectWithinPageBudget(many.result);
  });

  it('the course page stays within budget and a fixed number of queries with a long course', async () => {
    const teacher = await signedInAs(t.app, t.db, 'teacher');
    const course = await createCourse(t.db, { userId: teacher.user.id });
    const first = await createChapter(t.db, { courseId: course.id });
    await createLesson(t.db, { chapterId: first.id });
    const few = await countQueries(t.db, () => teacher.agent.get(`/teach/courses/${course.id}`).expect(200));
    for (let c = 0; c < 9; c++) {
      const chapter = await createChapter(t.db, { courseId: course.id, title: `Chapter number ${c} about something` });
      for (let l = 0; l < 8; l++) await createLesson(t.db, { chapterId: chapter.id, title: `Lesson ${c}.${l}: a reasonably descriptive title` });
    }
    const many = await countQueries(t.db, () => teacher.agent.get(`/teach/courses/${course.id}`).expect(200));
    expect(many.count).toBe(few.count);
    const size = expectWithinPageBudget(many.result);
    console.info(`teacher course page, 10 chapters / 73 lessons: ${size} bytes gzipped, ${many.count} queries`);
  });
});
