import { Router } from 'express';
import { z } from 'zod';
import { auditOf } from '../../http/audit-context.ts';
import { notFound } from '../../http/errors.ts';
import { setFlash } from '../../http/flash.ts';
import { msg } from '../../i18n/catalogue.ts';
import { translatorOf } from '../../i18n/negotiate.ts';
import { currentUser } from '../../http/guards.ts';
import { isHtmx, render } from '../../http/render.ts';
import { startCheckout, type PaymentsDeps } from '../../payments/checkout.ts';
import { canManage } from '../access/course-policy.ts';
import { accessOf, courseBySlug } from '../access/load-course.ts';
import { enrollFree } from './service.ts';

/**
 * POST /courses/:slug/enroll (mounted behind requireVerified): a free course is Active at once; a
 * paid one goes to checkout. GET /checkout/success: the enrollment's state after paying, refreshed
 * by htmx until it is Active (a minute at most), with a link for browsers without JavaScript.
 * The enrollment's state is changed by service.ts only.
 */

export function enrollRoutes(deps: PaymentsDeps): Router {
  const { db } = deps;
  const router = Router({ mergeParams: true });

  // The course policy's loader: only a Published course can be joined (404 otherwise, as for none).
  router.use(courseBySlug(db, (access) => access.course.status === 'Published'));

  router.post('/', async (req, res) => {
    const user = currentUser(res)!;
    const { course, role } = accessOf(res);
    // The teacher (or an admin) never pays for a course they manage: they preview it instead.
    if (canManage(role)) {
      setFlash(req, 'info', role === 'owner' ? msg('This is your course: here it is as your students see it.') : msg('You manage this course: here is its preview.'));
      return res.redirect(303, `/learn/${course.slug}`);
    }
    if (role === 'student' || role === 'banned') {
      setFlash(req, 'info', msg('You are already enrolled in this course.'));
      return res.redirect(303, `/courses/${course.slug}`);
    }
    if (course.price > 0) {
      const { url } = await startCheckout(deps, auditOf(req, res), { userId: user.id, courseId: course.id, locale: translatorOf(res).locale });
      return res.redirect(303, url);
    }
    // Free: Active at once. A course ban stays in place (a banned student is refused).
    const enrolled = await enrollFree(db, auditOf(req, res), { userId: user.id, courseId: course.id });
    if (!enrolled.ok) {
      // not_free: the price was set between our two reads; the course page shows it now.
      setFlash(req, 'error', enrolled.reason === 'banned' ? msg('You cannot enroll in this course.') : msg('This course is no longer free: please look again.'));
      return res.redirect(303, `/courses/${course.slug}`);
    }
    setFlash(req, 'success', msg('You are enrolled in "{title}". Enjoy the course!'), { title: course.title });
    res.redirect(303, `/courses/${course.slug}`);
  });

  return router;
}

const successQuery = z.object({
  enrollment: z.uuid(),
  // How many times htmx has asked: it stops after a minute (30 times, every 2 s).
  n: z.coerce.number().int().min(0).max(1000).catch(0).default(0),
});
export const MAX_STATUS_CHECKS = 30;

export function checkoutSuccessRoutes(deps: PaymentsDeps): Router {
  const { db } = deps;
  const router = Router();

  router.get('/success', async (req, res) => {
    const user = currentUser(res)!;
    const q = successQuery.safeParse(req.query);
    if (!q.success) throw notFound();
    const enrollment = await db
      .selectFrom('enrollment as e')
      .innerJoin('course as c', 'c.id', 'e.courseId')
      .select(['e.id', 'e.status', 'c.title', 'c.slug'])
      .where('e.id', '=', q.data.enrollment)
      .where('e.userId', '=', user.id)
      .executeTakeFirst();
    if (!enrollment) throw notFound();
    const data = {
      title: enrollment.status === 'Active' ? translatorOf(res).t('You are enrolled') : translatorOf(res).t('Confirming your payment'),
      enrollment,
      next: q.data.n + 1,
      polling: enrollment.status === 'Pending' && q.data.n < MAX_STATUS_CHECKS,
      gaveUp: enrollment.status === 'Pending' && q.data.n >= MAX_STATUS_CHECKS,
    };
    render(res, isHtmx(req) ? 'enrollments/_checkout_status' : 'enrollments/checkout-success', data);
  });

  return router;
}
