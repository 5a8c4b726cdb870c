import type { NextFunction, Request, Response } from 'express';
import type { Selectable } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../db/database.ts';
import type { Course } from '../../db/types.ts';
import { notFound } from '../../http/errors.ts';
import { currentUser, type CurrentUser } from '../../http/guards.ts';
import { courseRole, type CourseRole, type EnrollmentState } from './course-policy.ts';

/**
 * Load-and-authorize for every course-scoped router (Plausible's AuthorizeSiteAccess): the course,
 * the viewer's enrollment in it and their role, in one query; stored in `res.locals.access`, or a
 * 404 (the same as a course that does not exist) when `allow` says the viewer has no business there.
 */

export interface ViewerEnrollment extends EnrollmentState {
  banReason: string | null;
  lastActivityAt: Date | null;
  certificateEarned: boolean | null;
  certificateRevoked: boolean | null;
}

export interface CourseAccess {
  course: Selectable<Course>;
  role: CourseRole;
  enrollment?: ViewerEnrollment;
}

/** Stands in for "no user" in the enrollment join of a signed-out visitor: matches no row. */
export const NO_USER = '00000000-0000-0000-0000-000000000000';

/** The viewer's enrollment columns, selected beside a course's (`e` joined on the course and user). */
export const VIEWER_ENROLLMENT_COLUMNS = [
  'e.id as enrollmentId',
  'e.status as enrollmentStatus',
  'e.banned',
  'e.banType',
  'e.banUntil',
  'e.banReason',
  'e.lastActivityAt',
  'e.certificateEarned',
  'e.certificateRevoked',
] as const;

type ViewerEnrollmentColumns = {
  enrollmentId: string | null;
  enrollmentStatus: string | null;
  banned: boolean | null;
  banType: string | null;
  banUntil: Date | null;
  banReason: string | null;
  lastActivityAt: Date | null;
  certificateEarned: boolean | null;
  certificateRevoked: boolean | null;
};

/** Splits such a row into the course's own columns and the viewer's enrollment (none: undefined). */
export function splitViewerRow<R extends ViewerEnrollmentColumns>(row: R): { rest: Omit<R, keyof ViewerEnrollmentColumns>; enrollment?: ViewerEnrollment } {
  const { enrollmentId, enrollmentStatus, banned, banType, banUntil, banReason, lastActivityAt, certificateEarned, certificateRevoked, ...rest } = row;
  if (!enrollmentId) return { rest };
  return { rest, enrollment: { id: enrollmentId, status: enrollmentStatus!, banned, banType, banUntil, banReason, lastActivityAt, certificateEarned, certificateRevoked } };
}
const uuid = z.uuid();

/** The course (by id or slug), the user's enrollment and role; undefined when there is no such course. */
export async function findCourseAccess(db: Database, where: { id: string } | { slug: string }, user: CurrentUser | undefined): Promise<CourseAccess | undefined> {
  if ('id' in where ? !uuid.safeParse(where.id).success : where.slug.length > 100) return undefined;
  const row = await db
    .selectFrom('course as c')
    .leftJoin('enrollment as e', (join) => join.onRef('e.courseId', '=', 'c.id').on('e.userId', '=', user?.id ?? NO_USER))
    .selectAll('c')
    .select(VIEWER_ENROLLMENT_COLUMNS)
    .$if('id' in where, (q) => q.where('c.id', '=', (where as { id: string }).id))
    .$if('slug' in where, (q) => q.where('c.slug', '=', (where as { slug: string }).slug))
    .executeTakeFirst();
  if (!row) return undefined;
  const { rest: course, enrollment } = splitViewerRow(row);
  return { course, role: courseRole(user, course, enrollment), ...(enrollment ? { enrollment } : {}) };
}

export type AccessRule = (access: CourseAccess) => boolean;

/** Middleware for a router mounted under `:slug` (or another param naming the course's slug). */
export function courseBySlug(db: Database, allow: AccessRule, param = 'slug') {
  return async (req: Request, res: Response, next: NextFunction) => {
    const access = await findCourseAccess(db, { slug: String(req.params[param] ?? '') }, currentUser(res));
    if (!access || !allow(access)) return next(notFound());
    res.locals.access = access;
    next();
  };
}

/** `router.param('courseId', courseById(db, rule))`. */
export function courseById(db: Database, allow: AccessRule) {
  return async (_req: Request, res: Response, next: NextFunction, id: string) => {
    const access = await findCourseAccess(db, { id }, currentUser(res));
    if (!access || !allow(access)) return next(notFound());
    res.locals.access = access;
    next();
  };
}

export const accessOf = (res: Response): CourseAccess => res.locals.access as CourseAccess;
