import { Router, type Request, type Response } from 'express';
import { sql } from 'kysely';
import { z } from 'zod';
import { notFound } from '../../http/errors.ts';
import { setFlash } from '../../http/flash.ts';
import { render } from '../../http/render.ts';
import { tableQuery } from '../../http/table.ts';
import type { Database } from '../../db/database.ts';
import { countOf, defineAdminTable, serveAdminTable, type TablePage } from './table.ts';
import { msg } from '../../i18n/catalogue.ts';
import { translatorOf } from '../../i18n/negotiate.ts';
import { timeZoneOf } from '../../http/guards.ts';
import { containsPattern } from '../../lib/like.ts';
import { parsePrice } from '../../lib/money.ts';
import type { PaymentsDeps } from '../../payments/checkout.ts';
import { checkRefund, refundTransaction, type RefundCheck } from '../../payments/refunds.ts';
import { safeNext } from '../../http/forms.ts';
import { dateRange, dayBounds, textFilter } from './filters.ts';
import { auditOf } from '../../http/audit-context.ts';

/**
 * /admin/payments: every payment transaction, filtered by status, date range, course and user,
 * sorted and paged; a refund (in full or in part, with a reason) goes through Stripe's refund API.
 *
 * A refund is confirmed first: the row's form (or GET /admin/payments/:id/refund) shows what will be
 * refunded and what happens to the student's access; only the confirmation's POST (`confirm=yes`)
 * refunds. The student gets a notification and a mail, both queued in the refund's transaction (the
 * mail goes out after the commit, whatever their mail preferences: it is a receipt for money).
 */

const PATH = '/admin/payments';
/** Who paid, for a payment kept after its payer deleted their account. */
const DELETED_ACCOUNT = msg('Deleted account');
/** The course of a payment whose course was deleted since. */
const DELETED_COURSE = msg('Deleted course');
const PAYER_GONE = msg('The payer deleted their account: refund this payment from the Stripe dashboard, where their card is.');
const STATUSES = ['Pending', 'Completed', 'Failed', 'Refunded', 'Cancelled'] as const;
const query = tableQuery(['createdAt', 'amount', 'status'] as const, 'createdAt', {
  status: z.enum(STATUSES).optional().catch(undefined),
  course: textFilter,
  user: textFilter,
  ...dateRange,
});
const idParam = z.object({ id: z.uuid() });
const refundInput = z.object({
  amount: z.string().trim().max(12).optional().default('').catch(''),
  reason: z.string().trim().max(500, msg('Keep the reason under 500 characters.')).default(''),
  confirm: z.literal('yes').optional().catch(undefined),
  back: z.string().optional().catch(undefined),
});

/** Back to the payments table as it was (its filters, sort and page): a local /admin/payments address only. */
function tableAddress(back: unknown): string {
  const path = safeNext(back, '');
  return /^\/admin\/payments(\?|$)/.test(path) ? path : '/admin/payments';
}

type Query = z.infer<typeof query>;
type Row = Awaited<ReturnType<typeof selectRows>>[number];

function filtered(db: Database, q: Query, timeZone: string) {
  const { start, end } = dayBounds(q.from, q.to, timeZone);
  // Left joins: a payment whose payer deleted their account is kept, detached from its enrollment
  // (jobs/delete-accounts.ts), and accounting still needs to see it; its course is p.course_id.
  let base = db
    .selectFrom('paymentTransaction as p')
    .leftJoin('enrollment as e', 'e.id', 'p.enrollmentId')
    .leftJoin('course as c', (join) => join.on('c.id', '=', sql<string>`coalesce(e.course_id, p.course_id)`))
    .leftJoin('user as u', 'u.id', 'e.userId');
  if (q.status) base = base.where('p.status', '=', q.status);
  if (q.course) base = base.where('c.title', 'ilike', containsPattern(q.course));
  if (q.user) base = base.where(sql<string>`lower(u.email)`, 'like', containsPattern(q.user.toLowerCase()));
  if (start) base = base.where('p.createdAt', '>=', start);
  if (end) base = base.where('p.createdAt', '<', end);
  return base;
}

function selectRows(db: Database, q: Query, timeZone: string, window: { limit: number; offset: number }) {
  return filtered(db, q, timeZone)
    .select([
      'p.id',
      'p.amount',
      'p.currency',
      'p.status',
      'p.refunded',
      'p.refundAmount',
      'p.refundReason',
      'p.refundedAt',
      'p.paymentMethod',
      'p.stripePaymentId',
      'p.createdAt',
      'p.anonymisedAt',
      'c.title',
      'u.email',
      'u.firstName',
      'u.lastName',
    ])
    .orderBy(sql.ref(`p.${q.sort}`), q.dir)
    .orderBy('p.id')
    .limit(window.limit)
    .offset(window.offset)
    .execute();
}

/** The table (filters, sort, pages, CSV): src/features/admin/table.ts. */
function paymentsTable(db: Database) {
  return defineAdminTable<Query, Row>({
    path: PATH,
    query,
    count: (q, ctx) => countOf(filtered(db, q, ctx.timeZone)),
    rows: (q, ctx, window) => selectRows(db, q, ctx.timeZone, window),
    csv: {
      filename: 'payments.csv',
      columns: [
        [msg('id'), (r) => r.id],
        [msg('student'), (r) => (r.anonymisedAt ? DELETED_ACCOUNT : `${r.firstName ?? ''} ${r.lastName ?? ''}`.trim())],
        [msg('email'), (r) => r.email ?? ''],
        [msg('course'), (r) => r.title ?? ''],
        [msg('amount'), (r) => (r.amount / 100).toFixed(2)],
        [msg('currency'), (r) => r.currency.toUpperCase()],
        [msg('status'), (r) => r.status],
        [msg('refunded'), (r) => ((r.refundAmount ?? 0) / 100).toFixed(2)],
        [msg('refund reason'), (r) => r.refundReason ?? ''],
        [msg('refunded at'), (r) => (r.refundedAt ? new Date(r.refundedAt).toISOString() : '')],
        [msg('method'), (r) => r.paymentMethod ?? ''],
        [msg('stripe payment id'), (r) => r.stripePaymentId ?? ''],
        [msg('paid at'), (r) => new Date(r.createdAt).toISOString()],
      ],
    },
  });
}

export function paymentAdminRoutes(deps: PaymentsDeps): Router {
  const { db } = deps;
  const router = Router();
  const table = paymentsTable(db);

  /** What the filters kept after refunds (a line above the table): one query. */
  async function netOf(q: Query, timeZone: string): Promise<number> {
    const row = await filtered(db, q, timeZone)
      .select(sql<number>`coalesce(sum(p.amount - coalesce(p.refund_amount, 0)), 0)::int`.as('sum'))
      .executeTakeFirstOrThrow();
    return row.sum;
  }

  async function renderTable(res: Response, page: TablePage<Query, Row>) {
    const timeZone = timeZoneOf(res);
    const net = await netOf(page.filter, timeZone);
    const tr = translatorOf(res);
    render(res, 'admin/payments', {
      title: tr.t('Payments'),
      rows: page.rows.map((r) => ({
        ...r,
        email: r.anonymisedAt ? tr.t(DELETED_ACCOUNT) : r.email,
        title: r.title ?? tr.t(DELETED_COURSE),
        amountLabel: tr.money(r.amount, r.currency),
        leftLabel: ((r.amount - (r.refundAmount ?? 0)) / 100).toFixed(2),
        refundLabel: r.refundAmount ? tr.money(r.refundAmount, r.currency) : '',
        dateLabel: tr.date(r.createdAt, timeZone),
      })),
      netLabel: tr.money(net),
      filter: page.filter,
      statuses: STATUSES,
      pageInfo: page.pageInfo,
    });
  }

  // A refund's form leads to its confirmation page (below), never back here with an error: the
  // table has no refused form to draw.
  router.get('/', (req, res) => serveAdminTable(req, res, table, (page) => renderTable(res, page)));

  /** The payment, its student and course, for the confirmation page; undefined when there is none. */
  function paymentToRefund(id: string) {
    return db
      .selectFrom('paymentTransaction as p')
      .leftJoin('enrollment as e', 'e.id', 'p.enrollmentId')
      .leftJoin('course as c', (join) => join.on('c.id', '=', sql<string>`coalesce(e.course_id, p.course_id)`))
      .leftJoin('user as u', 'u.id', 'e.userId')
      .select((eb) => [
        'p.id',
        'p.anonymisedAt',
        'p.amount',
        'p.currency',
        'p.status',
        'p.refundAmount',
        'p.paymentMethod',
        'p.createdAt',
        'c.title',
        'u.email',
        'u.firstName',
        'u.lastName',
        // cancelOnRefund keeps the enrollment when another completed payment pays for it.
        eb
          .exists(
            eb
              .selectFrom('paymentTransaction as o')
              .select('o.id')
              .whereRef('o.enrollmentId', '=', 'p.enrollmentId')
              .whereRef('o.id', '<>', 'p.id')
              .where('o.status', '=', 'Completed'),
          )
          .as('otherPayment'),
      ])
      .where('p.id', '=', id)
      .executeTakeFirst();
  }

  /**
   * The confirmation page: what will be refunded and what follows, with a "Refund $x" button; or,
   * when the amount or reason will not do, the two fields again with the message (what was typed kept).
   */
  async function confirmationPage(req: Request, res: Response, id: string, entered: { amount: string; reason: string; back: string }, opts: { problem?: string; problemField?: 'amount' | 'reason'; showErrors: boolean }) {
    const payment = await paymentToRefund(id);
    if (!payment) throw notFound(msg('We could not find that payment.'));
    const tr = translatorOf(res);
    const amountCents = entered.amount ? parsePrice(entered.amount) : undefined;
    const check: RefundCheck = payment.anonymisedAt
      ? { ok: false, field: 'payment', message: PAYER_GONE }
      : entered.amount && amountCents === undefined
        ? ({ ok: false, field: 'amount', message: msg('Enter an amount like 9.99, or leave it empty to refund what is left.') } as const)
        : checkRefund(payment, { amountCents, reason: entered.reason }, tr.money);
    // Messages in the reader's language here (the view shows them as they are).
    const checkMessage = check.ok ? undefined : tr.t(check.message, 'values' in check ? check.values : undefined);
    const problem = opts.problem ?? checkMessage;
    const errors: Record<string, string> = {};
    if (opts.showErrors && !check.ok && check.field !== 'payment') errors[check.field] = checkMessage!;
    if (opts.problem && check.ok) errors[opts.problemField ?? 'amount'] = opts.problem;
    const ready = check.ok && !opts.problem;
    const left = payment.amount - (payment.refundAmount ?? 0);
    render(
      res,
      'admin/refund-confirm',
      {
        title: ready ? tr.t('Refund {amount}?', { amount: tr.money(check.amount, payment.currency) }) : tr.t('Refund a payment'),
        payment: {
          ...payment,
          email: payment.anonymisedAt ? '—' : payment.email,
          title: payment.title ?? tr.t(DELETED_COURSE),
          student: payment.anonymisedAt ? tr.t(DELETED_ACCOUNT) : [payment.firstName, payment.lastName].filter(Boolean).join(' '),
          amountLabel: tr.money(payment.amount, payment.currency),
          refundedLabel: payment.refundAmount ? tr.money(payment.refundAmount, payment.currency) : '',
          leftLabel: tr.money(left, payment.currency),
          leftValue: (left / 100).toFixed(2),
          dateLabel: tr.date(payment.createdAt, timeZoneOf(res)),
        },
        ready,
        closed: !check.ok && check.field === 'payment',
        refund: check.ok
          ? {
              amountLabel: tr.money(check.amount, payment.currency),
              amountValue: (check.amount / 100).toFixed(2),
              reason: check.reason,
              full: check.full,
              losesAccess: check.full && !payment.otherPayment,
            }
          : undefined,
        values: { amount: entered.amount, reason: entered.reason },
        errors,
        problem: opts.showErrors || check.ok || (!check.ok && check.field === 'payment') ? problem : undefined,
        back: entered.back,
      },
      opts.showErrors && problem ? 422 : 200,
    );
  }

  router.get('/:id/refund', async (req, res) => {
    const params = idParam.safeParse(req.params);
    if (!params.success) throw notFound();
    const input = refundInput.safeParse(req.query);
    const q = input.success ? input.data : { amount: '', reason: '', back: undefined };
    const entered = { amount: q.amount, reason: q.reason, back: tableAddress(q.back ?? req.get('referer')?.replace(/^https?:\/\/[^/]+/, '')) };
    // Opened from the table's form (a reason given): say what is wrong; opened bare: just the fields.
    return confirmationPage(req, res, params.data.id, entered, { showErrors: typeof req.query.reason === 'string' });
  });

  router.post('/:id/refund', async (req, res) => {
    const params = idParam.safeParse(req.params);
    if (!params.success) throw notFound();
    const parsed = refundInput.safeParse(req.body ?? {});
    const input = parsed.success ? parsed.data : { amount: String(req.body?.amount ?? '').slice(0, 12), reason: String(req.body?.reason ?? '').slice(0, 500), confirm: undefined, back: undefined };
    const entered = { amount: input.amount, reason: input.reason, back: tableAddress(input.back ?? req.get('referer')?.replace(/^https?:\/\/[^/]+/, '')) };
    if (!parsed.success) return confirmationPage(req, res, params.data.id, entered, { showErrors: true, problem: translatorOf(res).t('Keep the reason under 500 characters.'), problemField: 'reason' });
    // Without the confirmation page's `confirm=yes` (the table's own form, a replayed request), nothing is refunded yet.
    if (input.confirm !== 'yes') return confirmationPage(req, res, params.data.id, entered, { showErrors: true });
    const amountCents = input.amount ? parsePrice(input.amount) : undefined;
    if (input.amount && amountCents === undefined) return confirmationPage(req, res, params.data.id, entered, { showErrors: true });
    const audit = auditOf(req, res);
    const tr = translatorOf(res);
    const result = await refundTransaction(deps, { transactionId: params.data.id, amountCents, reason: input.reason, adminId: audit.actorId, audit, money: tr.money });
    if (!result.ok) return confirmationPage(req, res, params.data.id, entered, { showErrors: true, problem: tr.t(result.message, result.values) });
    if ('duplicate' in result) {
      setFlash(req, 'warning', msg('This refund had already been made (by another request at the same moment); nothing more was refunded.'));
      return res.redirect(303, entered.back);
    }
    const { refund } = result;
    // The amount is written in this admin's language now; the flash's message when it is shown.
    setFlash(req, 'success', msg('Refunded {amount} to {email}; they were notified by mail.'), { amount: tr.money(refund.amount, refund.currency), email: refund.student.email });
    res.redirect(303, entered.back);
  });

  return router;
}
