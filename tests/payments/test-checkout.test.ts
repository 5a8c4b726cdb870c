import supertest from 'supertest';
import { describe, expect, it } from 'vitest';
import { startCheckout } from '../../src/payments/checkout.ts';
import { testCheckoutRoutes } from '../../src/payments/routes.ts';
import { createCourse, createUser } from '../setup/factories.ts';
import { useTestDatabase } from '../setup/database.ts';
import { paymentsDeps, requestBy, tinyApp } from './harness.ts';

/** Without a Stripe key, outside production: our own checkout page stands in for Stripe's. */
describe('test checkout', () => {
  const t = useTestDatabase();

  async function checkout(env: NodeJS.ProcessEnv = {}) {
    const deps = paymentsDeps(t.db, { env });
    const { app, signIn } = tinyApp(t.db, { afterBody: [testCheckoutRoutes(deps)] });
    const user = await createUser(t.db);
    signIn(user);
    const course = await createCourse(t.db, { price: 1999, status: 'Published', title: 'Bread & <b>Butter</b>' });
    const { url, enrollmentId } = await startCheckout(paymentsDeps(t.db), requestBy(user.id), { userId: user.id, courseId: course.id });
    const as = (who: { id: string }) => ({
      get: (path: string) => supertest(app).get(path).set('x-test-user', who.id),
      post: (path: string) => supertest(app).post(path).set('x-test-user', who.id).type('form').send({ _csrf: 'test-csrf-token' }),
    });
    return { app, signIn, user, course, url, enrollmentId, ...as(user), as };
  }

  it('shows a clearly labelled page with the course and price, and two forms with the CSRF token', async () => {
    const c = await checkout();
    expect(c.url).toMatch(/^\/checkout\/test\/[0-9a-f-]{36}$/);
    const page = await c.get(c.url).expect(200);
    expect(page.text).toContain('Test checkout — no real payment');
    expect(page.text).toContain('Bread &amp; &lt;b&gt;Butter&lt;/b&gt;');
    expect(page.text).not.toContain('<b>Butter</b>');
    expect(page.text).toContain('$19.99');
    expect(page.text).toContain(`action="${c.url}/complete"`);
    expect(page.text).toContain(`action="${c.url}/cancel"`);
    expect(page.text.match(/name="_csrf" value="test-csrf-token"/g)?.length).toBeGreaterThanOrEqual(2);
  });

  it('complete: the payment goes through handleStripeEvent; the enrollment is Active', async () => {
    const c = await checkout();
    const res = await c.post(`${c.url}/complete`).expect(303);
    expect(res.headers.location).toBe(`/checkout/success?enrollment=${c.enrollmentId}`);
    const transaction = await t.db.selectFrom('paymentTransaction').selectAll().where('enrollmentId', '=', c.enrollmentId).executeTakeFirstOrThrow();
    expect(transaction).toMatchObject({ status: 'Completed', paymentMethod: 'card' });
    expect(transaction.stripePaymentId).toMatch(/^pi_test_/);
    const enrollment = await t.db.selectFrom('enrollment').select('status').where('id', '=', c.enrollmentId).executeTakeFirstOrThrow();
    expect(enrollment.status).toBe('Active');
    const events = await t.db.selectFrom('stripeEvent').selectAll().where('type', '=', 'checkout.session.completed').execute();
    expect(events.some((e) => e.id.startsWith('evt_test_'))).toBe(true);
    // Done once: a second submit changes nothing.
    await c.post(`${c.url}/complete`).expect(409);
    expect(await t.db.selectFrom('paymentTransaction').select('id').where('enrollmentId', '=', c.enrollmentId).execute()).toHaveLength(1);
  });

  it('cancel: the transaction Cancelled, back to the course page', async () => {
    const c = await checkout();
    const res = await c.post(`${c.url}/cancel`).expect(303);
    expect(res.headers.location).toBe(`/courses/${c.course.slug}?checkout=cancelled`);
    const transaction = await t.db.selectFrom('paymentTransaction').select('status').where('enrollmentId', '=', c.enrollmentId).executeTakeFirstOrThrow();
    expect(transaction.status).toBe('Cancelled');
    const enrollment = await t.db.selectFrom('enrollment').select('status').where('id', '=', c.enrollmentId).executeTakeFirstOrThrow();
    expect(enrollment.status).toBe('Pending');
  });

  it("another user's transaction, a bad id, or nobody signed in: 404 (or sign in first)", async () => {
    const c = await checkout();
    const other = await createUser(t.db);
    c.signIn(other);
    await c.as(other).get(c.url).expect(404);
    await c.as(other).post(`${c.url}/complete`).expect(404);
    await c.get('/checkout/test/not-a-uuid').expect(404);
    const anonymous = await supertest(c.app).get(c.url);
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.location).toBe(`/auth/login?next=${encodeURIComponent(c.url)}`);
    await supertest(c.app).post(`${c.url}/complete`).type('form').send({}).expect(404);
    const transaction = await t.db.selectFrom('paymentTransaction').select('status').where('enrollmentId', '=', c.enrollmentId).executeTakeFirstOrThrow();
    expect(transaction.status).toBe('Pending');
  });

  it('with a Stripe key configured, or in production: 404', async () => {
    for (const env of [{ STRIPE_SECRET_KEY: 'sk_test_x' }, { NODE_ENV: 'production' }]) {
      const c = await checkout(env);
      await c.get(c.url).expect(404);
      await c.post(`${c.url}/complete`).expect(404);
      await c.post(`${c.url}/cancel`).expect(404);
      const transaction = await t.db.selectFrom('paymentTransaction').select('status').where('enrollmentId', '=', c.enrollmentId).executeTakeFirstOrThrow();
      expect(transaction.status).toBe('Pending');
    }
  });
});
