import Stripe from 'stripe';
import { formatAmount } from '../lib/money.ts';
import { recordActivity, type AuditContext } from '../features/audit/activity.ts';
import { cancelOnRefund } from '../features/enrollments/service.ts';
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
 * transaction as the refund; without it, the admin alone.
 */
export async function refundTransaction(
  deps: PaymentsDeps,
  input: { transactionId: string; amountCents?: number; reason: string; adminId: string; audit?: AuditContext },
): Promise<{ ok: true } | { ok: false; message: string }> {
  const { db, stripe, config, logger } = deps;
  const reason = input.reason.trim();
  if (!reason) return { ok: false, message: 'A reason is required.' };
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(input.transactionId)) {
    return { ok: false, message: 'We could not find that payment.' };
  }

  const payment = await db.selectFrom('paymentTransaction').selectAll().where('id', '=', input.transactionId).executeTakeFirst();
  if (!payment) return { ok: false, message: 'We could not find that payment.' };
  if (payment.status === 'Refunded') return { ok: false, message: 'This payment has already been refunded in full.' };
  if (payment.status !== 'Completed') return { ok: false, message: 'Only a completed payment can be refunded.' };

  const alreadyRefunded = payment.refundAmount ?? 0;
  const left = payment.amount - alreadyRefunded;
  const amount = input.amountCents ?? left;
  if (!Number.isInteger(amount) || amount <= 0) return { ok: false, message: 'The refund must be more than zero.' };
  if (amount > left) {
    return { ok: false, message: `At most ${formatAmount(left, payment.currency)} is left to refund.` };
  }

  let stripeRefundId: string | undefined;
  if (stripe) {
    if (!payment.stripePaymentId) return { ok: false, message: 'This payment has no Stripe payment to refund.' };
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
        { idempotencyKey: `refund-${payment.id}-${alreadyRefunded}-${amount}` },
      );
      stripeRefundId = refund.id;
    } catch (error) {
      // A refusal (already refunded, amount too large ...) is told to the admin; an outage is a 5xx.
      if (error instanceof Stripe.errors.StripeInvalidRequestError) {
        logger.warn({ err: error, transactionId: payment.id }, 'Stripe refused a refund');
        return { ok: false, message: `Stripe refused the refund: ${error.message}` };
      }
      throw error;
    }
  } else if (config.isProduction) {
    return { ok: false, message: PAYMENTS_UNAVAILABLE };
  }
  // Without Stripe (a test checkout payment, outside production) there is nothing to call.

  await db.transaction().execute(async (tx) => {
    const row = await tx.selectFrom('paymentTransaction').selectAll().where('id', '=', payment.id).forUpdate().executeTakeFirstOrThrow();
    // The webhook may have recorded this very refund already: the larger cumulative amount wins.
    const total = Math.min(row.amount, Math.max(row.refundAmount ?? 0, alreadyRefunded + amount));
    const full = total >= row.amount;
    const history = Array.isArray((row.metadata as { refunds?: unknown } | null)?.refunds)
      ? ((row.metadata as { refunds: unknown[] }).refunds)
      : [];
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
          refunds: [...history, { amount, reason, adminId: input.adminId, stripeRefundId: stripeRefundId ?? null, at: new Date().toISOString() }],
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
    if (full) await cancelOnRefund(tx, who, { enrollmentId: row.enrollmentId, refundedTransactionId: row.id, reason });
  });
  return { ok: true };
}
