import type { NextFunction, Request, Response } from 'express';
import { z } from 'zod';
import type { Database } from '../../db/database.ts';
import { notFound } from '../../http/errors.ts';
import { currentUser } from '../../http/guards.ts';
import { canManage, managesCourse } from '../access/course-policy.ts';
import { accessOf, courseById } from '../access/load-course.ts';

/**
 * Load-and-authorize for /teach: the course (or chapter, or lesson, with its course) goes into
 * res.locals when the signed-in teacher owns it, or the user is an admin; otherwise 404, the same
 * as a course that does not exist.
 */

const uuid = z.uuid();

const mayEdit = (res: Response, ownerId: string): boolean => managesCourse(currentUser(res), ownerId);

/** The course policy's loader, for those who manage the course; `res.locals.course` as /teach views expect. */
export function loadCourse(db: Database) {
  const load = courseById(db, (access) => canManage(access.role));
  return (req: Request, res: Response, next: NextFunction, id: string) =>
    load(req, res, (error?: unknown) => {
      if (error) return next(error);
      res.locals.course = accessOf(res).course;
      next();
    }, id);
}

export function loadChapter(db: Database) {
  return async (_req: Request, res: Response, next: NextFunction, id: string) => {
    if (!uuid.safeParse(id).success) return next(notFound());
    const row = await db
      .selectFrom('chapter')
      .innerJoin('course', 'course.id', 'chapter.courseId')
      .selectAll('chapter')
      .select(['course.userId as ownerId', 'course.title as courseTitle'])
      .where('chapter.id', '=', id)
      .executeTakeFirst();
    if (!row || !mayEdit(res, row.ownerId)) return next(notFound());
    res.locals.chapter = row;
    next();
  };
}

export function loadLesson(db: Database) {
  return async (_req: Request, res: Response, next: NextFunction, id: string) => {
    if (!uuid.safeParse(id).success) return next(notFound());
    const row = await db
      .selectFrom('lesson')
      .innerJoin('chapter', 'chapter.id', 'lesson.chapterId')
      .innerJoin('course', 'course.id', 'chapter.courseId')
      .selectAll('lesson')
      .select(['course.id as courseId', 'course.userId as ownerId', 'course.title as courseTitle', 'chapter.title as chapterTitle'])
      .where('lesson.id', '=', id)
      .executeTakeFirst();
    if (!row || !mayEdit(res, row.ownerId)) return next(notFound());
    res.locals.lesson = row;
    next();
  };
}
