import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startCheckout } from '../../src/payments/checkout.ts';
import { createCourse, createUser } from '../setup/factories.ts';
import { useTestDatabase } from '../setup/database.ts';
import { startFakeStripe, type FakeStripe } from '../setup/fake-stripe.ts';
import { paymentsDeps, requestBy } from './harness.ts';

describe('startCheckout with Stripe', () => {
  const t = useTestDatabase();
  let stripe: FakeStripe;
  beforeAll(async () => {
    stripe = await startFakeStripe();
  });
  afterAll(async () => {
    await stripe.stop();
  });
  beforeEach(() => stripe.reset());

  const deps = () => paymentsDeps(t.db, { stripeUrl: stripe.url });

  it('makes a Pending enrollment and transaction and a Checkout Session for the course price', async () => {
    const user = await createUser(t.db);
    const course = await createCourse(t.db, { price: 1999, status: 'Published', title: 'Pandas & <Python>' });

    const { url, enrollmentId } = await startCheckout(deps(), requestBy(user.id), { userId: user.id, courseId: course.id });

    const enrollment = await t.db.selectFrom('enrollment').selectAll().where('id', '=', enrollmentId).executeTakeFirstOrThrow();
    expect(enrollment).toMatchObject({ userId: user.id, courseId: course.id, status: 'Pending', amount: 1999 });
    const transactions = await t.db.selectFrom('paymentTransaction').selectAll().where('enrollmentId', '=', enrollmentId).execute();
    expect(transactions).toHaveLength(1);
    const transaction = transactions[0]!;
    expect(transaction).toMatchObject({ status: 'Pending', amount: 1999, currency: 'usd' });

    const [create] = stripe.requests('POST', '/v1/checkout/sessions');
    expect(create).toBeDefined();
    const body = create!.body;
    expect(body).toMatchObject({
      mode: 'payment',
      'line_items[0][quantity]': '1',
      client_reference_id: enrollmentId,
      'metadata[enrollmentId]': enrollmentId,
      'metadata[transactionId]': transaction.id,
      'metadata[courseId]': course.id,
      'metadata[userId]': user.id,
      'payment_intent_data[metadata][transactionId]': transaction.id,
      'payment_intent_data[metadata][enrollmentId]': enrollmentId,
      success_url: `http://edupeak.test/checkout/success?enrollment=${enrollmentId}`,
      cancel_url: `http://edupeak.test/courses/${course.slug}?checkout=cancelled`,
    });
    const expiresIn = Number(body.expires_at) - Date.now() / 1000;
    expect(expiresIn).toBeGreaterThanOrEqual(30 * 60);
    expect(expiresIn).toBeLessThan(35 * 60);
    expect(create!.idempotencyKey).toBe(`checkout-${transaction.id}`);
    expect(create!.authorization).toBe('Bearer sk_test_x');
    // The course's Stripe Price (made here: the course was published without Stripe), stored on the course.
    const { stripePriceId } = await t.db.selectFrom('course').select('stripePriceId').where('id', '=', course.id).executeTakeFirstOrThrow();
    expect(body['line_items[0][price]']).toBe(stripePriceId);
    expect(stripe.prices.get(stripePriceId!)).toMatchObject({ unit_amount: 1999, currency: 'usd', active: true });
    expect(stripe.products.get(`edupeak_course_${course.id}`)).toMatchObject({ name: 'Pandas & <Python>' });

    // The customer: created once, stored on the user, used by the session.
    const stored = await t.db.selectFrom('user').select('stripeCustomerId').where('id', '=', user.id).executeTakeFirstOrThrow();
    expect(stored.stripeCustomerId).toMatch(/^cus_/);
    expect(body.customer).toBe(stored.stripeCustomerId);
    const [customer] = stripe.requests('POST', '/v1/customers');
    expect(customer!.body).toMatchObject({ email: user.email, name: `Test ${user.lastName}`, 'metadata[userId]': user.id });

    // The session id is stored (after the Stripe call), and the browser goes to the session's url.
    const { stripeSessionId } = await t.db.selectFrom('paymentTransaction').select('stripeSessionId').where('id', '=', transaction.id).executeTakeFirstOrThrow();
    const session = stripe.sessions.get(stripeSessionId!);
    expect(session).toBeDefined();
    expect(url).toBe(session!.url);
  });

  it('a second click reuses the open session; the customer is made once across checkouts', async () => {
    const user = await createUser(t.db);
    const course = await createCourse(t.db, { price: 2500, status: 'Published' });
    const first = await startCheckout(deps(), requestBy(user.id), { userId: user.id, courseId: course.id });
    const second = await startCheckout(deps(), requestBy(user.id), { userId: user.id, courseId: course.id });
    expect(second).toEqual(first);
    expect(stripe.requests('POST', '/v1/checkout/sessions')).toHaveLength(1);
    expect(stripe.requests('GET', /^\/v1\/checkout\/sessions\//)).toHaveLength(1);
    expect(await t.db.selectFrom('paymentTransaction').select('id').where('enrollmentId', '=', first.enrollmentId).execute()).toHaveLength(1);

    // Another course: a new session, the same customer.
    const other = await createCourse(t.db, { price: 900, status: 'Published' });
    await startCheckout(deps(), requestBy(user.id), { userId: user.id, courseId: other.id });
    const creates = stripe.requests('POST', '/v1/checkout/sessions');
    expect(creates).toHaveLength(2);
    expect(stripe.requests('POST', '/v1/customers')).toHaveLength(1);
    expect(creates[1]!.body.customer).toBe(creates[0]!.body.customer);
  });

  it('a stored customer Stripe no longer knows is replaced by a new one, with or without a billing address', async () => {
    for (const withBilling of [false, true]) {
      const user = await createUser(t.db);
      await t.db.updateTable('user').set({ stripeCustomerId: 'cus_deleted_in_dashboard' }).where('id', '=', user.id).execute();
      if (withBilling) {
        await t.db
          .insertInto('billingAddress')
          .values({ userId: user.id, firstName: 'Ada', lastName: 'L', email: user.email, addressLine1: '1 Road', city: 'Leeds', state: 'WY', postalCode: 'LS1', country: 'GB' })
          .execute();
      }
      const course = await createCourse(t.db, { price: 1500, status: 'Published' });
      const before = stripe.requests('POST', '/v1/customers').length;
      const { url, enrollmentId } = await startCheckout(deps(), requestBy(user.id), { userId: user.id, courseId: course.id });
      expect(url).toMatch(/^https:\/\/checkout\.stripe\.test\//);
      const stored = await t.db.selectFrom('user').select('stripeCustomerId').where('id', '=', user.id).executeTakeFirstOrThrow();
      expect(stored.stripeCustomerId).toMatch(/^cus_/);
      expect(stored.stripeCustomerId).not.toBe('cus_deleted_in_dashboard');
      expect(stripe.customers.has(stored.stripeCustomerId!)).toBe(true);
      expect(stripe.requests('POST', '/v1/customers').length - before).toBe(1);
      const open = await t.db.selectFrom('paymentTransaction').select('stripeSessionId').where('enrollmentId', '=', enrollmentId).where('status', '=', 'Pending').execute();
      expect(open).toHaveLength(1);
      expect(stripe.sessions.get(open[0]!.stripeSessionId!)).toMatchObject({ customer: stored.stripeCustomerId });
    }
  });

  it('two clicks at once make one enrollment and keep one customer', async () => {
    const user = await createUser(t.db);
    const course = await createCourse(t.db, { price: 1500, status: 'Published' });
    const results = await Promise.all([1, 2].map(() => startCheckout(deps(), requestBy(user.id), { userId: user.id, courseId: course.id })));
    expect(results[0]!.enrollmentId).toBe(results[1]!.enrollmentId);
    expect(await t.db.selectFrom('enrollment').select('id').where('userId', '=', user.id).execute()).toHaveLength(1);
    const stored = await t.db.selectFrom('user').select('stripeCustomerId').where('id', '=', user.id).executeTakeFirstOrThrow();
    for (const create of stripe.requests('POST', '/v1/checkout/sessions')) expect(create.body.customer).toBe(stored.stripeCustomerId);
  });

  it('an expired session is replaced: a new transaction and a new session; a completed one is not paid twice', async () => {
    const user = await createUser(t.db);
    const course = await createCourse(t.db, { price: 1999, status: 'Published' });
    const first = await startCheckout(deps(), requestBy(user.id), { userId: user.id, courseId: course.id });
    const old = await t.db.selectFrom('paymentTransaction').selectAll().where('enrollmentId', '=', first.enrollmentId).executeTakeFirstOrThrow();
    stripe.setSessionStatus(old.stripeSessionId!, 'expired');

    const second = await startCheckout(deps(), requestBy(user.id), { userId: user.id, courseId: course.id });
    expect(second.url).not.toBe(first.url);
    expect(stripe.requests('POST', '/v1/checkout/sessions')).toHaveLength(2);
    const rows = await t.db.selectFrom('paymentTransaction').selectAll().where('enrollmentId', '=', first.enrollmentId).orderBy('createdAt').execute();
    expect(rows.map((r) => r.status)).toEqual(['Cancelled', 'Pending']);
    expect(stripe.requests('POST', '/v1/checkout/sessions')[1]!.body['metadata[transactionId]']).toBe(rows[1]!.id);

    // Paid, but the webhook has not arrived yet: to the success page, not to a second payment.
    stripe.setSessionStatus(rows[1]!.stripeSessionId!, 'complete');
    const third = await startCheckout(deps(), requestBy(user.id), { userId: user.id, courseId: course.id });
    expect(third.url).toBe(`http://edupeak.test/checkout/success?enrollment=${first.enrollmentId}`);
    expect(stripe.requests('POST', '/v1/checkout/sessions')).toHaveLength(2);
  });

  it('prefills the customer from the billing address, and updates it later', async () => {
    const user = await createUser(t.db);
    await t.db
      .insertInto('billingAddress')
      .values({
        userId: user.id,
        firstName: 'Ada',
        lastName: 'Lovelace',
        email: 'billing@example.test',
        phoneNumber: '+44 20 7946 0000',
        addressLine1: '12 St James Sq',
        city: 'London',
        state: 'London',
        postalCode: 'SW1Y 4JH',
        country: 'gb',
      })
      .execute();
    const course = await createCourse(t.db, { price: 1999, status: 'Published' });
    await startCheckout(deps(), requestBy(user.id), { userId: user.id, courseId: course.id });
    const [create] = stripe.requests('POST', '/v1/customers');
    expect(create!.body).toMatchObject({
      name: 'Ada Lovelace',
      email: 'billing@example.test',
      phone: '+44 20 7946 0000',
      'address[line1]': '12 St James Sq',
      'address[city]': 'London',
      'address[postal_code]': 'SW1Y 4JH',
      'address[country]': 'GB',
      'metadata[userId]': user.id,
    });

    await t.db.updateTable('billingAddress').set({ addressLine1: '1 New Street' }).where('userId', '=', user.id).execute();
    const other = await createCourse(t.db, { price: 500, status: 'Published' });
    await startCheckout(deps(), requestBy(user.id), { userId: user.id, courseId: other.id });
    expect(stripe.requests('POST', '/v1/customers')).toHaveLength(1);
    const [update] = stripe.requests('POST', /^\/v1\/customers\/cus_/);
    expect(update!.body['address[line1]']).toBe('1 New Street');
    expect([...stripe.customers.values()][0]!.address).toMatchObject({ line1: '1 New Street' });
  });

  it('refuses an Active enrollment, a free course and an unpublished one', async () => {
    const user = await createUser(t.db);
    const course = await createCourse(t.db, { price: 1999, status: 'Published' });
    await t.db.insertInto('enrollment').values({ userId: user.id, courseId: course.id, amount: 1999, status: 'Active' }).execute();
    await expect(startCheckout(deps(), requestBy(user.id), { userId: user.id, courseId: course.id })).rejects.toMatchObject({ status: 409, message: 'You are already enrolled.' });
    const free = await createCourse(t.db, { price: 0, status: 'Published' });
    await expect(startCheckout(deps(), requestBy(user.id), { userId: user.id, courseId: free.id })).rejects.toMatchObject({ status: 409 });
    const draft = await createCourse(t.db, { price: 1999, status: 'Draft' });
    await expect(startCheckout(deps(), requestBy(user.id), { userId: user.id, courseId: draft.id })).rejects.toMatchObject({ status: 404 });
    expect(stripe.requests()).toHaveLength(0);
  });
});

describe('startCheckout without Stripe', () => {
  const t = useTestDatabase();

  it('outside production: our test checkout, reused on a second click', async () => {
    const user = await createUser(t.db);
    const course = await createCourse(t.db, { price: 1999, status: 'Published' });
    const deps = paymentsDeps(t.db);
    expect(deps.stripe).toBeUndefined();
    const first = await startCheckout(deps, requestBy(user.id), { userId: user.id, courseId: course.id });
    const transaction = await t.db.selectFrom('paymentTransaction').selectAll().where('enrollmentId', '=', first.enrollmentId).executeTakeFirstOrThrow();
    expect(first.url).toBe(`/checkout/test/${transaction.id}`);
    expect(await startCheckout(deps, requestBy(user.id), { userId: user.id, courseId: course.id })).toEqual(first);
  });

  it('in production: 503, and nothing is written', async () => {
    const user = await createUser(t.db);
    const course = await createCourse(t.db, { price: 1999, status: 'Published' });
    const deps = paymentsDeps(t.db, { env: { NODE_ENV: 'production' } });
    await expect(startCheckout(deps, requestBy(user.id), { userId: user.id, courseId: course.id })).rejects.toMatchObject({
      status: 503,
      message: 'Payments are not available right now. Please try again later.',
    });
    expect(await t.db.selectFrom('enrollment').select('id').where('userId', '=', user.id).execute()).toHaveLength(0);
  });
});
