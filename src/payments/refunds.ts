import Stripe from 'stripe';
import { formatAmount } from '../lib/money.ts';
import { msg } from '../i18n/catalogue.ts';
import { translatorFor, type MessageValues } from '../i18n/translator.ts';
import { recordActivity, type AuditContext } from '../features/audit/activity.ts';
import { cancelOnRefund } from '../features/enrollments/service.ts';
import { notify, type Notice } from '../features/notifications/notify.ts';
import { PAYMENTS_UNAVAILABLE, type PaymentsDeps } from './checkout.ts';

/**
 * Refunds, in full or in part, by an admin. Stripe is asked first (with an idempotency key, so a
 * double submit refunds once); then, in one transaction, the payment records it.
 *
 * A full refund makes the transaction Refunded and cancels the enrollment. A part refund is usually a
 * goodwill gesture: the transaction stays Completed with `refunded = true` and the amount, and the
 * enrollment stays Active.
 *
 * Stripe then sends charge.refunded with the cumulative `amount_refunded`: events.ts takes the larger
 * of that and what is stored, so the same refund is never counted twice.
 *
 * `audit` (who, from where) goes on the refund's audit row and the enrollment's, written in the same
 * transaction as the refund; without it, the admin alone. The student's notification and its mail
 * are queued in that transaction too (notify); the outbox sends the mail after commit, so a mail
 * failure undoes nothing.
 *
 * Two requests for the same refund at once (a double submit, two admins confirming together) share
 * Stripe's idempotency key; the second finds the key in the payment's refund history once it has the
 * row lock, and records nothing (`duplicate`).
 */
/** What a refund would do, or why it cannot be made: the confirmation page and the refund itself ask the same. */
export type RefundCheck =
  | { ok: true; amount: number; left: number; alreadyRefunded: number; full: boolean; reason: string }
  | { ok: false; field: 'amount' | 'reason' | 'payment'; message: string; values?: MessageValues };

/**
 * Messages are English catalogue messages (msg) with their values, translated where shown; `money`
 * writes an amount for them (the reader's language: `translatorOf(res).money`).
 */
export function checkRefund(
  payment: { status: string; amount: number; refundAmount: number | null; currency: string },
  input: { amountCents?: number; reason: string },
  money: (cents: number, currency: string) => string = formatAmount,
): RefundCheck {
  if (payment.status === 'Refunded') return { ok: false, field: 'payment', message: msg('This payment has already been refunded in full.') };
  if (payment.status !== 'Completed') return { ok: false, field: 'payment', message: msg('Only a completed payment can be refunded.') };
  const reason = input.reason.trim();
  if (!reason) return { ok: false, field: 'reason', message: msg('A reason is required.') };
  const alreadyRefunded = payment.refundAmount ?? 0;
  const left = payment.amount - alreadyRefunded;
  const amount = input.amountCents ?? left;
  if (!Number.isInteger(amount) || amount <= 0) return { ok: false, field: 'amount', message: msg('The refund must be more than zero.') };
  if (amount > left) {
    return { ok: false, field: 'amount', message: msg('At most {amount} is left to refund.'), values: { amount: money(left, payment.currency) } };
  }
  return { ok: true, amount, left, alreadyRefunded, full: alreadyRefunded + amount >= payment.amount, reason };
}

/** A refund that was recorded: what the student is told (notification and queued mail, in the refund's transaction). */
export interface RecordedRefund {
  amount: number;
  currency: string;
  reason: string;
  /** The payment is refunded in full. */
  full: boolean;
  /** The enrollment was cancelled by it (a full refund, unless another completed payment pays for it). */
  enrollmentCancelled: boolean;
  student: { id: string; email: string; firstName: string; language: string | null };
  course: { title: string; slug: string };
}

export type RefundResult =
  | { ok: true; refund: RecordedRefund }
  /** The same refund was already recorded by a request that ran at the same time (a double submit, two admins). */
  | { ok: true; duplicate: true }
  | { ok: false; message: string; values?: MessageValues };

export async function refundTransaction(
  deps: PaymentsDeps,
  input: { transactionId: string; amountCents?: number; reason: string; adminId: string; audit?: AuditContext; money?: (cents: number, currency: string) => string },
): Promise<RefundResult> {
  const { db, stripe, config, logger } = deps;
  if (!input.reason.trim()) return { ok: false, message: msg('A reason is required.') };
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(input.transactionId)) {
    return { ok: false, message: msg('We could not find that payment.') };
  }

  const payment = await db.selectFrom('paymentTransaction').selectAll().where('id', '=', input.transactionId).executeTakeFirst();
  if (!payment) return { ok: false, message: msg('We could not find that payment.') };
  // Kept for accounting after its payer deleted their account (migration 20261201000000): there is
  // no student to notify or enrollment to cancel, and no one to send the money to but their card.
  if (!payment.enrollmentId) return { ok: false, message: msg('The payer deleted their account: refund this payment from the Stripe dashboard, where their card is.') };
  const enrollmentId = payment.enrollmentId;
  const check = checkRefund(payment, input, input.money);
  if (!check.ok) return { ok: false, message: check.message, values: check.values };
  const { amount, alreadyRefunded, reason } = check;
  // Stripe's idempotency key, also kept in the refund's history: the same refund asked twice at once
  // (a double submit, two admins confirming together) is recorded, notified and mailed once.
  const key = `refund-${payment.id}-${alreadyRefunded}-${amount}`;

  let stripeRefundId: string | undefined;
  if (stripe) {
    if (!payment.stripePaymentId) return { ok: false, message: msg('This payment has no Stripe payment to refund.') };
    try {
      const refund = await stripe.refunds.create(
        {
          payment_intent: payment.stripePaymentId,
          amount,
          reason: 'requested_by_customer',
          metadata: { transactionId: payment.id, adminId: input.adminId, reason: reason.slice(0, 500) },
        },
        // The same refund asked twice (a double submit) is one refund; the next part refund, made
        // after this one is recorded, has another key.
        { idempotencyKey: key },
      );
      stripeRefundId = refund.id;
    } catch (error) {
      // A refusal (already refunded, amount too large ...) is told to the admin; an outage is a 5xx.
      if (error instanceof Stripe.errors.StripeInvalidRequestError) {
        logger.warn({ err: error, transactionId: payment.id }, 'Stripe refused a refund');
        return { ok: false, message: msg('Stripe refused the refund: {error}'), values: { error: error.message } };
      }
      throw error;
    }
  } else if (config.isProduction) {
    return { ok: false, message: PAYMENTS_UNAVAILABLE };
  }
  // Without Stripe (a test checkout payment, outside production) there is nothing to call.

  return db.transaction().execute(async (tx): Promise<RefundResult> => {
    const row = await tx.selectFrom('paymentTransaction').selectAll().where('id', '=', payment.id).forUpdate().executeTakeFirstOrThrow();
    // The webhook may have recorded this very refund already: the larger cumulative amount wins.
    const total = Math.min(row.amount, Math.max(row.refundAmount ?? 0, alreadyRefunded + amount));
    const full = total >= row.amount;
    const history = Array.isArray((row.metadata as { refunds?: unknown } | null)?.refunds)
      ? ((row.metadata as { refunds: unknown[] }).refunds)
      : [];
    if (history.some((entry) => (entry as { key?: unknown } | null)?.key === key)) return { ok: true, duplicate: true };
    await tx
      .updateTable('paymentTransaction')
      .set({
        refunded: true,
        refundAmount: total,
        refundReason: reason,
        refundedAt: new Date(),
        status: full ? 'Refunded' : row.status,
        metadata: JSON.stringify({
          ...(row.metadata && typeof row.metadata === 'object' && !Array.isArray(row.metadata) ? row.metadata : {}),
          refunds: [...history, { key, amount, reason, adminId: input.adminId, stripeRefundId: stripeRefundId ?? null, at: new Date().toISOString() }],
        }),
      })
      .where('id', '=', row.id)
      .execute();
    const who = input.audit ?? { actorId: input.adminId, ipAddress: null, userAgent: null };
    await recordActivity(tx, who, {
      action: 'payment_refunded',
      entityType: 'payment_transaction',
      entityId: row.id,
      metadata: { amountCents: input.amountCents ?? 'rest', refunded: amount, reason },
    });
    const enrollmentCancelled = full ? await cancelOnRefund(tx, who, { enrollmentId, refundedTransactionId: row.id, reason }) : false;
    const about = await tx
      .selectFrom('enrollment as e')
      .innerJoin('user as u', 'u.id', 'e.userId')
      .innerJoin('course as c', 'c.id', 'e.courseId')
      .select(['u.id as userId', 'u.email', 'u.firstName', 'u.language', 'c.title', 'c.slug'])
      .where('e.id', '=', enrollmentId)
      .executeTakeFirstOrThrow();
    const refund: RecordedRefund = {
      amount,
      currency: row.currency,
      reason,
      full,
      enrollmentCancelled,
      student: { id: about.userId, email: about.email, firstName: about.firstName, language: about.language },
      course: { title: about.title, slug: about.slug },
    };
    // The student's notice and its mail commit with the refund (the outbox sends it after commit).
    await notify(tx, refundNotification(refund, config.baseUrl));
    return { ok: true, refund };
  });
}


/**
 * The student's notice (type AdminReply: the spec's NotificationType has no payment type, and a
 * refund is an admin's answer about the student's payment). Its mail is a receipt for money, so it
 * goes whatever the student chose for AdminReply mail (`mail: 'always'`): one notice, one mail.
 */
export function refundNotification(refund: RecordedRefund, baseUrl: string): Notice {
  // notify() writes the messages in the student's language; the amount is written in it here.
  const amount = translatorFor(refund.student.language).money(refund.amount, refund.currency);
  const cancelled = refund.enrollmentCancelled ? 'yes' : 'no';
  const url = refund.enrollmentCancelled ? `${baseUrl}/courses/${refund.course.slug}` : `${baseUrl}/learn/${refund.course.slug}`;
  return {
    userId: refund.student.id,
    type: 'AdminReply',
    title: msg('Refund of {amount} for "{course}"'),
    message: msg(
      'Reason: {reason} {cancelled, select, yes {Your enrollment was cancelled: you no longer have access to the course. You can enroll again from the course page at any time.} other {You keep your access to the course.}}',
    ),
    values: { amount, course: refund.course.title, reason: refund.reason, cancelled, url },
    link: '/account/payments',
    mail: 'always',
    mailSubject: msg('Your refund of {amount} for "{course}"'),
    mailText: msg(
      'We refunded {amount} of your payment for "{course}".\n\nThe money goes back to the card or account you paid with; your bank may take a few days to show it.\n\n{cancelled, select, yes {See the course page: {url}} other {Continue the course: {url}}}',
    ),
  };
}
