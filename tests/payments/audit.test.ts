import { describe, expect, it } from 'vitest';
import { startCheckout } from '../../src/payments/checkout.ts';
import { handleStripeEvent } from '../../src/payments/events.ts';
import { refundTransaction } from '../../src/payments/refunds.ts';
import { useTestDatabase } from '../setup/database.ts';
import { createAdmin, createCourse, createUser } from '../setup/factories.ts';
import { chargeRefunded, completed, paymentsDeps, pendingPayment, requestBy } from './harness.ts';

/**
 * Payments change enrollments through the enrollments service: each change has its audit row, in
 * the event's (or the refund's) transaction. No person acts in a webhook: the row names the
 * enrollment's student, without an address, and says `via: 'stripe'`.
 */

describe('payments: enrollment audit rows', () => {
  const t = useTestDatabase();
  const auditOf = (id: string) => t.db.selectFrom('activityLog').selectAll().where('entityId', '=', id).orderBy('createdAt').orderBy('id').execute();
  const statusOf = async (id: string) => (await t.db.selectFrom('enrollment').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status;

  it('checkout: the Pending enrollment has one enrollment_created row from the student request; clicking again adds none', async () => {
    const user = await createUser(t.db);
    const course = await createCourse(t.db, { price: 3100 });
    const { enrollmentId } = await startCheckout(paymentsDeps(t.db), requestBy(user.id), { userId: user.id, courseId: course.id });
    await startCheckout(paymentsDeps(t.db), requestBy(user.id), { userId: user.id, courseId: course.id });
    const log = await auditOf(enrollmentId);
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ action: 'enrollment_created', userId: user.id, ipAddress: '203.0.113.7', userAgent: 'vitest' });
    expect(log[0]!.metadata).toMatchObject({ status: 'Pending', amount: 3100, courseId: course.id, studentId: user.id });
  });

  it('a completion activates with one row in the student name, via Stripe; its duplicate adds none', async () => {
    const p = await pendingPayment(t.db);
    const event = completed(p);
    expect(await handleStripeEvent(t.db, event as never)).toBe('applied');
    expect(await handleStripeEvent(t.db, event as never)).toBe('duplicate');
    // Another event completing the same payment (a retry with a new id): Active already, no row.
    expect(await handleStripeEvent(t.db, completed(p) as never)).toBe('applied');
    const log = await auditOf(p.enrollment.id);
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ action: 'enrollment_activated', userId: p.user.id, ipAddress: null, userAgent: null });
    expect(log[0]!.metadata).toMatchObject({ from: 'Pending', to: 'Active', transactionId: p.transaction.id, via: 'stripe' });
  });

  it('a refund before the completion: one enrollment_cancelled row, and the completion changes (and logs) nothing', async () => {
    const p = await pendingPayment(t.db);
    await handleStripeEvent(t.db, chargeRefunded(p, p.transaction.amount) as never);
    await handleStripeEvent(t.db, completed(p) as never);
    expect(await statusOf(p.enrollment.id)).toBe('Cancelled');
    const log = await auditOf(p.enrollment.id);
    expect(log.map((r) => r.action)).toEqual(['enrollment_cancelled']);
    expect(log[0]!.metadata).toMatchObject({ from: 'Pending', to: 'Cancelled', via: 'stripe', transactionId: p.transaction.id });
  });

  it('an admin refund in full cancels with a row naming the admin and the reason; Stripe confirming it adds none', async () => {
    const p = await pendingPayment(t.db);
    await handleStripeEvent(t.db, completed(p) as never);
    const admin = await createAdmin(t.db);
    const result = await refundTransaction(paymentsDeps(t.db), { transactionId: p.transaction.id, reason: 'Course withdrawn', adminId: admin.id, audit: requestBy(admin.id) });
    expect(result).toMatchObject({ ok: true, refund: { full: true, enrollmentCancelled: true } });
    await handleStripeEvent(t.db, chargeRefunded(p, p.transaction.amount) as never);
    expect(await statusOf(p.enrollment.id)).toBe('Cancelled');
    const log = await auditOf(p.enrollment.id);
    expect(log.map((r) => [r.action, r.userId])).toEqual([
      ['enrollment_activated', p.user.id],
      ['enrollment_cancelled', admin.id],
    ]);
    expect(log[1]).toMatchObject({ ipAddress: '203.0.113.7' });
    expect(log[1]!.metadata).toMatchObject({ from: 'Active', to: 'Cancelled', reason: 'Course withdrawn', transactionId: p.transaction.id });
  });

  it('a part refund keeps the enrollment Active and writes no enrollment row', async () => {
    const p = await pendingPayment(t.db, 2000);
    await handleStripeEvent(t.db, completed(p) as never);
    await handleStripeEvent(t.db, chargeRefunded(p, 500) as never);
    expect(await statusOf(p.enrollment.id)).toBe('Active');
    expect((await auditOf(p.enrollment.id)).map((r) => r.action)).toEqual(['enrollment_activated']);
  });
});
