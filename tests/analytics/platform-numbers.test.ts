import { beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { bucketLabel } from '../../src/features/analytics/range.ts';
import { useTestApp } from '../setup/app.ts';
import { createCourse, createEnrollment, createTeacher, createUser } from '../setup/factories.ts';
import { csvLines } from '../setup/log-factories.ts';
import { signedInAs, type SignedIn } from '../setup/users.ts';

/**
 * /admin/analytics' numbers on a small hand-built fixture, read as an admin reads them: the CSV of
 * each chart, the tables under the charts and the sentences that describe them. The fixture lives in
 * past weeks (weeks 1 to 5 before this one), so the accounts the tests sign in with (made now) only
 * touch this week's bucket.
 */

const DAY = 86_400_000;
const HOUR = 3_600_000;
const now = new Date();
const thisMonday = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) - ((now.getUTCDay() + 6) % 7) * DAY;
/** Monday 00:00 UTC of the week `k` weeks before this one. */
const week = (k: number) => thisMonday - k * 7 * DAY;
/** Wednesday noon (by default) of that week. */
const at = (k: number, days = 2, hours = 12) => new Date(week(k) + days * DAY + hours * HOUR);
/** The CSV's period start of that week. */
const iso = (k: number) => new Date(week(k)).toISOString().slice(0, 10);
const LONG_AGO = new Date(Date.now() - 200 * DAY);

/** The CSV as rows of cells (no commas inside the fixture's cells; a negative number comes quoted). */
async function csvOf(admin: SignedIn, query: string): Promise<string[][]> {
  const res = await admin.agent.get(`/admin/analytics?${query}`).expect(200);
  expect(res.headers['content-type']).toMatch(/^text\/csv/);
  expect(res.headers['content-disposition']).toMatch(/^attachment; filename="[a-z0-9.-]+\.csv"$/);
  return csvLines(res.text).map((line) => line.split(',').map((cell) => cell.replace(/^"(.*)"$/, '$1')));
}

/** The rows of a per-period CSV for the weeks 5..1 before this one, keyed by the week's ISO Monday. */
async function pastWeeks(admin: SignedIn, chart: string): Promise<Record<string, string[]>> {
  const rows = await csvOf(admin, `range=90d&format=csv&chart=${chart}`);
  const wanted = [5, 4, 3, 2, 1].map(iso);
  return Object.fromEntries(rows.filter((r) => wanted.includes(r[0]!)).map((r) => [r[0]!, r.slice(1)]));
}

async function pay(db: Database, enrollmentId: string, amount: number, createdAt: Date, more: { status?: 'Completed' | 'Refunded' | 'Pending' | 'Failed'; refund?: { amount: number; at: Date } } = {}) {
  await db
    .insertInto('paymentTransaction')
    .values({
      enrollmentId,
      amount,
      createdAt,
      status: more.status ?? 'Completed',
      ...(more.refund ? { refunded: true, refundAmount: more.refund.amount, refundedAt: more.refund.at, refundReason: 'Test' } : {}),
    })
    .execute();
}

describe('admin analytics: the numbers', () => {
  const t = useTestApp();

  beforeAll(async () => {
    const db = t.db;
    const old = { createdAt: LONG_AGO };
    // Sign-ups: two in week 5, one in week 3, one late on the Sunday that ends week 4 (UTC).
    const a = await createUser(db, { firstName: 'Ada', createdAt: at(5) });
    const b = await createUser(db, { firstName: 'Bo', createdAt: at(5, 3) });
    const c = await createUser(db, { firstName: 'Cy', createdAt: at(3) });
    await createUser(db, { firstName: 'Sunday', createdAt: new Date(week(3) - 4 * HOUR) });
    // Signed up before the range: 120 and 200 days ago.
    await createUser(db, { createdAt: new Date(Date.now() - 120 * DAY) });
    const d = await createUser(db, old);
    const e = await createUser(db, old);
    const f = await createUser(db, old);
    const g = await createUser(db, old);
    const h = await createUser(db, old);

    const teacher = await createTeacher(db, old);
    // Made in the order that the ties must not follow (Drawing, Chemistry, Biology, then Algebra).
    const drawing = await createCourse(db, { userId: teacher.id, title: 'Drawing', price: 0 });
    const chemistry = await createCourse(db, { userId: teacher.id, title: 'Chemistry', price: 0 });
    const biology = await createCourse(db, { userId: teacher.id, title: 'Biology', price: 3000 });
    const algebra = await createCourse(db, { userId: teacher.id, title: 'Algebra', price: 5000 });

    // Algebra: three paid enrollments in week 5; Bo's payment partly refunded (20.00) in week 3.
    for (const [who, refund] of [[a, undefined], [b, { amount: 2000, at: at(3) }], [d, undefined]] as const) {
      const en = await createEnrollment(db, { userId: who.id, courseId: algebra.id, createdAt: at(5) });
      await pay(db, en.id, 5000, at(5), refund ? { refund } : {});
    }
    // Algebra, long ago: a sale 120 days back refunded 10.00 in week 1 (the refund is in the range, the sale not).
    const oldSale = await createEnrollment(db, { userId: e.id, courseId: algebra.id, createdAt: new Date(Date.now() - 120 * DAY) });
    await pay(db, oldSale.id, 5000, new Date(Date.now() - 120 * DAY), { refund: { amount: 1000, at: at(1) } });
    // Biology in week 4: one sale; one refunded in full in week 2 (the enrollment cancelled); an unpaid
    // checkout (Pending: neither an enrollment nor a sale) and a failed payment.
    const cy = await createEnrollment(db, { userId: c.id, courseId: biology.id, createdAt: at(4) });
    await pay(db, cy.id, 3000, at(4));
    const refunded = await createEnrollment(db, { userId: f.id, courseId: biology.id, createdAt: at(4), status: 'Cancelled' });
    await pay(db, refunded.id, 3000, at(4), { status: 'Refunded', refund: { amount: 3000, at: at(2) } });
    const unpaid = await createEnrollment(db, { userId: g.id, courseId: biology.id, createdAt: at(4), status: 'Pending' });
    await pay(db, unpaid.id, 3000, at(4), { status: 'Pending' });
    await pay(db, unpaid.id, 9999, at(4), { status: 'Failed' });
    // Free courses: two enrollments each in week 3 (a tie with Biology's two).
    for (const course of [chemistry, drawing]) {
      for (const who of [g, h]) await createEnrollment(db, { userId: who.id, courseId: course.id, createdAt: at(3) });
    }

    // Active users: the UTC days on which each person used the site signed in (user_active_day, kept by
    // the presence tracker). Week 4: Ada on two days (counted once), Bo. Week 3: nobody. Week 2: Ada and Cy.
    const day = (d: Date) => d.toISOString().slice(0, 10);
    await db
      .insertInto('userActiveDay')
      .values([
        { userId: a.id, day: day(at(4, 1, 13)) },
        { userId: a.id, day: day(at(4, 4)) },
        { userId: b.id, day: day(at(4, 0)) },
        { userId: a.id, day: day(at(2)) },
        { userId: c.id, day: day(at(2, 1)) },
      ])
      .execute();

    // Teacher applications: four sent in week 3 (two waiting, one approved, one rejected), one long ago.
    const statuses = ['Pending', 'Pending', 'Approved', 'Rejected', 'Approved'] as const;
    for (const [i, status] of statuses.entries()) {
      const applicant = await createUser(db, old);
      await db
        .insertInto('teacherApplication')
        .values({ userId: applicant.id, status, applicationData: JSON.stringify({ experience: 'Some' }), createdAt: i < 4 ? at(3) : LONG_AGO })
        .execute();
    }

    // Searches in week 2: python four ways (two followed, one found nothing), rust twice, a zero-result
    // query three times; one long ago.
    const searched = (query: string, resultsCount: number, clicked = false, createdAt = at(2)) =>
      db.insertInto('searchAnalytics').values({ query, resultsCount, clickedResult: clicked ? 'a-course' : null, createdAt }).execute();
    await searched('Python', 10, true);
    await searched('  python ', 6);
    await searched('PYTHON', 2, true);
    await searched('python', 0);
    await searched('rust', 3);
    await searched('rust', 3);
    for (let i = 0; i < 3; i++) await searched('Cobol for cats', 0);
    await searched('ancient', 5, true, new Date(Date.now() - 120 * DAY));
  });

  it('sign-ups per week, and per week in the viewer\'s own time zone', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    expect(await pastWeeks(admin, 'sign-ups')).toEqual({ [iso(5)]: ['2'], [iso(4)]: ['1'], [iso(3)]: ['1'], [iso(2)]: ['0'], [iso(1)]: ['0'] });
    // In Auckland (12 or 13 hours ahead) the late Sunday sign-up is on Monday morning: week 3.
    const kiwi = await signedInAs(t.app, t.db, 'admin', { timeZone: 'Pacific/Auckland' });
    expect(await pastWeeks(kiwi, 'sign-ups')).toEqual({ [iso(5)]: ['2'], [iso(4)]: ['0'], [iso(3)]: ['2'], [iso(2)]: ['0'], [iso(1)]: ['0'] });
    const page = await admin.agent.get('/admin/analytics').expect(200);
    expect(page.text).toContain('Per week, in your time zone (UTC).');
  });

  it('active users: a person active on two days of a week counts once a week', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    expect(await pastWeeks(admin, 'active-users')).toEqual({ [iso(5)]: ['0'], [iso(4)]: ['2'], [iso(3)]: ['0'], [iso(2)]: ['2'], [iso(1)]: ['0'] });
    const page = await admin.agent.get('/admin/analytics').expect(200);
    expect(page.text).toMatch(/People who used Edupeak signed in on a day of the week \(days in UTC\); each person counts once a week/);
  });

  it('enrollments per week leave out unpaid checkouts; cancelled ones still enrolled', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    expect(await pastWeeks(admin, 'enrollments')).toEqual({ [iso(5)]: ['3'], [iso(4)]: ['2'], [iso(3)]: ['4'], [iso(2)]: ['0'], [iso(1)]: ['0'] });
  });

  it('revenue net of refunds: a sale counts when made, its partial refund in the later week it was given', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    expect(await pastWeeks(admin, 'revenue')).toEqual({
      [iso(5)]: ['150', '0', '150', 'USD'],
      [iso(4)]: ['60', '0', '60', 'USD'],
      [iso(3)]: ['0', '20', '-20', 'USD'],
      [iso(2)]: ['0', '30', '-30', 'USD'],
      [iso(1)]: ['0', '10', '-10', 'USD'],
    });
    const page = await admin.agent.get('/admin/analytics').expect(200);
    expect(page.text).toContain('Net $150.00 in the last 90 days: $210.00 taken less $60.00 refunded.');
    // The table under the chart: the week of the partial refund.
    const label = bucketLabel(iso(3), 'week');
    expect(page.text).toContain(`<tr><th scope="row">${label}</th><td class="num" data-label="Gross">$0.00</td><td class="num" data-label="Refunds">$20.00</td><td class="num" data-label="Net">-$20.00</td></tr>`);
    // All time: the old sale (50.00) is in, in its month.
    const all = await csvOf(admin, 'range=all&format=csv&chart=revenue');
    const gross = all.slice(1).reduce((total, r) => total + Number(r[1]), 0);
    expect(gross).toBe(260);
  });

  it('top courses by enrollments (ties by title) and by net revenue in the range, each linking its analytics', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    const enrolled = await csvOf(admin, 'range=90d&format=csv&chart=top-enrolled');
    expect(enrolled[0]).toEqual(['course id', 'course', 'enrollments']);
    expect(enrolled.slice(1).map((r) => [r[1], r[2]])).toEqual([
      ['Algebra', '3'],
      ['Biology', '2'],
      ['Chemistry', '2'],
      ['Drawing', '2'],
    ]);
    // Algebra 150.00 − 20.00 − 10.00 (the old sale's refund, given in the range); Biology 60.00 − 30.00;
    // the free courses took nothing and are not listed.
    const earning = await csvOf(admin, 'range=90d&format=csv&chart=top-earning');
    expect(earning.slice(1).map((r) => [r[1], r[2]])).toEqual([
      ['Algebra', '120'],
      ['Biology', '30'],
    ]);
    const page = await admin.agent.get('/admin/analytics').expect(200);
    const algebraId = enrolled[1]![0];
    expect(page.text).toContain(`<th scope="row"><a href="/teach/courses/${algebraId}/analytics">Algebra</a></th><td class="num" data-label="Enrollments">3</td>`);
    expect(page.text).toContain('Algebra had the most enrollments in the last 90 days: 3.');
    expect(page.text).toContain('Algebra earned the most in the last 90 days: $120.00 net of refunds.');
    // The last 30 days hold only refunds (weeks 3, 2 and 1): no course took money.
    expect(await csvOf(admin, 'range=30d&format=csv&chart=top-earning')).toEqual([['course id', 'course', 'net revenue']]);
    expect((await admin.agent.get('/admin/analytics?range=30d').expect(200)).text).toContain('No course took money in the last 30 days.');
  });

  it('teacher applications sent in the range, by where they stand now', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    expect(await csvOf(admin, 'range=90d&format=csv&chart=applications')).toEqual([
      ['stage', 'applications'],
      ['submitted', '4'],
      ['pending', '2'],
      ['approved', '1'],
      ['rejected', '1'],
    ]);
    const page = await admin.agent.get('/admin/analytics').expect(200);
    expect(page.text).toContain('4 applications in the last 90 days: 1 approved, 1 rejected, 2 still waiting.');
    const all = await csvOf(admin, 'range=all&format=csv&chart=applications');
    expect(all[1]).toEqual(['submitted', '5']);
  });

  it('search: top queries with their click-through, the queries that found nothing, and the overall rate', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    expect(await csvOf(admin, 'range=90d&format=csv&chart=top-searches')).toEqual([
      ['query', 'searches', 'average results', 'clicks', 'click-through rate'],
      ['python', '4', '4.5', '2', '50%'],
      ['cobol for cats', '3', '0', '0', '0%'],
      ['rust', '2', '3', '0', '0%'],
    ]);
    expect(await csvOf(admin, 'range=90d&format=csv&chart=zero-searches')).toEqual([
      ['query', 'searches'],
      ['cobol for cats', '3'],
      ['python', '1'],
    ]);
    const page = await admin.agent.get('/admin/analytics').expect(200);
    // 9 searches, 2 followed.
    expect(page.text).toContain('<li><strong>22.2%</strong> click-through: 2 led to a result being opened</li>');
    expect(page.text).toContain('9 searches in the last 90 days; 22.2% led to a result being opened. Most searched: “python” (4).');
    expect(page.text).toContain('4 searches found nothing in the last 90 days; most wanted: “cobol for cats” (3).');
    expect(page.text).toContain('href="/admin/search"');
  });
});
