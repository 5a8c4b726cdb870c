import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../setup/database.ts';
import { createChapter, createCourse, createEnrollment, createLesson, createUser } from '../setup/factories.ts';

/** The database is the last line: rules hold even when application code gets them wrong. */
describe('constraints', () => {
  const t = useTestDatabase();

  it('rejects a second enrollment of the same user in the same course', async () => {
    const enrollment = await createEnrollment(t.db);
    await expect(
      t.db.insertInto('enrollment').values({ userId: enrollment.userId, courseId: enrollment.courseId, amount: 0 }).execute(),
    ).rejects.toThrow(/enrollment_user_id_course_id/);
  });

  it('deleting a course removes its chapters and lessons', async () => {
    const course = await createCourse(t.db);
    const chapter = await createChapter(t.db, { courseId: course.id });
    const lesson = await createLesson(t.db, { chapterId: chapter.id });
    await t.db.deleteFrom('course').where('id', '=', course.id).execute();
    expect(await t.db.selectFrom('chapter').where('id', '=', chapter.id).select('id').executeTakeFirst()).toBeUndefined();
    expect(await t.db.selectFrom('lesson').where('id', '=', lesson.id).select('id').executeTakeFirst()).toBeUndefined();
  });

  it('deleting a blog category keeps its posts, with no category', async () => {
    const author = await createUser(t.db);
    const category = await t.db.insertInto('blogCategory').values({ name: 'Temp', slug: 'temp' }).returning('id').executeTakeFirstOrThrow();
    const post = await t.db
      .insertInto('blog')
      .values({ title: 'Post', slug: 'post-in-temp', content: '<p>Hi</p>', authorId: author.id, categoryId: category.id })
      .returning('id')
      .executeTakeFirstOrThrow();
    await t.db.deleteFrom('blogCategory').where('id', '=', category.id).execute();
    const after = await t.db.selectFrom('blog').where('id', '=', post.id).select('categoryId').executeTakeFirstOrThrow();
    expect(after.categoryId).toBeNull();
  });

  it('points cannot go below zero, and a conditional spend cannot overspend', async () => {
    const user = await createUser(t.db, { points: 5 });
    await expect(t.db.updateTable('user').set({ points: -1 }).where('id', '=', user.id).execute()).rejects.toThrow(/user_points_check/);
    // The race-safe spend: subtract only where enough is left.
    const spend = (cost: number) =>
      t.db
        .updateTable('user')
        .set((eb) => ({ points: eb('points', '-', cost) }))
        .where('id', '=', user.id)
        .where('points', '>=', cost)
        .executeTakeFirst();
    const results = await Promise.all([spend(3), spend(3), spend(3)]);
    expect(results.filter((r) => r.numUpdatedRows === 1n)).toHaveLength(1);
    const { points } = await t.db.selectFrom('user').where('id', '=', user.id).select('points').executeTakeFirstOrThrow();
    expect(points).toBe(2);
  });

  it('emails are unique whatever their case', async () => {
    await createUser(t.db, { email: 'Case.Person@example.test' });
    await expect(createUser(t.db, { email: 'case.person@EXAMPLE.test' })).rejects.toThrow(/user_email_lower_key/);
  });

  it('a rating is 1 to 5, once per user and course', async () => {
    const enrollment = await createEnrollment(t.db);
    const rate = (rating: number) =>
      t.db.insertInto('courseRating').values({ userId: enrollment.userId, courseId: enrollment.courseId, rating }).execute();
    await expect(rate(0)).rejects.toThrow(/check/);
    await expect(rate(6)).rejects.toThrow(/check/);
    await rate(5);
    await expect(rate(4)).rejects.toThrow(/unique|duplicate/);
  });

  it('an early unlock names exactly one of a chapter or a lesson, once', async () => {
    const user = await createUser(t.db);
    const lesson = await createLesson(t.db, { status: 'Scheduled', releaseAt: new Date(Date.now() + 86_400_000) });
    const unlock = (values: { chapterId?: string; lessonId?: string }) =>
      t.db.insertInto('earlyUnlock').values({ userId: user.id, pointsSpent: 10, ...values }).execute();
    await expect(unlock({})).rejects.toThrow(/check/);
    await expect(unlock({ chapterId: lesson.chapterId, lessonId: lesson.id })).rejects.toThrow(/check/);
    await unlock({ lessonId: lesson.id });
    await expect(unlock({ lessonId: lesson.id })).rejects.toThrow(/unique|duplicate/);
  });

  it('a lesson has an assignment or a quiz, never both', async () => {
    const lesson = await createLesson(t.db);
    await t.db.insertInto('quiz').values({ lessonId: lesson.id, title: 'Check' }).execute();
    await expect(t.db.insertInto('assignment').values({ lessonId: lesson.id, title: 'Task' }).execute()).rejects.toThrow(/quiz/);
  });

  it('a quiz answer index points into its options', async () => {
    const quiz = await t.db.insertInto('quiz').values({ lessonId: (await createLesson(t.db)).id }).returning('id').executeTakeFirstOrThrow();
    const question = (correctAnswer: number) =>
      t.db.insertInto('quizQuestion').values({ quizId: quiz.id, question: 'Pick', options: ['a', 'b', 'c'], correctAnswer, position: 1 }).execute();
    await expect(question(3)).rejects.toThrow(/check/);
    await expect(question(-1)).rejects.toThrow(/check/);
    await question(2);
  });

  it('completion rate stays within 0 to 100, prices and grades are not negative', async () => {
    const lesson = await createLesson(t.db);
    const user = await createUser(t.db);
    await expect(
      t.db.insertInto('lessonWatchAnalytics').values({ userId: user.id, lessonId: lesson.id, watchDuration: 10, totalDuration: 5, completionRate: 101 }).execute(),
    ).rejects.toThrow(/check/);
    await expect(createCourse(t.db, { price: -100 })).rejects.toThrow(/check/);
  });

  it('keeps updated_at current on every update', async () => {
    const course = await createCourse(t.db);
    await sql`select pg_sleep(0.01)`.execute(t.db);
    const updated = await t.db.updateTable('course').set({ title: 'Renamed' }).where('id', '=', course.id).returning('updatedAt').executeTakeFirstOrThrow();
    expect(new Date(updated.updatedAt).getTime()).toBeGreaterThan(new Date(course.updatedAt).getTime());
  });

  it('chapter positions are unique within a course, yet two can swap in one transaction', async () => {
    const course = await createCourse(t.db);
    const first = await createChapter(t.db, { courseId: course.id, position: 1 });
    const second = await createChapter(t.db, { courseId: course.id, position: 2 });
    await expect(createChapter(t.db, { courseId: course.id, position: 1 })).rejects.toThrow(/unique|duplicate/);
    await t.db.transaction().execute(async (trx) => {
      await sql`set constraints all deferred`.execute(trx);
      await trx.updateTable('chapter').set({ position: 2 }).where('id', '=', first.id).execute();
      await trx.updateTable('chapter').set({ position: 1 }).where('id', '=', second.id).execute();
    });
    const order = await t.db.selectFrom('chapter').where('courseId', '=', course.id).orderBy('position').select('id').execute();
    expect(order.map((c) => c.id)).toEqual([second.id, first.id]);
  });
});
