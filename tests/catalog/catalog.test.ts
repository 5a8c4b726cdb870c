import { describe, expect, it } from 'vitest';
import { useTestApp } from '../setup/app.ts';
import { expectWithinPageBudget } from '../setup/budget.ts';
import { createChapter, createCourse, createLesson, createTeacher, createUser } from '../setup/factories.ts';
import { countQueries } from '../setup/queries.ts';
import { signedInAs } from '../setup/users.ts';

describe('catalog and search', () => {
  const t = useTestApp();

  it('lists published courses only, with filters by category, level and price', async () => {
    const teacher = await createTeacher(t.db);
    await createCourse(t.db, { userId: teacher.id, title: 'Visible Free Cooking', category: 'Cooking', level: 'Beginner', price: 0 });
    await createCourse(t.db, { userId: teacher.id, title: 'Visible Paid Cooking', category: 'Cooking', level: 'Advanced', price: 2500 });
    await createCourse(t.db, { userId: teacher.id, title: 'Hidden Draft Cooking', category: 'Cooking', status: 'Draft' });
    await createCourse(t.db, { userId: teacher.id, title: 'Hidden Archived Cooking', category: 'Cooking', status: 'Archived' });

    const all = await t.request().get('/courses?category=Cooking').expect(200);
    expect(all.text).toContain('Visible Free Cooking');
    expect(all.text).toContain('Visible Paid Cooking');
    expect(all.text).not.toContain('Hidden');
    const free = await t.request().get('/courses?category=Cooking&price=free').expect(200);
    expect(free.text).toContain('Visible Free Cooking');
    expect(free.text).not.toContain('Visible Paid Cooking');
    const advanced = await t.request().get('/courses?category=Cooking&level=Advanced').expect(200);
    expect(advanced.text).not.toContain('Visible Free Cooking');
    expect(advanced.text).toContain('Visible Paid Cooking');
    // The sort a visitor has not chosen stays "Best match", so a search typed next is ranked.
    expect(all.text).toContain('<option value="relevance" selected>');
    const byPrice = await t.request().get('/courses?category=Cooking&sort=price').expect(200);
    expect(byPrice.text.indexOf('Visible Free Cooking')).toBeLessThan(byPrice.text.indexOf('Visible Paid Cooking'));
  });

  it('ranks a title match above a description match, and finds partial words', async () => {
    const teacher = await createTeacher(t.db);
    await createCourse(t.db, { userId: teacher.id, title: 'Gardening Basics', description: 'All about photosynthesis and soil.', category: 'Nature' });
    await createCourse(t.db, { userId: teacher.id, title: 'Photosynthesis Explained', description: 'Light into sugar.', category: 'Biology' });
    const res = await t.request().get('/courses?q=photosynthesis').expect(200);
    expect(res.text).toContain('2 courses');
    expect(res.text.indexOf('Photosynthesis Explained')).toBeLessThan(res.text.indexOf('Gardening Basics'));

    const partial = await t.request().get('/courses?q=photosynth').expect(200);
    expect(partial.text).toContain('Photosynthesis Explained');
    const typo = await t.request().get('/courses?q=fotosynthesis').expect(200);
    expect(typo.text).toContain('Photosynthesis Explained');
  });

  it.each([
    ['quotes', `"unterminated 'quote`],
    ['tsquery operators', 'a & b | !c <-> (d:* ) \\'],
    ['percent and underscore', '100% _wild_ %%'],
    ['a 1,000-character query', 'x'.repeat(1000)],
    ['only symbols', '&&&|||!!!'],
    ['unicode', 'résumé 数学 🚀'],
  ])('never fails on %s', async (_label, q) => {
    const res = await t.request().get(`/courses?q=${encodeURIComponent(q)}`);
    expect(res.status).toBe(200);
  });

  it('records every search, and which result was followed', async () => {
    await createCourse(t.db, { title: 'Analytics Target Course' });
    const user = await signedInAs(t.app, t.db, 'student');
    const res = await user.agent.get('/courses?q=analytics%20target').set('User-Agent', 'SearchBot/1.0').expect(200);
    const row = await t.db.selectFrom('searchAnalytics').selectAll().orderBy('createdAt', 'desc').executeTakeFirstOrThrow();
    expect(row).toMatchObject({ query: 'analytics target', resultsCount: 1, userId: user.user.id, userAgent: 'SearchBot/1.0', clickedResult: null });
    expect(row.ipAddress).toBeTruthy();
    const link = /href="(\/courses\/[^"]+\?from=[^"]+)"/.exec(res.text)![1]!;
    await t.request().get(link).expect(200);
    const course = await t.db.selectFrom('course').select('id').where('title', '=', 'Analytics Target Course').executeTakeFirstOrThrow();
    expect((await t.db.selectFrom('searchAnalytics').select('clickedResult').where('id', '=', row.id).executeTakeFirstOrThrow()).clickedResult).toBe(course.id);

    await t.request().get('/courses?q=nothing%20matches%20this%20zzzz').expect(200);
    const anonymous = await t.db.selectFrom('searchAnalytics').selectAll().orderBy('createdAt', 'desc').executeTakeFirstOrThrow();
    expect(anonymous).toMatchObject({ resultsCount: 0, userId: null });
  });

  it('the course page shows the curriculum (published and scheduled, never drafts), the rating, and no way to a video', async () => {
    const course = await createCourse(t.db, { title: 'Curriculum Course', price: 1500 });
    const open = await createChapter(t.db, { courseId: course.id, title: 'Open chapter' });
    await createLesson(t.db, { chapterId: open.id, title: 'Open lesson', videoKey: 'videos/2026/01/secret-video.mp4' });
    await createLesson(t.db, { chapterId: open.id, title: 'Secret draft lesson', status: 'Draft' });
    const later = await createChapter(t.db, { courseId: course.id, title: 'Later chapter', status: 'Scheduled', releaseAt: new Date('2030-03-01T00:00:00Z') });
    await createLesson(t.db, { chapterId: later.id, title: 'Later lesson' });
    await createChapter(t.db, { courseId: course.id, title: 'Secret draft chapter', status: 'Draft' });
    for (const rating of [4, 5]) {
      const student = await createUser(t.db);
      await t.db.insertInto('courseRating').values({ courseId: course.id, userId: student.id, rating }).execute();
    }
    const res = await t.request().get(`/courses/${course.slug}`).expect(200);
    expect(res.text).toContain('Open lesson');
    expect(res.text).toContain('Later chapter');
    expect(res.text).toContain('from 1 Mar 2030');
    expect(res.text).not.toContain('Secret draft');
    expect(res.text).not.toContain('secret-video');
    expect(res.text).not.toContain('/learn/');
    expect(res.text).toContain('4.5 of 5 from 2 ratings');
    expect(res.text).toContain('$15.00');
    expect(res.text).toContain('Sign in to enroll');
  });

  it('drafts and archived courses are 404 to visitors; the teacher may preview', async () => {
    const teacher = await signedInAs(t.app, t.db, 'teacher');
    const draft = await createCourse(t.db, { userId: teacher.user.id, status: 'Draft' });
    const archived = await createCourse(t.db, { userId: teacher.user.id, status: 'Archived' });
    await t.request().get(`/courses/${draft.slug}`).expect(404);
    await t.request().get(`/courses/${archived.slug}`).expect(404);
    await t.request().get('/courses/no-such-course').expect(404);
    await teacher.agent.get(`/courses/${draft.slug}`).expect(200);
  });

  it('with 200 courses, the catalog and a course page stay within budget and run a fixed number of queries', async () => {
    const teacher = await createTeacher(t.db);
    const first = await createCourse(t.db, { userId: teacher.id, title: 'Bulk Course Zero', category: 'Bulk' });
    const chapter = await createChapter(t.db, { courseId: first.id });
    await createLesson(t.db, { chapterId: chapter.id });
    const few = await countQueries(t.db, () => t.request().get('/courses?q=bulk&category=Bulk').expect(200));
    const coursePageFew = await countQueries(t.db, () => t.request().get(`/courses/${first.slug}`).expect(200));
    const values = Array.from({ length: 199 }, (_, i) => ({
      title: `Bulk Course ${i + 1} with a descriptive title`,
      slug: `bulk-course-${i + 1}-${Date.now()}`,
      smallDescription: 'A short summary that shows in the catalog card for this course.',
      description: 'A longer description.',
      category: 'Bulk',
      fileKey: null,
      price: (i % 5) * 500,
      duration: 60 + i,
      status: 'Published' as const,
      userId: teacher.id,
    }));
    await t.db.insertInto('course').values(values).execute();
    for (let i = 0; i < 20; i++) await createLesson(t.db, { chapterId: chapter.id });
    const second = await createChapter(t.db, { courseId: first.id });
    for (let i = 0; i < 10; i++) await createLesson(t.db, { chapterId: second.id });

    const many = await countQueries(t.db, () => t.request().get('/courses?q=bulk&category=Bulk').expect(200));
    expect(many.count).toBe(few.count);
    expect(many.result.text).toContain('200 courses');
    expect(many.result.text).toContain('Page 1 of 17');
    const catalogSize = expectWithinPageBudget(many.result);
    const coursePage = await countQueries(t.db, () => t.request().get(`/courses/${first.slug}`).expect(200));
    expect(coursePage.count).toBe(coursePageFew.count);
    const courseSize = expectWithinPageBudget(coursePage.result);
    const last = await t.request().get('/courses?q=bulk&category=Bulk&page=17').expect(200);
    expect(last.text).toContain('Page 17 of 17');
    console.info(`catalog (200 courses): ${catalogSize} bytes gzipped, ${many.count} queries; course page: ${courseSize} bytes, ${coursePage.count} queries`);
  });
});

describe('reviews on the course page', () => {
  const t = useTestApp();

  it('lists written reviews newest first, ten a page, with the reviewer as a first name and initial, escaped', async () => {
    const course = await createCourse(t.db, { status: 'Published' });
    for (let i = 0; i < 12; i++) {
      const student = await createUser(t.db, { firstName: `Reader${i}`, lastName: 'Zed' });
      await t.db
        .insertInto('courseRating')
        .values({ userId: student.id, courseId: course.id, rating: (i % 5) + 1, comment: i === 11 ? '<b>Great</b> course' : `Comment number ${i}`, createdAt: new Date(Date.now() - (12 - i) * 60_000) })
        .execute();
    }
    const silent = await createUser(t.db);
    await t.db.insertInto('courseRating').values({ userId: silent.id, courseId: course.id, rating: 5, comment: null }).execute();

    const first = await t.request().get(`/courses/${course.slug}`).expect(200);
    expect(first.text).toContain('Reader11 Z.');
    expect(first.text).toContain('&lt;b&gt;Great&lt;/b&gt; course');
    expect(first.text.indexOf('Reader11 Z.')).toBeLessThan(first.text.indexOf('Reader10 Z.'));
    expect(first.text).not.toContain('Comment number 1<');
    expect(first.text).toContain('Page 1 of 2 (12)');
    expect(first.text).toContain(`/courses/${course.slug}?reviews=2#reviews`);
    const second = await t.request().get(`/courses/${course.slug}?reviews=2`).expect(200);
    expect(second.text).toContain('Comment number 0');
    expect(second.text).toContain('Comment number 1<');
    expect(second.text).not.toContain('Reader11 Z.');
    await t.request().get(`/courses/${course.slug}?reviews=abc`).expect(200);
  });
});
