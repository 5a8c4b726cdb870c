import { Router } from 'express';
import type { Database } from '../../db/database.ts';
import { setFlash } from '../../http/flash.ts';
import { msg } from '../../i18n/catalogue.ts';
import { translatorOf } from '../../i18n/negotiate.ts';
import { fieldErrors, typedValues } from '../../http/forms.ts';
import { currentUser } from '../../http/guards.ts';
import { render } from '../../http/render.ts';
import { applicationInput } from './schemas.ts';

/** /teach/apply (signed in): apply to teach, see the application's state, resubmit after a rejection. */

const FIELDS = ['experience', 'subjects', 'sampleLink', 'motivation'] as const;

export function applyRoutes({ db }: { db: Database }): Router {
  const router = Router();

  const load = (userId: string) =>
    db.selectFrom('teacherApplication').selectAll().where('userId', '=', userId).executeTakeFirst();

  router.get('/', async (_req, res) => {
    const user = currentUser(res)!;
    const application = await load(user.id);
    const saved = (application?.applicationData ?? {}) as Record<string, string>;
    render(res, 'teach/apply', {
      title: translatorOf(res).t('Teach on Edupeak'),
      application,
      values: Object.fromEntries(FIELDS.map((f) => [f, saved[f] ?? ''])),
      errors: {},
    });
  });

  router.post('/', async (req, res) => {
    const user = currentUser(res)!;
    const application = await load(user.id);
    if (user.role !== 'student' || application?.status === 'Pending' || application?.status === 'Approved') {
      setFlash(req, 'info', user.role !== 'student' ? msg('You can already teach.') : msg('Your application is being reviewed.'));
      return res.redirect(303, '/teach/apply');
    }
    // Admins answer by mail too: an application needs an address that is known to work.
    if (!user.emailVerified) {
      return render(res, 'teach/apply', { title: translatorOf(res).t('Teach on Edupeak'), application, values: typedValues(req.body, FIELDS), errors: {} }, 403);
    }
    const parsed = applicationInput.safeParse(req.body);
    if (!parsed.success) {
      return render(res, 'teach/apply', { title: translatorOf(res).t('Teach on Edupeak'), application, values: typedValues(req.body, FIELDS), errors: fieldErrors(parsed.error) }, 422);
    }
    const applicationData = JSON.stringify(parsed.data);
    // One application per user: a rejected one is submitted again, as Pending, in the same row.
    await db
      .insertInto('teacherApplication')
      .values({ userId: user.id, applicationData })
      .onConflict((oc) =>
        oc
          .column('userId')
          .doUpdateSet({ applicationData, status: 'Pending', rejectionReason: null, reviewedBy: null, reviewedAt: null })
          .where('teacherApplication.status', '=', 'Rejected'),
      )
      .execute();
    setFlash(req, 'success', msg('Thank you! Your application was sent. An admin will review it soon.'));
    res.redirect(303, '/teach/apply');
  });

  return router;
}
