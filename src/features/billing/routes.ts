import { Router, type Request, type Response } from 'express';
import type { Database } from '../../db/database.ts';
import { setFlash } from '../../http/flash.ts';
import { fieldErrors, typedValues, type FieldErrors } from '../../http/forms.ts';
import { currentUser } from '../../http/guards.ts';
import { render } from '../../http/render.ts';
import { msg } from '../../i18n/catalogue.ts';
import { translatorOf } from '../../i18n/negotiate.ts';
import { BILLING_FIELDS, billingInput } from './schemas.ts';

/** /account/billing (one address per user, used to prefill Checkout) and /account/payments. */
export function billingRoutes({ db }: { db: Database }): Router {
  const router = Router();

  async function billingPage(_req: Request, res: Response, extras: { values?: Record<string, string>; errors?: FieldErrors } = {}, status = 200) {
    const user = currentUser(res)!;
    const saved = await db.selectFrom('billingAddress').selectAll().where('userId', '=', user.id).executeTakeFirst();
    const values =
      extras.values ??
      (saved
        ? Object.fromEntries(BILLING_FIELDS.map((f) => [f, saved[f] ?? '']))
        : { firstName: user.firstName, lastName: user.lastName ?? '', email: user.email });
    render(res, 'billing/address', { title: translatorOf(res).t('Billing address'), values, errors: extras.errors ?? {}, saved: !!saved }, status);
  }

  router.get('/billing', (req, res) => billingPage(req, res));

  router.post('/billing', async (req, res) => {
    const user = currentUser(res)!;
    const parsed = billingInput.safeParse(req.body);
    if (!parsed.success) return billingPage(req, res, { values: typedValues(req.body, BILLING_FIELDS), errors: fieldErrors(parsed.error) }, 422);
    await db
      .insertInto('billingAddress')
      .values({ ...parsed.data, userId: user.id })
      .onConflict((oc) => oc.column('userId').doUpdateSet(parsed.data))
      .execute();
    setFlash(req, 'success', msg('Billing address saved. It fills in the payment form next time.'));
    res.redirect(303, '/account/billing');
  });

  router.get('/payments', async (_req, res) => {
    const user = currentUser(res)!;
    const rows = await db
      .selectFrom('paymentTransaction as p')
      .innerJoin('enrollment as e', 'e.id', 'p.enrollmentId')
      .innerJoin('course as c', 'c.id', 'e.courseId')
      .select(['p.id', 'p.amount', 'p.currency', 'p.status', 'p.refunded', 'p.refundAmount', 'p.createdAt', 'p.paymentMethod', 'c.title', 'c.slug'])
      .where('e.userId', '=', user.id)
      .orderBy('p.createdAt', 'desc')
      .limit(200)
      .execute();
    const tr = translatorOf(res);
    render(res, 'billing/payments', {
      title: tr.t('Your payments'),
      payments: rows.map((p) => ({
        ...p,
        amountLabel: tr.money(p.amount, p.currency),
        refundLabel: p.refundAmount ? tr.money(p.refundAmount, p.currency) : '',
        dateLabel: tr.date(p.createdAt, user.timeZone),
      })),
    });
  });

  return router;
}
