import { randomUUID } from 'node:crypto';
import express, { type Express, type Router } from 'express';
import { pino } from 'pino';
import Stripe from 'stripe';
import { loadConfig, type Config } from '../../src/config.ts';
import type { Database } from '../../src/db/database.ts';
import type { AuditContext } from '../../src/features/audit/activity.ts';
import { buildAssetManifest } from '../../src/http/assets.ts';
import { handleErrors, handleNotFound } from '../../src/http/errors.ts';
import type { CurrentUser, Role } from '../../src/http/guards.ts';
import { createViewRenderer } from '../../src/http/render.ts';
import type { PaymentsDeps } from '../../src/payments/checkout.ts';
import { createStripe } from '../../src/payments/stripe.ts';
import { createCourse, createUser } from '../setup/factories.ts';

/**
 * The payments module on its own: deps from a test configuration, and a tiny Express app with only
 * the payments routers (and the real error handler), so these tests do not depend on app.ts.
 */

export const WEBHOOK_SECRET = 'whsec_test';
const logger = pino({ level: 'silent' });
const assets = buildAssetManifest();

export function paymentsConfig(env: NodeJS.ProcessEnv = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    DATA_DIR: '/tmp/edupeak-payments-test',
    SESSION_SECRET: 'test-secret-test-secret-test-secret-0123',
    LOG_LEVEL: 'silent',
    BASE_URL: 'http://edupeak.test',
    ...env,
  });
}

/** With a fake Stripe's url: the real SDK talks to it. Without: no key (the test checkout). */
export function paymentsDeps(db: Database, options: { stripeUrl?: string; env?: NodeJS.ProcessEnv } = {}): PaymentsDeps {
  const config = paymentsConfig({
    ...(options.stripeUrl ? { STRIPE_SECRET_KEY: 'sk_test_x', STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET, STRIPE_API_URL: options.stripeUrl } : {}),
    ...options.env,
  });
  return { db, stripe: createStripe(config), config, logger };
}

/**
 * `express()` + the given routers + the app's error handler. A request signs in by sending
 * `x-test-user: <id>` for a user registered with `signIn` (the real app's session does this).
 */
export function tinyApp(db: Database, routers: { beforeBody?: Router[]; afterBody?: Router[] }) {
  const users = new Map<string, CurrentUser>();
  const app: Express = express();
  app.locals.renderView = createViewRenderer({ assets, cache: false });
  for (const router of routers.beforeBody ?? []) app.use(router);
  app.use(express.urlencoded({ extended: false }));
  app.use((req, res, next) => {
    const user = users.get(req.get('x-test-user') ?? '');
    if (user) {
      res.locals.user = user;
      res.locals.csrfToken = 'test-csrf-token';
    }
    next();
  });
  for (const router of routers.afterBody ?? []) app.use(router);
  app.use(handleNotFound);
  app.use(handleErrors({ db, logger }));
  return {
    app,
    signIn(user: { id: string; firstName: string; lastName: string | null; email: string; role: string | null }) {
      users.set(user.id, { ...user, role: (user.role ?? 'student') as Role, emailVerified: true, image: null, timeZone: 'UTC' });
    },
  };
}

/** The audit context a route builds for a signed-in user's request (http/audit-context.ts). */
export const requestBy = (actorId: string): AuditContext => ({ actorId, ipAddress: '203.0.113.7', userAgent: 'vitest' });

/** A webhook body and its Stripe-Signature header, signed as Stripe would. */
export function signedEvent(event: { id: string; type: string; data: { object: Record<string, unknown> } }, secret = WEBHOOK_SECRET) {
  const payload = JSON.stringify({ object: 'event', api_version: Stripe.API_VERSION, created: Math.floor(Date.now() / 1000), livemode: false, ...event });
  return { payload, signature: Stripe.webhooks.generateTestHeaderString({ payload, secret }) };
}

/** A Pending enrollment and transaction, as startCheckout leaves them (with a session id). */
export async function pendingPayment(db: Database, price = 1999) {
  const user = await createUser(db);
  const course = await createCourse(db, { price, status: 'Published' });
  const enrollment = await db
    .insertInto('enrollment')
    .values({ userId: user.id, courseId: course.id, amount: price, status: 'Pending' })
    .returningAll()
    .executeTakeFirstOrThrow();
  const sessionId = `cs_test_${randomUUID()}`;
  const transaction = await db
    .insertInto('paymentTransaction')
    .values({ enrollmentId: enrollment.id, amount: price, status: 'Pending', stripeSessionId: sessionId })
    .returningAll()
    .executeTakeFirstOrThrow();
  const metadata = { enrollmentId: enrollment.id, transactionId: transaction.id, courseId: course.id, userId: user.id };
  const paymentIntent = `pi_${randomUUID().replaceAll('-', '')}`;
  return { user, course, enrollment, transaction, sessionId, metadata, paymentIntent };
}
export type Payment = Awaited<ReturnType<typeof pendingPayment>>;

export const evt = () => `evt_${randomUUID().replaceAll('-', '')}`;

export const completed = (p: Payment, id = evt()) => ({
  id,
  type: 'checkout.session.completed',
  data: {
    object: {
      id: p.sessionId,
      object: 'checkout.session',
      payment_intent: p.paymentIntent,
      payment_status: 'paid',
      payment_method_types: ['card'],
      status: 'complete',
      metadata: p.metadata,
      client_reference_id: p.enrollment.id,
    },
  },
});

export const chargeRefunded = (p: Payment, amountRefunded: number, amount = p.transaction.amount) => ({
  id: evt(),
  type: 'charge.refunded',
  data: {
    object: {
      id: `ch_${randomUUID().replaceAll('-', '')}`,
      object: 'charge',
      amount,
      amount_refunded: amountRefunded,
      refunded: amountRefunded >= amount,
      payment_intent: p.paymentIntent,
      // Stripe copies the PaymentIntent's metadata to its charge when it is confirmed.
      metadata: p.metadata,
    },
  },
});
