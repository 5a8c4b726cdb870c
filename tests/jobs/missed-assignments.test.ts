import { describe, expect, it } from 'vitest';
import { recordMissedAssignments } from '../../src/jobs/record-missed-assignments.ts';
import { useTestDatabase } from '../setup/database.ts';
import { createAssignment, createAssignmentSubmission, createChapter, createCourse, createEnrollment, createLesson } from '../setup/factories.ts';

const days = (n: number) => new Date(Date.now() + n * 86_400_000);

describe('the missed-assignments job', () => {
  const t = useTestDatabase();

  it('writes one MissedAssignment per Active student who let the due date pass, and nothing on a second run', async () => {
    const course = await createCourse(t.db, { status: 'Published' });
    const chapter = await createChapter(t.db, { courseId: course.id });
    const lesson = await createLesson(t.db, { chapterId: chapter.id });
    const past = await createAssignment(t.db, { lessonId: lesson.id, title: 'Essay', dueDate: days(-1) });
    const future = await createAssignment(t.db, { lessonId: (await createLesson(t.db, { chapterId: chapter.id })).id, dueDate: days(2) });
    const undated = await createAssignment(t.db, { lessonId: (await createLesson(t.db, { chapterId: chapter.id })).id, dueDate: null });
    const draftLesson = await createLesson(t.db, { chapterId: chapter.id, status: 'Draft' });
    const hidden = await createAssignment(t.db, { lessonId: draftLesson.id, dueDate: days(-1) });

    const early = { courseId: course.id, createdAt: days(-10) };
    const missed = await createEnrollment(t.db, early);
    const handedIn = await createEnrollment(t.db, early);
    await createAssignmentSubmission(t.db, { assignmentId: past.id, userId: handedIn.userId });
    const banned = await createEnrollment(t.db, { ...early, banned: true, banType: 'Permanent', banReason: 'cheating' });
    const cancelled = await createEnrollment(t.db, { ...early, status: 'Cancelled' });
    const latecomer = await createEnrollment(t.db, { courseId: course.id });

    expect(await recordMissedAssignments(t.db)).toEqual({ missed: 1 });
    const rows = await t.db.selectFrom('studentActivity').select(['enrollmentId', 'type', 'description', 'metadata']).where('type', '=', 'MissedAssignment').execute();
    const mine = rows.filter((r) => [missed, handedIn, banned, cancelled, latecomer].some((e) => e.id === r.enrollmentId));
    expect(mine).toEqual([
      { enrollmentId: missed.id, type: 'MissedAssignment', description: 'Missed the due date of "Essay"', metadata: expect.objectContaining({ assignmentId: past.id, lessonId: lesson.id }) },
    ]);
    for (const a of [future, undated, hidden]) expect(rows.some((r) => (r.metadata as { assignmentId: string }).assignmentId === a.id)).toBe(false);

    // Again, and twice at once: nothing new.
    expect(await recordMissedAssignments(t.db)).toEqual({ missed: 0 });
    const raced = await Promise.all([recordMissedAssignments(t.db), recordMissedAssignments(t.db)]);
    expect(raced).toEqual([{ missed: 0 }, { missed: 0 }]);
    const count = await t.db.selectFrom('studentActivity').select((eb) => eb.fn.countAll<number>().as('n')).where('type', '=', 'MissedAssignment').where('enrollmentId', '=', missed.id).executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(1);
  });

  it('the database keeps one row per enrollment and assignment even if two inserts race past the check', async () => {
    const assignment = await createAssignment(t.db, { dueDate: days(-1) });
    const enrollment = await createEnrollment(t.db);
    const row = { enrollmentId: enrollment.id, type: 'MissedAssignment' as const, metadata: JSON.stringify({ assignmentId: assignment.id }) };
    await t.db.insertInto('studentActivity').values(row).execute();
    await expect(t.db.insertInto('studentActivity').values(row).execute()).rejects.toThrow(/student_activity_missed_assignment_key/);
  });
});
