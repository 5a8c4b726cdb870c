import { describe, expect, it } from 'vitest';
import { useTestApp } from '../setup/app.ts';
import { createCourse, createEnrollment, createUser } from '../setup/factories.ts';
import { signedInAs } from '../setup/users.ts';

/** /admin/payments on the admin table: its count and CSV link, and the CSV of every filtered row. */

describe('admin payments: the table as CSV', () => {
  const t = useTestApp();

  async function paid(courseId: string, amount: number, user: { firstName?: string; email?: string } = {}) {
    const student = await createUser(t.db, user);
    const enrollment = await createEnrollment(t.db, { userId: student.id, courseId, status: 'Active', amount });
    return t.db
      .insertInto('paymentTransaction')
      .values({ enrollmentId: enrollment.id, amount, status: 'Completed', stripePaymentId: `pi_csv_${enrollment.id}`, paymentMethod: 'card' })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  it('every payment the filters select (not only the page), plain columns, a formula neutralised; the page links it with its filters', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    const course = await createCourse(t.db, { title: 'Ledger Course', price: 2000 });
    const other = await createCourse(t.db, { title: 'Other Ledger', price: 900 });
    for (let i = 0; i < 21; i++) await paid(course.id, 2000, { email: `ledger-${i}@example.test` });
    const evil = await paid(course.id, 2000, { firstName: '=1+2', email: 'ledger-evil@example.test' });
    await t.db.updateTable('paymentTransaction').set({ refunded: true, refundAmount: 550, refundReason: '@SUM(A1) late', refundedAt: new Date('2026-11-20T10:00:00Z') }).where('id', '=', evil.id).execute();
    await paid(other.id, 900, { email: 'elsewhere@example.test' });

    const page = await admin.agent.get('/admin/payments?course=Ledger+Course&sort=amount&dir=asc').expect(200);
    expect(page.text).toContain('22 payments');
    expect(page.text).toContain('href="/admin/payments?sort=amount&amp;dir=asc&amp;course=Ledger+Course&amp;format=csv"');
    expect(page.text.match(/<tr id="payment-/g)).toHaveLength(20);

    const csv = await admin.agent.get('/admin/payments?course=Ledger+Course&sort=amount&dir=asc&format=csv').expect(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.headers['content-disposition']).toBe('attachment; filename="payments.csv"');
    const lines = csv.text.trim().split('\n');
    expect(lines[0]).toBe('id,student,email,course,amount,currency,status,refunded,refund reason,refunded at,method,stripe payment id,paid at');
    expect(lines).toHaveLength(23);
    expect(csv.text).not.toContain('elsewhere@example.test');
    expect(lines.filter((l) => l.includes(',Ledger Course,20.00,USD,Completed,'))).toHaveLength(22);
    const row = lines.find((l) => l.startsWith(evil.id))!;
    expect(row).toContain(`"'=1+2`);
    expect(row).toContain(`,5.50,"'@SUM(A1) late",2026-11-20T10:00:00.000Z,card,pi_csv_`);
    expect(row).toMatch(/,\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);

    // A bad filter value falls back, as on the page.
    const odd = await admin.agent.get('/admin/payments?status=Nope&sort=evil&format=csv').expect(200);
    expect(odd.text.trim().split('\n').length).toBeGreaterThanOrEqual(24);
  });

  it('a student or a teacher gets 404 for the CSV too', async () => {
    for (const role of ['student', 'teacher'] as const) {
      const who = await signedInAs(t.app, t.db, role);
      await who.agent.get('/admin/payments?format=csv').expect(404);
    }
  });
});
