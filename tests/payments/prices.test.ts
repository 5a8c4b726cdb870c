import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { startCheckout } from '../../src/payments/checkout.ts';
import { ensureCoursePrice } from '../../src/payments/prices.ts';
import { useTestApp } from '../setup/app.ts';
import { createChapter, createCourse, createLesson, createUser } from '../setup/factories.ts';
import { startFakeStripe } from '../setup/fake-stripe.ts';
import { signedInAs } from '../setup/users.ts';
import { paymentsDeps, requestBy, signedEvent, WEBHOOK_SECRET } from './harness.ts';

/**
 * course.stripe_price_id (issue 23, point 1): publishing a paid course, or changing the price of a
 * published one, makes its Stripe Product (once) and a Price, stores the Price's id and archives the
 * one it replaces; checkout sells that Price. The whole app (the teacher's real forms) and the real
 * Stripe SDK, pointed at the local stand-in.
 */

const stripe = await startFakeStripe();
afterAll(() => stripe.stop());

const stripeEnv = { STRIPE_SECRET_KEY: 'sk_test_x', STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET, STRIPE_API_URL: stripe.url };

describe('course prices in Stripe', () => {
  const t = useTestApp({ config: stripeEnv });
  beforeEach(() => stripe.reset());

  const deps = () => paymentsDeps(t.db, { stripeUrl: stripe.url });
  const stored = async (courseId: string) => (await t.db.selectFrom('course').select(['status', 'price', 'stripePriceId']).where('id', '=', courseId).executeTakeFirstOrThrow());
  const priceCreates = () => stripe.requests('POST', '/v1/prices');

  /** A draft the checklist lets publish, owned by a signed-in teacher. */
  async function draft(price: number) {
    const teacher = await signedInAs(t.app, t.db, 'teacher');
    const course = await createCourse(t.db, { userId: teacher.user.id, status: 'Draft', price, title: `Watercolour ${teacher.user.id.slice(0, 6)}` });
    const chapter = await createChapter(t.db, { courseId: course.id });
    await createLesson(t.db, { chapterId: chapter.id, contentMarkdown: 'Wet on wet.' });
    const form = (changes: Record<string, string>) => ({
      title: course.title,
      smallDescription: course.smallDescription,
      description: course.description,
      category: course.category,
      level: 'Beginner',
      price: (course.price / 100).toFixed(2),
      duration: '60',
      ...changes,
    });
    return {
      teacher,
      course,
      publish: () => teacher.post(`/teach/courses/${course.id}/publish`, { status: 'Published' }).expect(303),
      save: (changes: Record<string, string>) => teacher.post(`/teach/courses/${course.id}`, form(changes)).expect(303),
    };
  }

  const checkout = async (courseId: string) => {
    const student = await createUser(t.db);
    const started = await startCheckout(deps(), requestBy(student.id), { userId: student.id, courseId });
    const transaction = await t.db.selectFrom('paymentTransaction').selectAll().where('enrollmentId', '=', started.enrollmentId).where('status', '=', 'Pending').executeTakeFirstOrThrow();
    return { student, ...started, transaction, session: stripe.sessions.get(transaction.stripeSessionId!)! };
  };

  it('publishing a paid course makes one Product and one Price and stores it; publishing or saving again makes nothing', async () => {
    const { course, publish, save } = await draft(1999);
    await publish();

    const { stripePriceId } = await stored(course.id);
    expect(stripePriceId).toMatch(/^price_/);
    expect([...stripe.products.values()]).toEqual([expect.objectContaining({ id: `edupeak_course_${course.id}`, name: course.title, metadata: { courseId: course.id } })]);
    expect([...stripe.prices.values()]).toEqual([
      expect.objectContaining({ id: stripePriceId, product: `edupeak_course_${course.id}`, unit_amount: 1999, currency: 'usd', active: true }),
    ]);
    expect(priceCreates()[0]!.idempotencyKey).toBe(`edupeak-course-price-${course.id}-1999-after-none`);

    // Publishing again reads the Price (once per process at most) and makes nothing; a save without a
    // price change does not call Stripe at all.
    await publish();
    const before = stripe.requests().length;
    await save({ description: 'Now with more colour.' });
    expect(stripe.requests().length).toBe(before);
    expect(stripe.requests('POST', '/v1/products')).toHaveLength(1);
    expect(priceCreates()).toHaveLength(1);
    expect((await stored(course.id)).stripePriceId).toBe(stripePriceId);

    // Checkout sells that Price.
    const { session } = await checkout(course.id);
    expect(stripe.requests('POST', '/v1/checkout/sessions')[0]!.body).toMatchObject({ 'line_items[0][price]': stripePriceId, 'line_items[0][quantity]': '1' });
    expect(session).toMatchObject({ amount_total: 1999, currency: 'usd' });
    expect(priceCreates()).toHaveLength(1);
  });

  it('"publish with all chapters and lessons" makes the Price too; a free course gets none', async () => {
    const paid = await draft(4500);
    await paid.teacher.post(`/teach/courses/${paid.course.id}/publish-all`).expect(303);
    const { stripePriceId } = await stored(paid.course.id);
    expect(stripe.prices.get(stripePriceId!)).toMatchObject({ unit_amount: 4500, active: true });

    stripe.reset();
    const free = await draft(0);
    await free.publish();
    expect(await stored(free.course.id)).toMatchObject({ status: 'Published', stripePriceId: null });
    expect(stripe.requests()).toHaveLength(0);
  });

  it('a price change makes a new Price, archives the old one, and checkout sells the new one; a new title renames the Product', async () => {
    const { course, publish, save } = await draft(1999);
    await publish();
    const first = (await stored(course.id)).stripePriceId!;

    await save({ price: '29.99', title: 'Watercolour for everyone' });
    const second = (await stored(course.id)).stripePriceId!;
    expect(second).not.toBe(first);
    expect(stripe.prices.get(first)).toMatchObject({ unit_amount: 1999, active: false });
    expect(stripe.prices.get(second)).toMatchObject({ unit_amount: 2999, active: true, product: `edupeak_course_${course.id}` });
    expect(stripe.products.get(`edupeak_course_${course.id}`)).toMatchObject({ name: 'Watercolour for everyone' });
    expect(stripe.requests('POST', '/v1/products')).toHaveLength(1);

    const { session, transaction } = await checkout(course.id);
    expect(stripe.requests('POST', '/v1/checkout/sessions')[0]!.body['line_items[0][price]']).toBe(second);
    expect(session.amount_total).toBe(2999);
    expect(transaction.amount).toBe(2999);

    // Back to the first amount (within Stripe's 24 hours of idempotency keys): a new Price, not the archived one.
    await save({ price: '19.99', title: 'Watercolour for everyone' });
    const third = (await stored(course.id)).stripePriceId!;
    expect(third).not.toBe(first);
    expect(stripe.prices.get(third)).toMatchObject({ unit_amount: 1999, active: true });
    expect(stripe.prices.get(second)!.active).toBe(false);
    expect([...stripe.prices.values()].filter((p) => p.active)).toHaveLength(1);
    expect((await checkout(course.id)).session.amount_total).toBe(1999);
  });

  it('a price change while a checkout is open: that checkout keeps its price, and paying it enrolls at the amount paid', async () => {
    const { course, publish, save } = await draft(1999);
    await publish();
    const open = await checkout(course.id);
    expect(open.session.amount_total).toBe(1999);

    await save({ price: '49.99' });
    expect(stripe.prices.get((await stored(course.id)).stripePriceId!)).toMatchObject({ unit_amount: 4999 });
    // The open session is Stripe's: still open, still 19.99 (its Price is archived, not changed).
    expect(stripe.sessions.get(open.session.id as string)).toMatchObject({ status: 'open', amount_total: 1999 });

    // The student pays the open checkout: Stripe's webhook completes it.
    stripe.setSessionStatus(open.session.id as string, 'complete');
    const { payload, signature } = signedEvent({
      id: `evt_price_${open.transaction.id.slice(0, 8)}`,
      type: 'checkout.session.completed',
      data: { object: { ...stripe.sessions.get(open.session.id as string)!, payment_intent: `pi_price_${open.transaction.id.slice(0, 8)}` } },
    });
    await t.request().post('/webhooks/stripe').set('Content-Type', 'application/json').set('Stripe-Signature', signature).send(payload).expect(200);

    const enrollment = await t.db.selectFrom('enrollment').selectAll().where('id', '=', open.enrollmentId).executeTakeFirstOrThrow();
    expect(enrollment).toMatchObject({ status: 'Active', amount: 1999 });
    const paid = await t.db.selectFrom('paymentTransaction').selectAll().where('id', '=', open.transaction.id).executeTakeFirstOrThrow();
    expect(paid).toMatchObject({ status: 'Completed', amount: 1999 });
    // A new student pays the new price.
    expect((await checkout(course.id)).session.amount_total).toBe(4999);
  });

  it('an old checkout tab paid after the price changed and a new tab opened: the enrollment records what was paid', async () => {
    const { course, publish, save } = await draft(1999);
    await publish();
    const student = await createUser(t.db);
    const start = () => startCheckout(deps(), requestBy(student.id), { userId: student.id, courseId: course.id });
    const pendingSession = async () =>
      (await t.db.selectFrom('paymentTransaction').select(['id', 'stripeSessionId']).where('enrollmentId', '=', first.enrollmentId).where('status', '=', 'Pending').executeTakeFirstOrThrow());
    const first = await start();
    const oldTab = await pendingSession();

    await save({ price: '29.99' });
    // A second tab, after the change: a new session at the new price; the Pending enrollment says 29.99.
    await start();
    const newTab = await pendingSession();
    expect(newTab.id).not.toBe(oldTab.id);
    expect(stripe.sessions.get(newTab.stripeSessionId!)).toMatchObject({ amount_total: 2999 });
    expect((await t.db.selectFrom('enrollment').select('amount').where('id', '=', first.enrollmentId).executeTakeFirstOrThrow()).amount).toBe(2999);

    // The student pays in the old tab, at 19.99.
    stripe.setSessionStatus(oldTab.stripeSessionId!, 'complete');
    const { payload, signature } = signedEvent({
      id: `evt_old_tab_${oldTab.id.slice(0, 8)}`,
      type: 'checkout.session.completed',
      data: { object: { ...stripe.sessions.get(oldTab.stripeSessionId!)!, payment_intent: `pi_old_tab_${oldTab.id.slice(0, 8)}` } },
    });
    await t.request().post('/webhooks/stripe').set('Content-Type', 'application/json').set('Stripe-Signature', signature).send(payload).expect(200);
    const enrollment = await t.db.selectFrom('enrollment').selectAll().where('id', '=', first.enrollmentId).executeTakeFirstOrThrow();
    expect(enrollment).toMatchObject({ status: 'Active', amount: 1999 });
    const log = await t.db.selectFrom('activityLog').select('metadata').where('entityId', '=', first.enrollmentId).where('action', '=', 'enrollment_activated').executeTakeFirstOrThrow();
    expect(log.metadata).toMatchObject({ amount: 1999, previousAmount: 2999 });
  });

  it('Stripe down while publishing: the course is published all the same, and checkout makes the Price later', async () => {
    const { course, publish, teacher } = await draft(2500);
    stripe.failRequests(/^POST \/v1\/(products|prices)/);
    await publish();
    expect(await stored(course.id)).toMatchObject({ status: 'Published', stripePriceId: null });
    expect(stripe.requests('POST', '/v1/products').length).toBeGreaterThan(0);
    const page = await teacher.agent.get(`/teach/courses/${course.id}`).expect(200);
    expect(page.text).toContain('Course published: students can find it now.');

    // Still down when a student checks out: payments are unavailable (an error, not a session without a price).
    await expect(checkout(course.id)).rejects.toBeDefined();
    expect(stripe.requests('POST', '/v1/checkout/sessions')).toHaveLength(0);

    stripe.failRequests(null);
    const { session } = await checkout(course.id);
    const { stripePriceId } = await stored(course.id);
    expect(stripe.prices.get(stripePriceId!)).toMatchObject({ unit_amount: 2500, active: true });
    expect(session.amount_total).toBe(2500);
    expect([...stripe.prices.values()]).toHaveLength(1);
  });

  it('Stripe down when a student clicks Enroll: a 503 page that says to try again, nothing charged, and the next click goes through', async () => {
    const { course, publish } = await draft(2500);
    await publish();
    const student = await signedInAs(t.app, t.db, 'student');
    stripe.failRequests(/^POST \/v1\/(customers|checkout\/sessions)/);
    const refused = await student.post(`/courses/${course.slug}/enroll`, {});
    expect(refused.status).toBe(503);
    expect(refused.text).toContain('Payments are not available right now. Please try again later.');
    const waiting = await t.db.selectFrom('enrollment').select('status').where('userId', '=', student.user.id).where('courseId', '=', course.id).executeTakeFirstOrThrow();
    expect(waiting.status).toBe('Pending');
    expect(stripe.sessions.size).toBe(0);
    // In Spanish too.
    const es = await student.post(`/courses/${course.slug}/enroll`, {}).set('Accept-Language', 'es');
    expect(es.status).toBe(503);
    expect(es.text).toContain('Los pagos no están disponibles');

    stripe.failRequests(null);
    const again = await student.post(`/courses/${course.slug}/enroll`, {}).expect(303);
    expect(again.headers.location).toMatch(/^https?:\/\//);
    expect(stripe.sessions.size).toBe(1);
  });

  it('two checkouts at once for a course without a Price make one Price', async () => {
    // Published without Stripe (the demo data, or Stripe down then): no Price yet.
    const course = await createCourse(t.db, { price: 3900, status: 'Published' });
    const students = await Promise.all([1, 2, 3].map(() => createUser(t.db)));
    await Promise.all(students.map((s) => startCheckout(deps(), requestBy(s.id), { userId: s.id, courseId: course.id })));

    expect(stripe.prices.size).toBe(1);
    const [price] = [...stripe.prices.values()];
    expect(priceCreates().map((r) => r.idempotencyKey)).toEqual(priceCreates().map(() => `edupeak-course-price-${course.id}-3900-after-none`));
    expect((await stored(course.id)).stripePriceId).toBe(price!.id);
    const sessions = stripe.requests('POST', '/v1/checkout/sessions');
    expect(sessions).toHaveLength(3);
    for (const s of sessions) expect(s.body['line_items[0][price]']).toBe(price!.id);
    expect(stripe.products.size).toBe(1);
  });

  it('a course made free keeps its old Price id and calls nothing; checkout refuses it as free', async () => {
    const { course, publish, save } = await draft(1999);
    await publish();
    const before = stripe.requests().length;
    await save({ price: '0' });
    expect(stripe.requests().length).toBe(before);
    expect(await ensureCoursePrice(deps(), course.id)).toBeUndefined();
    const student = await createUser(t.db);
    await expect(startCheckout(deps(), requestBy(student.id), { userId: student.id, courseId: course.id })).rejects.toMatchObject({ status: 409 });
  });
});

describe('course prices without a Stripe key', () => {
  const t = useTestApp();

  it('publishing a paid course and the test checkout leave stripe_price_id empty', async () => {
    const teacher = await signedInAs(t.app, t.db, 'teacher');
    const course = await createCourse(t.db, { userId: teacher.user.id, status: 'Draft', price: 1999 });
    const chapter = await createChapter(t.db, { courseId: course.id });
    await createLesson(t.db, { chapterId: chapter.id, contentMarkdown: 'Text.' });
    stripe.reset();
    await teacher.post(`/teach/courses/${course.id}/publish`, { status: 'Published' }).expect(303);
    const student = await createUser(t.db);
    const started = await startCheckout(paymentsDeps(t.db), requestBy(student.id), { userId: student.id, courseId: course.id });
    expect(started.url).toMatch(/^\/checkout\/test\//);
    const row = await t.db.selectFrom('course').select(['status', 'stripePriceId']).where('id', '=', course.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'Published', stripePriceId: null });
    expect(stripe.requests()).toHaveLength(0);
  });
});
