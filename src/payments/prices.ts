import Stripe from 'stripe';
import type { Database } from '../db/database.ts';
import type { Logger } from '../logger.ts';

/**
 * course.stripe_price_id: the Stripe Price that Checkout sells a paid course at.
 *
 * - One Stripe Product per course, with our own id (`edupeak_course_<course id>`): creating it twice
 *   is `resource_already_exists`, which is what we want, so the id itself makes it idempotent (an
 *   idempotency key would refuse a retry after a title change, since its parameters differ).
 * - A Price per amount: Stripe prices are immutable, so a new amount is a new Price, and the one it
 *   replaces is archived. Its idempotency key is the course, the amount and the Price it replaces:
 *   two checkouts at once (or a retry) make one Price, and a change back to an earlier amount makes a
 *   new Price instead of getting the archived one again.
 * - Every Stripe call happens outside any database transaction. The id is stored with a conditional
 *   update (only if the course still has this amount and the Price we read), so nothing is locked
 *   across the network and a concurrent change is seen and redone.
 * - When Stripe fails during publishing or saving (syncCoursePrice), the course is saved all the
 *   same; checkout (ensureCoursePrice) makes the missing Price when it is first needed.
 * - Without a Stripe key (the development test checkout) nothing is called and the column stays empty.
 *
 * The stored id does not say its amount: a Price's amount never changes, so it is remembered here per
 * process once read from Stripe (one GET per Price per process, none after).
 */

export interface PriceDeps {
  db: Database;
  stripe: Stripe | undefined;
  logger: Logger;
}

/** The currency checkout has always charged in. */
export const CURRENCY = 'usd';

export const productIdOf = (courseId: string) => `edupeak_course_${courseId}`;

/** Prices are immutable: their amount, once known, is known for good. */
const knownAmounts = new Map<string, number>();
const KNOWN_MAX = 10_000;
function remember(priceId: string, amount: number) {
  if (knownAmounts.size >= KNOWN_MAX) knownAmounts.clear();
  knownAmounts.set(priceId, amount);
}

async function amountOf(stripe: Stripe, priceId: string, options: Stripe.RequestOptions): Promise<number | undefined> {
  const known = knownAmounts.get(priceId);
  if (known !== undefined) return known;
  try {
    const price = await stripe.prices.retrieve(priceId, undefined, options);
    // An archived one (someone did it in Stripe's dashboard) cannot be sold: as if there were none.
    if (!price.active || price.unit_amount === null) return undefined;
    remember(priceId, price.unit_amount);
    return price.unit_amount;
  } catch (error) {
    // Gone from Stripe (another account's key, test data wiped): a new one is made.
    if (error instanceof Stripe.errors.StripeError && error.statusCode === 404) return undefined;
    throw error;
  }
}

async function ensureProduct(stripe: Stripe, course: { id: string; title: string }, options: Stripe.RequestOptions): Promise<string> {
  const id = productIdOf(course.id);
  try {
    await stripe.products.create({ id, name: course.title, metadata: { courseId: course.id } }, options);
  } catch (error) {
    if (!(error instanceof Stripe.errors.StripeError && error.code === 'resource_already_exists')) throw error;
    // Made by an earlier attempt whose Price failed: the title may have changed since.
    await stripe.products.update(id, { name: course.title }, options);
  }
  return id;
}

const MAX_ROUNDS = 3;

/**
 * The course's Price for its current amount: the stored one when it is for this amount, else a new
 * one (stored, the old one archived). Undefined without Stripe, or for a course that is not a
 * published paid course. Throws when Stripe does.
 */
export async function ensureCoursePrice(
  deps: PriceDeps,
  courseId: string,
  options: Stripe.RequestOptions = {},
): Promise<{ id: string; amount: number } | undefined> {
  const { db, stripe, logger } = deps;
  if (!stripe) return undefined;
  for (let round = 1; round <= MAX_ROUNDS; round++) {
    const course = await db.selectFrom('course').select(['id', 'title', 'price', 'status', 'stripePriceId']).where('id', '=', courseId).executeTakeFirst();
    if (!course || course.status !== 'Published' || course.price <= 0) return undefined;
    const old = course.stripePriceId;
    if (old && (await amountOf(stripe, old, options)) === course.price) return { id: old, amount: course.price };

    // A course that has a Price has its Product.
    const product = old ? productIdOf(course.id) : await ensureProduct(stripe, course, options);
    const price = await stripe.prices.create(
      { product, currency: CURRENCY, unit_amount: course.price, metadata: { courseId: course.id } },
      { ...options, idempotencyKey: `edupeak-course-price-${course.id}-${course.price}-after-${old ?? 'none'}` },
    );
    remember(price.id, course.price);
    const stored = await db
      .updateTable('course')
      .set({ stripePriceId: price.id })
      .where('id', '=', course.id)
      .where('price', '=', course.price)
      .where((eb) => (old ? eb('stripePriceId', '=', old) : eb('stripePriceId', 'is', null)))
      .returning('id')
      .executeTakeFirst();
    if (stored) {
      if (old) await archive(deps, old, options);
      logger.info({ courseId, priceId: price.id, amount: course.price, replaced: old }, 'Stripe price stored for a course');
      return { id: price.id, amount: course.price };
    }
    // The price changed meanwhile, or a concurrent call stored first (with the same key: the same
    // Price, found stored in the next round). One nobody stored is archived, so only one is for sale.
    const now = await db.selectFrom('course').select('stripePriceId').where('id', '=', course.id).executeTakeFirst();
    if (now?.stripePriceId !== price.id) await archive(deps, price.id, options);
  }
  throw new Error(`the price of course ${courseId} kept changing while its Stripe price was made`);
}

/** Archived: kept for the payments made with it, no longer for sale. A failure is logged: it is only untidy. */
async function archive({ stripe, logger }: PriceDeps, priceId: string, options: Stripe.RequestOptions) {
  try {
    await stripe!.prices.update(priceId, { active: false }, options);
  } catch (error) {
    logger.warn({ err: error, priceId }, 'could not archive a replaced Stripe price');
  }
}

/** Publishing and saving wait this long for Stripe at most (checkout makes the Price later when it fails). */
const SYNC_OPTIONS: Stripe.RequestOptions = { timeout: 8_000, maxNetworkRetries: 1 };

/**
 * After a course was published or saved (its transaction committed): its Price for the current
 * amount, and its Product's name when the title changed. `before`: the course before a save (none
 * after publishing). Never throws: the course is saved whatever Stripe says; a failure is logged and
 * checkout makes the Price when it is first needed.
 */
export async function syncCoursePrice(deps: PriceDeps, courseId: string, before?: { title: string; price: number }): Promise<void> {
  const { db, stripe, logger } = deps;
  if (!stripe) return;
  try {
    const course = await db.selectFrom('course').select(['title', 'price', 'status', 'stripePriceId']).where('id', '=', courseId).executeTakeFirst();
    if (!course) return;
    // Checkout shows the Product's name: it follows the title of a course that has one.
    if (before && before.title !== course.title && course.stripePriceId) {
      await stripe.products.update(productIdOf(courseId), { name: course.title }, SYNC_OPTIONS);
    }
    if (course.status !== 'Published' || course.price <= 0) return;
    if (before && before.price === course.price && course.stripePriceId) return;
    await ensureCoursePrice(deps, courseId, SYNC_OPTIONS);
  } catch (error) {
    logger.warn({ err: error, courseId }, 'Stripe price not made on publish or save: checkout makes it when needed');
  }
}
