import { sql, type Transaction } from 'kysely';
import type { Database } from '../../db/database.ts';
import type { DB } from '../../db/types.ts';
import { recordActivity, type AuditContext } from '../audit/activity.ts';
import { msg } from '../../i18n/catalogue.ts';
import { notify } from '../notifications/notify.ts';

/**
 * The one owner of `assignment_submission.status` (spec workflow 5: Pending → Graded → Returned).
 * Nothing else writes that column; each change is one statement on the row, so racing requests
 * serialise on it:
 *
 * - hand in (or again): the row per user and assignment is created, or updated with one more to
 *   `submissionCount` and status Pending again (the previous grade and feedback stay until the
 *   teacher grades again: nothing a teacher wrote is lost);
 * - grade: Pending, Graded or Returned → Graded, with the grade (0..the assignment's points) and
 *   feedback, an audit row and the student's notification in the same transaction;
 * - the student opens graded feedback: Graded → Returned.
 *
 * "Late" is not a status: a submission is late when its `submittedAt` (the latest hand-in) is after
 * the assignment's due date. Use `isLate` / `lateSql` rather than comparing the dates again.
 */

export type SubmissionStatus = 'Pending' | 'Graded' | 'Returned';

type Tx = Transaction<DB>;

export const isLate = (submittedAt: Date | string, dueDate: Date | string | null): boolean =>
  dueDate !== null && new Date(submittedAt).getTime() > new Date(dueDate).getTime();

/** The same rule in SQL over the aliases of assignment_submission and assignment. */
export const lateSql = (submission: string, assignment: string) =>
  sql<boolean>`coalesce(${sql.ref(`${submission}.submitted_at`)} > ${sql.ref(`${assignment}.due_date`)}, false)`;

export interface HandIn {
  assignmentId: string;
  userId: string;
  description: string | null;
  link: string | null;
  /** A new file's key; undefined keeps the file of an earlier hand-in. */
  fileKey?: string;
}

export interface HandedIn {
  id: string;
  submissionCount: number;
  /** The file this hand-in replaced, to delete from storage once the transaction commits. */
  replacedFileKey: string | null;
}

/**
 * Records a hand-in inside the caller's transaction. One statement: twenty at once leave one row
 * whose `submissionCount` is twenty.
 */
export async function handIn(trx: Tx, input: HandIn): Promise<HandedIn> {
  const previous = await trx
    .selectFrom('assignmentSubmission')
    .select('fileKey')
    .where('userId', '=', input.userId)
    .where('assignmentId', '=', input.assignmentId)
    .forUpdate()
    .executeTakeFirst();
  const row = await trx
    .insertInto('assignmentSubmission')
    .values({
      assignmentId: input.assignmentId,
      userId: input.userId,
      description: input.description,
      link: input.link,
      fileKey: input.fileKey ?? null,
      status: 'Pending',
    })
    .onConflict((oc) =>
      oc.columns(['userId', 'assignmentId']).doUpdateSet({
        description: input.description,
        link: input.link,
        ...(input.fileKey !== undefined ? { fileKey: input.fileKey } : {}),
        status: 'Pending',
        submissionCount: sql<number>`assignment_submission.submission_count + 1`,
        submittedAt: sql<Date>`now()`,
      }),
    )
    .returning(['id', 'submissionCount'])
    .executeTakeFirstOrThrow();
  const replaced = input.fileKey !== undefined && previous?.fileKey && previous.fileKey !== input.fileKey ? previous.fileKey : null;
  return { id: row.id, submissionCount: row.submissionCount, replacedFileKey: replaced };
}

export interface Grading {
  submissionId: string;
  grade: number;
  feedback: string | null;
}

export type GradeOutcome =
  | { ok: true; submission: GradedSubmission }
  | { ok: false; status: 404 | 422; field?: 'grade'; message: string };

export interface GradedSubmission {
  id: string;
  grade: number;
  feedback: string | null;
  points: number;
  assignmentTitle: string;
  student: { id: string; email: string; firstName: string };
  course: { id: string; title: string; slug: string };
  lessonId: string;
}

/**
 * Grades a submission (any status → Graded). The caller has checked that the grader manages the
 * course. Two graders at once: each statement locks the row, the second waits and then wins
 * whole (its grade with its feedback), so the row is never half one and half the other.
 */
export async function gradeSubmission(db: Database, audit: AuditContext, input: Grading): Promise<GradeOutcome> {
  return db.transaction().execute(async (trx) => {
    const target = await trx
      .selectFrom('assignmentSubmission as s')
      .innerJoin('assignment as a', 'a.id', 's.assignmentId')
      .innerJoin('lesson as l', 'l.id', 'a.lessonId')
      .innerJoin('chapter as ch', 'ch.id', 'l.chapterId')
      .innerJoin('course as c', 'c.id', 'ch.courseId')
      .innerJoin('user as u', 'u.id', 's.userId')
      .select(['s.id', 'a.points', 'a.title as assignmentTitle', 'a.lessonId', 'u.id as studentId', 'u.email', 'u.firstName', 'c.id as courseId', 'c.title as courseTitle', 'c.slug'])
      .where('s.id', '=', input.submissionId)
      .forUpdate('s')
      .executeTakeFirst();
    if (!target) return { ok: false as const, status: 404 as const, message: 'No such submission.' };
    if (input.grade > target.points) {
      return { ok: false as const, status: 422 as const, field: 'grade' as const, message: `Enter a grade from 0 to ${target.points}.` };
    }
    const row = await trx
      .updateTable('assignmentSubmission')
      .set({ grade: input.grade, feedback: input.feedback, status: 'Graded' })
      .where('id', '=', input.submissionId)
      .returning(['id', 'grade', 'feedback'])
      .executeTakeFirstOrThrow();
    await recordActivity(trx, audit, {
      action: 'submission_graded',
      entityType: 'assignment_submission',
      entityId: row.id,
      metadata: { grade: input.grade, points: target.points },
    });
    // The mail (when the student wants it) carries the whole feedback; the inbox shows the grade.
    await notify(trx, {
      userId: target.studentId,
      type: 'AssignmentGraded',
      title: msg('Graded: {assignment}'),
      message: msg('You got {grade, number} of {points, number} points for "{assignment}" in "{course}".'),
      mailText: row.feedback ? msg('Feedback from your teacher:\n{feedback}') : msg('Your teacher left no written feedback this time.'),
      values: { assignment: target.assignmentTitle, course: target.courseTitle, grade: input.grade, points: target.points, feedback: row.feedback ?? '' },
      link: `/learn/${target.slug}/lessons/${target.lessonId}#assignment`,
    });
    return {
      ok: true as const,
      submission: {
        id: row.id,
        grade: row.grade!,
        feedback: row.feedback,
        points: target.points,
        assignmentTitle: target.assignmentTitle,
        student: { id: target.studentId, email: target.email, firstName: target.firstName },
        course: { id: target.courseId, title: target.courseTitle, slug: target.slug },
        lessonId: target.lessonId,
      },
    };
  });
}

/**
 * The student has opened their graded feedback: Graded → Returned (once; anything else is left
 * alone). Several at once (the grades page) in one statement.
 */
export async function markReturned(db: Database, submissionId: string | string[], userId: string): Promise<boolean> {
  const ids = [submissionId].flat();
  if (ids.length === 0) return false;
  const row = await db
    .updateTable('assignmentSubmission')
    .set({ status: 'Returned' })
    .where('id', 'in', ids)
    .where('userId', '=', userId)
    .where('status', '=', 'Graded')
    .returning('id')
    .executeTakeFirst();
  return !!row;
}
