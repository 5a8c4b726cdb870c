import { describe, expect, it } from 'vitest';
import { canOpenLesson } from '../../src/features/learning/access.ts';
import { learnerCurriculum } from '../../src/features/learning/curriculum.ts';
import { useTestDatabase } from '../setup/database.ts';
import { createChapter, createCourse, createEnrollment, createLesson, createUser } from '../setup/factories.ts';

const days = (n: number) => new Date(Date.now() + n * 86_400_000);

/**
 * The access rule lives twice: in SQL (canOpenLesson, one query per media request) and in the
 * player's curriculum. They must agree on every kind of lesson, for every kind of student.
 */
describe('lesson access: the media check and the player agree', () => {
  const t = useTestDatabase();

  it('on published, draft, scheduled, due, unlocked and chapter-unlocked lessons', async () => {
    const course = await createCourse(t.db);
    const open = await createChapter(t.db, { courseId: course.id });
    const scheduledChapter = await createChapter(t.db, { courseId: course.id, status: 'Scheduled', releaseAt: days(3) });
    const draftChapter = await createChapter(t.db, { courseId: course.id, status: 'Draft' });
    const lessons = [
      await createLesson(t.db, { chapterId: open.id }),
      await createLesson(t.db, { chapterId: open.id, status: 'Draft' }),
      await createLesson(t.db, { chapterId: open.id, status: 'Scheduled', releaseAt: days(2) }),
      await createLesson(t.db, { chapterId: open.id, status: 'Published', releaseAt: days(1) }),
      await createLesson(t.db, { chapterId: open.id, status: 'Published', releaseAt: days(-1) }),
      await createLesson(t.db, { chapterId: scheduledChapter.id }),
      await createLesson(t.db, { chapterId: scheduledChapter.id, status: 'Scheduled', releaseAt: days(5) }),
      await createLesson(t.db, { chapterId: draftChapter.id }),
    ];
    const student = await createUser(t.db);
    await createEnrollment(t.db, { userId: student.id, courseId: course.id, status: 'Active' });
    const unlocker = await createUser(t.db);
    await createEnrollment(t.db, { userId: unlocker.id, courseId: course.id, status: 'Active' });
    await t.db.insertInto('earlyUnlock').values({ userId: unlocker.id, lessonId: lessons[2]!.id, pointsSpent: 50 }).execute();
    await t.db.insertInto('earlyUnlock').values({ userId: unlocker.id, chapterId: scheduledChapter.id, pointsSpent: 50 }).execute();

    for (const user of [student, unlocker]) {
      const chapters = await learnerCurriculum(t.db, course.id, user.id, false);
      const openInPlayer = new Map(chapters.flatMap((c) => c.lessons).map((l) => [l.id, l.open]));
      for (const lesson of lessons) {
        const media = await canOpenLesson(t.db, { id: user.id, role: 'student' }, lesson.id);
        expect(media, `lesson ${lessons.indexOf(lesson)} for ${user === student ? 'student' : 'unlocker'}`).toBe(openInPlayer.get(lesson.id) ?? false);
      }
    }
  });
});
