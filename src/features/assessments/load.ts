import type { NextFunction, Request, Response } from 'express';
import { sql } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../db/database.ts';
import { notFound } from '../../http/errors.ts';
import { currentUser } from '../../http/guards.ts';
import { managesCourse } from '../access/course-policy.ts';
import type { MessageValues } from '../../i18n/translator.ts';

/**
 * Load-and-authorize for the teacher's assessment routes: the assignment, quiz or question, with
 * its lesson and course, goes into res.locals when the signed-in user manages the course (its
 * teacher, or an admin); otherwise 404, the same as one that does not exist. One query each.
 */

const uuid = z.uuid();

export interface LoadedAssignment {
  id: string;
  lessonId: string;
  title: string;
  description: string | null;
  points: number;
  dueDate: Date | null;
  fileKey: string | null;
  courseId: string;
  ownerId: string;
}

export interface LoadedQuiz {
  id: string;
  lessonId: string;
  title: string | null;
  points: number;
  required: boolean;
  courseId: string;
  ownerId: string;
}

export interface LoadedQuestion {
  id: string;
  quizId: string;
  question: string;
  options: string[];
  correctAnswer: number;
  position: number;
  lessonId: string;
  lessonTitle: string;
  quizTitle: string | null;
  courseId: string;
  ownerId: string;
}

type Loader = (req: Request, res: Response, next: NextFunction, id: string) => Promise<void>;

function loader<T extends { ownerId: string }>(key: string, find: (id: string) => Promise<T | undefined>): Loader {
  return async (_req, res, next, id) => {
    if (!uuid.safeParse(id).success) return next(notFound());
    const row = await find(id);
    if (!row || !managesCourse(currentUser(res), row.ownerId)) return next(notFound());
    res.locals[key] = row;
    next();
  };
}

export const loadAssignment = (db: Database): Loader =>
  loader('assignment', (id) =>
    db
      .selectFrom('assignment as a')
      .innerJoin('lesson as l', 'l.id', 'a.lessonId')
      .innerJoin('chapter as ch', 'ch.id', 'l.chapterId')
      .innerJoin('course as c', 'c.id', 'ch.courseId')
      .select(['a.id', 'a.lessonId', 'a.title', 'a.description', 'a.points', 'a.dueDate', 'a.fileKey', 'c.id as courseId', 'c.userId as ownerId'])
      .where('a.id', '=', id)
      .executeTakeFirst(),
  );

export const loadQuiz = (db: Database): Loader =>
  loader('quiz', (id) =>
    db
      .selectFrom('quiz as q')
      .innerJoin('lesson as l', 'l.id', 'q.lessonId')
      .innerJoin('chapter as ch', 'ch.id', 'l.chapterId')
      .innerJoin('course as c', 'c.id', 'ch.courseId')
      .select(['q.id', 'q.lessonId', 'q.title', 'q.points', 'q.required', 'c.id as courseId', 'c.userId as ownerId'])
      .where('q.id', '=', id)
      .executeTakeFirst(),
  );

export const loadQuestion = (db: Database): Loader =>
  loader('question', (id) =>
    db
      .selectFrom('quizQuestion as qq')
      .innerJoin('quiz as q', 'q.id', 'qq.quizId')
      .innerJoin('lesson as l', 'l.id', 'q.lessonId')
      .innerJoin('chapter as ch', 'ch.id', 'l.chapterId')
      .innerJoin('course as c', 'c.id', 'ch.courseId')
      .select([
        'qq.id',
        'qq.quizId',
        'qq.question',
        'qq.options',
        'qq.correctAnswer',
        'qq.position',
        'l.id as lessonId',
        'l.title as lessonTitle',
        'q.title as quizTitle',
        'c.id as courseId',
        'c.userId as ownerId',
      ])
      .where('qq.id', '=', id)
      .executeTakeFirst(),
  );

export interface TeacherQuestion {
  id: string;
  question: string;
  options: string[];
  correctAnswer: number;
  position: number;
}

export type LessonAssessment =
  | { kind: 'none' }
  | {
      kind: 'assignment';
      assignment: Omit<LoadedAssignment, 'courseId' | 'ownerId'> & { submissions: number };
    }
  | {
      kind: 'quiz';
      quiz: Omit<LoadedQuiz, 'courseId' | 'ownerId'> & { submissions: number };
      questions: TeacherQuestion[];
    };

/**
 * What the teacher's lesson page shows of the lesson's assessment: its assignment, or its quiz with
 * every question in order, correct answers included (this page is the teacher's, never a student's).
 * Three queries sent together, however many questions.
 */
export async function lessonAssessment(db: Database, lessonId: string): Promise<LessonAssessment> {
  const [assignment, quiz, questions] = await Promise.all([
    db
      .selectFrom('assignment as a')
      .select(['a.id', 'a.lessonId', 'a.title', 'a.description', 'a.points', 'a.dueDate', 'a.fileKey'])
      .select(sql<number>`(select count(*)::int from assignment_submission s where s.assignment_id = a.id)`.as('submissions'))
      .where('a.lessonId', '=', lessonId)
      .executeTakeFirst(),
    db
      .selectFrom('quiz as q')
      .select(['q.id', 'q.lessonId', 'q.title', 'q.points', 'q.required'])
      .select(sql<number>`(select count(*)::int from quiz_submission s where s.quiz_id = q.id)`.as('submissions'))
      .where('q.lessonId', '=', lessonId)
      .executeTakeFirst(),
    db
      .selectFrom('quizQuestion as qq')
      .innerJoin('quiz as q', 'q.id', 'qq.quizId')
      .select(['qq.id', 'qq.question', 'qq.options', 'qq.correctAnswer', 'qq.position'])
      .where('q.lessonId', '=', lessonId)
      .orderBy('qq.position')
      .execute(),
  ]);
  if (assignment) return { kind: 'assignment', assignment };
  if (quiz) return { kind: 'quiz', quiz, questions };
  return { kind: 'none' };
}

/**
 * A refused form of the lesson page's assessment section, shown again with what was typed: which
 * form, a message for the section (the "one per lesson" refusal, a file refused), one per field.
 */
export interface AssessmentForm {
  form: 'assignment' | 'quiz' | 'question' | 'file';
  /** `message` and `errors` are catalogue messages; `messageValues` fill their placeholders. */
  message?: string;
  messageValues?: MessageValues;
  errors: Record<string, string>;
  values: Record<string, unknown>;
}
