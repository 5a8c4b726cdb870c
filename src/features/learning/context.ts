import type { NextFunction, Request, Response } from 'express';
import type { Database } from '../../db/database.ts';
import { notFound } from '../../http/errors.ts';
import { currentUser, type CurrentUser } from '../../http/guards.ts';

/**
 * Load-and-authorize for /learn/:slug: the course and the learner's enrollment into res.locals.
 * Allowed: an Active enrollment that is not banned (a Temporary ban whose date has passed counts as
 * lifted), in a Published or Archived course; or the course's teacher or an admin, who preview
 * everything. Everyone else: 404, as for a course that does not exist.
 */

export interface Learner {
  user: CurrentUser;
  course: { id: string; title: string; slug: string; userId: string; status: string };
  /** Undefined for a preview by the teacher or an admin. */
  enrollment?: { id: string; lastActivityAt: Date | null; certificateEarned: boolean; certificateRevoked: boolean };
  preview: boolean;
}

export function isBanned(e: { banned: boolean | null; banType: string | null; banUntil: Date | null }, now = Date.now()): boolean {
  if (e.banned !== true) return false;
  if (e.banType === 'Temporary') return e.banUntil !== null && new Date(e.banUntil).getTime() > now;
  return true;
}

export function loadLearner(db: Database) {
  return async (req: Request, res: Response, next: NextFunction) => {
    const user = currentUser(res)!;
    const slug = String(req.params.slug ?? '');
    if (slug.length > 100) return next(notFound());
    const row = await db
      .selectFrom('course as c')
      .leftJoin('enrollment as e', (join) => join.onRef('e.courseId', '=', 'c.id').on('e.userId', '=', user.id))
      .select([
        'c.id',
        'c.title',
        'c.slug',
        'c.userId',
        'c.status',
        'e.id as enrollmentId',
        'e.status as enrollmentStatus',
        'e.banned',
        'e.banType',
        'e.banUntil',
        'e.lastActivityAt',
        'e.certificateEarned',
        'e.certificateRevoked',
      ])
      .where('c.slug', '=', slug)
      .executeTakeFirst();
    if (!row) return next(notFound());
    const preview = row.userId === user.id || user.role === 'admin';
    const enrolled =
      row.enrollmentId !== null &&
      row.enrollmentStatus === 'Active' &&
      (row.status === 'Published' || row.status === 'Archived') &&
      !isBanned({ banned: row.banned, banType: row.banType, banUntil: row.banUntil });
    if (!preview && !enrolled) return next(notFound());
    const learner: Learner = {
      user,
      course: { id: row.id, title: row.title, slug: row.slug, userId: row.userId, status: row.status },
      preview: !enrolled,
      ...(enrolled
        ? { enrollment: { id: row.enrollmentId!, lastActivityAt: row.lastActivityAt, certificateEarned: !!row.certificateEarned, certificateRevoked: !!row.certificateRevoked } }
        : {}),
    };
    res.locals.learner = learner;
    next();
  };
}
