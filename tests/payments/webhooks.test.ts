import supertest from 'supertest';
import Stripe from 'stripe';
import { beforeAll, describe, expect, it } from 'vitest';
import { handleStripeEvent } from '../../src/payments/events.ts';
import { webhookRoutes } from '../../src/payments/routes.ts';
import { useTestDatabase } from '../setup/database.ts';
import { chargeRefunded, completed, evt, paymentsDeps, pendingPayment, signedEvent, tinyApp, WEBHOOK_SECRET, type Payment } from './harness.ts';

const expired = (p: Payment) => ({
  id: evt(),
  type: 'checkout.session.expired',
  data: { object: { id: p.sessionId, object: 'checkout.session', payment_intent: null, payment_status: 'unpaid', status: 'expired', metadata: p.metadata } },
});
const paymentFailed = (p: Payment) => ({
  id: evt(),
  type: 'payment_intent.payment_failed',
  data: { object: { id: p.paymentIntent, object: 'payment_intent', status: 'requires_payment_method', metadata: p.metadata } },
});
describe('POST /webhooks/stripe', () => {
  const t = useTestDatabase();
  let post: (event: Parameters<typeof signedEvent>[0], secret?: string) => supertest.Test;

  beforeAll(() => {
    // Only the webhook router, mounted before any body parser (as app.ts must).
    const { app } = tinyApp(t.db, { beforeBody: [webhookRoutes(paymentsDeps(t.db, { stripeUrl: 'http://127.0.0.1:9' }))] });
    post = (event, secret) => {
      const { payload, signature } = signedEvent(event, secret);
      return supertest(app).post('/webhooks/stripe').set('Content-Type', 'application/json').set('Stripe-Signature', signature).send(payload);
    };
  });

  const state = async (p: Payment) => ({
    transaction: await t.db.selectFrom('paymentTransaction').selectAll().where('id', '=', p.transaction.id).executeTakeFirstOrThrow(),
    enrollment: await t.db.selectFrom('enrollment').selectAll().where('id', '=', p.enrollment.id).executeTakeFirstOrThrow(),
  });

  it('checkout.session.completed: the transaction Completed with payment id and method, the enrollment Active', async () => {
    const p = await pendingPayment(t.db);
    const res = await post(completed(p)).expect(200);
    expect(res.body).toEqual({ received: true });
    const { transaction, enrollment } = await state(p);
    expect(transaction).toMatchObject({ status: 'Completed', stripePaymentId: p.paymentIntent, paymentMethod: 'card', refunded: false });
    expect(transaction.metadata).toMatchObject(p.metadata);
    expect(enrollment.status).toBe('Active');
  });

  it('a bad or missing signature answers 400 and changes nothing', async () => {
    const p = await pendingPayment(t.db);
    const event = completed(p);
    const wrong = await post(event, 'whsec_wrong');
    expect(wrong.status).toBe(400);
    expect(wrong.text).toBe('invalid signature');
    const { payload, signature } = signedEvent(event);
    const { app } = tinyApp(t.db, { beforeBody: [webhookRoutes(paymentsDeps(t.db, { stripeUrl: 'http://127.0.0.1:9' }))] });
    // Signed, then tampered with.
    await supertest(app).post('/webhooks/stripe').set('Content-Type', 'application/json').set('Stripe-Signature', signature).send(payload.replace('paid', 'PAID')).expect(400);
    await supertest(app).post('/webhooks/stripe').set('Content-Type', 'application/json').send(payload).expect(400);
    const { transaction, enrollment } = await state(p);
    expect(transaction.status).toBe('Pending');
    expect(enrollment.status).toBe('Pending');
    expect(await t.db.selectFrom('stripeEvent').select('id').where('id', '=', event.id).execute()).toHaveLength(0);
  });

  it('without a webhook secret: 503, nothing changes', async () => {
    const p = await pendingPayment(t.db);
    const deps = paymentsDeps(t.db);
    const { app } = tinyApp(t.db, { beforeBody: [webhookRoutes(deps)] });
    const { payload, signature } = signedEvent(completed(p));
    await supertest(app).post('/webhooks/stripe').set('Content-Type', 'application/json').set('Stripe-Signature', signature).send(payload).expect(503);
    expect((await state(p)).transaction.status).toBe('Pending');
  });

  it('the same event again is a duplicate, with the same state', async () => {
    const p = await pendingPayment(t.db);
    const event = completed(p);
    await post(event).expect(200);
    const before = await state(p);
    await post(event).expect(200);
    expect(await handleStripeEvent(t.db, event as never)).toBe('duplicate');
    expect(await state(p)).toEqual(before);
  });

  it('10 parallel deliveries of one event: one Completed transaction, one Active enrollment, one stripe_event row', async () => {
    const p = await pendingPayment(t.db);
    const event = completed(p);
    const responses = await Promise.all(Array.from({ length: 10 }, () => post(event)));
    for (const res of responses) expect(res.status).toBe(200);
    const { transaction, enrollment } = await state(p);
    expect(transaction.status).toBe('Completed');
    expect(enrollment.status).toBe('Active');
    expect(await t.db.selectFrom('stripeEvent').select('id').where('id', '=', event.id).execute()).toHaveLength(1);
    expect(await t.db.selectFrom('paymentTransaction').select('id').where('enrollmentId', '=', p.enrollment.id).execute()).toHaveLength(1);

    // handleStripeEvent itself: exactly one of many parallel calls applies.
    const q = await pendingPayment(t.db);
    const again = completed(q);
    const results = await Promise.all(Array.from({ length: 10 }, () => handleStripeEvent(t.db, again as never)));
    expect(results.filter((r) => r === 'applied')).toHaveLength(1);
    expect(results.filter((r) => r === 'duplicate')).toHaveLength(9);
  });

  it('out of order: charge.refunded before checkout.session.completed ends Refunded, the enrollment not Active', async () => {
    const p = await pendingPayment(t.db);
    // The payment intent is not known yet: the refund finds the transaction through the metadata.
    await post(chargeRefunded(p, 1999)).expect(200);
    expect((await state(p)).transaction).toMatchObject({ status: 'Refunded', refundAmount: 1999 });
    await post(completed(p)).expect(200);
    const { transaction, enrollment } = await state(p);
    expect(transaction).toMatchObject({ status: 'Refunded', refunded: true, refundAmount: 1999, stripePaymentId: p.paymentIntent });
    expect(enrollment.status).not.toBe('Active');
    expect(enrollment.status).toBe('Cancelled');
  });

  it('a completed session not yet paid waits for async_payment_succeeded', async () => {
    const p = await pendingPayment(t.db);
    const unpaid = completed(p);
    unpaid.data.object.payment_status = 'unpaid';
    await post(unpaid).expect(200);
    expect((await state(p)).transaction.status).toBe('Pending');
    await post({ ...completed(p), type: 'checkout.session.async_payment_succeeded' }).expect(200);
    const { transaction, enrollment } = await state(p);
    expect(transaction.status).toBe('Completed');
    expect(enrollment.status).toBe('Active');
  });

  it('checkout.session.expired: Cancelled; the enrollment stays Pending', async () => {
    const p = await pendingPayment(t.db);
    await post(expired(p)).expect(200);
    const { transaction, enrollment } = await state(p);
    expect(transaction.status).toBe('Cancelled');
    expect(enrollment.status).toBe('Pending');
  });

  it('payment_intent.payment_failed: Failed; a completion afterwards still completes it', async () => {
    const p = await pendingPayment(t.db);
    await post(paymentFailed(p)).expect(200);
    expect((await state(p)).transaction.status).toBe('Failed');
    await post(completed(p)).expect(200);
    const { transaction, enrollment } = await state(p);
    expect(transaction.status).toBe('Completed');
    expect(enrollment.status).toBe('Active');
  });

  it('a late expiry or failure does not undo a completed payment', async () => {
    const p = await pendingPayment(t.db);
    await post(completed(p)).expect(200);
    await post(expired(p)).expect(200);
    await post(paymentFailed(p)).expect(200);
    const { transaction, enrollment } = await state(p);
    expect(transaction.status).toBe('Completed');
    expect(enrollment.status).toBe('Active');
  });

  it('charge.refunded in part keeps the enrollment Active; in full, Refunded and Cancelled', async () => {
    const p = await pendingPayment(t.db);
    await post(completed(p)).expect(200);
    await post(chargeRefunded(p, 500)).expect(200);
    let s = await state(p);
    expect(s.transaction).toMatchObject({ status: 'Completed', refunded: true, refundAmount: 500, refundReason: 'Refunded in Stripe' });
    expect(s.transaction.refundedAt).not.toBeNull();
    expect(s.enrollment.status).toBe('Active');
    // An older event (smaller cumulative amount) arriving late changes nothing.
    await post(chargeRefunded(p, 1999)).expect(200);
    await post(chargeRefunded(p, 500)).expect(200);
    s = await state(p);
    expect(s.transaction).toMatchObject({ status: 'Refunded', refundAmount: 1999 });
    expect(s.enrollment.status).toBe('Cancelled');
  });

  it('an event about something else, or an unknown transaction, is recorded and ignored', async () => {
    const other = { id: evt(), type: 'customer.created', data: { object: { id: 'cus_123', object: 'customer' } } };
    await post(other).expect(200);
    expect(await handleStripeEvent(t.db, other as never)).toBe('duplicate');
    const unknown = {
      id: evt(),
      type: 'checkout.session.completed',
      data: { object: { id: 'cs_nope', payment_status: 'paid', payment_intent: 'pi_nope', metadata: { transactionId: 'not-a-uuid' } } },
    };
    expect(await handleStripeEvent(t.db, unknown as never)).toBe('ignored');
  });

  describe('signed but malformed, or signed in the future', () => {
    let raw: (body: unknown, options?: { timestamp?: number }) => supertest.Test;
    beforeAll(() => {
      const { app } = tinyApp(t.db, { beforeBody: [webhookRoutes(paymentsDeps(t.db, { stripeUrl: 'http://127.0.0.1:9' }))] });
      raw = (body, options = {}) => {
        const payload = JSON.stringify(body);
        const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET, ...options });
        return supertest(app).post('/webhooks/stripe').set('Content-Type', 'application/json').set('Stripe-Signature', signature).send(payload);
      };
    });
    const rejected = () => t.db.selectFrom('errorLog').selectAll().where('errorType', '=', 'MalformedStripeEvent').execute();

    it('an event without data, or with fields of the wrong type, is a 400 and recorded, never a 500', async () => {
      const p = await pendingPayment(t.db);
      const bad = [
        { id: evt(), type: 'checkout.session.completed' },
        { id: evt(), type: 'checkout.session.completed', data: null },
        { id: evt(), type: 'checkout.session.completed', data: { object: 'cs_123' } },
        { id: evt(), type: 'charge.refunded', data: { object: { id: 'ch_1', amount_refunded: '1999', payment_intent: p.paymentIntent } } },
        { id: evt(), type: 'checkout.session.completed', data: { object: { id: p.sessionId, payment_status: 'paid', metadata: { transactionId: 42 } } } },
        { type: 'checkout.session.completed', data: { object: { id: p.sessionId } } },
        [],
        'just a string',
      ];
      for (const body of bad) {
        const res = await raw(body);
        expect(res.status, JSON.stringify(body)).toBe(400);
        expect(res.text).toBe('malformed event');
      }
      const rows = await rejected();
      // The same problem within a minute counts up one row (error-log.ts).
      expect(rows.reduce((sum, row) => sum + row.occurrences, 0)).toBe(bad.length);
      expect(rows.every((row) => row.statusCode === 400)).toBe(true);
      const { transaction, enrollment } = await state(p);
      expect(transaction.status).toBe('Pending');
      expect(enrollment.status).toBe('Pending');
    });

    it('a signature timestamp more than 5 minutes ahead is refused; a little clock skew is not', async () => {
      const p = await pendingPayment(t.db);
      const now = Math.floor(Date.now() / 1000);
      const future = await raw({ ...completed(p), object: 'event' }, { timestamp: now + 600 });
      expect(future.status).toBe(400);
      expect((await state(p)).transaction.status).toBe('Pending');
      await raw({ ...completed(p), object: 'event' }, { timestamp: now + 120 }).expect(200);
      expect((await state(p)).transaction.status).toBe('Completed');
    });
  });
});
