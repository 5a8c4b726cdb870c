import { describe, expect, it } from 'vitest';
import { useTestApp } from '../setup/app.ts';
import { expectWithinPageBudget } from '../setup/budget.ts';
import { createCourse, createEnrollment } from '../setup/factories.ts';
import { csrfTokenOf } from '../setup/login.ts';
import { signedInAs } from '../setup/users.ts';

describe('enrollment', () => {
  const t = useTestApp();

  it('a free course is Active at once; enrolling again says so', async () => {
    const course = await createCourse(t.db, { price: 0 });
    const student = await signedInAs(t.app, t.db, 'student');
    const res = await student.post(`/courses/${course.slug}/enroll`);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/courses/${course.slug}`);
    const enrollment = await t.db.selectFrom('enrollment').selectAll().where('userId', '=', student.user.id).executeTakeFirstOrThrow();
    expect(enrollment).toMatchObject({ courseId: course.id, status: 'Active', amount: 0 });
    const page = await student.agent.get(`/courses/${course.slug}`).expect(200);
    expect(page.text).toContain('You are enrolled');
    expect(page.text).toContain(`href="/learn/${course.slug}"`);
    await student.post(`/courses/${course.slug}/enroll`).expect(303);
    expect(await t.db.selectFrom('enrollment').select('id').where('userId', '=', student.user.id).execute()).toHaveLength(1);
  });

  it('a free enrollment writes one enrollment_created row from the request (who, address, browser); enrolling again, none', async () => {
    const course = await createCourse(t.db, { price: 0 });
    const student = await signedInAs(t.app, t.db, 'student');
    await student.post(`/courses/${course.slug}/enroll`).expect(303);
    await student.post(`/courses/${course.slug}/enroll`).expect(303);
    const enrollment = await t.db.selectFrom('enrollment').select('id').where('userId', '=', student.user.id).executeTakeFirstOrThrow();
    const log = await t.db.selectFrom('activityLog').selectAll().where('entityId', '=', enrollment.id).execute();
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ action: 'enrollment_created', userId: student.user.id, entityType: 'enrollment' });
    expect(log[0]!.ipAddress).toBeTruthy();
    expect(log[0]!.userAgent).toContain('Firefox');
    expect(log[0]!.metadata).toMatchObject({ status: 'Active', amount: 0, courseId: course.id, studentId: student.user.id });
  });

  it('only verified users may enroll; visitors are sent to sign in', async () => {
    const course = await createCourse(t.db, { price: 0 });
    const unverified = await signedInAs(t.app, t.db, 'student', { emailVerified: false });
    const refused = await unverified.post(`/courses/${course.slug}/enroll`);
    expect(refused.status).toBe(403);
    expect(await t.db.selectFrom('enrollment').select('id').where('userId', '=', unverified.user.id).execute()).toEqual([]);
    await t.request().post(`/courses/${course.slug}/enroll`).expect(403); // no session, no CSRF token
  });

  it('a draft, archived or unknown course cannot be enrolled in', async () => {
    const student = await signedInAs(t.app, t.db, 'student');
    for (const status of ['Draft', 'Archived'] as const) {
      const course = await createCourse(t.db, { status, price: 0 });
      await student.post(`/courses/${course.slug}/enroll`).expect(404);
    }
    await student.post('/courses/nope/enroll').expect(404);
  });

  it('a student banned from a course cannot enroll again', async () => {
    const course = await createCourse(t.db, { price: 0 });
    const student = await signedInAs(t.app, t.db, 'student');
    await createEnrollment(t.db, { userId: student.user.id, courseId: course.id, status: 'Cancelled', banned: true, banType: 'Permanent', banReason: 'Cheating' });
    await student.post(`/courses/${course.slug}/enroll`).expect(303);
    const row = await t.db.selectFrom('enrollment').select(['status', 'banned']).where('userId', '=', student.user.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'Cancelled', banned: true });
  });

  it('a paid course without a Stripe key goes to the labelled test checkout, and completing it enrolls', async () => {
    const course = await createCourse(t.db, { price: 2999, title: 'Paid Test Course' });
    const student = await signedInAs(t.app, t.db, 'student');
    const res = await student.post(`/courses/${course.slug}/enroll`);
    expect(res.status).toBe(303);
    expect(res.headers.location).toMatch(/^\/checkout\/test\/[0-9a-f-]{36}$/);
    const enrollment = await t.db.selectFrom('enrollment').selectAll().where('userId', '=', student.user.id).executeTakeFirstOrThrow();
    expect(enrollment).toMatchObject({ status: 'Pending', amount: 2999 });
    const transaction = await t.db.selectFrom('paymentTransaction').selectAll().where('enrollmentId', '=', enrollment.id).executeTakeFirstOrThrow();
    expect(transaction).toMatchObject({ status: 'Pending', amount: 2999, currency: 'usd' });

    // Clicking again reuses the same pending payment.
    const again = await student.post(`/courses/${course.slug}/enroll`);
    expect(again.headers.location).toBe(res.headers.location);

    const checkout = await student.agent.get(res.headers.location!).expect(200);
    expect(checkout.text).toMatch(/Test checkout/);
    expect(checkout.text).toContain('$29.99');
    const waiting = await student.agent.get(`/checkout/success?enrollment=${enrollment.id}`).expect(200);
    expect(waiting.text).toContain('We are confirming your payment');
    expect(waiting.text).toContain('hx-trigger="load delay:2s"');
    expectWithinPageBudget(waiting);

    const done = await student.agent.post(`${res.headers.location}/complete`).type('form').send({ _csrf: csrfTokenOf(checkout.text) });
    expect(done.status).toBe(303);
    expect(done.headers.location).toBe(`/checkout/success?enrollment=${enrollment.id}`);
    const success = await student.agent.get(done.headers.location!).expect(200);
    expect(success.text).toContain('you are enrolled in');
    expect(success.text).not.toContain('hx-trigger');
    expect((await t.db.selectFrom('enrollment').select('status').where('id', '=', enrollment.id).executeTakeFirstOrThrow()).status).toBe('Active');
    const paid = await t.db.selectFrom('paymentTransaction').selectAll().where('id', '=', transaction.id).executeTakeFirstOrThrow();
    expect(paid.status).toBe('Completed');
    expect(paid.stripePaymentId).toMatch(/^pi_test_/);

    const payments = await student.agent.get('/account/payments').expect(200);
    expect(payments.text).toContain('Paid Test Course');
    expect(payments.text).toContain('Completed');
  });

  it('the success page polls for a minute at most, then gives a link; another user gets 404', async () => {
    const course = await createCourse(t.db, { price: 1000 });
    const student = await signedInAs(t.app, t.db, 'student');
    await student.post(`/courses/${course.slug}/enroll`).expect(303);
    const enrollment = await t.db.selectFrom('enrollment').select('id').where('userId', '=', student.user.id).executeTakeFirstOrThrow();
    const fragment = await student.agent.get(`/checkout/success?enrollment=${enrollment.id}&n=5`).set('HX-Request', 'true').expect(200);
    expect(fragment.text).not.toContain('<html');
    expect(fragment.text).toContain('&n=6');
    const late = await student.agent.get(`/checkout/success?enrollment=${enrollment.id}&n=30`).set('HX-Request', 'true').expect(200);
    expect(late.text).not.toContain('hx-trigger');
    expect(late.text).toContain('taking longer than usual');
    const other = await signedInAs(t.app, t.db, 'student');
    await other.agent.get(`/checkout/success?enrollment=${enrollment.id}`).expect(404);
  });

  it('cancelling the test checkout leaves the student unenrolled and says so', async () => {
    const course = await createCourse(t.db, { price: 1000 });
    const student = await signedInAs(t.app, t.db, 'student');
    const res = await student.post(`/courses/${course.slug}/enroll`);
    const page = await student.agent.get(res.headers.location!);
    const cancelled = await student.agent.post(`${res.headers.location}/cancel`).type('form').send({ _csrf: csrfTokenOf(page.text) });
    expect(cancelled.status).toBe(303);
    const coursePage = await student.agent.get(cancelled.headers.location!).expect(200);
    expect(coursePage.text).toContain('The payment was cancelled');
    const enrollment = await t.db.selectFrom('enrollment').select('status').where('userId', '=', student.user.id).executeTakeFirstOrThrow();
    expect(enrollment.status).not.toBe('Active');
  });
});

describe('billing address and payments', () => {
  const t = useTestApp();

  it('keeps one validated billing address per user', async () => {
    const student = await signedInAs(t.app, t.db, 'student');
    const page = await student.agent.get('/account/billing').expect(200);
    expectWithinPageBudget(page);
    expect(page.text).toContain(`value="${student.user.email}"`);
    const address = {
      firstName: 'Ada',
      lastName: 'Obi',
      email: 'ada@example.test',
      addressLine1: '1 Market Road',
      city: 'Lagos',
      state: 'Lagos',
      postalCode: '100001',
      country: 'ng',
    };
    const bad = await student.post('/account/billing', { ...address, country: 'Nigeria', postalCode: '<script>' });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('two-letter country code');
    expect(bad.text).toContain('value="1 Market Road"');
    await student.post('/account/billing', address).expect(303);
    await student.post('/account/billing', { ...address, city: 'Abuja' }).expect(303);
    const rows = await t.db.selectFrom('billingAddress').selectAll().where('userId', '=', student.user.id).execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ city: 'Abuja', country: 'NG' });
  });
});
