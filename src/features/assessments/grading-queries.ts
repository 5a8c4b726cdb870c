import { sql } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../db/database.ts';
import { PER_PAGE, tableQuery } from '../../http/table.ts';
import { lateSql, type SubmissionStatus } from './submissions.ts';

/**
 * The grading queue of one course: its assignment submissions, filtered by status (Pending by
 * default: what needs attention), assignment and lateness, oldest hand-in first (a fair queue).
 * Three queries however many rows: the course's assignments (the filter's choices), the counts per
 * status (which also give the total), and the page of rows.
 */

export const SUBMISSION_STATUSES = ['Pending', 'Graded', 'Returned'] as const satisfies readonly SubmissionStatus[];

export const queueQuery = tableQuery(['submitted', 'name'] as const, 'submitted', {
  status: z.enum([...SUBMISSION_STATUSES, 'any']).catch('Pending'),
  assessment: z.uuid().optional().catch(undefined),
  late: z.enum(['yes', 'no', 'any']).catch('any'),
}).extend({
  // Oldest first unless asked otherwise.
  dir: z.enum(['asc', 'desc']).catch('asc'),
});
export type QueueQuery = z.infer<typeof queueQuery>;

export interface QueueRow {
  id: string;
  status: SubmissionStatus;
  grade: number | null;
  feedback: string | null;
  submittedAt: Date;
  submissionCount: number;
  late: boolean;
  assignmentId: string;
  assignmentTitle: string;
  points: number;
  lessonId: string;
  courseId: string;
  userId: string;
  firstName: string;
  lastName: string | null;
  email: string;
}

/** Submissions joined to their assignment, lesson, chapter (for the course) and student. */
function submissions(db: Database) {
  return db
    .selectFrom('assignmentSubmission as s')
    .innerJoin('assignment as a', 'a.id', 's.assignmentId')
    .innerJoin('lesson as l', 'l.id', 'a.lessonId')
    .innerJoin('chapter as ch', 'ch.id', 'l.chapterId')
    .innerJoin('user as u', 'u.id', 's.userId');
}
type Joined = ReturnType<typeof submissions>;

const rowColumns = (q: Joined) =>
  q
    .select([
      's.id', 's.status', 's.grade', 's.feedback', 's.submittedAt', 's.submissionCount',
      'a.id as assignmentId', 'a.title as assignmentTitle', 'a.points', 'a.lessonId', 'ch.courseId',
      'u.id as userId', 'u.firstName', 'u.lastName', 'u.email',
    ])
    .select(lateSql('s', 'a').as('late'));

/** The course's assignments in course order (chapter, then lesson): the filter's choices. */
export function courseAssignments(db: Database, courseId: string) {
  return db
    .selectFrom('assignment as a')
    .innerJoin('lesson as l', 'l.id', 'a.lessonId')
    .innerJoin('chapter as ch', 'ch.id', 'l.chapterId')
    .select(['a.id', 'a.title', 'a.points'])
    .where('ch.courseId', '=', courseId)
    .orderBy('ch.position')
    .orderBy('l.position')
    .execute();
}

export async function listQueue(db: Database, courseId: string, q: QueueQuery) {
  // Assignment and lateness narrow both the counts and the rows; the status picks among the counts.
  let base = submissions(db).where('ch.courseId', '=', courseId);
  if (q.assessment) base = base.where('a.id', '=', q.assessment);
  if (q.late === 'yes') base = base.where(lateSql('s', 'a'));
  if (q.late === 'no') base = base.where(sql<boolean>`not ${lateSql('s', 'a')}`);
  const rowsOf = q.status === 'any' ? base : base.where('s.status', '=', q.status);
  const order = q.sort === 'name' ? sql`lower(coalesce(u.last_name, '') || ' ' || u.first_name)` : sql`s.submitted_at`;
  const [assignments, counted, rows] = await Promise.all([
    courseAssignments(db, courseId),
    base.select(['s.status', sql<number>`count(*)::int`.as('n')]).groupBy('s.status').execute(),
    rowColumns(rowsOf)
      .orderBy(order, q.dir)
      .orderBy('s.id')
      .limit(PER_PAGE)
      .offset((q.page - 1) * PER_PAGE)
      .execute(),
  ]);
  const counts: Record<SubmissionStatus | 'any', number> = { Pending: 0, Graded: 0, Returned: 0, any: 0 };
  for (const c of counted) {
    counts[c.status as SubmissionStatus] = c.n;
    counts.any += c.n;
  }
  return { assignments, counts, total: counts[q.status], rows: rows as QueueRow[] };
}

/** One row of the queue (after grading it inline): one query. */
export async function queueRow(db: Database, submissionId: string): Promise<QueueRow | undefined> {
  return (await rowColumns(submissions(db)).where('s.id', '=', submissionId).executeTakeFirst()) as QueueRow | undefined;
}
