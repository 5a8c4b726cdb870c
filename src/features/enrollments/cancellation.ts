import type { Database } from '../../db/database.ts';

/**
 * Why and when a student's enrollment was cancelled, for the pages that tell them (the course page
 * and /learn/:slug): the enrollment's last change, and the last refund of its payments if there was
 * one. Read only: the enrollment's state belongs to service.ts.
 */
export interface Cancellation {
  cancelledAt: Date;
  /** The payment was refunded in full (what cancelled the enrollment); undefined for a cancellation by hand. */
  refund?: { amount: number; currency: string; refundedAt: Date; reason: string | null };
}

export async function cancellationOf(db: Database, enrollmentId: string): Promise<Cancellation | undefined> {
  const row = await db
    .selectFrom('enrollment as e')
    .leftJoin(
      (eb) =>
        eb
          .selectFrom('paymentTransaction')
          .select(['enrollmentId', 'refundAmount', 'currency', 'refundedAt', 'refundReason'])
          .select('status')
          .where('enrollmentId', '=', enrollmentId)
          // The enrollment's latest payment: a refund of an earlier one (before enrolling again) is not why.
          .orderBy('createdAt', 'desc')
          .limit(1)
          .as('p'),
      (join) => join.onRef('p.enrollmentId', '=', 'e.id'),
    )
    .select(['e.status', 'e.updatedAt', 'p.status as paymentStatus', 'p.refundAmount', 'p.currency', 'p.refundedAt', 'p.refundReason'])
    .where('e.id', '=', enrollmentId)
    .executeTakeFirst();
  if (!row || row.status !== 'Cancelled') return undefined;
  const refund =
    row.paymentStatus === 'Refunded' && row.refundedAt && row.refundAmount !== null
      ? { amount: row.refundAmount, currency: row.currency ?? 'usd', refundedAt: row.refundedAt, reason: row.refundReason }
      : undefined;
  // A refund cancels in the same transaction: its time is the cancellation's.
  return { cancelledAt: refund?.refundedAt ?? row.updatedAt, ...(refund ? { refund } : {}) };
}
