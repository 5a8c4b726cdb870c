import { Router, type Request, type Response } from 'express';
import type { Database } from '../../db/database.ts';
import { setFlash } from '../../http/flash.ts';
import { msg } from '../../i18n/catalogue.ts';
import { translatorOf } from '../../i18n/negotiate.ts';
import type { AuditContext } from '../audit/activity.ts';
import { syncCoursePrice, type PriceDeps } from '../../payments/prices.ts';
import { renderCoursePage, type Course } from './course-page.ts';
import { loadCourse } from './load.ts';
import { missingOf, publishWithContent } from './publish.ts';

/**
 * POST /teach/courses/:courseId/publish-all: the course with all its draft chapters and lessons, in
 * one step (publish.ts). Owner or admin (the course policy's loader); refused with 422, the checklist
 * and nothing changed when something else is missing. A published paid course gets its Stripe
 * Price after the commit (payments/prices.ts).
 */

export function publishRoutes(db: Database, a: (req: Request, res: Response) => AuditContext, prices: PriceDeps): Router {
  const router = Router();
  router.param('courseId', loadCourse(db));

  router.post('/courses/:courseId/publish-all', async (req, res) => {
    const course = res.locals.course as Course;
    const result = await publishWithContent(db, a(req, res), course.id);
    if (!result.ok) {
      return renderCoursePage(db, req, res, { statusError: msg('Nothing was published. {missing}'), statusErrorValues: { missing: missingOf(result.checklist, translatorOf(res)) }, checklist: result.checklist }, 422);
    }
    await syncCoursePrice(prices, course.id);
    const counts = { chapters: result.chapters, lessons: result.lessons };
    if (!result.changed) setFlash(req, 'success', msg('The course and all its chapters and lessons were already published.'));
    else if (result.chapters && result.lessons) {
      setFlash(
        req,
        'success',
        msg('Course published with {chapters, plural, one {# chapter} other {# chapters}} and {lessons, plural, one {# lesson} other {# lessons}} that were drafts: students can find it now.'),
        counts,
      );
    } else if (result.chapters) {
      setFlash(req, 'success', msg('Course published with {chapters, plural, one {# chapter} other {# chapters}} that were drafts: students can find it now.'), counts);
    } else if (result.lessons) {
      setFlash(req, 'success', msg('Course published with {lessons, plural, one {# lesson} other {# lessons}} that were drafts: students can find it now.'), counts);
    } else setFlash(req, 'success', msg('Course published: students can find it now.'));
    res.redirect(303, `/teach/courses/${course.id}`);
  });

  return router;
}
