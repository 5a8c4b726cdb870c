import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { Download, Page } from 'playwright-core';
import { creditPoints, spendPoints } from '../../src/features/points/ledger.ts';
import { useTestApp } from '../setup/app.ts';
import { expectProblems, flash, heading, noSidewaysScroll, openWindow, screenshotPath, signInThroughForm, skipWithoutBrowser, useBrowser, type Window } from '../setup/browser.ts';
import { createAdmin, createChapter, createCourse, createEnrollment, createLesson, createTeacher, createUser } from '../setup/factories.ts';

const SLOW = { timeout: 15_000, interval: 100 };
const DAY = 86_400_000;

type Person = { id: string; email: string; password: string; firstName: string; lastName: string | null };

/**
 * Issue 19's journey through the analytics, the streak and the leaderboard, in Chromium.
 *
 * A teacher (once with JavaScript at 1280 px, once without it at 360 px) opens their course's
 * analytics from the course page: 90 days by default, per week; "Last 30 days" changes the URL and
 * redraws the charts per day (fewer enrollments, 31 points); "The numbers" of the funnel reads each
 * lesson's share of the five Active students (80, 60, 20, 0 %); the funnel's CSV downloads with the
 * same figures. An admin (360 px) opens Analytics from the admin tabs, switches to 12 months and
 * follows the top course to its analytics. Two students at 360 px, Ama with JavaScript and Ben
 * without, see their streak and 12-week calendar on the dashboard, open their points history
 * (spends listed, not counted on the leaderboard), then /leaderboard (their place, short names
 * only), untick "Show me on the leaderboard" on their profile and are gone from it. Every page:
 * charts are SVG pictures with an accessible name, nothing scrolls sideways on the phone, and no
 * script error, console error (a CSP refusal is one), failed request or error answer.
 */
describe.skipIf(skipWithoutBrowser)('analytics, streaks and the leaderboard in a browser', () => {
  const t = useTestApp();
  const b = useBrowser(() => t.app);

  interface Cast {
    teacher: Person;
    admin: Person;
    ama: Person;
    ben: Person;
    course: { id: string; slug: string; title: string };
  }

  const LESSONS = ['Reading a ledger', 'Debits and credits', 'The trial balance', 'Closing the year'];
  let cast: Promise<Cast> | undefined;
  let amaOut: Promise<void> | undefined;
  let benOut: Promise<void> | undefined;

  /** A moment `days` ago (on UTC days, the students' zone), never before that day's midnight. */
  const daysAgo = (days: number, minutes = 0) => {
    const at = Date.now() - days * DAY;
    return new Date(Math.max(at - minutes * 60_000, at - (at % DAY)));
  };

  function people(): Promise<Cast> {
    cast ??= (async () => {
      const teacher = await createTeacher(t.db, { firstName: 'Tomi', lastName: 'Teach' });
      const admin = await createAdmin(t.db, { firstName: 'Ade', lastName: 'Min' });
      // No card image (fileKey null): the pages show the placeholder and load nothing that could 404.
      const course = await createCourse(t.db, { title: 'Bookkeeping basics', slug: 'bookkeeping-basics', userId: teacher.id, price: 2000, fileKey: null });
      const chapter = await createChapter(t.db, { courseId: course.id, title: 'Ledgers' });
      const lessons = [];
      for (const title of LESSONS) lessons.push(await createLesson(t.db, { chapterId: chapter.id, title }));

      // Five Active students: [first, last, enrolled days ago, lessons completed, learning days ago, points earned this week, stars]
      const plan = [
        ['Ama', 'Script', 10, 3, [0, 1, 2, 3, 4], 30, 5],
        ['Ben', 'Plain', 20, 2, [1, 2, 3], 25, 4],
        ['Chidi', 'Okafor', 5, 2, [5], 40, 4],
        ['Dede', 'Mensah', 50, 1, [12], 15, 2],
        ['Efua', 'Asante', 70, 0, [], 0, null],
      ] as const;
      const students: Person[] = [];
      for (const [i, [firstName, lastName, enrolled, reached, days, points, stars]] of plan.entries()) {
        const student = await createUser(t.db, { firstName, lastName });
        students.push(student);
        const enrollment = await createEnrollment(t.db, { userId: student.id, courseId: course.id, createdAt: daysAgo(enrolled) });
        // Efua's payment was refunded in part ($5.00) 60 days ago: revenue nets it out in the 90 days, not in the 30.
        await t.db
          .insertInto('paymentTransaction')
          .values({ enrollmentId: enrollment.id, amount: 2000, status: 'Completed', paymentMethod: 'card', createdAt: daysAgo(enrolled), ...(i === 4 ? { refunded: true, refundAmount: 500, refundedAt: daysAgo(60) } : {}) })
          .execute();
        for (const lesson of lessons.slice(0, reached)) await t.db.insertInto('lessonProgress').values({ lessonId: lesson.id, userId: student.id, completed: true }).execute();
        for (const d of days) await t.db.insertInto('studentActivity').values({ enrollmentId: enrollment.id, type: 'CompletedLesson', metadata: JSON.stringify({ lessonId: lessons[0]!.id }), createdAt: daysAgo(d) }).execute();
        if (stars) await t.db.insertInto('courseRating').values({ courseId: course.id, userId: student.id, rating: stars }).execute();
        if (firstName === 'Ama') {
          // Points through the ledger, as the app earns and spends them: 30 earned this week, 5 spent.
          await creditPoints(t.db, { userId: student.id, points: 20, reason: 'Quiz', description: 'Quiz: Check your ledger' });
          await creditPoints(t.db, { userId: student.id, points: 10, reason: 'Badge', description: 'Badge: First lesson completed in “Bookkeeping basics”' });
          await spendPoints(t.db, { userId: student.id, points: 5, reason: 'EarlyUnlock', description: 'Opened early: “Closing the year”' });
        } else if (points > 0) {
          await creditPoints(t.db, { userId: student.id, points, reason: 'Quiz', description: 'Quiz: Check your ledger' });
        }
      }
      return { teacher, admin, ama: students[0]!, ben: students[1]!, course: { id: course.id, slug: course.slug, title: course.title } };
    })();
    return cast;
  }

  /** Console errors (a CSP refusal is one) count as problems too. */
  async function windowAt(width: number, javaScript: boolean): Promise<Window> {
    const w = await openWindow(b.browser, { javaScript, width });
    w.page.on('console', (m) => {
      if (m.type() === 'error') w.problems.push(`console: ${m.text()}`);
    });
    return w;
  }

  const chart = (page: Page, name: string | RegExp) => page.getByRole('img', { name });
  const text = async (page: Page, selector: string) => ((await page.locator(selector).first().textContent()) ?? '').replace(/\s+/g, ' ').trim();

  /** A chart's numbers table as read: each row's cells (the row's heading first). Opens "The numbers" first. */
  async function numbersOf(page: Page, id: string, title: string): Promise<string[][]> {
    const figure = page.locator(`figure#${id}`);
    await figure.getByText(`The numbers for ${title}`).click();
    await expect.poll(() => figure.locator('table').isVisible(), SLOW).toBe(true);
    return figure.locator('tbody tr').evaluateAll((rows: Array<{ querySelectorAll(s: string): ArrayLike<{ innerText: string }> }>) =>
      rows.map((row) => Array.from(row.querySelectorAll('th, td')).map((cell) => cell.innerText.replace(/\s+/g, ' ').trim())),
    );
  }

  /** The current range link's text. */
  const currentRange = (page: Page) => text(page, 'nav[aria-label="Date range"] [aria-current="page"]');

  async function teacherJourney(javaScript: boolean, width: number) {
    const c = await people();
    const label = `${javaScript ? 'js' : 'nojs'}-${width}`;
    const w = await windowAt(width, javaScript);
    const { page, problems } = w;
    await signInThroughForm(page, b.url, c.teacher, `/teach/courses/${c.course.id}`);
    expect(await heading(page)).toContain(c.course.title);

    // From the course page.
    await page.getByRole('link', { name: 'Analytics', exact: true }).click();
    await expect.poll(() => heading(page), SLOW).toBe('Analytics');
    expect(new URL(page.url()).pathname).toBe(`/teach/courses/${c.course.id}/analytics`);
    expect(await currentRange(page)).toBe('Last 90 days');
    // 90 days: per week, all five enrollments; $100.00 paid, Efua's $5.00 refund netted out.
    await expect(chart(page, /^Enrollments per week 5 new enrollments in the last 90 days/).isVisible()).resolves.toBe(true);
    await expect(chart(page, /^Revenue per week Net \$95\.00 in the last 90 days: \$100\.00 gross less \$5\.00 refunded\./).isVisible()).resolves.toBe(true);
    // A point per week (dotted while there are few), a row per week in its numbers.
    const weeks = await page.locator('figure#enrollments tbody tr').count();
    expect(weeks).toBeGreaterThanOrEqual(13);
    expect(weeks).toBeLessThanOrEqual(14);
    expect(await page.locator('figure#enrollments svg circle').count()).toBe(weeks);
    // A picture drawn on the server: an <svg> with role="img", named by its <title> and <desc>.
    expect(await chart(page, /^Completion by lesson /).evaluate((el: { tagName: string }) => el.tagName.toLowerCase())).toBe('svg');
    await expect(chart(page, /^Ratings 3\.8 stars on average from 4 ratings \(all time\); 1 gave 5 stars\.$/).isVisible()).resolves.toBe(true);
    // The funnel: where the five stop, in words.
    await expect(chart(page, /^Completion by lesson Of the 5 active students now \(not limited to the date range\), the biggest drop is after lesson 2, “Debits and credits”: 60% completed it, 20% the next\.$/).isVisible()).resolves.toBe(true);
    expect(await text(page, 'main')).toContain('This course has no quizzes.');
    if (width < 400) await noSidewaysScroll(page);
    await page.screenshot({ path: screenshotPath(`analytics-1-teacher-90d-${label}`), fullPage: true });
    expectProblems(problems);

    // Last 30 days: a link, so the URL says so; the charts are drawn again per day.
    await page.getByRole('link', { name: 'Last 30 days' }).click();
    await expect.poll(() => new URL(page.url()).searchParams.get('range'), SLOW).toBe('30d');
    expect(await currentRange(page)).toBe('Last 30 days');
    await expect(chart(page, /^Enrollments per day 3 new enrollments in the last 30 days/).isVisible()).resolves.toBe(true);
    await expect(chart(page, /^Revenue per day Net \$60\.00 in the last 30 days: \$60\.00 gross less \$0\.00 refunded\./).isVisible()).resolves.toBe(true);
    // A day each: 31 rows (today and the 30 before), too many points to dot.
    expect(await page.locator('figure#enrollments tbody tr').count()).toBe(31);
    expect(await page.locator('figure#enrollments svg path').count()).toBe(1);

    // The funnel's numbers: each lesson's share of the five Active students.
    expect(await numbersOf(page, 'funnel', 'Completion by lesson')).toEqual([
      ['1. Reading a ledger', '80%', '4 of 5'],
      ['2. Debits and credits', '60%', '3 of 5'],
      ['3. The trial balance', '20%', '1 of 5'],
      ['4. Closing the year', '0%', '0 of 5'],
    ]);
    if (width < 400) await noSidewaysScroll(page);

    // Its CSV: a download named after the course, chart and range, with the same figures as plain numbers.
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('figure#funnel').getByRole('link', { name: 'Download CSV of Completion by lesson' }).click()]);
    expect((download as Download).suggestedFilename()).toBe('bookkeeping-basics-funnel-30d.csv');
    const csv = (await readFile((await (download as Download).path())!, 'utf8')).replace(/^\uFEFF/, '').trim().split(/\r?\n/);
    expect(csv).toEqual([
      'Lesson,Completed %,Completed,Active students',
      '1. Reading a ledger,80,4,5',
      '2. Debits and credits,60,3,5',
      '3. The trial balance,20,1,5',
      '4. Closing the year,0,0,5',
    ]);
    // Still on the page: a download does not navigate away.
    expect(new URL(page.url()).searchParams.get('range')).toBe('30d');
    await page.screenshot({ path: screenshotPath(`analytics-2-teacher-30d-funnel-${label}`), fullPage: true });
    expectProblems(problems);
    await w.context.close();
  }

  it('a teacher with JavaScript, on a desktop: the course analytics from the course page, another range, the funnel numbers and CSV', { timeout: 60_000 }, async () => {
    await teacherJourney(true, 1280);
  });

  it('the same teacher without JavaScript, on a 360 px phone', { timeout: 60_000 }, async () => {
    await teacherJourney(false, 360);
  });

  it('an admin on a 360 px phone opens Analytics from the admin tabs, switches to 12 months and follows the top course to its analytics', { timeout: 60_000 }, async () => {
    const c = await people();
    const { page, problems, context } = await windowAt(360, true);
    await signInThroughForm(page, b.url, c.admin, '/admin');
    await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Analytics', exact: true }).click();
    await expect.poll(() => heading(page), SLOW).toBe('Analytics');
    expect(new URL(page.url()).pathname).toBe('/admin/analytics');
    expect(await currentRange(page)).toBe('Last 90 days');
    for (const name of ['Sign-ups', 'Active users', 'Enrollments', 'Revenue', 'Top courses by enrollments', 'Top courses by net revenue']) {
      expect(await chart(page, new RegExp(`^${name} `)).count(), name).toBe(1);
    }
    await noSidewaysScroll(page);
    await page.screenshot({ path: screenshotPath('analytics-3-admin-90d'), fullPage: true });
    expectProblems(problems);

    await page.getByRole('link', { name: 'Last 12 months' }).click();
    await expect.poll(() => new URL(page.url()).searchParams.get('range'), SLOW).toBe('12m');
    expect(await currentRange(page)).toBe('Last 12 months');
    // All five enrollments are in the 12 months, and the course leads.
    await expect(chart(page, /^Enrollments 5 enrollments in the last 12 months/).isVisible()).resolves.toBe(true);
    expect((await numbersOf(page, 'top-enrolled', 'Top courses by enrollments'))[0]).toEqual(['Bookkeeping basics', '5']);
    await noSidewaysScroll(page);
    await page.locator('figure#top-enrolled').getByRole('link', { name: 'Bookkeeping basics' }).click();
    await expect.poll(() => new URL(page.url()).pathname, SLOW).toBe(`/teach/courses/${c.course.id}/analytics`);
    expect(await heading(page)).toBe('Analytics');
    expect(await chart(page, /^Completion by lesson /).count()).toBe(1);
    await noSidewaysScroll(page);
    expectProblems(problems);
    await context.close();
  });

  /** The leaderboard's rows as read: place, short name ("(you)" included), points. */
  async function board(page: Page): Promise<string[][]> {
    return page.locator('table.leaderboard tbody tr').evaluateAll((rows: Array<{ querySelectorAll(s: string): ArrayLike<{ innerText: string }> }>) =>
      rows.map((row) => Array.from(row.querySelectorAll('td')).map((cell) => cell.innerText.replace(/\s+/g, ' ').trim())),
    );
  }

  /**
   * A student at 360 px: the streak and calendar, the points history, the leaderboard with their
   * place, then off it from the profile. `before` and `after` are the board they see.
   */
  async function studentJourney(who: 'ama' | 'ben', javaScript: boolean, expected: { streak: string; calendar: RegExp; place: string; before: string[][]; after: string[][] }) {
    const c = await people();
    const me = c[who];
    const w = await windowAt(360, javaScript);
    const { page, problems } = w;
    await signInThroughForm(page, b.url, me, '/dashboard');
    expect(await heading(page)).toBe('Your dashboard');
    expect(await text(page, 'p.streak')).toBe(expected.streak);
    await expect(chart(page, expected.calendar).isVisible()).resolves.toBe(true);
    await noSidewaysScroll(page);
    await page.screenshot({ path: screenshotPath(`analytics-4-${who}-dashboard`), fullPage: true });
    expectProblems(problems);

    await page.getByRole('link', { name: 'Your whole points history' }).click();
    await expect.poll(() => heading(page), SLOW).toBe('Your points');
    const history = page.getByRole('list', { name: 'Your points history, newest first' });
    const items = (await history.locator('li').allInnerTexts()).map((s) => s.replace(/\s+/g, ' ').replace(/ · .*$/, '').trim());
    if (who === 'ama') {
      expect(await text(page, 'main')).toContain('You have 25 points.');
      expect(items).toEqual(['−5 points Opened early: “Closing the year”', '+10 points Badge: First lesson completed in “Bookkeeping basics”', '+20 points Quiz: Check your ledger']);
    } else {
      expect(items).toEqual(['+25 points Quiz: Check your ledger']);
    }
    await noSidewaysScroll(page);
    expectProblems(problems);

    // The points page's own link to the leaderboard: this week's, with their place.
    await page.getByRole('link', { name: 'leaderboard', exact: true }).click();
    await expect.poll(() => heading(page), SLOW).toBe('Leaderboard');
    expect(await text(page, '.leaderboard-you')).toBe(expected.place);
    expect(await board(page)).toEqual(expected.before);
    // Short names only: no one's last name in full.
    for (const last of ['Script', 'Plain', 'Okafor', 'Mensah']) expect(await page.content()).not.toContain(last);
    await noSidewaysScroll(page);
    await page.screenshot({ path: screenshotPath(`analytics-5-${who}-leaderboard`), fullPage: true });
    expectProblems(problems);

    // Off the leaderboard from the profile (the account link in the header).
    await page.getByRole('link', { name: `Signed in as ${me.firstName}` }).click();
    await expect.poll(() => heading(page), SLOW).toBe('Your profile');
    const box = page.getByRole('checkbox', { name: 'Show me on the leaderboard' });
    expect(await box.isChecked()).toBe(true);
    await box.uncheck();
    await page.getByRole('button', { name: 'Save profile' }).click();
    await expect.poll(() => flash(page), SLOW).toBe('Your profile is saved.');
    expect(await page.getByRole('checkbox', { name: 'Show me on the leaderboard' }).isChecked()).toBe(false);
    await noSidewaysScroll(page);
    expectProblems(problems);

    // The hint's link: the board without them; they still see what they earned, and how to come back.
    await page.locator('#f-showOnLeaderboard-hint').getByRole('link', { name: 'leaderboard' }).click();
    await expect.poll(() => heading(page), SLOW).toBe('Leaderboard');
    expect(await board(page)).toEqual(expected.after);
    expect(await text(page, '.leaderboard-you')).toMatch(/^You chose not to appear on the leaderboard \(you have earned \d+ points this week\)\. Change this on your profile\.$/);
    expect(await page.locator('table.leaderboard').textContent()).not.toContain(`${me.firstName} `);
    await noSidewaysScroll(page);
    await page.screenshot({ path: screenshotPath(`analytics-6-${who}-off-the-leaderboard`), fullPage: true });
    expectProblems(problems);
    await w.context.close();
  }

  function amaLeaves(): Promise<void> {
    amaOut ??= studentJourney('ama', true, {
      streak: '5-day streak. Well done today.',
      calendar: /^Your learning in the last 12 weeks You learned on 5 days \(5 activities\) in the last 12 weeks/,
      place: 'You are 2nd with 30 points.',
      before: [
        ['1', 'Chidi O.', '40'],
        ['2', 'Ama S. (you)', '30'],
        ['3', 'Ben P.', '25'],
        ['4', 'Dede M.', '15'],
      ],
      after: [
        ['1', 'Chidi O.', '40'],
        ['2', 'Ben P.', '25'],
        ['3', 'Dede M.', '15'],
      ],
    });
    return amaOut;
  }

  function benLeaves(): Promise<void> {
    benOut ??= (async () => {
      await amaLeaves();
      await studentJourney('ben', false, {
        streak: '3-day streak. Learn something today to keep it going.',
        calendar: /^Your learning in the last 12 weeks You learned on 3 days \(3 activities\) in the last 12 weeks/,
        place: 'You are 2nd with 25 points.',
        before: [
          ['1', 'Chidi O.', '40'],
          ['2', 'Ben P. (you)', '25'],
          ['3', 'Dede M.', '15'],
        ],
        after: [
          ['1', 'Chidi O.', '40'],
          ['2', 'Dede M.', '15'],
        ],
      });
    })();
    return benOut;
  }

  it('Ama, with JavaScript on a 360 px phone: streak, calendar, points history, her place, and off the leaderboard from her profile', { timeout: 60_000 }, async () => {
    await amaLeaves();
  });

  it('Ben, without JavaScript on a 360 px phone: the same, and a visitor sees neither of them', { timeout: 90_000 }, async () => {
    await benLeaves();
    const { page, problems, context } = await windowAt(360, false);
    await page.goto(`${b.url}/leaderboard`);
    expect(await board(page)).toEqual([
      ['1', 'Chidi O.', '40'],
      ['2', 'Dede M.', '15'],
    ]);
    expect(await page.locator('.leaderboard-you').count()).toBe(0);
    await noSidewaysScroll(page);
    expectProblems(problems);
    await context.close();
  });
});
