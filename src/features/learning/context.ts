import type { NextFunction, Request, Response } from 'express';
import type { Database } from '../../db/database.ts';
import { notFound } from '../../http/errors.ts';
import { currentUser, type CurrentUser } from '../../http/guards.ts';
import { render } from '../../http/render.ts';
import { translatorOf } from '../../i18n/negotiate.ts';
import { canLearn, canManage, isBanInForce, isCourseOut } from '../access/course-policy.ts';
import { accessOf, courseBySlug, type CourseAccess } from '../access/load-course.ts';
import { cancellationOf } from '../enrollments/cancellation.ts';

/**
 * /learn/:slug: the course policy's loader (access/load-course.ts), allowing those who may learn
 * the course (canLearn) and those who manage it (a preview of everything). A student who was
 * enrolled and no longer may learn (enrollment cancelled, or a ban in force) is told why on the
 * player and lesson pages, with 403: the course is no secret to them. Everyone else gets 404, the
 * same as for a course that does not exist.
 * The learner is that access, shaped for the player.
 */

/** A former or suspended student of a course that is out: they know the course, so they are told. */
const toldWhy = (access: CourseAccess): boolean =>
  isCourseOut(access.course.status) && (access.role === 'banned' || (access.role === 'visitor' && access.enrollment?.status === 'Cancelled'));

async function explainRefusal(db: Database, req: Request, res: Response, next: NextFunction, access: CourseAccess): Promise<void> {
  const { course, enrollment } = access;
  // A ban in force on a cancelled enrollment too: enrolling again is refused, so say that instead.
  const banned = access.role === 'banned' || (enrollment !== undefined && isBanInForce(enrollment));
  // The player and lesson pages (the links a student keeps) tell the story; anything else under
  // /learn (forms, downloads, htmx calls) answers as for anyone who may not learn there: 404.
  if ((req.method !== 'GET' && req.method !== 'HEAD') || !/^\/(lessons\/[^/]+\/?)?$/.test(req.path)) return next(notFound());
  const cancellation = banned ? undefined : await cancellationOf(db, enrollment!.id);
  const tr = translatorOf(res);
  render(
    res,
    'learn/refused',
    {
      title: banned ? tr.t('Suspended from this course') : tr.t('Enrollment cancelled'),
      course,
      banned,
      enrollment,
      cancellation,
      refundLabel: cancellation?.refund ? tr.money(cancellation.refund.amount, cancellation.refund.currency) : '',
    },
    403,
  );
}

export interface Learner {
  user: CurrentUser;
  course: { id: string; title: string; slug: string; userId: string; status: string };
  /** Undefined for a preview by the teacher or an admin. */
  enrollment?: { id: string; lastActivityAt: Date | null; certificateEarned: boolean; certificateRevoked: boolean };
  preview: boolean;
}

export function loadLearner(db: Database) {
  const load = courseBySlug(db, (access) => canLearn(access.role, access.course) || canManage(access.role) || toldWhy(access));
  return (req: Request, res: Response, next: NextFunction) =>
    load(req, res, (error?: unknown) => {
      if (error) return next(error);
      const access = accessOf(res);
      if (!canLearn(access.role, access.course) && !canManage(access.role)) return void explainRefusal(db, req, res, next, access).catch(next);
      const { course, role, enrollment } = access;
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
