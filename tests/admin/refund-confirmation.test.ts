import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { silentLogger, testConfig, useTestApp } from '../setup/app.ts';
import { expectWithinPageBudget } from '../setup/budget.ts';
import { createCourse, createEnrollment, createUser } from '../setup/factories.ts';
import { readOutbox, waitForMailTo } from '../setup/outbox.ts';
import { signedInAs } from '../setup/users.ts';

/** A refund asks first, then refunds once, notifies and mails the student. */
describe('admin refund confirmation', () => {
  const t = useTestApp();

  async function paid(amount = 2000) {
    const student = await createUser(t.db, { firstName: 'Rita' });
    const course = await createCourse(t.db, { title: `Watercolour Basics ${student.id.slice(0, 6)}`, price: amount });
    const enrollment = await createEnrollment(t.db, { userId: student.id, courseId: course.id, status: 'Active', amount });
    const transaction = await t.db
      .insertInto('paymentTransaction')
      .values({ enrollmentId: enrollment.id, amount, status: 'Completed', paymentMethod: 'card' })
      .returningAll()
      .executeTakeFirstOrThrow();
    return { student, course, enrollment, transaction };
  }
  const paymentOf = (id: string) => t.db.selectFrom('paymentTransaction').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const statusOf = async (id: string) => (await t.db.selectFrom('enrollment').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status;
  const notificationsOf = (userId: string) => t.db.selectFrom('notification').selectAll().where('userId', '=', userId).execute();

  it("the table's Refund leads to a confirmation page; without the confirmation nothing is refunded", async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    const p = await paid();
    const table = await admin.agent.get(`/admin/payments?course=${encodeURIComponent(p.course.title)}&sort=amount&dir=asc`).expect(200);
    expect(table.text).toContain(`action="/admin/payments/${p.transaction.id}/refund"`);
    expect(table.text).toMatch(/<form method="get" action="\/admin\/payments\/[^"]+\/refund">/);

    const back = `/admin/payments?course=Watercolour&sort=amount&dir=asc`;
    const page = await admin.agent.get(`/admin/payments/${p.transaction.id}/refund`).query({ amount: '', reason: 'Course cancelled by the teacher', back }).expect(200);
    expectWithinPageBudget(page);
    expect(page.text).toContain('Refund $20.00?');
    expect(page.text).toContain(p.student.email);
    expect(page.text).toContain(p.course.title);
    expect(page.text).toContain('Course cancelled by the teacher');
    expect(page.text).toContain('The student loses access to the course');
    expect(page.text).toMatch(/<button type="submit" class="button danger">Refund \$20\.00<\/button>/);
    expect(page.text).toContain('name="confirm" value="yes"');
    expect(page.text).toContain(`<a href="${back.replace(/&/g, '&amp;')}">Cancel</a>`);

    // A POST like the old one-click form (no confirm=yes) shows the same page and changes nothing.
    const unconfirmed = await admin.post(`/admin/payments/${p.transaction.id}/refund`, { amount: '', reason: 'Course cancelled by the teacher' }).expect(200);
    expect(unconfirmed.text).toContain('Refund $20.00?');
    expect(await paymentOf(p.transaction.id)).toMatchObject({ status: 'Completed', refunded: false });
    expect(await statusOf(p.enrollment.id)).toBe('Active');
    expect(await notificationsOf(p.student.id)).toEqual([]);

    // A back address elsewhere is not followed.
    const elsewhere = await admin.agent.get(`/admin/payments/${p.transaction.id}/refund`).query({ reason: 'x', back: 'https://evil.example/admin/payments' }).expect(200);
    expect(elsewhere.text).toContain('<a href="/admin/payments">Cancel</a>');
  });

  it('a part refund says the student keeps access', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    const p = await paid();
    const page = await admin.agent.get(`/admin/payments/${p.transaction.id}/refund`).query({ amount: '5', reason: 'Goodwill' }).expect(200);
    expect(page.text).toContain('Refund $5.00?');
    expect(page.text).toContain('the student keeps access to the course');
    expect(page.text).not.toContain('loses access');
  });

  it('bad input comes back as a 422 with the amount and reason as typed', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    const p = await paid();
    const badAmount = await admin.post(`/admin/payments/${p.transaction.id}/refund`, { amount: '12,345.6x', reason: 'Late videos' });
    expect(badAmount.status).toBe(422);
    expect(badAmount.text).toContain('Enter an amount like 9.99');
    expect(badAmount.text).toContain('value="12,345.6x"');
    expect(badAmount.text).toContain('value="Late videos"');
    const tooMuch = await admin.post(`/admin/payments/${p.transaction.id}/refund`, { amount: '25.00', reason: 'Too generous', confirm: 'yes' });
    expect(tooMuch.status).toBe(422);
    expect(tooMuch.text).toContain('At most $20.00 is left to refund.');
    expect(tooMuch.text).toContain('value="25.00"');
    expect(tooMuch.text).toContain('value="Too generous"');
    const noReason = await admin.post(`/admin/payments/${p.transaction.id}/refund`, { amount: '3', reason: '  ', confirm: 'yes' });
    expect(noReason.status).toBe(422);
    expect(noReason.text).toContain('A reason is required.');
    expect(noReason.text).toContain('value="3"');
    const tooLong = await admin.post(`/admin/payments/${p.transaction.id}/refund`, { amount: '3', reason: 'x'.repeat(501), confirm: 'yes' });
    expect(tooLong.status).toBe(422);
    expect(tooLong.text).toContain('Keep the reason under 500 characters.');
    expect(await paymentOf(p.transaction.id)).toMatchObject({ status: 'Completed', refunded: false });
    // A payment that does not exist, or an id that is not one.
    await admin.agent.get('/admin/payments/00000000-0000-4000-8000-000000000000/refund').expect(404);
    await admin.agent.get('/admin/payments/nope/refund').expect(404);
  });

  it('a confirmed full refund cancels the enrollment, notifies and mails the student, and goes back to the table', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    const p = await paid();
    const back = '/admin/payments?status=Completed&page=1';
    const done = await admin.post(`/admin/payments/${p.transaction.id}/refund`, { amount: '20.00', reason: 'Course withdrawn', confirm: 'yes', back }).expect(303);
    expect(done.headers.location).toBe(back);
    const table = await admin.agent.get(done.headers.location!).expect(200);
    expect(table.text).toContain(`Refunded $20.00 to ${p.student.email}`);

    expect(await paymentOf(p.transaction.id)).toMatchObject({ status: 'Refunded', refundAmount: 2000, refundReason: 'Course withdrawn' });
    expect(await statusOf(p.enrollment.id)).toBe('Cancelled');
    const [note, ...more] = await notificationsOf(p.student.id);
    expect(more).toEqual([]);
    expect(note).toMatchObject({ type: 'AdminReply', title: `Refund of $20.00 for "${p.course.title}"`, link: '/account/payments', read: false });
    expect(note!.message).toContain('Reason: Course withdrawn');
    expect(note!.message).toContain('you no longer have access to the course');

    const mail = await waitForMailTo(t.config.dataDir, p.student.email);
    expect(mail.subject).toBe(`Your refund of $20.00 for "${p.course.title}"`);
    expect(mail.text).toContain('Hello Rita,');
    expect(mail.text).toContain(`We refunded $20.00 of your payment for "${p.course.title}".`);
    expect(mail.text).toContain('Reason: Course withdrawn');
    expect(mail.text).toContain('Your enrollment was cancelled: you no longer have access to the course.');
    expect(mail.links).toContain(`http://edupeak.test/courses/${p.course.slug}`);

    // The notification shows in the student's inbox on the dashboard... and the table no longer offers a refund.
    expect((await admin.agent.get(back)).text).not.toContain(`/admin/payments/${p.transaction.id}/refund`);
    const again = await admin.agent.get(`/admin/payments/${p.transaction.id}/refund`).expect(200);
    expect(again.text).toContain('This payment has already been refunded in full.');
    expect(again.text).not.toContain('name="confirm"');
  });

  it('a part refund keeps access, and the mail says so', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    const p = await paid();
    await admin.post(`/admin/payments/${p.transaction.id}/refund`, { amount: '4.50', reason: 'Audio was poor', confirm: 'yes' }).expect(303);
    expect(await statusOf(p.enrollment.id)).toBe('Active');
    const mail = await waitForMailTo(t.config.dataDir, p.student.email);
    expect(mail.text).toContain('We refunded $4.50');
    expect(mail.text).toContain('You keep your access to the course.');
    expect((await notificationsOf(p.student.id))[0]!.message).toContain('You keep your access to the course.');
  });

  it('a mail that cannot be sent does not undo the refund', async () => {
    const failing = createApp({
      config: testConfig(),
      db: t.db,
      logger: silentLogger,
      mailer: { send: () => Promise.reject(new Error('SMTP is down')) },
    });
    const admin = await signedInAs(failing, t.db, 'admin');
    const p = await paid();
    await admin.post(`/admin/payments/${p.transaction.id}/refund`, { reason: 'Duplicate purchase', confirm: 'yes' }).expect(303);
    expect(await paymentOf(p.transaction.id)).toMatchObject({ status: 'Refunded', refundAmount: 2000 });
    expect(await statusOf(p.enrollment.id)).toBe('Cancelled');
    expect(await notificationsOf(p.student.id)).toHaveLength(1);
  });

  it('two admins confirming the same refund at once refund once', async () => {
    const [one, two] = await Promise.all([signedInAs(t.app, t.db, 'admin'), signedInAs(t.app, t.db, 'admin')]);
    const p = await paid();
    const form = { amount: '20.00', reason: 'Asked twice', confirm: 'yes' };
    const answers = await Promise.all([one.post(`/admin/payments/${p.transaction.id}/refund`, form), two.post(`/admin/payments/${p.transaction.id}/refund`, form)]);
    for (const answer of answers) expect([303, 422]).toContain(answer.status);
    expect(answers.filter((a) => a.status === 303).length).toBeGreaterThanOrEqual(1);

    const row = await paymentOf(p.transaction.id);
    expect(row).toMatchObject({ status: 'Refunded', refundAmount: 2000 });
    expect((row.metadata as { refunds: unknown[] }).refunds).toHaveLength(1);
    const audit = await t.db.selectFrom('activityLog').select('action').where('entityId', 'in', [p.transaction.id, p.enrollment.id]).execute();
    expect(audit.map((a) => a.action).sort()).toEqual(['enrollment_cancelled', 'payment_refunded']);
    expect(await notificationsOf(p.student.id)).toHaveLength(1);
    await waitForMailTo(t.config.dataDir, p.student.email);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect((await readOutbox(t.config.dataDir)).filter((m) => m.to.includes(p.student.email))).toHaveLength(1);
  });

  it('only admins reach the confirmation page', async () => {
    const p = await paid();
    const teacher = await signedInAs(t.app, t.db, 'teacher');
    await teacher.agent.get(`/admin/payments/${p.transaction.id}/refund`).expect(404);
    await teacher.post(`/admin/payments/${p.transaction.id}/refund`, { reason: 'x', confirm: 'yes' }).expect(404);
    await t.request().get(`/admin/payments/${p.transaction.id}/refund`).expect(303);
  });
});
