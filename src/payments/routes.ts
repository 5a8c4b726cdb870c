import { randomUUID } from 'node:crypto';
import express, { Router, type Request, type Response } from 'express';
import Stripe from 'stripe';
import { z } from 'zod';
import { recordError } from '../http/error-log.ts';
import { HttpError, notFound } from '../http/errors.ts';
import { currentUser, publicRouter } from '../http/guards.ts';
import { render } from '../http/render.ts';
import { msg } from '../i18n/catalogue.ts';
import { translatorOf } from '../i18n/negotiate.ts';
import type { PaymentsDeps } from './checkout.ts';
import { parseStripeEvent, signedAt } from './event-shape.ts';
import { handleStripeEvent, type TestEvent } from './events.ts';

/**
 * POST /webhooks/stripe: Stripe's signed events. Mount it BEFORE the body parsers and the session:
 * the signature is over the raw bytes, and Stripe has no cookie or CSRF token (csrf.ts exempts it).
 */
/** Stripe signs with its clock; ours may lag a little, but an event signed further ahead is refused. */
const MAX_CLOCK_AHEAD_MS = 5 * 60 * 1000;

/** A signed but malformed event: one warning in the log and one error_log row (status 400). */
async function recordRejectedEvent(db: PaymentsDeps['db'], logger: PaymentsDeps['logger'], event: unknown, problem: string): Promise<void> {
  const id = typeof (event as { id?: unknown })?.id === 'string' ? String((event as { id: string }).id).slice(0, 255) : null;
  logger.warn({ eventId: id, problem }, 'a signed Stripe event of the wrong shape was refused');
  await recordError(db, {
    errorType: 'MalformedStripeEvent',
    statusCode: 400,
    message: problem.slice(0, 2000),
    endpoint: '/webhooks/stripe',
    method: 'POST',
    metadata: JSON.stringify({ eventId: id }),
  }).catch((err: unknown) => logger.error({ err }, 'could not record a malformed Stripe event'));
}

export function webhookRoutes(deps: PaymentsDeps): Router {
  const { db, config, logger } = deps;
  const router = Router();

  router.post('/webhooks/stripe', express.raw({ type: '*/*', limit: '1mb' }), async (req, res) => {
    const secret = config.stripe.webhookSecret;
    if (!secret) {
      logger.error('a Stripe webhook arrived but STRIPE_WEBHOOK_SECRET is not set: the event was refused');
      res.status(503).type('text').send('webhooks are not configured');
      return;
    }
    const signature = req.get('stripe-signature');
    let signed: Stripe.Event;
    try {
      if (!signature || !Buffer.isBuffer(req.body)) throw new Error('no signature or no raw body');
      // The static verifier: it needs the webhook secret only, not an API key. It refuses old
      // timestamps (replays) but not ones from the future, hence the second check.
      signed = Stripe.webhooks.constructEvent(req.body, signature, secret);
      const at = signedAt(signature);
      if (at === undefined || at * 1000 > Date.now() + MAX_CLOCK_AHEAD_MS) throw new Error('signature timestamp in the future');
    } catch (error) {
      logger.warn({ err: error }, 'a Stripe webhook with a bad signature was refused');
      res.status(400).type('text').send('invalid signature');
      return;
    }
    const parsed = parseStripeEvent(signed);
    if (!parsed.ok) {
      // Signed by Stripe (or by someone holding our secret) yet not what we read: refuse it, and
      // keep a record for whoever looks into it.
      await recordRejectedEvent(db, logger, signed, parsed.problem);
      res.status(400).type('text').send('malformed event');
      return;
    }
    const event = parsed.event;
    // An error here (the database is down ...) answers 500 through the error handler: Stripe retries.
    const result = await handleStripeEvent(db, event);
    logger.info({ eventId: event.id, type: event.type, result }, 'Stripe event');
    res.json({ received: true });
  });

  return publicRouter(router);
}

const transactionParam = z.uuid();

/**
 * The development checkout: without a Stripe key, outside production, a paid enrollment comes here
 * instead of Stripe Checkout. Completing or cancelling builds the same event Stripe would send and
 * goes through handleStripeEvent. 404 whenever a Stripe key is set, and always in production.
 * Mount it after the session, CSRF and current-user middleware.
 */
export function testCheckoutRoutes(deps: PaymentsDeps): Router {
  const { db, config } = deps;
  const router = Router();

  const available = () => !deps.stripe && !config.stripe.secretKey && !config.isProduction;

  /** The transaction when it is the signed-in user's; otherwise the same 404 as a missing one. */
  const load = async (req: Request, res: Response) => {
    const user = currentUser(res);
    const id = transactionParam.safeParse(req.params.transactionId);
    if (!available() || !user || !id.success) throw notFound();
    const row = await db
      .selectFrom('paymentTransaction as t')
      .innerJoin('enrollment as e', 'e.id', 't.enrollmentId')
      .innerJoin('course as c', 'c.id', 'e.courseId')
      .select(['t.id', 't.amount', 't.currency', 't.status', 't.stripeSessionId', 'e.id as enrollmentId', 'e.userId', 'e.courseId', 'c.title', 'c.slug'])
      .where('t.id', '=', id.data)
      .where('e.userId', '=', user.id)
      .executeTakeFirst();
    if (!row) throw notFound();
    return row;
  };

  const waiting = (row: { status: string }) => {
    if (row.status !== 'Pending') throw new HttpError(409, msg('This test payment is already {status, select, Completed {completed} Failed {failed} Cancelled {cancelled} Refunded {refunded} other {{status}}}.'), { status: row.status });
  };

  const eventFor = (row: Awaited<ReturnType<typeof load>>, type: 'checkout.session.completed' | 'checkout.session.expired'): TestEvent => ({
    id: `evt_test_${randomUUID()}`,
    type,
    data: {
      object: {
        id: row.stripeSessionId ?? `cs_test_${randomUUID()}`,
        object: 'checkout.session',
        metadata: { enrollmentId: row.enrollmentId, transactionId: row.id, courseId: row.courseId, userId: row.userId },
        ...(type === 'checkout.session.completed'
          ? { payment_intent: `pi_test_${randomUUID()}`, payment_status: 'paid', payment_method_types: ['card'] }
          : { payment_intent: null, payment_status: 'unpaid' }),
      },
    },
  });

  router.get('/checkout/test/:transactionId', async (req, res) => {
    if (available() && !currentUser(res)) return res.redirect(303, `/auth/login?next=${encodeURIComponent(req.originalUrl)}`);
    const row = await load(req, res);
    res.setHeader('Cache-Control', 'no-store');
    const tr = translatorOf(res);
    render(res, 'payments/test-checkout', {
      title: tr.t('Test checkout — no real payment'),
      payment: row,
      priceLabel: tr.price(row.amount, row.currency),
    });
  });

  router.post('/checkout/test/:transactionId/complete', async (req, res) => {
    const row = await load(req, res);
    waiting(row);
    await handleStripeEvent(db, eventFor(row, 'checkout.session.completed'));
    res.redirect(303, `/checkout/success?enrollment=${row.enrollmentId}`);
  });

  router.post('/checkout/test/:transactionId/cancel', async (req, res) => {
    const row = await load(req, res);
    waiting(row);
    await handleStripeEvent(db, eventFor(row, 'checkout.session.expired'));
    res.redirect(303, `/courses/${encodeURIComponent(row.slug)}?checkout=cancelled`);
  });

  return publicRouter(router);
}
