import { describe, expect, it } from 'vitest';
import { funnelQuery } from '../../src/features/analytics/course-queries.ts';
import { gradebookPage } from '../../src/features/assessments/gradebook.ts';
import { progressInCourses } from '../../src/features/learning/progress.ts';
import { useTestApp } from '../setup/app.ts';
import { createChapter, createCourse, createEnrollment, createLesson } from '../setup/factories.ts';
import { countQueries } from '../setup/queries.ts';
import { signedInAs } from '../setup/users.ts';

/**
 * Issue 23, point 4: lesson_progress is made when an enrolled student first opens a lesson (the
 * spec: createdAt is the first access), completed false, and completing it updates that row. Merely
 * opening lessons never counts as completing them.
 */

const days = (n: number) => new Date(Date.now() + n * 86_400_000);

describe('lesson progress from the first open', () => {
  const t = useTestApp();

  async function courseWithStudent() {
    const teacher = await signedInAs(t.app, t.db, 'teacher');
    const course = await createCourse(t.db, { userId: teacher.user.id, title: 'First Open Course', status: 'Published' });
    const chapter = await createChapter(t.db, { courseId: course.id, title: 'Only chapter' });
    const lessons = [
      await createLesson(t.db, { chapterId: chapter.id, title: 'Lesson A' }),
      await createLesson(t.db, { chapterId: chapter.id, title: 'Lesson B' }),
      await createLesson(t.db, { chapterId: chapter.id, title: 'Lesson C' }),
    ];
    const later = await createLesson(t.db, { chapterId: chapter.id, title: 'Later lesson', status: 'Scheduled', releaseAt: days(5) });
    const student = await signedInAs(t.app, t.db, 'student', { firstName: 'Opal' });
    const enrollment = await createEnrollment(t.db, { userId: student.user.id, courseId: course.id, status: 'Active' });
    return { teacher, course, chapter, lessons, later, student, enrollment };
  }

  const rowsOf = (userId: string, lessonId?: string) =>
    t.db
      .selectFrom('lessonProgress')
      .select(['id', 'lessonId', 'completed', 'createdAt', 'updatedAt'])
      .where('userId', '=', userId)
      .$if(!!lessonId, (q) => q.where('lessonId', '=', lessonId!))
      .execute();

  it('the first open makes the row (completed false, createdAt set); a second open keeps it; completing updates the same row', async () => {
    const { course, lessons, student } = await courseWithStudent();
    const url = `/learn/${course.slug}/lessons/${lessons[0]!.id}`;
    expect(await rowsOf(student.user.id)).toEqual([]);

    const before = Date.now();
    await student.agent.get(url).expect(200);
    const [first] = await rowsOf(student.user.id);
    expect(first).toMatchObject({ lessonId: lessons[0]!.id, completed: false });
    expect(first!.createdAt.getTime()).toBeGreaterThanOrEqual(before - 5_000);
    expect(first!.createdAt.getTime()).toBeLessThanOrEqual(Date.now() + 5_000);

    await new Promise((r) => setTimeout(r, 20));
    await student.agent.get(url).expect(200);
    expect(await rowsOf(student.user.id)).toEqual([first]);

    // The player shows it as not done: the button still offers completing it.
    const page = await student.agent.get(url).expect(200);
    expect(page.text).toContain('Mark as completed');
    expect(page.text).toContain('0 of 3 lessons');

    await student.post(`${url}/complete`, { completed: 'true' }).expect(303);
    const [done] = await rowsOf(student.user.id);
    expect(done).toMatchObject({ id: first!.id, completed: true, createdAt: first!.createdAt });
    expect(done!.updatedAt.getTime()).toBeGreaterThanOrEqual(first!.updatedAt.getTime());

    // Not done again: the same row, completed false, the first access still its createdAt.
    await student.post(`${url}/complete`, { completed: 'false' }).expect(303);
    expect(await rowsOf(student.user.id)).toEqual([expect.objectContaining({ id: first!.id, completed: false, createdAt: first!.createdAt })]);
  });

  it('five parallel opens of a lesson make one row', async () => {
    const { course, lessons, student } = await courseWithStudent();
    const url = `/learn/${course.slug}/lessons/${lessons[1]!.id}`;
    const answers = await Promise.all(Array.from({ length: 5 }, () => student.agent.get(url)));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    expect(await rowsOf(student.user.id)).toEqual([expect.objectContaining({ lessonId: lessons[1]!.id, completed: false })]);
  });

  it('a lesson completed without being opened first (a quiz, an offline completion) still gets its row', async () => {
    const { course, lessons, student } = await courseWithStudent();
    await student.post(`/learn/${course.slug}/lessons/${lessons[2]!.id}/complete`, { completed: 'true' }).expect(303);
    expect(await rowsOf(student.user.id)).toEqual([expect.objectContaining({ lessonId: lessons[2]!.id, completed: true })]);
    // Opening it afterwards changes nothing.
    await student.agent.get(`/learn/${course.slug}/lessons/${lessons[2]!.id}`).expect(200);
    expect(await rowsOf(student.user.id)).toEqual([expect.objectContaining({ lessonId: lessons[2]!.id, completed: true })]);
  });

  it('no row for the teacher or an admin previewing, a lesson not released yet, a page fetched ahead, or someone not enrolled', async () => {
    const { teacher, course, lessons, later, student } = await courseWithStudent();
    const url = (id: string) => `/learn/${course.slug}/lessons/${id}`;
    await teacher.agent.get(url(lessons[0]!.id)).expect(200);
    const admin = await signedInAs(t.app, t.db, 'admin');
    await admin.agent.get(url(lessons[0]!.id)).expect(200);
    await student.agent.get(url(later.id)).expect(404);
    await student.agent.get(url(lessons[1]!.id)).set('Purpose', 'prefetch').expect(200);
    const visitor = await signedInAs(t.app, t.db, 'student');
    await visitor.agent.get(url(lessons[0]!.id)).expect(404);
    const pending = await signedInAs(t.app, t.db, 'student');
    await createEnrollment(t.db, { userId: pending.user.id, courseId: course.id, status: 'Pending' });
    await pending.agent.get(url(lessons[0]!.id)).expect(404);
    const rows = await t.db.selectFrom('lessonProgress').innerJoin('lesson', 'lesson.id', 'lessonProgress.lessonId').select('lessonProgress.userId').where('lesson.chapterId', '=', lessons[0]!.chapterId).execute();
    expect(rows).toEqual([]);
  });

  it('a student who opened every lesson and completed none: 0% everywhere, no certificate; the teacher sees them as opened, not finished', async () => {
    const { teacher, course, lessons, student, enrollment } = await courseWithStudent();
    for (const lesson of lessons) await student.agent.get(`/learn/${course.slug}/lessons/${lesson.id}`).expect(200);
    expect(await rowsOf(student.user.id)).toHaveLength(3);

    // The student's own numbers: the player, the dashboard.
    const player = await student.agent.get(`/learn/${course.slug}/lessons/${lessons[2]!.id}`).expect(200);
    expect(player.text).toContain('0 of 3 lessons · 0%');
    expect((await progressInCourses(t.db, student.user.id, [course.id])).get(course.id)).toEqual({ completed: 0, total: 3, percent: 0 });
    const dashboard = await student.agent.get('/dashboard').expect(200);
    expect(dashboard.text).toContain('0 of 3 lessons');
    expect(dashboard.text).toContain('<progress max="100" value="0">');

    // No course badge, no certificate.
    const row = await t.db.selectFrom('enrollment').select(['certificateEarned', 'certificateKey']).where('id', '=', enrollment.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ certificateEarned: false, certificateKey: null });
    expect(await t.db.selectFrom('studentBadge').select('badgeType').where('enrollmentId', '=', enrollment.id).execute()).toEqual([]);
    const activity = await t.db.selectFrom('studentActivity').select('type').where('enrollmentId', '=', enrollment.id).where('type', '=', 'CompletedLesson').execute();
    expect(activity).toEqual([]);

    // The teacher's numbers: the students table, the gradebook, the analytics funnel.
    const table = await teacher.agent.get(`/teach/courses/${course.id}/students`).expect(200);
    expect(table.text).toContain('0 / 3 (0%)<br><span class="hint">3 opened, not finished</span>');
    const gradebook = await gradebookPage(t.db, course.id, 1);
    expect(gradebook.rows.map((r) => r.progress)).toEqual([0]);
    const funnel = (await funnelQuery({ courseId: course.id }).execute(t.db)).rows;
    expect(funnel.map((f) => f.completed)).toEqual([0, 0, 0]);

    // Completing two of them: 2 done, 1 opened and not finished; then the last: 100% and the certificate.
    await student.post(`/learn/${course.slug}/lessons/${lessons[0]!.id}/complete`, { completed: 'true' }).expect(303);
    await student.post(`/learn/${course.slug}/lessons/${lessons[1]!.id}/complete`, { completed: 'true' }).expect(303);
    expect((await teacher.agent.get(`/teach/courses/${course.id}/students`).expect(200)).text).toContain('2 / 3 (66%)<br><span class="hint">1 opened, not finished</span>');
    await student.post(`/learn/${course.slug}/lessons/${lessons[2]!.id}/complete`, { completed: 'true' }).expect(303);
    const after = await teacher.agent.get(`/teach/courses/${course.id}/students`).expect(200);
    expect(after.text).toContain('3 / 3 (100%)');
    expect(after.text).not.toContain('opened, not finished');
    expect((await t.db.selectFrom('enrollment').select('certificateEarned').where('id', '=', enrollment.id).executeTakeFirstOrThrow()).certificateEarned).toBe(true);
    expect(await rowsOf(student.user.id)).toHaveLength(3);
  });

  it('the lesson page runs as many queries on the first open as on later ones (the row rides in the view statement)', async () => {
    const { course, lessons, student } = await courseWithStudent();
    const page = (id: string) => student.agent.get(`/learn/${course.slug}/lessons/${id}`).expect(200);
    const first = await countQueries(t.db, () => page(lessons[0]!.id));
    const again = await countQueries(t.db, () => page(lessons[0]!.id));
    const other = await countQueries(t.db, () => page(lessons[1]!.id));
    expect(again.count).toBe(first.count);
    expect(other.count).toBe(first.count);
    // The progress row is written by the statement that records the view, not by one of its own.
    expect(first.queries.filter((q) => /lesson_progress/.test(q) && /^\s*(with|insert)/i.test(q))).toHaveLength(1);
    expect(first.queries.filter((q) => /insert into lesson_progress/i.test(q) && /student_activity/i.test(q))).toHaveLength(1);
    console.info(`lesson page: first open ${first.count} queries, again ${again.count}, another lesson ${other.count}`);
  });
});
