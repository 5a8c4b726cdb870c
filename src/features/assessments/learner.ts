import { sql } from 'kysely';
import type { Database } from '../../db/database.ts';
import { lessonIsOpen, type LessonViewer } from '../access/course-policy.ts';
import { lateSql, type SubmissionStatus } from './submissions.ts';

/**
 * What a learner sees of a lesson's assessment: the assignment with their own submission, or the
 * quiz with its questions and their own (best) submission. Three queries sent together, whatever
 * the number of questions.
 *
 * Quiz answers never leave the server: `correctAnswer` is not selected here. Whether the learner's
 * own stored answer to a question was right is decided in SQL (`answeredRight`), so the index of
 * the right option never reaches a view.
 */

export interface LearnerAssignment {
  id: string;
  title: string;
  description: string | null;
  points: number;
  dueDate: Date | null;
  fileKey: string | null;
}

export interface OwnAssignmentSubmission {
  id: string;
  description: string | null;
  link: string | null;
  fileKey: string | null;
  status: SubmissionStatus;
  grade: number | null;
  feedback: string | null;
  submittedAt: Date;
  submissionCount: number;
  late: boolean;
}

export interface LearnerQuiz {
  id: string;
  title: string | null;
  points: number;
  required: boolean;
}

export interface LearnerQuestion {
  id: string;
  question: string;
  options: string[];
  position: number;
  /** The learner's stored (best) answer: an option index, or null when unanswered or never taken. */
  chosen: number | null;
  /** Whether that stored answer is right (false when there is none). */
  answeredRight: boolean;
}

export interface OwnQuizSubmission {
  id: string;
  score: number;
  correctAnswers: number;
  totalQuestions: number;
  pointsEarned: number;
  submittedAt: Date;
}

export type LearnerAssessment =
  | { kind: 'assignment'; assignment: LearnerAssignment; submission?: OwnAssignmentSubmission }
  | { kind: 'quiz'; quiz: LearnerQuiz; questions: LearnerQuestion[]; submission?: OwnQuizSubmission };

export async function learnerAssessment(db: Database, lessonId: string, userId: string): Promise<LearnerAssessment | undefined> {
  const assignmentQuery = db
    .selectFrom('assignment as a')
    .leftJoin('assignmentSubmission as s', (join) => join.onRef('s.assignmentId', '=', 'a.id').on('s.userId', '=', userId))
    .select([
      'a.id',
      'a.title',
      'a.description',
      'a.points',
      'a.dueDate',
      'a.fileKey',
      's.id as submissionId',
      's.description as submissionDescription',
      's.link',
      's.fileKey as submissionFileKey',
      's.status',
      's.grade',
      's.feedback',
      's.submittedAt',
      's.submissionCount',
      lateSql('s', 'a').as('late'),
    ])
    .where('a.lessonId', '=', lessonId)
    .executeTakeFirst();
  const quizQuery = db
    .selectFrom('quiz as q')
    .leftJoin('quizSubmission as s', (join) => join.onRef('s.quizId', '=', 'q.id').on('s.userId', '=', userId))
    .select([
      'q.id',
      'q.title',
      'q.points',
      'q.required',
      's.id as submissionId',
      's.score',
      's.correctAnswers',
      's.totalQuestions',
      's.pointsEarned',
      's.submittedAt',
    ])
    .where('q.lessonId', '=', lessonId)
    .executeTakeFirst();
  const questionsQuery = db
    .selectFrom('quizQuestion as qq')
    .innerJoin('quiz as q', 'q.id', 'qq.quizId')
    .leftJoin('quizSubmission as s', (join) => join.onRef('s.quizId', '=', 'q.id').on('s.userId', '=', userId))
    .select([
      'qq.id',
      'qq.question',
      'qq.options',
      'qq.position',
      sql<string | null>`s.answers ->> qq.id::text`.as('chosen'),
      sql<boolean>`coalesce(s.answers ->> qq.id::text = qq.correct_answer::text, false)`.as('answeredRight'),
    ])
    .where('q.lessonId', '=', lessonId)
    .orderBy('qq.position')
    .execute();
  const [assignment, quiz, questions] = await Promise.all([assignmentQuery, quizQuery, questionsQuery]);

  if (assignment) {
    const a = assignment;
    return {
      kind: 'assignment',
      assignment: { id: a.id, title: a.title, description: a.description, points: a.points, dueDate: a.dueDate, fileKey: a.fileKey },
      ...(a.submissionId
        ? {
            submission: {
              id: a.submissionId,
              description: a.submissionDescription,
              link: a.link,
              fileKey: a.submissionFileKey,
              status: a.status as SubmissionStatus,
              grade: a.grade,
              feedback: a.feedback,
              submittedAt: a.submittedAt!,
              submissionCount: a.submissionCount!,
              late: a.late,
            },
          }
        : {}),
    };
  }
  if (quiz) {
    return {
      kind: 'quiz',
      quiz: { id: quiz.id, title: quiz.title, points: quiz.points, required: quiz.required },
      questions: questions.map((q) => ({
        id: q.id,
        question: q.question,
        options: q.options,
        position: q.position,
        chosen: q.chosen !== null && /^\d+$/.test(q.chosen) ? Number(q.chosen) : null,
        answeredRight: q.answeredRight,
      })),
      ...(quiz.submissionId
        ? {
            submission: {
              id: quiz.submissionId,
              score: quiz.score!,
              correctAnswers: quiz.correctAnswers!,
              totalQuestions: quiz.totalQuestions!,
              pointsEarned: quiz.pointsEarned!,
              submittedAt: quiz.submittedAt!,
            },
          }
        : {}),
    };
  }
  return undefined;
}

/**
 * A lesson of this course as the target of a learner's POST: whether it is open to them (the
 * course policy's rule, as a student: previews never submit) and its assignment or quiz. One query.
 */
export async function assessmentTarget(db: Database, courseId: string, lessonId: string, userId: string) {
  return db
    .selectFrom('lesson as l')
    .innerJoin('chapter as ch', 'ch.id', 'l.chapterId')
    .innerJoin('course as c', 'c.id', 'ch.courseId')
    .leftJoin('assignment as a', 'a.lessonId', 'l.id')
    .leftJoin('quiz as q', 'q.lessonId', 'l.id')
    .select([
      'l.id',
      'l.title',
      sql<boolean>`${lessonIsOpen({ userId, manages: false })}`.as('open'),
      'a.id as assignmentId',
      'a.dueDate',
      'q.id as quizId',
    ])
    .where('l.id', '=', lessonId)
    .where('c.id', '=', courseId)
    .executeTakeFirst();
}

export interface GradeRow {
  kind: 'assignment' | 'quiz';
  lessonId: string;
  lessonTitle: string;
  chapterTitle: string;
  /** The lesson opens for this learner (else its title is not a link). */
  open: boolean;
  title: string;
  points: number;
  required: boolean;
  dueDate: Date | null;
  submissionId: string | null;
  submissionStatus: SubmissionStatus | null;
  grade: number | null;
  feedback: string | null;
  late: boolean;
  score: number | null;
  pointsEarned: number | null;
}

/**
 * A learner's own grades in a course: every assignment and quiz of the lessons they can see (no
 * drafts), in course order (chapter, then lesson position), with their submission. One query.
 */
export async function courseGrades(db: Database, courseId: string, viewer: LessonViewer): Promise<GradeRow[]> {
  const userId = viewer.userId;
  const rows = await db
    .selectFrom('lesson as l')
    .innerJoin('chapter as ch', 'ch.id', 'l.chapterId')
    .innerJoin('course as c', 'c.id', 'ch.courseId')
    .leftJoin('assignment as a', 'a.lessonId', 'l.id')
    .leftJoin('assignmentSubmission as s', (join) => join.onRef('s.assignmentId', '=', 'a.id').on('s.userId', '=', userId))
    .leftJoin('quiz as q', 'q.lessonId', 'l.id')
    .leftJoin('quizSubmission as qs', (join) => join.onRef('qs.quizId', '=', 'q.id').on('qs.userId', '=', userId))
    .select([
      'l.id as lessonId',
      'l.title as lessonTitle',
      'ch.title as chapterTitle',
      sql<boolean>`${lessonIsOpen(viewer)}`.as('open'),
      'a.id as assignmentId',
      'a.title as assignmentTitle',
      'a.points as assignmentPoints',
      'a.dueDate',
      's.id as submissionId',
      's.status as submissionStatus',
      's.grade',
      's.feedback',
      lateSql('s', 'a').as('late'),
      'q.id as quizId',
      'q.title as quizTitle',
      'q.points as quizPoints',
      'q.required',
      'qs.score',
      'qs.pointsEarned',
    ])
    .where('c.id', '=', courseId)
    .where((eb) => eb.or([eb('a.id', 'is not', null), eb('q.id', 'is not', null)]))
    .$if(!viewer.manages, (q) => q.where('l.status', '!=', 'Draft').where('ch.status', '!=', 'Draft'))
    .orderBy('ch.position')
    .orderBy('l.position')
    .execute();
  return rows.map((r): GradeRow => {
    const isQuiz = r.assignmentId === null;
    return {
      kind: isQuiz ? 'quiz' : 'assignment',
      lessonId: r.lessonId,
      lessonTitle: r.lessonTitle,
      chapterTitle: r.chapterTitle,
      open: r.open,
      title: (isQuiz ? r.quizTitle : r.assignmentTitle) || r.lessonTitle,
      points: (isQuiz ? r.quizPoints : r.assignmentPoints) ?? 0,
      required: !!r.required,
      dueDate: r.dueDate,
      submissionId: r.submissionId,
      submissionStatus: r.submissionStatus as SubmissionStatus | null,
      grade: r.grade,
      feedback: r.feedback,
      late: r.late,
      score: r.score,
      pointsEarned: r.pointsEarned,
    };
  });
}
