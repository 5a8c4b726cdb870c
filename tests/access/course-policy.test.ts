import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import {
  banInForceSql,
  canLearn,
  canOpenLesson,
  canSeeCoursePage,
  courseIsOutSql,
  courseRole,
  isBanInForce,
  isCourseOut,
  isReleased,
  releasedSql,
} from '../../src/features/access/course-policy.ts';
import { useTestDatabase } from '../setup/database.ts';
import { createChapter, createCourse, createEnrollment, createLesson, createUser } from '../setup/factories.ts';

const days = (n: number) => new Date(Date.now() + n * 86_400_000);

/**
 * The course policy's rules exist in TypeScript (for rows already loaded) and in SQL (for queries),
 * side by side in one module. Here both forms meet every kind of row and must agree.
 */
describe('course policy', () => {
  const t = useTestDatabase();

  it('"released", "course is out" and "ban in force" say the same in TypeScript and in SQL', async () => {
    const dated = ['Published', 'Scheduled', 'Draft'].flatMap((status) => [null, days(-1), days(1)].map((releaseAt) => ({ status, releaseAt })));
    for (const item of dated) {
      const { rows } = await sql<{ released: boolean; out: boolean }>`
        select ${releasedSql('x')} as released, ${courseIsOutSql('x')} as out
        from (select ${item.status}::text as status, ${item.releaseAt}::timestamptz as release_at) x`.execute(t.db);
      expect(rows[0]!.released, JSON.stringify(item)).toBe(isReleased(item));
      expect(rows[0]!.out).toBe(isCourseOut(item.status));
    }
    for (const status of ['Archived']) expect(isCourseOut(status)).toBe(true);

    const bans = [null, false, true].flatMap((banned) =>
      [null, 'Temporary', 'Permanent'].flatMap((banType) => [null, days(-1), days(1)].map((banUntil) => ({ banned, banType, banUntil }))),
    );
    for (const ban of bans) {
      const { rows } = await sql<{ inForce: boolean }>`
        select ${banInForceSql('x')} as "inForce"
        from (select ${ban.banned}::boolean as banned, ${ban.banType}::text as ban_type, ${ban.banUntil}::timestamptz as ban_until) x`.execute(t.db);
      expect(rows[0]!.inForce, JSON.stringify(ban)).toBe(isBanInForce(ban));
    }
    // A temporary ban whose end has passed is lifted; one without an end is not.
    expect(isBanInForce({ banned: true, banType: 'Temporary', banUntil: days(-1) })).toBe(false);
    expect(isBanInForce({ banned: true, banType: 'Temporary', banUntil: null })).toBe(true);
  });

  it('computes the viewer\'s role once, and the predicates on it', () => {
    const owner = { id: 'o', role: 'teacher' as const };
    const admin = { id: 'a', role: 'admin' as const };
    const student = { id: 's', role: 'student' as const };
    const course = { userId: 'o', status: 'Published' };
    const active = { id: 'e', status: 'Active', banned: false, banType: null, banUntil: null };
    expect(courseRole(undefined, course, undefined)).toBe('visitor');
    expect(courseRole(owner, course, undefined)).toBe('owner');
    expect(courseRole(admin, course, undefined)).toBe('admin');
    expect(courseRole(student, course, active)).toBe('student');
    expect(courseRole(student, course, { ...active, banned: true, banType: 'Permanent' })).toBe('banned');
    expect(courseRole(student, course, { ...active, status: 'Pending' })).toBe('pending');
    expect(courseRole(student, course, { ...active, status: 'Cancelled' })).toBe('visitor');

    expect(canLearn('student', { status: 'Archived' })).toBe(true);
    expect(canLearn('student', { status: 'Draft' })).toBe(false);
    expect(canLearn('banned', course)).toBe(false);
    expect(canSeeCoursePage('visitor', { status: 'Archived' })).toBe(false);
    expect(canSeeCoursePage('banned', { status: 'Archived' })).toBe(true);
    expect(canSeeCoursePage('visitor', { status: 'Draft' })).toBe(false);
    expect(canSeeCoursePage('admin', { status: 'Draft' })).toBe(true);
  });

  it('a lesson is open on published, due, unlocked and chapter-unlocked lessons; never on drafts, for a banned or pending student', async () => {
    const course = await createCourse(t.db);
    const open = await createChapter(t.db, { courseId: course.id });
    const scheduledChapter = await createChapter(t.db, { courseId: course.id, status: 'Scheduled', releaseAt: days(3) });
    const draftChapter = await createChapter(t.db, { courseId: course.id, status: 'Draft' });
    const cases = [
      { lesson: await createLesson(t.db, { chapterId: open.id }), student: true, unlocker: true },
      { lesson: await createLesson(t.db, { chapterId: open.id, status: 'Draft' }), student: false, unlocker: false },
      { lesson: await createLesson(t.db, { chapterId: open.id, status: 'Scheduled', releaseAt: days(2) }), student: false, unlocker: true },
      { lesson: await createLesson(t.db, { chapterId: open.id, status: 'Published', releaseAt: days(1) }), student: false, unlocker: false },
      { lesson: await createLesson(t.db, { chapterId: open.id, status: 'Published', releaseAt: days(-1) }), student: true, unlocker: true },
      { lesson: await createLesson(t.db, { chapterId: scheduledChapter.id }), student: false, unlocker: true },
      { lesson: await createLesson(t.db, { chapterId: scheduledChapter.id, status: 'Scheduled', releaseAt: days(5) }), student: false, unlocker: true },
      { lesson: await createLesson(t.db, { chapterId: draftChapter.id }), student: false, unlocker: false },
    ];
    const student = await createUser(t.db);
    await createEnrollment(t.db, { userId: student.id, courseId: course.id, status: 'Active' });
    const unlocker = await createUser(t.db);
    await createEnrollment(t.db, { userId: unlocker.id, courseId: course.id, status: 'Active' });
    await t.db.insertInto('earlyUnlock').values({ userId: unlocker.id, lessonId: cases[2]!.lesson.id, pointsSpent: 50 }).execute();
    await t.db.insertInto('earlyUnlock').values({ userId: unlocker.id, chapterId: scheduledChapter.id, pointsSpent: 50 }).execute();
    const banned = await createUser(t.db);
    await createEnrollment(t.db, { userId: banned.id, courseId: course.id, status: 'Active', banned: true, banType: 'Permanent' });
    const pending = await createUser(t.db);
    await createEnrollment(t.db, { userId: pending.id, courseId: course.id, status: 'Pending' });
    const teacher = { id: course.userId, role: 'teacher' as const };

    for (const [i, c] of cases.entries()) {
      expect(await canOpenLesson(t.db, { id: student.id, role: 'student' as const }, c.lesson.id), `lesson ${i}, student`).toBe(c.student);
      expect(await canOpenLesson(t.db, { id: unlocker.id, role: 'student' as const }, c.lesson.id), `lesson ${i}, unlocker`).toBe(c.unlocker);
      expect(await canOpenLesson(t.db, { id: banned.id, role: 'student' as const }, c.lesson.id), `lesson ${i}, banned`).toBe(false);
      expect(await canOpenLesson(t.db, { id: pending.id, role: 'student' as const }, c.lesson.id), `lesson ${i}, pending`).toBe(false);
      expect(await canOpenLesson(t.db, teacher, c.lesson.id), `lesson ${i}, teacher`).toBe(true);
      expect(await canOpenLesson(t.db, undefined, c.lesson.id)).toBe(false);
    }
  });
});
