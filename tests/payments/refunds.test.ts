import supertest from 'supertest';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { handleStripeEvent } from '../../src/payments/events.ts';
import { refundTransaction } from '../../src/payments/refunds.ts';
import { webhookRoutes } from '../../src/payments/routes.ts';
import { createAdmin } from '../setup/factories.ts';
import { useTestDatabase } from '../setup/database.ts';
import { startFakeStripe, type FakeStripe } from '../setup/fake-stripe.ts';
import { chargeRefunded, completed, paymentsDeps, pendingPayment, signedEvent, tinyApp, type Payment } from './harness.ts';

describe('refundTransaction', () => {
  const t = useTestDatabase();
  let stripe: FakeStripe;
  let adminId: string;
  beforeAll(async () => {
    stripe = await startFakeStripe();
    adminId = (await createAdmin(t.db)).id;
  });
  afterAll(async () => {
    await stripe.stop();
  });
  beforeEach(() => stripe.reset());

  const deps = () => paymentsDeps(t.db, { stripeUrl: stripe.url });

  async function paid(price = 1999): Promise<Payment> {
    const p = await pendingPayment(t.db, price);
    expect(await handleStripeEvent(t.db, completed(p) as never)).toBe('applied');
    return p;
  }
  const state = async (p: Payment) => ({
    transaction: await t.db.selectFrom('paymentTransaction').selectAll().where('id', '=', p.transaction.id).executeTakeFirstOrThrow(),
    enrollment: await t.db.selectFrom('enrollment').selectAll().where('id', '=', p.enrollment.id).executeTakeFirstOrThrow(),
  });

  it('a full refund through Stripe: Refunded, amounts and reason recorded, the enrollment Cancelled', async () => {
    const p = await paid();
    expect(await refundTransaction(deps(), { transactionId: p.transaction.id, reason: 'Bought by mistake', adminId })).toMatchObject({ ok: true, refund: {} });

    const [request] = stripe.requests('POST', '/v1/refunds');
    expect(request!.body).toMatchObject({
      payment_intent: p.paymentIntent,
      amount: '1999',
      reason: 'requested_by_customer',
      'metadata[transactionId]': p.transaction.id,
      'metadata[adminId]': adminId,
      'metadata[reason]': 'Bought by mistake',
    });
    expect(request!.idempotencyKey).toBe(`refund-${p.transaction.id}-0-1999`);

    const { transaction, enrollment } = await state(p);
    expect(transaction).toMatchObject({ status: 'Refunded', refunded: true, refundAmount: 1999, refundReason: 'Bought by mistake' });
    expect(transaction.refundedAt).toBeInstanceOf(Date);
    expect(enrollment.status).toBe('Cancelled');

    // Nothing is left to refund.
    expect(await refundTransaction(deps(), { transactionId: p.transaction.id, reason: 'Again', adminId })).toEqual({
      ok: false,
      message: 'This payment has already been refunded in full.',
    });
    expect(stripe.requests('POST', '/v1/refunds')).toHaveLength(1);
  });

  it('a part refund keeps the enrollment Active; more than is left is refused; the rest refunds in full', async () => {
    const p = await paid(2000);
    expect(await refundTransaction(deps(), { transactionId: p.transaction.id, amountCents: 500, reason: 'Goodwill: video outage', adminId })).toMatchObject({ ok: true, refund: {} });
    let s = await state(p);
    expect(s.transaction).toMatchObject({ status: 'Completed', refunded: true, refundAmount: 500, refundReason: 'Goodwill: video outage' });
    expect(s.enrollment.status).toBe('Active');

    expect(await refundTransaction(deps(), { transactionId: p.transaction.id, amountCents: 1501, reason: 'Too much', adminId })).toEqual({
      ok: false,
      message: 'At most {amount} is left to refund.',
      values: { amount: '$15.00' },
    });
    for (const amountCents of [0, -5, 1.5]) {
      const refused = await refundTransaction(deps(), { transactionId: p.transaction.id, amountCents, reason: 'Nothing', adminId });
      expect(refused).toEqual({ ok: false, message: 'The refund must be more than zero.' });
    }
    expect(await refundTransaction(deps(), { transactionId: p.transaction.id, reason: '   ', adminId })).toEqual({ ok: false, message: 'A reason is required.' });
    expect(stripe.requests('POST', '/v1/refunds')).toHaveLength(1);

    // The default amount is what is left.
    expect(await refundTransaction(deps(), { transactionId: p.transaction.id, reason: 'Left the course', adminId })).toMatchObject({ ok: true, refund: {} });
    expect(stripe.requests('POST', '/v1/refunds')[1]!.body.amount).toBe('1500');
    s = await state(p);
    expect(s.transaction).toMatchObject({ status: 'Refunded', refundAmount: 2000, refundReason: 'Left the course' });
    expect(s.enrollment.status).toBe('Cancelled');
  });

  it('only a completed payment can be refunded', async () => {
    const p = await pendingPayment(t.db);
    expect(await refundTransaction(deps(), { transactionId: p.transaction.id, reason: 'x', adminId })).toEqual({
      ok: false,
      message: 'Only a completed payment can be refunded.',
    });
    expect(await refundTransaction(deps(), { transactionId: 'nope', reason: 'x', adminId })).toMatchObject({ ok: false });
    expect(stripe.requests()).toHaveLength(0);
  });

  it('the charge.refunded webhook for the same refund does not change the amounts', async () => {
    const p = await paid(2000);
    const { app } = tinyApp(t.db, { beforeBody: [webhookRoutes(deps())] });
    const deliver = async (event: ReturnType<typeof chargeRefunded>) => {
      const { payload, signature } = signedEvent(event);
      await supertest(app).post('/webhooks/stripe').set('Content-Type', 'application/json').set('Stripe-Signature', signature).send(payload).expect(200);
    };

    await refundTransaction(deps(), { transactionId: p.transaction.id, amountCents: 500, reason: 'Goodwill', adminId });
    const before = (await state(p)).transaction;
    await deliver(chargeRefunded(p, 500, 2000));
    const after = (await state(p)).transaction;
    expect(after).toMatchObject({ status: 'Completed', refunded: true, refundAmount: 500, refundReason: 'Goodwill' });
    expect(after.refundedAt).toEqual(before.refundedAt);

    // The webhook first, then our record of the same refund: still not counted twice.
    const q = await paid(2000);
    await deliver(chargeRefunded(q, 2000, 2000));
    expect((await state(q)).transaction).toMatchObject({ status: 'Refunded', refundAmount: 2000 });
    expect(await refundTransaction(deps(), { transactionId: q.transaction.id, reason: 'Late', adminId })).toMatchObject({ ok: false });
    expect((await state(q)).enrollment.status).toBe('Cancelled');
  });

  it('without Stripe, outside production (a test checkout payment): no API call', async () => {
    const p = await paid();
    expect(await refundTransaction(paymentsDeps(t.db), { transactionId: p.transaction.id, reason: 'Testing', adminId })).toMatchObject({ ok: true, refund: {} });
    expect(stripe.requests()).toHaveLength(0);
    expect((await state(p)).transaction).toMatchObject({ status: 'Refunded', refundAmount: 1999 });
  });
});
