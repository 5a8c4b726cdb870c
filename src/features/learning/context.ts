import type { NextFunction, Request, Response } from 'express';
import type { Database } from '../../db/database.ts';
import { currentUser, type CurrentUser } from '../../http/guards.ts';
import { canLearn, canManage } from '../access/course-policy.ts';
import { accessOf, courseBySlug } from '../access/load-course.ts';

/**
 * /learn/:slug: the course policy's loader (access/load-course.ts), allowing those who may learn
 * the course (canLearn) and those who manage it (a preview of everything); everyone else 404.
 * The learner is that access, shaped for the player.
 */

export interface Learner {
  user: CurrentUser;
  course: { id: string; title: string; slug: string; userId: string; status: string };
  /** Undefined for a preview by the teacher or an admin. */
  enrollment?: { id: string; lastActivityAt: Date | null; certificateEarned: boolean; certificateRevoked: boolean };
  preview: boolean;
}

export function loadLearner(db: Database) {
  const load = courseBySlug(db, (access) => canLearn(access.role, access.course) || canManage(access.role));
  return (req: Request, res: Response, next: NextFunction) =>
    load(req, res, (error?: unknown) => {
      if (error) return next(error);
      const { course, role, enrollment } = accessOf(res);
      const enrolled = canLearn(role, course) && enrollment !== undefined;
      const learner: Learner = {
        user: currentUser(res)!,
        course: { id: course.id, title: course.title, slug: course.slug, userId: course.userId, status: course.status },
        preview: !enrolled,
        ...(enrolled
          ? {
              enrollment: {
                id: enrollment.id,
                lastActivityAt: enrollment.lastActivityAt,
                certificateEarned: !!enrollment.certificateEarned,
                certificateRevoked: !!enrollment.certificateRevoked,
              },
            }
          : {}),
      };
      res.locals.learner = learner;
      next();
    });
}
