import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from '../setup/app.ts';
import {
  createAssignment,
  createAssignmentSubmission,
  createChapter,
  createCourse,
  createEnrollment,
  createLesson,
  createQuiz,
  createQuizSubmission,
  createUser,
} from '../setup/factories.ts';
import { signedInAs, type SignedIn } from '../setup/users.ts';

/**
 * The course analytics page's numbers on a small hand-built course, read as a teacher reads them:
 * the CSV of each chart and the cells of its table. Every expected figure is worked out by hand in
 * the comments next to the fixture.
 */

const DAY = 86_400_000;
const ago = (days: number) => new Date(Date.now() - days * DAY);
const isoDay = (days: number) => ago(days).toISOString().slice(0, 10);
/** The Monday (UTC) of the week `days` ago: the week bucket's key. */
function mondayOf(days: number): string {
  const d = ago(days);
  const back = (d.getUTCDay() + 6) % 7;
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - back)).toISOString().slice(0, 10);
}

const parseCsv = (text: string) => text.trim().split('\n').map((line) => line.split(','));

/** The rows of one chart's numbers table, as cell texts (first the row's heading). */
function tableOf(html: string, chartId: string): string[][] {
  const start = html.indexOf(`<figure class="chart" id="${chartId}">`);
  expect(start, `chart ${chartId} on the page`).toBeGreaterThanOrEqual(0);
  const figure = html.slice(start, html.indexOf('</figure>', start));
  const body = figure.slice(figure.indexOf('<tbody>'), figure.indexOf('</tbody>'));
  return [...body.matchAll(/<tr>(.*?)<\/tr>/g)].map((m) => [...m[1]!.matchAll(/<t[hd][^>]*>(.*?)<\/t[hd]>/g)].map((c) => c[1]!));
}

/** The sentence that describes a chart (its SVG <desc>, or the text shown instead of an empty chart). */
function descriptionOf(html: string, chartId: string): string {
  const desc = new RegExp(`<desc id="${chartId}-d">(.*?)</desc>`).exec(html);
  return desc ? desc[1]! : '';
}

describe('course analytics: the numbers', () => {
  const t = useTestApp();
  let teacher: SignedIn;
  let base: string;

  beforeAll(async () => {
    const db = t.db;
    teacher = await signedInAs(t.app, db, 'teacher');
    const course = await createCourse(db, { userId: teacher.user.id, price: 5000, title: 'Numbers Course' });
    base = `/teach/courses/${course.id}/analytics`;
    // Course order: chapter position, then lesson position (made out of order on purpose).
    const second = await createChapter(db, { courseId: course.id, position: 2, title: 'Second' });
    const first = await createChapter(db, { courseId: course.id, position: 1, title: 'First' });
    const l3 = await createLesson(db, { chapterId: second.id, position: 1, title: 'Third lesson', videoKey: 'videos/l3.mp4' });
    const l2 = await createLesson(db, { chapterId: first.id, position: 2, title: 'Second lesson' });
    const l1 = await createLesson(db, { chapterId: first.id, position: 1, title: 'First lesson', videoKey: 'videos/l1.mp4' });
    const draft = await createLesson(db, { chapterId: second.id, position: 2, title: 'Draft lesson', status: 'Draft', videoKey: 'videos/d.mp4' });

    // s1..s4 Active, s5 Active but banned, s6 Cancelled, s7 Pending (a checkout never paid).
    const s = await Promise.all(Array.from({ length: 7 }, () => createUser(db)));
    const enroll = (i: number, daysAgo: number, extra: object = {}) =>
      createEnrollment(db, { userId: s[i]!.id, courseId: course.id, createdAt: ago(daysAgo), ...extra });
    const e1 = await enroll(0, 2);
    const e2 = await enroll(1, 2);
    const e3 = await enroll(2, 2);
    const e4 = await enroll(3, 60);
    const e5 = await enroll(4, 10, { banned: true, banType: 'Permanent', banReason: 'Spam' });
    const e6 = await enroll(5, 10, { status: 'Cancelled' });
    const e7 = await enroll(6, 2, { status: 'Pending' });
    // Enrollments counted (not Pending): 3 two days ago, 2 ten days ago, 1 sixty days ago.

    // Funnel over s1..s4 (N = 4): first 4 of 4, second 3 of 4, third 1 of 4. The banned s5 and the
    // cancelled s6 complete lessons too, and an unfinished row and the draft lesson do not count.
    const done = (i: number, lessonId: string, completed = true) => ({ userId: s[i]!.id, lessonId, completed });
    await db
      .insertInto('lessonProgress')
      .values([
        done(0, l1.id), done(1, l1.id), done(2, l1.id), done(3, l1.id), done(4, l1.id), done(5, l1.id),
        done(0, l2.id), done(1, l2.id), done(2, l2.id), done(4, l2.id),
        done(0, l3.id), done(5, l3.id), done(3, l3.id, false),
        done(0, draft.id),
      ])
      .execute();

    // Revenue (cents): s1 paid 5000 two days ago; s2 5000 ten days ago, 2000 of it refunded
    // yesterday (a partial refund: still Completed); s3 5000 two days ago, refunded in full the
    // same day (Refunded); s4 5000 sixty days ago; a Pending and a Failed payment never count.
    const pay = (enrollmentId: string, daysAgo: number, extra: object = {}) =>
      ({ enrollmentId, amount: 5000, status: 'Completed' as const, createdAt: ago(daysAgo), ...extra });
    await db
      .insertInto('paymentTransaction')
      .values([
        pay(e1.id, 2),
        pay(e2.id, 10, { refunded: true, refundAmount: 2000, refundedAt: ago(1) }),
        pay(e3.id, 2, { status: 'Refunded', refunded: true, refundAmount: 5000, refundedAt: ago(2) }),
        pay(e4.id, 60),
        pay(e7.id, 2, { status: 'Pending' }),
        pay(e5.id, 2, { status: 'Failed' }),
      ])
      .execute();
    // Another course's payment is not this one's revenue.
    const elsewhere = await createEnrollment(db, { courseId: (await createCourse(db, { price: 900 })).id, userId: s[0]!.id });
    await db.insertInto('paymentTransaction').values(pay(elsewhere.id, 2)).execute();

    // Watching: first lesson 80 and 60 (70 on average, 2 viewers), third 50 (1 viewer). The
    // teacher's own preview (not enrolled) is not a viewer; the draft lesson is not listed.
    const watch = (userId: string, lessonId: string, completionRate: number) => ({ userId, lessonId, completionRate, watchDuration: 60, totalDuration: 100 });
    await db
      .insertInto('lessonWatchAnalytics')
      .values([watch(s[0]!.id, l1.id, 80), watch(s[1]!.id, l1.id, 60), watch(teacher.user.id, l1.id, 0), watch(s[0]!.id, l3.id, 50), watch(s[0]!.id, draft.id, 10)])
      .execute();

    // Quizzes: on the second lesson 80 and 60 (70, 2 submissions); on the third 40 (1).
    const q2 = await createQuiz(db, { lessonId: l2.id, title: 'Check two' });
    const q3 = await createQuiz(db, { lessonId: l3.id, title: 'Check three' });
    await createQuizSubmission(db, { quizId: q2.id, userId: s[0]!.id, score: 80 });
    await createQuizSubmission(db, { quizId: q2.id, userId: s[1]!.id, score: 60 });
    await createQuizSubmission(db, { quizId: q3.id, userId: s[0]!.id, score: 40 });
    await createQuizSubmission(db, { quizId: q3.id, userId: teacher.user.id, score: 0 });
    // Assignment of 50 points: 40 (80%) graded, 30 (60%) returned, one pending: 70% over 2 graded.
    const a1 = await createAssignment(db, { lessonId: l1.id, title: 'Essay', points: 50 });
    await createAssignmentSubmission(db, { assignmentId: a1.id, userId: s[0]!.id, status: 'Graded', grade: 40 });
    await createAssignmentSubmission(db, { assignmentId: a1.id, userId: s[1]!.id, status: 'Returned', grade: 30 });
    await createAssignmentSubmission(db, { assignmentId: a1.id, userId: s[2]!.id, status: 'Pending' });

    // Ratings 5, 5, 4, 2: 4.0 on average.
    await db
      .insertInto('courseRating')
      .values([5, 5, 4, 2].map((rating, i) => ({ courseId: course.id, userId: s[i]!.id, rating })))
      .execute();

    // Activity: s1 yesterday (twice), s2 ten days ago, s3 forty days ago, the cancelled s6
    // yesterday: 1 active in 7 days, 2 in 30, of 5 Active students (the banned one included).
    const act = (enrollmentId: string, daysAgo: number) => ({ enrollmentId, type: 'CompletedLesson' as const, createdAt: ago(daysAgo) });
    await db.insertInto('studentActivity').values([act(e1.id, 1), act(e1.id, 3), act(e2.id, 10), act(e3.id, 40), act(e6.id, 1)]).execute();
  });

  const csv = async (chart: string, range = '30d') => {
    const res = await teacher.agent.get(`${base}?range=${range}&format=csv&chart=${chart}`).expect(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toMatch(new RegExp(`^attachment; filename="course-[a-z0-9]+-${chart}-${range}\\.csv"$`));
    return parseCsv(res.text);
  };

  it('funnel: the share of Active, not banned students who completed each lesson, in course order', async () => {
    expect(await csv('funnel')).toEqual([
      ['Lesson', 'Completed %', 'Completed', 'Active students'],
      ['1. First lesson', '100', '4', '4'],
      ['2. Second lesson', '75', '3', '4'],
      ['3. Third lesson', '25', '1', '4'],
    ]);
    const page = await teacher.agent.get(base).expect(200);
    expect(tableOf(page.text, 'funnel')).toEqual([
      ['1. First lesson', '100%', '4 of 4'],
      ['2. Second lesson', '75%', '3 of 4'],
      ['3. Third lesson', '25%', '1 of 4'],
    ]);
    expect(descriptionOf(page.text, 'funnel')).toBe(
      'Of the 4 active students now (not limited to the date range), the biggest drop is after lesson 2, “Second lesson”: 75% completed it, 25% the next.',
    );
  });

  it('revenue: gross on the day paid, a partial and a full refund on the day refunded, net = gross − refunds', async () => {
    const rows = await csv('revenue');
    expect(rows[0]).toEqual(['Day', 'Gross (USD)', 'Refunds (USD)', 'Net (USD)']);
    const byDay = Object.fromEntries(rows.slice(1).map(([day, ...rest]) => [day, rest.join('|')]));
    expect(byDay[isoDay(10)]).toBe('50|0|50');
    expect(byDay[isoDay(2)]).toBe('100|50|50');
    expect(byDay[isoDay(1)]).toBe('0|20|"-20"');
    expect(byDay[isoDay(3)]).toBe('0|0|0');
    // Every day of the range is there, zeros included; sixty days ago is outside it.
    expect(rows.length - 1).toBe(31);
    const page = await teacher.agent.get(`${base}?range=30d`).expect(200);
    expect(descriptionOf(page.text, 'revenue')).toContain('Net $80.00 in the last 30 days: $150.00 gross less $70.00 refunded.');
    expect(descriptionOf(page.text, 'revenue')).toContain('a refund (part or whole) on the day it was given');
    expect(tableOf(page.text, 'revenue')).toContainEqual([expect.any(String), '$0.00', '$20.00', '-$20.00']);
    // 12 months takes in the payment of sixty days ago: $130.00 net.
    const year = await teacher.agent.get(`${base}?range=12m`).expect(200);
    expect(descriptionOf(year.text, 'revenue')).toContain('Net $130.00 in the last 12 months: $200.00 gross less $70.00 refunded.');
  });

  it('enrollments per bucket: Pending checkouts are not enrollments, Cancelled ones were', async () => {
    const days = await csv('enrollments');
    expect(days[0]).toEqual(['Day', 'Enrollments']);
    const byDay = Object.fromEntries(days.slice(1));
    expect(byDay[isoDay(2)]).toBe('3');
    expect(byDay[isoDay(10)]).toBe('2');
    expect(days.slice(1).reduce((sum, r) => sum + Number(r[1]), 0)).toBe(5);
    const weeks = await csv('enrollments', '90d');
    const byWeek = Object.fromEntries(weeks.slice(1));
    expect(byWeek[mondayOf(60)]).toBe('1');
    expect(weeks.slice(1).reduce((sum, r) => sum + Number(r[1]), 0)).toBe(6);
    const page = await teacher.agent.get(`${base}?range=30d`).expect(200);
    expect(descriptionOf(page.text, 'enrollments')).toMatch(/^5 new enrollments in the last 30 days; the most on \d+ \w+ \(3\)\.$/);
  });

  it('watch: the average watched share per published video lesson, over enrolled viewers', async () => {
    expect(await csv('watch')).toEqual([
      ['Video lesson', 'Average watched %', 'Viewers'],
      ['First lesson', '70', '2'],
      ['Third lesson', '50', '1'],
    ]);
    const page = await teacher.agent.get(base).expect(200);
    expect(tableOf(page.text, 'watch')).toEqual([['First lesson', '70%', '2'], ['Third lesson', '50%', '1']]);
    expect(descriptionOf(page.text, 'watch')).toContain('Lowest: “Third lesson”, 50% (1 viewer).');
  });

  it('quiz averages (best scores) and assignment grades (share of the points, graded hand-ins only)', async () => {
    expect(await csv('quizzes')).toEqual([['Quiz', 'Average best score %', 'Submissions'], ['Check two', '70', '2'], ['Check three', '40', '1']]);
    expect(await csv('assignments')).toEqual([['Assignment', 'Average grade %', 'Graded'], ['Essay', '70', '2']]);
    const page = await teacher.agent.get(base).expect(200);
    expect(tableOf(page.text, 'quizzes')).toEqual([['Check two', '70%', '2'], ['Check three', '40%', '1']]);
    expect(tableOf(page.text, 'assignments')).toEqual([['Essay', '70%', '2']]);
    expect(descriptionOf(page.text, 'quizzes')).toContain('Lowest: “Check three”, 40% (1 submission).');
  });

  it('ratings from 5 stars to 1, with the average', async () => {
    expect(await csv('ratings')).toEqual([['Stars', 'Ratings'], ['5', '2'], ['4', '1'], ['3', '0'], ['2', '1'], ['1', '0']]);
    const page = await teacher.agent.get(base).expect(200);
    expect(tableOf(page.text, 'ratings')).toEqual([['5 stars', '2', '50%'], ['4 stars', '1', '25%'], ['3 stars', '0', '0%'], ['2 stars', '1', '25%'], ['1 star', '0', '0%']]);
    expect(descriptionOf(page.text, 'ratings')).toBe('4.0 stars on average from 4 ratings (all time); 2 gave 5 stars.');
  });

  it('active students: distinct Active enrollments with any activity in the last 7 and 30 days', async () => {
    const page = await teacher.agent.get(base).expect(200);
    const figures = Object.fromEntries([...page.text.matchAll(/<dt>(.*?)<\/dt><dd>(.*?)<\/dd>/g)].map((m) => [m[1], m[2]]));
    expect(figures).toEqual({ 'Active students': '5', 'Active in the last 7 days': '1', 'Active in the last 30 days': '2' });
  });

  it('range: days for 30 days, weeks for 90 days and 12 months, months for all time; garbage falls back to 90 days', async () => {
    const days = await csv('enrollments', '30d');
    expect(days.slice(1).map((r) => r[0])).toEqual(Array.from({ length: 31 }, (_, i) => isoDay(30 - i)));
    for (const range of ['90d', '12m']) {
      const weeks = await csv('enrollments', range);
      expect(weeks[0]![0]).toBe('Week of');
      const keys = weeks.slice(1).map((r) => r[0]!);
      expect(keys.every((k) => new Date(`${k}T00:00:00Z`).getUTCDay() === 1), `${range}: Mondays`).toBe(true);
      expect(keys.at(-1)).toBe(mondayOf(0));
      expect(keys[0]).toBe(mondayOf(range === '90d' ? 90 : 365));
      expect(keys.length).toBe((Date.parse(mondayOf(0)) - Date.parse(keys[0]!)) / (7 * DAY) + 1);
    }
    const months = await csv('enrollments', 'all');
    expect(months[0]![0]).toBe('Month');
    expect(months[1]![0]).toBe(`${isoDay(60).slice(0, 7)}-01`);
    expect(months.at(-1)![0]).toBe(`${isoDay(0).slice(0, 7)}-01`);

    const garbage = await teacher.agent.get(`${base}?range=forever`).expect(200);
    expect(garbage.text).toContain('<a href="?range=90d" aria-current="page">Last 90 days</a>');
    expect(garbage.text).toContain('Enrollments per week');
    const repeated = await teacher.agent.get(`${base}?range=30d&range=all&format=csv&chart=enrollments`).expect(200);
    expect(repeated.headers['content-disposition']).toContain('-enrollments-90d.csv');
  });

  it('an unknown chart, or a CSV without one, is 404', async () => {
    await teacher.agent.get(`${base}?format=csv&chart=secrets`).expect(404);
    await teacher.agent.get(`${base}?format=csv`).expect(404);
  });
});
