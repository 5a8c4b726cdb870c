import { Router } from 'express';
import { setFlash } from '../../http/flash.ts';
import { fieldErrors, typedValues } from '../../http/forms.ts';
import { currentUser } from '../../http/guards.ts';
import { isHtmx, render } from '../../http/render.ts';
import { msg } from '../../i18n/catalogue.ts';
import { translatorOf } from '../../i18n/negotiate.ts';
import { COURSE_FIELDS, renderCoursePage, type Course } from './course-page.ts';
import { missingOf } from './publish.ts';
import { teacherCourses } from './queries.ts';
import { courseInput, courseStatusInput, LEVELS, titleInput } from './schemas.ts';
import { addChapter, createCourse, setCourseStatus, updateCourse } from './service.ts';
import { loadCourse } from './load.ts';
import { structureRoutes } from './structure-routes.ts';
import { publishRoutes } from './publish-routes.ts';
import { mediaUploadRoutes, type MediaDeps } from './media-upload-routes.ts';
import { attachmentRoutes } from './attachment-routes.ts';
import { captionRoutes } from '../video/caption-routes.ts';
import { teacherVideoRoutes } from '../video/teacher-video-routes.ts';
import { assessmentAuthoringRoutes } from '../assessments/authoring-routes.ts';
import { studentRoutes } from './students.ts';
import { auditOf } from '../../http/audit-context.ts';
import { gradingRoutes } from '../assessments/grading-routes.ts';
import type { Mailer } from '../../mail/mailer.ts';
import { teacherAnnouncementRoutes } from '../announcements/writer-routes.ts';
import { hostSupportCallRoutes } from '../support-calls/host-routes.ts';
import { courseAnalyticsRoutes } from '../analytics/course-routes.ts';
import type { Config } from '../../config.ts';
import type Stripe from 'stripe';
import { syncCoursePrice } from '../../payments/prices.ts';

/** /teach (teachers and admins): my courses, the course form, and the course's structure. */

export function teachRoutes(
  deps: MediaDeps & {
    mailer: Mailer;
    config: MediaDeps['config'] & Pick<Config, 'supportCallUrlTemplate'>;
    /** Publishing and price changes make the course's Stripe Price (payments/prices.ts); none: nothing to make. */
    stripe?: Stripe | undefined;
  },
): Router {
  const { db } = deps;
  const prices = { db, stripe: deps.stripe, logger: deps.logger };
  const router = Router();
  router.param('courseId', loadCourse(db));
  const a = auditOf;

  router.get('/', async (_req, res) => {
    const courses = await teacherCourses(db, currentUser(res)!.id);
    const tr = translatorOf(res);
    render(res, 'teach/index', {
      title: tr.t('Your courses'),
      courses: courses.map((c) => ({ ...c, priceLabel: tr.price(c.price), revenueLabel: tr.money(Number(c.revenue ?? 0)) })),
    });
  });

  router.get('/courses/new', (_req, res) => {
    render(res, 'teach/new-course', { title: translatorOf(res).t('New course'), levels: LEVELS, values: { level: 'Beginner', price: '0', duration: '60' }, errors: {} });
  });

  router.post('/courses/new', async (req, res) => {
    const values = typedValues(req.body, COURSE_FIELDS);
    const parsed = courseInput.safeParse(req.body);
    const result = parsed.success ? await createCourse(db, a(req, res), parsed.data) : { ok: false as const, errors: fieldErrors(parsed.error) };
    if (!result.ok) return render(res, 'teach/new-course', { title: translatorOf(res).t('New course'), levels: LEVELS, values, errors: result.errors }, 422);
    setFlash(req, 'success', msg('Course created as a draft. Add chapters and lessons, then publish it.'));
    res.redirect(303, `/teach/courses/${result.id}`);
  });

  router.get('/courses/:courseId', (req, res) => renderCoursePage(db, req, res));

  router.post('/courses/:courseId', async (req, res) => {
    const course = res.locals.course as Course;
    const values = typedValues(req.body, COURSE_FIELDS);
    const parsed = courseInput.safeParse(req.body);
    const result = parsed.success ? await updateCourse(db, a(req, res), course.id, parsed.data) : { ok: false as const, errors: fieldErrors(parsed.error) };
    if (!result.ok) return renderCoursePage(db, req, res, { values, errors: result.errors }, 422);
    // After the commit, outside it: a new price (or title) for Stripe; a failure leaves it to checkout.
    await syncCoursePrice(prices, course.id, { title: course.title, price: course.price });
    setFlash(req, 'success', msg('Course saved.'));
    res.redirect(303, `/teach/courses/${course.id}`);
  });

  router.post('/courses/:courseId/publish', async (req, res) => {
    const course = res.locals.course as Course;
    const parsed = courseStatusInput.safeParse(req.body);
    if (!parsed.success) return renderCoursePage(db, req, res, { statusError: msg('Choose Published, Draft or Archived.') }, 422);
    const result = await setCourseStatus(db, a(req, res), course.id, parsed.data.status);
    if (!result.ok) {
      return renderCoursePage(db, req, res, { statusError: msg('Not published yet. {missing}'), statusErrorValues: { missing: missingOf(result.checklist, translatorOf(res)) }, checklist: result.checklist }, 422);
    }
    if (parsed.data.status === 'Published') await syncCoursePrice(prices, course.id);
    const said = {
      Published: msg('Course published: students can find it now.'),
      Draft: msg('Course back to draft: only you can see it.'),
      Archived: msg('Course archived: it left the catalog; enrolled students keep their access.'),
    };
    setFlash(req, 'success', said[parsed.data.status]);
    res.redirect(303, `/teach/courses/${course.id}`);
  });

  router.post('/courses/:courseId/chapters', async (req, res) => {
    const course = res.locals.course as Course;
    const parsed = titleInput.safeParse(req.body);
    if (!parsed.success) {
      return renderCoursePage(db, req, res, { structureError: { target: 'new-chapter', message: fieldErrors(parsed.error).title ?? msg('Enter a title.') } }, 422);
    }
    const id = await addChapter(db, a(req, res), course.id, parsed.data.title);
    if (isHtmx(req)) return renderCoursePage(db, req, res);
    res.redirect(303, `/teach/courses/${course.id}#chapter-${id}`);
  });

  router.use(structureRoutes(deps, a));
  router.use(publishRoutes(db, a, prices));
  router.use(mediaUploadRoutes(deps, a));
  router.use(teacherVideoRoutes(deps), captionRoutes(deps));
  router.use(attachmentRoutes(deps, a));
  router.use(assessmentAuthoringRoutes(deps, a));
  router.use(gradingRoutes({ db }));
  router.use(teacherAnnouncementRoutes(deps));
  router.use(hostSupportCallRoutes(deps));
  router.use(courseAnalyticsRoutes(deps));
  router.use(studentRoutes({ db, certificates: { db, storage: deps.storage, baseUrl: deps.config.baseUrl, logger: deps.logger } }));
  return router;
}
