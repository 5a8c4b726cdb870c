import type { Selectable, Transaction } from 'kysely';
import Stripe from 'stripe';
import type { Config } from '../config.ts';
import type { Database } from '../db/database.ts';
import type { BillingAddress, DB } from '../db/types.ts';
import type { AuditContext } from '../features/audit/activity.ts';
import { openPendingEnrollment } from '../features/enrollments/service.ts';
import { msg } from '../i18n/catalogue.ts';
import type { Locale } from '../i18n/locales.ts';
import { HttpError, notFound } from '../http/errors.ts';
import type { Logger } from '../logger.ts';
import { ensureCoursePrice } from './prices.ts';

/**
 * Paid enrollment: a Pending enrollment and a Pending payment_transaction, then Stripe Checkout (or,
 * without a Stripe key outside production, our own test checkout). The webhook (events.ts) completes
 * it. Stripe's HTTP calls happen outside any database transaction: tx1 makes sure of the enrollment
 * and the transaction, then Stripe, then the session id is stored. The enrollment itself is made
 * Pending by features/enrollments/service.ts, in tx1, with its audit row (`audit`: the student's request).
 * The session sells the course's Stripe Price (course.stripe_price_id, prices.ts).
 */

export interface PaymentsDeps {
  db: Database;
  stripe: Stripe | undefined;
  config: Config;
  logger: Logger;
}

type Tx = Transaction<DB>;

// Stripe's minimum lifetime for a Checkout Session is 30 minutes from its creation; the extra minute
// covers the time the request takes (and the SDK's retries).
const SESSION_LIFETIME_SECONDS = 31 * 60;

export const PAYMENTS_UNAVAILABLE = msg('Payments are not available right now. Please try again later.');

interface Prepared {
  course: { id: string; slug: string; price: number };
  enrollmentId: string;
  transaction: { id: string; stripeSessionId: string | null };
  user: { id: string; email: string; firstName: string; lastName: string | null; stripeCustomerId: string | null };
  billing: Selectable<BillingAddress> | undefined;
}

/** Returns where to send the browser: Stripe Checkout, or our test checkout. */
export async function startCheckout(
  deps: PaymentsDeps,
  audit: AuditContext,
  input: { userId: string; courseId: string; /** The reader's language: Stripe Checkout's own, where it has one. */ locale?: Locale },
): Promise<{ url: string; enrollmentId: string }> {
  try {
    return await attemptCheckout(deps, audit, input, 1);
  } catch (error) {
    // Stripe unreachable or failing on its side: nothing was charged and the Pending enrollment
    // waits for the next try, so the student is told to try again (503), not shown a server error.
    if (!stripeIsUnavailable(error)) throw error;
    deps.logger.warn({ err: error, courseId: input.courseId, userId: input.userId }, 'Stripe could not start a checkout');
    throw new HttpError(503, PAYMENTS_UNAVAILABLE);
  }
}

/** Stripe's answer to a customer it does not know (on the customer's update, or in a new session). */
function isMissingCustomer(error: unknown): boolean {
  return error instanceof Stripe.errors.StripeInvalidRequestError && error.code === 'resource_missing' && (error.param === 'customer' || /no such customer/i.test(error.message));
}

/** Stripe down, slow to answer, rate limiting us, or failing on its side (5xx): worth a later try. */
function stripeIsUnavailable(error: unknown): boolean {
  const e = Stripe.errors;
  return (
    error instanceof e.StripeConnectionError ||
    error instanceof e.StripeAPIError ||
    error instanceof e.StripeRateLimitError ||
    (error instanceof e.StripeError && (error.statusCode ?? 0) >= 500)
  );
}

async function attemptCheckout(
  deps: PaymentsDeps,
  audit: AuditContext,
  input: Parameters<typeof startCheckout>[2],
  attempt: number,
): Promise<{ url: string; enrollmentId: string }> {
  const { db, stripe, config } = deps;
  if (!stripe && config.isProduction) throw new HttpError(503, PAYMENTS_UNAVAILABLE);

  const prepared = await prepare(db, audit, input, { withStripe: Boolean(stripe) });
  const { enrollmentId, course } = prepared;
  if (!stripe) return { url: `/checkout/test/${prepared.transaction.id}`, enrollmentId };

  const successUrl = `${config.baseUrl}/checkout/success?enrollment=${enrollmentId}`;
  let transactionId = prepared.transaction.id;
  if (prepared.transaction.stripeSessionId) {
    const session = await retrieveSession(stripe, prepared.transaction.stripeSessionId);
    if (session?.status === 'open' && session.url) return { url: session.url, enrollmentId };
    // Paid already: the webhook is on its way; paying twice is what we must not offer.
    if (session?.status === 'complete') return { url: successUrl, enrollmentId };
    // Expired (or unknown to Stripe): that attempt is over; a new transaction gets a new session.
    transactionId = await db.transaction().execute((tx) => newTransaction(tx, enrollmentId, course.price, transactionId));
  }

  // The course's Stripe Price (prices.ts): the one stored when it was published, or made now when
  // that failed (Stripe down) or the price changed since. It must be the amount tx1 recorded: when
  // the teacher changed the price in between, start again (once) from the course as it is now.
  const price = await ensureCoursePrice(deps, course.id);
  if (price?.amount !== course.price) {
    if (attempt >= 2) throw new HttpError(503, PAYMENTS_UNAVAILABLE);
    return attemptCheckout(deps, audit, input, attempt + 1);
  }

  const metadata = { enrollmentId, transactionId, courseId: course.id, userId: input.userId };
  let customer: string | undefined;
  let session: Stripe.Checkout.Session;
  try {
    customer = await ensureCustomer(deps, prepared.user, prepared.billing);
    session = await stripe.checkout.sessions.create(
      {
        mode: 'payment',
        // The session keeps this Price: a price change while it is open does not alter what it charges.
        line_items: [{ price: price.id, quantity: 1 }],
        customer,
        client_reference_id: enrollmentId,
        metadata,
        payment_intent_data: { metadata },
        success_url: successUrl,
        cancel_url: `${config.baseUrl}/courses/${encodeURIComponent(course.slug)}?checkout=cancelled`,
        expires_at: Math.floor(Date.now() / 1000) + SESSION_LIFETIME_SECONDS,
        // Checkout speaks Spanish, not Arabic: otherwise Stripe follows the browser (its default, 'auto').
        ...(input.locale === 'es' ? { locale: 'es' as const } : {}),
      },
      { idempotencyKey: `checkout-${transactionId}` },
    );
  } catch (error) {
    // The stored Stripe customer may be one Stripe no longer knows (deleted in its dashboard, or
    // made under another key): forget it and start again once, which makes a new one. Without this
    // the student could not check out until someone cleared the id by hand.
    const stale = customer ?? prepared.user.stripeCustomerId;
    if (!isMissingCustomer(error) || !stale || attempt >= 2) throw error;
    deps.logger.warn({ userId: input.userId, customer: stale }, 'Stripe no longer knows the stored customer: making a new one');
    await db.updateTable('user').set({ stripeCustomerId: null }).where('id', '=', input.userId).where('stripeCustomerId', '=', stale).execute();
    return attemptCheckout(deps, audit, input, attempt + 1);
  }
  await db.updateTable('paymentTransaction').set({ stripeSessionId: session.id }).where('id', '=', transactionId).execute();
  if (!session.url) throw new Error(`Stripe returned Checkout Session ${session.id} without a url`);
  return { url: session.url, enrollmentId };
}

/** tx1: the course, the user's enrollment (locked, made Pending) and the transaction to pay. */
function prepare(
  db: Database,
  audit: AuditContext,
  { userId, courseId }: { userId: string; courseId: string },
  { withStripe }: { withStripe: boolean },
): Promise<Prepared> {
  return db.transaction().execute(async (tx) => {
    const course = await tx.selectFrom('course').select(['id', 'slug', 'price', 'status']).where('id', '=', courseId).executeTakeFirst();
    if (!course || course.status !== 'Published') throw notFound();
    if (course.price <= 0) throw new HttpError(409, msg('This course is free: enroll without paying.'));

    // Two clicks at once: one inserts, the other finds the row; both then queue on its lock.
    const opened = await openPendingEnrollment(tx, audit, { userId, courseId, amount: course.price });
    if (!opened.ok) throw opened.reason === 'active' ? new HttpError(409, msg('You are already enrolled.')) : new HttpError(403, msg('You cannot enroll in this course.'));
    const enrollment = { id: opened.enrollmentId };

    const pending = await tx
      .selectFrom('paymentTransaction')
      .select(['id', 'amount', 'stripeSessionId'])
      .where('enrollmentId', '=', enrollment.id)
      .where('status', '=', 'Pending')
      .orderBy('createdAt', 'desc')
      .limit(1)
      .executeTakeFirst();
    // With Stripe, only a transaction that has a session can be reused (its session may still be
    // open); one without (a Stripe call that failed, or made before a key was set) is replaced, as is
    // one at an old price. The test checkout reuses any Pending one.
    const reusable = pending && pending.amount === course.price && (pending.stripeSessionId !== null || !withStripe);
    const transaction = reusable
      ? { id: pending.id, stripeSessionId: pending.stripeSessionId }
      : { id: await newTransaction(tx, enrollment.id, course.price, pending?.id), stripeSessionId: null };

    const user = await tx
      .selectFrom('user')
      .select(['id', 'email', 'firstName', 'lastName', 'stripeCustomerId'])
      .where('id', '=', userId)
      .executeTakeFirstOrThrow();
    const billing = await tx.selectFrom('billingAddress').selectAll().where('userId', '=', userId).executeTakeFirst();
    return { course, enrollmentId: enrollment.id, transaction, user, billing };
  });
}

/** A new Pending transaction; the one it supersedes (if any, and still Pending) is Cancelled. */
async function newTransaction(tx: Tx, enrollmentId: string, amount: number, supersededId: string | undefined): Promise<string> {
  if (supersededId) {
    await tx.updateTable('paymentTransaction').set({ status: 'Cancelled' }).where('id', '=', supersededId).where('status', '=', 'Pending').execute();
  }
  const row = await tx
    .insertInto('paymentTransaction')
    .values({ enrollmentId, amount, currency: 'usd', status: 'Pending' })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

async function retrieveSession(stripe: Stripe, id: string): Promise<Stripe.Checkout.Session | undefined> {
  try {
    return await stripe.checkout.sessions.retrieve(id);
  } catch (error) {
    if (error instanceof Stripe.errors.StripeError && error.statusCode === 404) return undefined;
    throw error;
  }
}

function customerDetails(user: Prepared['user'], billing: Prepared['billing']): Stripe.CustomerUpdateParams {
  if (!billing) return { email: user.email, name: [user.firstName, user.lastName].filter(Boolean).join(' ') };
  return {
    email: billing.email,
    name: `${billing.firstName} ${billing.lastName}`,
    ...(billing.phoneNumber ? { phone: billing.phoneNumber } : {}),
    address: {
      line1: billing.addressLine1,
      line2: billing.addressLine2 ?? '',
      city: billing.city,
      state: billing.state,
      postal_code: billing.postalCode,
      // Stripe wants an ISO 3166-1 alpha-2 code; a country typed out in full is left to Checkout.
      ...(/^[A-Za-z]{2}$/.test(billing.country.trim()) ? { country: billing.country.trim().toUpperCase() } : {}),
    },
  };
}

/**
 * The user's Stripe customer: made once and kept in user.stripeCustomerId. Racing checkouts may both
 * create one; the conditional update keeps the first stored, and both use that one.
 */
async function ensureCustomer(deps: PaymentsDeps, user: Prepared['user'], billing: Prepared['billing']): Promise<string> {
  const stripe = deps.stripe!;
  const details = customerDetails(user, billing);
  if (user.stripeCustomerId) {
    // The billing address may have changed since: Checkout is prefilled from the customer.
    if (billing) await stripe.customers.update(user.stripeCustomerId, details);
    return user.stripeCustomerId;
  }
  const created = await stripe.customers.create({ ...(details as Stripe.CustomerCreateParams), metadata: { userId: user.id } });
  await deps.db.updateTable('user').set({ stripeCustomerId: created.id }).where('id', '=', user.id).where('stripeCustomerId', 'is', null).execute();
  const stored = await deps.db.selectFrom('user').select('stripeCustomerId').where('id', '=', user.id).executeTakeFirstOrThrow();
  if (stored.stripeCustomerId !== created.id) {
    deps.logger.info({ userId: user.id, unused: created.id, kept: stored.stripeCustomerId }, 'a concurrent checkout stored another Stripe customer');
  }
  return stored.stripeCustomerId ?? created.id;
}
