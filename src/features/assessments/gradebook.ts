import { sql } from 'kysely';
import type { Database } from '../../db/database.ts';
import { banInForceSql } from '../access/course-policy.ts';
import { percentOf, progressOfStudents } from '../learning/progress.ts';
import { isLate, type SubmissionStatus } from './submissions.ts';
import { translatorFor, type Translator } from '../../i18n/translator.ts';

/**
 * The gradebook of one course: its Active students (by last name, first name) against its
 * assessments in course order (chapter position, lesson position), with each student's course
 * progress and total points. The page and the CSV share these queries; neither reads a quiz's
 * answers, only scores and grades. A fixed number of queries whatever the size: the assessments,
 * the students' progress, a page of students, and that page's quiz and assignment submissions.
 */

export const GRADEBOOK_PER_PAGE = 50;

export interface Assessment {
  kind: 'quiz' | 'assignment';
  id: string;
  title: string;
  points: number;
  lessonId: string;
  dueDate: Date | null;
}

export interface GradebookStudent {
  userId: string;
  firstName: string;
  lastName: string | null;
  email: string;
  banned: boolean;
  /** The keyset of the order (for the CSV's pages). */
  sortLast: string;
  sortFirst: string;
}

/** A cell: a quiz's score, an assignment's grade (or pending), or nothing handed in. */
export type Cell =
  | { kind: 'quiz'; score: number }
  | { kind: 'assignment'; grade: number | null; points: number; pending: boolean; late: boolean }
  | null;

export interface GradebookRow {
  student: GradebookStudent;
  name: string;
  cells: Cell[];
  progress: number;
  earned: number;
  possible: number;
}

/** Every assessment of the course in course order: one query. */
export async function courseAssessments(db: Database, courseId: string): Promise<Assessment[]> {
  const { rows } = await sql<Assessment>`
    select * from (
      select 'assignment' as kind, a.id, a.title, a.points, a.lesson_id as "lessonId", a.due_date as "dueDate", ch.position as cp, l.position as lp
      from assignment a join lesson l on l.id = a.lesson_id join chapter ch on ch.id = l.chapter_id
      where ch.course_id = ${courseId}
      union all
      select 'quiz', q.id, coalesce(q.title, l.title), q.points, q.lesson_id, null::timestamptz, ch.position, l.position
      from quiz q join lesson l on l.id = q.lesson_id join chapter ch on ch.id = l.chapter_id
      where ch.course_id = ${courseId}
    ) x order by cp, lp, kind`.execute(db.withoutPlugins());
  return rows.map(({ kind, id, title, points, lessonId, dueDate }) => ({ kind, id, title, points, lessonId, dueDate }));
}

function activeStudents(db: Database, courseId: string) {
  return db
    .selectFrom('enrollment as e')
    .innerJoin('user as u', 'u.id', 'e.userId')
    .where('e.courseId', '=', courseId)
    .where('e.status', '=', 'Active');
}

const lastKey = sql<string>`lower(coalesce(u.last_name, ''))`;
const firstKey = sql<string>`lower(u.first_name)`;

/** The number of Active students: one query. */
export async function countStudents(db: Database, courseId: string): Promise<number> {
  const row = await activeStudents(db, courseId).select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow();
  return row.n;
}

/** A page of Active students, by last name then first name: by offset (the page) or after a key (the CSV). */
export async function studentsPage(
  db: Database,
  courseId: string,
  at: { offset: number; limit: number } | { after?: Pick<GradebookStudent, 'sortLast' | 'sortFirst' | 'userId'>; limit: number },
): Promise<GradebookStudent[]> {
  let q = activeStudents(db, courseId)
    .select(['u.id as userId', 'u.firstName', 'u.lastName', 'u.email'])
    .select([lastKey.as('sortLast'), firstKey.as('sortFirst'), sql<boolean>`${banInForceSql('e')}`.as('banned')])
    .orderBy(lastKey)
    .orderBy(firstKey)
    .orderBy('u.id')
    .limit(at.limit);
  if ('offset' in at) q = q.offset(at.offset);
  else if (at.after) {
    const { sortLast, sortFirst, userId } = at.after;
    q = q.where(sql<boolean>`(${lastKey}, ${firstKey}, u.id) > (${sortLast}, ${sortFirst}, ${userId}::uuid)`);
  }
  return q.execute();
}

interface QuizScore { userId: string; quizId: string; score: number; pointsEarned: number }
interface AssignmentScore { userId: string; assignmentId: string; status: SubmissionStatus; grade: number | null; submittedAt: Date }

/** The students' quiz and assignment submissions in this course: two queries (none without students). */
export async function scoresOf(db: Database, courseId: string, userIds: string[]): Promise<{ quizzes: QuizScore[]; assignments: AssignmentScore[] }> {
  if (userIds.length === 0) return { quizzes: [], assignments: [] };
  const [quizzes, assignments] = await Promise.all([
    db
      .selectFrom('quizSubmission as qs')
      .innerJoin('quiz as q', 'q.id', 'qs.quizId')
      .innerJoin('lesson as l', 'l.id', 'q.lessonId')
      .innerJoin('chapter as ch', 'ch.id', 'l.chapterId')
      .select(['qs.userId', 'qs.quizId', 'qs.score', 'qs.pointsEarned'])
      .where('ch.courseId', '=', courseId)
      .where('qs.userId', 'in', userIds)
      .execute(),
    db
      .selectFrom('assignmentSubmission as s')
      .innerJoin('assignment as a', 'a.id', 's.assignmentId')
      .innerJoin('lesson as l', 'l.id', 'a.lessonId')
      .innerJoin('chapter as ch', 'ch.id', 'l.chapterId')
      .select(['s.userId', 's.assignmentId', 's.status', 's.grade', 's.submittedAt'])
      .where('ch.courseId', '=', courseId)
      .where('s.userId', 'in', userIds)
      .execute(),
  ]);
  return { quizzes, assignments: assignments as AssignmentScore[] };
}

export const fullName = (s: { firstName: string; lastName: string | null }) => [s.firstName, s.lastName].filter(Boolean).join(' ');

/** The rows of a page of students, from what the queries above returned. */
export function gradebookRows(
  assessments: Assessment[],
  students: GradebookStudent[],
  scores: { quizzes: QuizScore[]; assignments: AssignmentScore[] },
  progress: { total: number; completedBy: Map<string, number> },
): GradebookRow[] {
  const quizBy = new Map(scores.quizzes.map((q) => [`${q.userId}:${q.quizId}`, q]));
  const assignmentBy = new Map(scores.assignments.map((a) => [`${a.userId}:${a.assignmentId}`, a]));
  const possible = assessments.reduce((sum, a) => sum + a.points, 0);
  return students.map((student) => {
    let earned = 0;
    const cells = assessments.map((a): Cell => {
      if (a.kind === 'quiz') {
        const q = quizBy.get(`${student.userId}:${a.id}`);
        if (!q) return null;
        earned += q.pointsEarned;
        return { kind: 'quiz', score: q.score };
      }
      const s = assignmentBy.get(`${student.userId}:${a.id}`);
      if (!s) return null;
      earned += s.grade ?? 0;
      return { kind: 'assignment', grade: s.grade, points: a.points, pending: s.status === 'Pending', late: isLate(s.submittedAt, a.dueDate) };
    });
    return {
      student,
      name: fullName(student),
      cells,
      progress: percentOf(progress.completedBy.get(student.userId) ?? 0, progress.total),
      earned,
      possible,
    };
  });
}

/** A cell as words (the CSV; the page marks late and pending with pills). */
export function cellText(cell: Cell, tr: Translator = translatorFor('en')): string {
  if (!cell) return '';
  if (cell.kind === 'quiz') return tr.number(cell.score / 100, { style: 'percent' });
  const parts = [cell.grade === null ? tr.t('pending') : `${cell.grade} / ${cell.points}`];
  if (cell.grade !== null && cell.pending) parts.push(tr.t('pending'));
  if (cell.late) parts.push(tr.t('late'));
  return parts.join(' ');
}

/** "{title} (quiz)" / "{title} (assignment)", the title cut to `max` characters. */
export const assessmentLabel = (a: Assessment, tr: Translator = translatorFor('en'), max = 24) =>
  tr.t('{title} ({kind, select, quiz {quiz} other {assignment}})', {
    title: a.title.length > max ? `${a.title.slice(0, max - 1).trimEnd()}…` : a.title,
    kind: a.kind,
  });

/** One page of the gradebook: assessments, count, students and progress together, then their scores. */
export async function gradebookPage(db: Database, courseId: string, page: number) {
  const [assessments, total, students, progress] = await Promise.all([
    courseAssessments(db, courseId),
    countStudents(db, courseId),
    studentsPage(db, courseId, { offset: (page - 1) * GRADEBOOK_PER_PAGE, limit: GRADEBOOK_PER_PAGE }),
    progressOfStudents(db, courseId),
  ]);
  const scores = await scoresOf(db, courseId, students.map((s) => s.userId));
  return { assessments, total, rows: gradebookRows(assessments, students, scores, progress) };
}
