import { Router } from 'express';
import type { Database } from '../../db/database.ts';
import { currentUser } from '../../http/guards.ts';
import { startCsv, toCsv } from '../../http/csv.ts';
import { render } from '../../http/render.ts';
import { translatorOf } from '../../i18n/negotiate.ts';
import { progressInCourses } from './progress.ts';
import { activityCalendar, learningDays } from './streak.ts';
import { pointsHistoryPage, recentPoints } from '../leaderboard/points.ts';

/**
 * /dashboard (signed in): my courses with progress, last activity and a continue link; badges; the
 * last ten notifications (unread ones marked; each opens through /notifications/:id/open, which
 * marks it read) and a link to the whole inbox. Issue 19: the learning streak and a 12-week activity
 * calendar (streak.ts), the last ten points with a link to /dashboard/points (the whole history).
 */

export function dashboardRoutes({ db }: { db: Database }): Router {
  const router = Router();

  router.get('/', async (_req, res) => {
    const user = currentUser(res)!;
    const tr = translatorOf(res);
    const [enrollments, badges, notifications, me, learning, pointsRows] = await Promise.all([
      db
        .selectFrom('enrollment as e')
        .innerJoin('course as c', 'c.id', 'e.courseId')
        .select(['e.id', 'e.lastActivityAt', 'e.createdAt', 'e.certificateEarned', 'e.certificateRevoked', 'e.banned', 'c.id as courseId', 'c.title', 'c.slug'])
        .where('e.userId', '=', user.id)
        .where('e.status', '=', 'Active')
        .orderBy((eb) => eb.fn.coalesce('e.lastActivityAt', 'e.createdAt'), 'desc')
        .execute(),
      db
        .selectFrom('studentBadge as b')
        .innerJoin('enrollment as e', 'e.id', 'b.enrollmentId')
        .innerJoin('course as c', 'c.id', 'e.courseId')
        .select(['b.badgeType', 'b.earnedAt', 'c.title'])
        .where('e.userId', '=', user.id)
        .orderBy('b.earnedAt', 'desc')
        .limit(50)
        .execute(),
      db
        .selectFrom('notification')
        .select(['id', 'title', 'message', 'link', 'createdAt', 'read'])
        .where('userId', '=', user.id)
        .orderBy('createdAt', 'desc')
        .orderBy('id', 'desc')
        .limit(10)
        .execute(),
      db.selectFrom('user').select('points').where('id', '=', user.id).executeTakeFirstOrThrow(),
      // Issue 19: the streak and the calendar (one query), the last ten points (one query).
      learningDays(db, user.id, user.timeZone),
      recentPoints(db, tr, user.id, user.timeZone),
    ]);
    const progress = await progressInCourses(
      db,
      user.id,
      enrollments.map((e) => e.courseId),
    );
    render(res, 'learn/dashboard', {
      title: tr.t('Your dashboard'),
      courses: enrollments.map((e) => ({ ...e, progress: progress.get(e.courseId)! })),
      badges,
      notifications: notifications.map((n) => ({ ...n, dateLabel: tr.date(n.createdAt, user.timeZone) })),
      points: me.points,
      streak: { current: learning.current, longest: learning.longestInCalendar, activeToday: learning.activeToday },
      calendar: activityCalendar(learning, tr),
      pointsRows,
    });
  });

  // The whole points history, 30 a page (features/leaderboard/points.ts).
  router.get('/points', pointsHistoryPage(db));

  // The calendar's numbers as CSV: every day of its 12 weeks up to today, in the student's zone.
  router.get('/activity.csv', async (_req, res) => {
    const user = currentUser(res)!;
    const learning = await learningDays(db, user.id, user.timeZone);
    startCsv(res, `learning-${learning.today}.csv`);
    res.send(toCsv([['Day', 'Activities'], ...learning.days.map((d) => [d.date, d.count])]));
  });

  return router;
}
