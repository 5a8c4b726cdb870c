import { Router, type Request, type Response } from 'express';
import { sql } from 'kysely';
import { z } from 'zod';
import { notFound } from '../../http/errors.ts';
import { setFlash } from '../../http/flash.ts';
import { backTo } from '../../http/forms.ts';
import { render } from '../../http/render.ts';
import { pageInfo, PER_PAGE, tableQuery } from '../../http/table.ts';
import { formatDate } from '../../lib/dates.ts';
import { containsPattern } from '../../lib/like.ts';
import { formatAmount, parsePrice } from '../../lib/money.ts';
import type { PaymentsDeps } from '../../payments/checkout.ts';
import { refundTransaction } from '../../payments/refunds.ts';
import { dateRange, dayBounds, textFilter } from './filters.ts';
import { auditOf } from '../../http/audit-context.ts';

/**
 * /admin/payments: every payment transaction, filtered by status, date range, course and user,
 * sorted and paged; a refund (in full or in part, with a reason) goes through Stripe's refund API.
 */

const STATUSES = ['Pending', 'Completed', 'Failed', 'Refunded', 'Cancelled'] as const;
const query = tableQuery(['createdAt', 'amount', 'status'] as const, 'createdAt', {
  status: z.enum(STATUSES).optional().catch(undefined),
  course: textFilter,
  user: textFilter,
  ...dateRange,
});
const idParam = z.object({ id: z.uuid() });
const refundInput = z.object({
  amount: z.string().trim().max(12).optional().default(''),
  reason: z.string().trim().max(500).default(''),
});

export function paymentAdminRoutes(deps: PaymentsDeps): Router {
  const { db } = deps;
  const router = Router();

  async function tablePage(req: Request, res: Response, problem?: { id: string; message: string }, status = 200) {
    const q = query.parse(req.query);
    const { start, end } = dayBounds(q.from, q.to);
    let base = db
      .selectFrom('paymentTransaction as p')
      .innerJoin('enrollment as e', 'e.id', 'p.enrollmentId')
      .innerJoin('course as c', 'c.id', 'e.courseId')
      .innerJoin('user as u', 'u.id', 'e.userId');
    if (q.status) base = base.where('p.status', '=', q.status);
    if (q.course) base = base.where('c.title', 'ilike', containsPattern(q.course));
    if (q.user) base = base.where(sql<string>`lower(u.email)`, 'like', containsPattern(q.user.toLowerCase()));
    if (start) base = base.where('p.createdAt', '>=', start);
    if (end) base = base.where('p.createdAt', '<', end);
    const [{ total, sum }, rows] = await Promise.all([
      base.select([sql<number>`count(*)::int`.as('total'), sql<number>`coalesce(sum(p.amount - coalesce(p.refund_amount, 0)), 0)::int`.as('sum')]).executeTakeFirstOrThrow(),
      base
        .select([
          'p.id',
          'p.amount',
          'p.currency',
          'p.status',
          'p.refunded',
          'p.refundAmount',
          'p.refundReason',
          'p.paymentMethod',
          'p.stripePaymentId',
          'p.createdAt',
          'c.title',
          'u.email',
        ])
        .orderBy(`p.${q.sort}`, q.dir)
        .orderBy('p.id')
        .limit(PER_PAGE)
        .offset((q.page - 1) * PER_PAGE)
        .execute(),
    ]);
    render(
      res,
      'admin/payments',
      {
        title: 'Payments',
        rows: rows.map((r) => ({
          ...r,
          amountLabel: formatAmount(r.amount, r.currency),
          leftLabel: ((r.amount - (r.refundAmount ?? 0)) / 100).toFixed(2),
          refundLabel: r.refundAmount ? formatAmount(r.refundAmount, r.currency) : '',
          dateLabel: formatDate(r.createdAt),
        })),
        netLabel: formatAmount(sum),
        filter: q,
        statuses: STATUSES,
        problem,
        pageInfo: pageInfo('/admin/payments', q, total),
      },
      status,
    );
  }

  router.get('/', (req, res) => tablePage(req, res));

  router.post('/:id/refund', async (req, res) => {
    const params = idParam.safeParse(req.params);
    if (!params.success) throw notFound();
    const input = refundInput.parse(req.body ?? {});
    const amountCents = input.amount ? parsePrice(input.amount) : undefined;
    if (input.amount && amountCents === undefined) {
      return tablePage(req, res, { id: params.data.id, message: 'Enter an amount like 9.99, or leave it empty to refund what is left.' }, 422);
    }
    const audit = auditOf(req, res);
    const result = await refundTransaction(deps, { transactionId: params.data.id, amountCents, reason: input.reason, adminId: audit.actorId, audit });
    if (!result.ok) return tablePage(req, res, { id: params.data.id, message: result.message }, 422);
    setFlash(req, 'success', 'Refund made.');
    res.redirect(303, backTo(req.get('referer'), '/admin/payments', '/admin/payments'));
  });

  return router;
}
