import { describe, expect, it } from 'vitest';
import { useTestApp } from '../setup/app.ts';
import { expectWithinPageBudget } from '../setup/budget.ts';
import { createCourse, createEnrollment, createUser } from '../setup/factories.ts';
import { countQueries } from '../setup/queries.ts';
import { signedInAs } from '../setup/users.ts';

describe('admin payments and enrollments tables', () => {
  const t = useTestApp();

  async function paid(title: string, amount: number, email?: string) {
    const user = await createUser(t.db, email ? { email } : {});
    const course = await createCourse(t.db, { title, price: amount });
    const enrollment = await createEnrollment(t.db, { userId: user.id, courseId: course.id, status: 'Active', amount });
    const transaction = await t.db
      .insertInto('paymentTransaction')
      .values({ enrollmentId: enrollment.id, amount, status: 'Completed', stripePaymentId: `pi_test_${enrollment.id}`, paymentMethod: 'card' })
      .returningAll()
      .executeTakeFirstOrThrow();
    return { user, course, enrollment, transaction };
  }

  it('filters by status, course, user and dates, sorts, and pages, in a fixed number of queries', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    await paid('Filter Alpha Course', 1000, 'alpha.buyer@example.test');
    await paid('Filter Beta Course', 3000, 'beta.buyer@example.test');
    const few = await countQueries(t.db, () => admin.agent.get('/admin/payments').expect(200));
    for (let i = 0; i < 25; i++) await paid(`Bulk Paid ${i}`, 500 + i);

    const many = await countQueries(t.db, () => admin.agent.get('/admin/payments').expect(200));
    expect(many.count).toBe(few.count);
    expectWithinPageBudget(many.result);
    expect(many.result.text).toMatch(/Page 1 of 2 \(27\)/);

    const byCourse = await admin.agent.get('/admin/payments?course=alpha').expect(200);
    expect(byCourse.text).toContain('Filter Alpha Course');
    expect(byCourse.text).not.toContain('Filter Beta Course');
    const byUser = await admin.agent.get('/admin/payments?user=BETA.buyer').expect(200);
    expect(byUser.text).toContain('Filter Beta Course');
    expect(byUser.text).not.toContain('Filter Alpha Course');
    const wildcard = await admin.agent.get('/admin/payments?course=%25').expect(200);
    expect(wildcard.text).toContain('0 in all');
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    expect((await admin.agent.get(`/admin/payments?from=${tomorrow}`)).text).toContain('0 in all');
    const today = new Date().toISOString().slice(0, 10);
    expect((await admin.agent.get(`/admin/payments?from=${today}&to=${today}&course=Filter`)).text).toContain('2 in all');
    const dearest = await admin.agent.get('/admin/payments?sort=amount&dir=desc').expect(200);
    expect(dearest.text.indexOf('Filter Beta Course')).toBeLessThan(dearest.text.indexOf('Filter Alpha Course'));
    const cheapest = await admin.agent.get('/admin/payments?sort=amount&dir=asc').expect(200);
    expect(cheapest.text).toContain('Bulk Paid 0');
    expect(cheapest.text).not.toContain('Filter Beta Course');
    expect((await admin.agent.get('/admin/payments?status=Refunded')).text).toContain('0 in all');
    await admin.agent.get('/admin/payments?sort=evil;drop&dir=sideways&page=abc&from=2026-99-99').expect(200);
  });

  it('refunds in part (enrollment stays) and then the rest (enrollment cancelled), with a reason', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    const { transaction, enrollment } = await paid('Refund Course', 2000);
    const noReason = await admin.post(`/admin/payments/${transaction.id}/refund`, { amount: '5.00', reason: '' });
    expect(noReason.status).toBe(422);
    expect(noReason.text).toContain('A reason is required.');
    const tooMuch = await admin.post(`/admin/payments/${transaction.id}/refund`, { amount: '25.00', reason: 'Too much' });
    expect(tooMuch.status).toBe(422);
    expect(tooMuch.text).toContain('is left to refund');

    await admin.post(`/admin/payments/${transaction.id}/refund`, { amount: '5.00', reason: 'Late video', confirm: 'yes' }).expect(303);
    let row = await t.db.selectFrom('paymentTransaction').selectAll().where('id', '=', transaction.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ refunded: true, refundAmount: 500, refundReason: 'Late video', status: 'Completed' });
    expect(row.refundedAt).not.toBeNull();
    expect((await t.db.selectFrom('enrollment').select('status').where('id', '=', enrollment.id).executeTakeFirstOrThrow()).status).toBe('Active');

    await admin.post(`/admin/payments/${transaction.id}/refund`, { amount: '', reason: 'Student left', confirm: 'yes' }).expect(303);
    row = await t.db.selectFrom('paymentTransaction').selectAll().where('id', '=', transaction.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ refunded: true, refundAmount: 2000, status: 'Refunded' });
    expect((await t.db.selectFrom('enrollment').select('status').where('id', '=', enrollment.id).executeTakeFirstOrThrow()).status).toBe('Cancelled');
    const audit = await t.db.selectFrom('activityLog').select(['action', 'userId']).where('entityId', '=', transaction.id).execute();
    expect(audit).toEqual([
      { action: 'payment_refunded', userId: admin.user.id },
      { action: 'payment_refunded', userId: admin.user.id },
    ]);
  });

  it('the enrollments table filters and cancels or reactivates in place', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    const { enrollment } = await paid('Enrollment Table Course', 1000, 'enrolled.person@example.test');
    const page = await admin.agent.get('/admin/enrollments?user=enrolled.person').expect(200);
    expectWithinPageBudget(page);
    expect(page.text).toContain('Enrollment Table Course');
    await admin.post(`/admin/enrollments/${enrollment.id}/status`, { status: 'Cancelled' }).expect(303);
    expect((await t.db.selectFrom('enrollment').select('status').where('id', '=', enrollment.id).executeTakeFirstOrThrow()).status).toBe('Cancelled');
    expect((await admin.agent.get('/admin/enrollments?status=Cancelled&course=Enrollment%20Table')).text).toContain('enrolled.person@example.test');
    await admin.post(`/admin/enrollments/${enrollment.id}/status`, { status: 'Active' }).expect(303);
    await admin.post(`/admin/enrollments/${enrollment.id}/status`, { status: 'Bogus' }).expect(404);
    await admin.agent.get('/admin/enrollments?sort=lastActivityAt&dir=asc').expect(200);
  });

  it('only admins see these tables', async () => {
    const teacher = await signedInAs(t.app, t.db, 'teacher');
    await teacher.agent.get('/admin/payments').expect(404);
    await teacher.agent.get('/admin/enrollments').expect(404);
    const { transaction } = await paid('Not Yours', 1000);
    await teacher.post(`/admin/payments/${transaction.id}/refund`, { reason: 'x' }).expect(404);
  });
});
