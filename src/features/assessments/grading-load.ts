import type { NextFunction, Request, Response } from 'express';
import { z } from 'zod';
import type { Database } from '../../db/database.ts';
import { notFound } from '../../http/errors.ts';
import { currentUser } from '../../http/guards.ts';
import { managesCourse } from '../access/course-policy.ts';
import { lateSql, type SubmissionStatus } from './submissions.ts';

/**
 * Load-and-authorize for `:submissionId` under /teach: the submission with its assignment, course
 * and student goes into `res.locals.submission` when the viewer manages the course (its teacher, or
 * an admin); otherwise 404, the same as a submission that does not exist.
 */

export interface LoadedSubmission {
  id: string;
  status: SubmissionStatus;
  grade: number | null;
  feedback: string | null;
  description: string | null;
  link: string | null;
  fileKey: string | null;
  submittedAt: Date;
  submissionCount: number;
  late: boolean;
  assignmentId: string;
  assignmentTitle: string;
  points: number;
  dueDate: Date | null;
  lessonId: string;
  courseId: string;
  courseTitle: string;
  ownerId: string;
  userId: string;
  firstName: string;
  lastName: string | null;
  email: string;
}

const uuid = z.uuid();

export function findSubmission(db: Database, id: string): Promise<LoadedSubmission | undefined> {
  return db
    .selectFrom('assignmentSubmission as s')
    .innerJoin('assignment as a', 'a.id', 's.assignmentId')
    .innerJoin('lesson as l', 'l.id', 'a.lessonId')
    .innerJoin('chapter as ch', 'ch.id', 'l.chapterId')
    .innerJoin('course as c', 'c.id', 'ch.courseId')
    .innerJoin('user as u', 'u.id', 's.userId')
    .select([
      's.id', 's.status', 's.grade', 's.feedback', 's.description', 's.link', 's.fileKey', 's.submittedAt', 's.submissionCount',
      'a.id as assignmentId', 'a.title as assignmentTitle', 'a.points', 'a.dueDate', 'a.lessonId',
      'c.id as courseId', 'c.title as courseTitle', 'c.userId as ownerId',
      'u.id as userId', 'u.firstName', 'u.lastName', 'u.email',
    ])
    .select(lateSql('s', 'a').as('late'))
    .where('s.id', '=', id)
    .executeTakeFirst() as Promise<LoadedSubmission | undefined>;
}

/** `router.param('submissionId', loadSubmission(db))`. */
export function loadSubmission(db: Database) {
  return async (_req: Request, res: Response, next: NextFunction, id: string) => {
    if (!uuid.safeParse(id).success) return next(notFound());
    const row = await findSubmission(db, id);
    if (!row || !managesCourse(currentUser(res), row.ownerId)) return next(notFound());
    res.locals.submission = row;
    next();
  };
}

export const submissionOf = (res: Response): LoadedSubmission => res.locals.submission as LoadedSubmission;
