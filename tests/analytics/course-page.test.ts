import { describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { useTestApp } from '../setup/app.ts';
import { expectAccessibleCharts } from '../setup/svg.ts';
import { expectWithinPageBudget } from '../setup/budget.ts';
import { createChapter, createCourse, createEnrollment, createLesson, createUser } from '../setup/factories.ts';
import { countQueries } from '../setup/queries.ts';
import { signedInAs } from '../setup/users.ts';

/**
 * The course analytics page as a whole: who may see it (and its CSV), a fixed number of queries
 * whatever the course's size, the page budget with 40 lessons, and SVG markup that is valid,
 * accessible and within the CSP.
 */

const DAY = 86_400_000;

/** A course of `lessons` video lessons (in chapters of 10) and `students` Active students, each with some progress, watching, a payment and a rating. */
async function courseOfSize(db: Database, teacherId: string, lessons: number, students: number) {
  const course = await createCourse(db, { userId: teacherId, price: 1999, title: 'Sized Course' });
  const lessonIds: string[] = [];
  for (let c = 0; c < Math.ceil(lessons / 10); c++) {
    const chapter = await createChapter(db, { courseId: course.id, position: c + 1 });
    const rows = Array.from({ length: Math.min(10, lessons - c * 10) }, (_, i) => ({
      chapterId: chapter.id, position: i + 1, title: `Lesson ${c * 10 + i + 1}: a title as long as real ones get`, status: 'Published' as const, videoKey: `v/${c}-${i}.mp4`,
    }));
    lessonIds.push(...(await db.insertInto('lesson').values(rows).returning('id').execute()).map((r) => r.id));
  }
  for (let s = 0; s < students; s++) {
    const user = await createUser(db);
    const e = await createEnrollment(db, { courseId: course.id, userId: user.id, createdAt: new Date(Date.now() - (s % 80) * DAY) });
    const reached = lessonIds.slice(0, 1 + ((s * 7) % lessonIds.length));
    await db.insertInto('lessonProgress').values(reached.map((lessonId) => ({ lessonId, userId: user.id, completed: true }))).execute();
    await db.insertInto('lessonWatchAnalytics').values(reached.map((lessonId, i) => ({ lessonId, userId: user.id, completionRate: (i * 13) % 101, watchDuration: 1, totalDuration: 2 }))).execute();
    await db.insertInto('paymentTransaction').values({ enrollmentId: e.id, amount: 1999, status: 'Completed', createdAt: e.createdAt }).execute();
    await db.insertInto('courseRating').values({ courseId: course.id, userId: user.id, rating: 1 + (s % 5) }).execute();
    await db.insertInto('studentActivity').values({ enrollmentId: e.id, type: 'CompletedLesson', createdAt: new Date(Date.now() - (s % 40) * DAY) }).execute();
  }
  return { course, path: `/teach/courses/${course.id}/analytics` };
}

/** Every opening and closing tag of `markup` balanced (self-closing ones aside); the first problem, or ''. */
describe('course analytics: the page', () => {
  const t = useTestApp();

  it('its teacher and an admin see it; another teacher gets 404, a student is refused, page and CSV alike', async () => {
    const owner = await signedInAs(t.app, t.db, 'teacher');
    const course = await createCourse(t.db, { userId: owner.user.id, title: 'Owned & Watched' });
    const page = `/teach/courses/${course.id}/analytics`;
    const csv = `${page}?format=csv&chart=funnel`;

    const mine = await owner.agent.get(page).expect(200);
    expect(mine.text).toContain('<h1>Analytics</h1>');
    expect(mine.text).toContain('Owned &amp; Watched');
    await owner.agent.get(csv).expect(200).expect('Content-Type', /text\/csv/);
    // The course page links to it beside the other teacher pages.
    const coursePage = await owner.agent.get(`/teach/courses/${course.id}`).expect(200);
    expect(coursePage.text).toContain(`href="/teach/courses/${course.id}/analytics"`);

    const admin = await signedInAs(t.app, t.db, 'admin');
    await admin.agent.get(page).expect(200);
    await admin.agent.get(csv).expect(200);

    const other = await signedInAs(t.app, t.db, 'teacher');
    await other.agent.get(page).expect(404);
    await other.agent.get(csv).expect(404);

    // As every /teach page: the role guard answers a student as it answers a missing page.
    const student = await signedInAs(t.app, t.db, 'student');
    await createEnrollment(t.db, { courseId: course.id, userId: student.user.id });
    for (const path of [page, csv]) {
      const res = await student.agent.get(path);
      expect(res.status).toBe(404);
      expect(res.text).not.toContain('Completion by lesson');
    }

    const anonymous = await t.request().get(csv);
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.location).toMatch(/^\/auth\/login\?next=/);
  });

  it('a course without quizzes or assignments says so instead of drawing empty charts', async () => {
    const owner = await signedInAs(t.app, t.db, 'teacher');
    const course = await createCourse(t.db, { userId: owner.user.id });
    await createLesson(t.db, { chapterId: (await createChapter(t.db, { courseId: course.id })).id });
    const res = await owner.agent.get(`/teach/courses/${course.id}/analytics`).expect(200);
    expect(res.text).toContain('This course has no quizzes.');
    expect(res.text).toContain('This course has no assignments.');
    expect(res.text).not.toContain('id="quizzes-t"');
    expect(res.text).toContain('No active students yet, so nobody has completed a lesson.');
    expect(res.text).toContain('No ratings yet.');
    // The CSV of a hidden chart is still a (header-only) file, not an error.
    const csv = await owner.agent.get(`/teach/courses/${course.id}/analytics?format=csv&chart=quizzes`).expect(200);
    expect(csv.text.trim()).toBe('Quiz,Average best score %,Submissions');
  });

  it('runs the same number of queries for 1 lesson and 1 student as for 30 lessons and 20 students', async () => {
    const owner = await signedInAs(t.app, t.db, 'teacher');
    const small = await courseOfSize(t.db, owner.user.id, 1, 1);
    const large = await courseOfSize(t.db, owner.user.id, 30, 20);
    for (const range of ['30d', 'all']) {
      const a = await countQueries(t.db, () => owner.agent.get(`${small.path}?range=${range}`).expect(200));
      const b = await countQueries(t.db, () => owner.agent.get(`${large.path}?range=${range}`).expect(200));
      expect(b.count, b.queries.join('\n')).toBe(a.count);
      // The session's few, then one per chart and one for the active students.
      expect(a.count).toBeLessThanOrEqual(14);
    }
    const csv = await countQueries(t.db, () => owner.agent.get(`${large.path}?format=csv&chart=funnel`).expect(200));
    const page = await countQueries(t.db, () => owner.agent.get(large.path).expect(200));
    // The CSV runs its chart's query only.
    expect(csv.count).toBe(page.count - 7);
  });

  it('stays within the page budget with 40 lessons, and its SVG is valid, labelled and inert', async () => {
    const owner = await signedInAs(t.app, t.db, 'teacher');
    const { path } = await courseOfSize(t.db, owner.user.id, 40, 12);
    for (const range of ['30d', '90d', '12m', 'all']) {
      const res = await owner.agent.get(`${path}?range=${range}`).expect(200);
      expectWithinPageBudget(res);

      // Enrollments, revenue, funnel, watch and ratings (no quizzes or assignments here).
      expect(expectAccessibleCharts(res.text)).toBe(5);
      expect(res.text).not.toMatch(/<script(?![^>]*\bsrc=)/);
      expect(res.text).not.toMatch(/\sstyle=/);
    }
  });
});
