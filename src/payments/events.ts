import type { Selectable, Transaction } from 'kysely';
import type { Database } from '../db/database.ts';
import type { DB, PaymentTransaction } from '../db/types.ts';
import { systemAudit } from '../features/audit/activity.ts';
import { activateOnPayment, cancelOnRefund } from '../features/enrollments/service.ts';

/**
 * Stripe events -> payment_transaction and enrollment states. Used by the webhook (routes.ts) and by
 * the development test checkout, so both go through the same code.
 *
 * | event                                        | transaction                          | enrollment            |
 * |----------------------------------------------|--------------------------------------|-----------------------|
 * | checkout.session.completed (paid)            | Completed (unless already Refunded)  | Active                |
 * | checkout.session.completed (not yet paid)    | - (waits for async_payment_succeeded)| -                     |
 * | checkout.session.async_payment_succeeded     | Completed (unless already Refunded)  | Active                |
 * | checkout.session.expired                     | Cancelled, if still Pending          | - (may try again)     |
 * | checkout.session.async_payment_failed        | Failed, if still Pending             | -                     |
 * | payment_intent.payment_failed                | Failed, if still Pending             | -                     |
 * | charge.refunded (in full)                    | Refunded, refundAmount = amount      | Cancelled             |
 * | charge.refunded (in part)                    | refunded, refundAmount; status kept  | - (stays Active)      |
 *
 * Each event takes effect once: its id goes into stripe_event in the same transaction, and a second
 * delivery (a retry, a replay, or a parallel duplicate waiting on the primary key) is a no-op.
 * Order does not matter: a completion never undoes a refund, and a failure or an expiry never
 * undoes a completion; refund amounts are Stripe's cumulative `amount_refunded`, never added up.
 *
 * Enrollment states change through features/enrollments/service.ts, in this event's transaction.
 * No person acts in a webhook: the audit row names the enrollment's student, with `via: 'stripe'`.
 */

type Tx = Transaction<DB>;
export type EventResult = 'applied' | 'duplicate' | 'ignored';

/** The few fields of an event's object (a Checkout Session, a PaymentIntent or a Charge) that we read. */
export interface TestEventObject {
  id: string;
  object?: string;
  metadata?: Record<string, string> | null;
  /** Checkout Session and Charge: the PaymentIntent (an id, or the object when expanded). */
  payment_intent?: string | { id: string } | null;
  /** Checkout Session. */
  payment_status?: string;
  payment_method_types?: string[];
  /** Charge. */
  amount?: number;
  amount_refunded?: number;
  refunded?: boolean;
}

/** The minimal event shape handleStripeEvent reads; the test checkout builds these. */
export interface TestEvent {
  id: string;
  type:
    | 'checkout.session.completed'
    | 'checkout.session.async_payment_succeeded'
    | 'checkout.session.expired'
    | 'checkout.session.async_payment_failed'
    | 'payment_intent.payment_failed'
    | 'charge.refunded';
  data: { object: TestEventObject };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const idOf = (value: string | { id: string } | null | undefined): string | undefined =>
  typeof value === 'string' ? value : (value?.id ?? undefined);

const objectOf = (value: unknown): Record<string, unknown> =>
  value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};

/** An event whose shape was checked (event-shape.ts), from Stripe or from the test checkout. */
export interface IncomingEvent {
  id: string;
  type: string;
  data: { object: object };
}

export async function handleStripeEvent(db: Database, event: IncomingEvent): Promise<EventResult> {
  const object = event.data.object as unknown as TestEventObject;
  const type: string = event.type;
  return db.transaction().execute(async (tx) => {
    // A concurrent delivery of the same event waits here on the primary key until this commits.
    const inserted = await tx
      .insertInto('stripeEvent')
      .values({ id: event.id, type })
      .onConflict((oc) => oc.column('id').doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!inserted) return 'duplicate';

    switch (type) {
      case 'checkout.session.completed':
        // Delayed payment methods (bank debits) complete the session before the money arrives:
        // async_payment_succeeded or async_payment_failed follows.
        if (object.payment_status !== 'paid') return 'ignored';
        return completePayment(tx, object);
      case 'checkout.session.async_payment_succeeded':
        return completePayment(tx, object);
      case 'checkout.session.expired':
        return settleUnpaid(tx, object, 'Cancelled', false);
      case 'checkout.session.async_payment_failed':
        return settleUnpaid(tx, object, 'Failed', false);
      case 'payment_intent.payment_failed':
        return settleUnpaid(tx, object, 'Failed', true);
      case 'charge.refunded':
        return recordRefund(tx, object);
      default:
        // Recorded all the same, so that a retry of it is a duplicate.
        return 'ignored';
    }
  });
}

/** A payment transaction and the student whose enrollment it pays (the audit rows' actor). */
type TransactionRow = Selectable<PaymentTransaction> & { studentId: string; liveEnrollmentId: string };
type LookupColumn = 'id' | 'stripePaymentId' | 'stripeSessionId';

/** The first transaction found by these keys, in order, locked for the rest of the transaction. */
async function lockTransaction(tx: Tx, keys: Array<[LookupColumn, string | undefined]>): Promise<TransactionRow | undefined> {
  for (const [column, value] of keys) {
    if (!value) continue;
    // Metadata comes from outside: a value that is not a uuid must not become a cast error.
    if (column === 'id' && !UUID.test(value)) continue;
    const row = await tx
      .selectFrom('paymentTransaction')
      .innerJoin('enrollment', 'enrollment.id', 'paymentTransaction.enrollmentId')
      .selectAll('paymentTransaction')
      // Through the join: a payment found here has its enrollment (anonymised ones have none).
      .select(['enrollment.userId as studentId', 'enrollment.id as liveEnrollmentId'])
      .where(`paymentTransaction.${column}`, '=', value)
      .orderBy('paymentTransaction.createdAt', 'desc')
      .limit(1)
      // Only the payment: the enrollment is locked by the service when it changes it.
      .forUpdate('paymentTransaction')
      .executeTakeFirst();
    if (row) return row;
  }
  return undefined;
}

async function completePayment(tx: Tx, session: TestEventObject): Promise<EventResult> {
  const paymentIntentId = idOf(session.payment_intent);
  const row = await lockTransaction(tx, [
    ['id', session.metadata?.transactionId],
    ['stripeSessionId', session.id],
    ['stripePaymentId', paymentIntentId],
  ]);
  if (!row) return 'ignored';

  const fill = {
    stripePaymentId: row.stripePaymentId ?? paymentIntentId ?? null,
    stripeSessionId: row.stripeSessionId ?? session.id,
    paymentMethod: row.paymentMethod ?? session.payment_method_types?.[0] ?? 'card',
    metadata: JSON.stringify({ ...objectOf(row.metadata), ...(session.metadata ?? {}) }),
  };
  if (row.status === 'Refunded') {
    // A refund that arrived first stays: fill in what was missing, change no state.
    await tx.updateTable('paymentTransaction').set(fill).where('id', '=', row.id).execute();
    return 'applied';
  }
  // Pending, and also Failed or Cancelled: a completion after those still means the money arrived.
  await tx
    .updateTable('paymentTransaction')
    .set({
      ...fill,
      status: 'Completed',
      stripePaymentId: paymentIntentId ?? row.stripePaymentId,
      paymentMethod: session.payment_method_types?.[0] ?? row.paymentMethod ?? 'card',
    })
    .where('id', '=', row.id)
    .execute();
  await activateOnPayment(tx, systemAudit(row.studentId), { enrollmentId: row.liveEnrollmentId, transactionId: row.id, amount: row.amount, via: 'stripe' });
  return 'applied';
}

async function settleUnpaid(tx: Tx, object: TestEventObject, status: 'Failed' | 'Cancelled', isPaymentIntent: boolean): Promise<EventResult> {
  const row = await lockTransaction(tx, [
    ['id', object.metadata?.transactionId],
    ['stripeSessionId', isPaymentIntent ? undefined : object.id],
    ['stripePaymentId', isPaymentIntent ? object.id : idOf(object.payment_intent)],
  ]);
  if (!row) return 'ignored';
  // Only a transaction still waiting: a late failure or expiry never undoes a payment or a refund.
  // The enrollment stays Pending, so the student can try again.
  await tx.updateTable('paymentTransaction').set({ status }).where('id', '=', row.id).where('status', '=', 'Pending').execute();
  return 'applied';
}

async function recordRefund(tx: Tx, charge: TestEventObject): Promise<EventResult> {
  const paymentIntentId = idOf(charge.payment_intent);
  const row = await lockTransaction(tx, [
    ['stripePaymentId', paymentIntentId],
    ['id', charge.metadata?.transactionId],
  ]);
  const amountRefunded = charge.amount_refunded ?? 0;
  if (!row || amountRefunded <= 0) return 'ignored';

  const before = row.refundAmount ?? 0;
  // Stripe's amount_refunded is cumulative: the larger of the two is the truth, whichever came first
  // (our refund action or this webhook), so nothing is counted twice.
  const total = Math.max(before, Math.min(amountRefunded, row.amount));
  const full = charge.refunded === true || total >= row.amount;
  await tx
    .updateTable('paymentTransaction')
    .set({
      refunded: true,
      refundAmount: full ? row.amount : total,
      // A reason given by our refund action is kept; a refund made in Stripe's dashboard says so.
      refundReason: row.refundReason ?? 'Refunded in Stripe',
      refundedAt: total > before || !row.refundedAt ? new Date() : row.refundedAt,
      // A part refund keeps the status (Completed): the course was paid for, some money went back.
      status: full ? 'Refunded' : row.status,
      stripePaymentId: row.stripePaymentId ?? paymentIntentId ?? null,
    })
    .where('id', '=', row.id)
    .execute();
  if (full) await cancelOnRefund(tx, systemAudit(row.studentId), { enrollmentId: row.liveEnrollmentId, refundedTransactionId: row.id, via: 'stripe' });
  return 'applied';
}
