import { describe, expect, it } from 'vitest';
import { useTestApp } from '../setup/app.ts';
import { expectAccessibleCharts } from '../setup/svg.ts';
import { expectWithinPageBudget } from '../setup/budget.ts';
import { createEnrollment } from '../setup/factories.ts';
import { countQueries } from '../setup/queries.ts';
import { signedInAs } from '../setup/users.ts';

/** The dashboard's streak, activity calendar and last points (issue 19): what the student sees, and what it costs. */

const t = useTestApp();
const DAY = 86_400_000;

async function learnerWithHistory(activeDays: number[], ledgerRows = 0) {
  const me = await signedInAs(t.app, t.db, 'student', { timeZone: 'UTC' });
  const enrollment = await createEnrollment(t.db, { userId: me.user.id });
  const noon = new Date(new Date().toISOString().slice(0, 10) + 'T12:00:00Z').getTime();
  if (activeDays.length > 0) {
    await t.db
      .insertInto('studentActivity')
      .values(activeDays.map((daysAgo) => ({ enrollmentId: enrollment.id, type: 'CompletedLesson' as const, createdAt: new Date(Math.min(Date.now(), noon) - daysAgo * DAY) })))
      .execute();
  }
  if (ledgerRows > 0) {
    await t.db
      .insertInto('pointLedger')
      .values(Array.from({ length: ledgerRows }, (_, i) => ({ userId: me.user.id, points: 5, reason: 'Quiz', description: `Quiz number ${i + 1}`, link: '/dashboard', createdAt: new Date(Date.now() - (ledgerRows - i) * 60_000) })))
      .execute();
  }
  return me;
}

const section = (html: string, id: string) => {
  const start = html.indexOf(`aria-labelledby="${id}"`);
  return html.slice(start, html.indexOf('</section>', start));
};

describe('streak and calendar on the dashboard', () => {
  it('shows the current streak, the longest in the 12 weeks, and the calendar as an accessible SVG with its numbers', async () => {
    // Today, yesterday and the day before; and an older run of five.
    const me = await learnerWithHistory([0, 1, 2, 10, 11, 12, 13, 14]);
    const page = await me.agent.get('/dashboard').expect(200);
    const learning = section(page.text, 'my-learning');
    expect(learning).toContain('<strong>3-day streak</strong>. Well done today.');
    expect(learning).toContain('Your longest in these 12 weeks: 5 days.');
    // The SVG: role="img", labelled by its <title> and <desc>, one cell per day, a <title> per cell.
    expect(learning).toMatch(/<svg class="chart-calendar" role="img" aria-labelledby="activity-calendar-t activity-calendar-d"/);
    expect(learning).toContain('<title id="activity-calendar-t">Your learning in the last 12 weeks</title>');
    expect(learning).toContain('<desc id="activity-calendar-d">You learned on 8 days (8 activities) in the last 12 weeks');
    expect(expectAccessibleCharts(page.text)).toBe(1);
    const cells = learning.match(/<rect class="chart-l\d"/g) ?? [];
    const weekday = (new Date().getUTCDay() + 6) % 7;
    expect(cells).toHaveLength(77 + weekday + 1);
    expect(learning.match(/<rect class="chart-l[1-4]"/g)).toHaveLength(8);
    expect(learning).not.toMatch(/<script|style=/);
    // The numbers: a table of the active days.
    expect(learning.match(/<th scope="row">/g)).toHaveLength(8);
  });

  it('offers the calendar\'s numbers as CSV: every day of the 12 weeks up to today, only one\'s own', async () => {
    const me = await learnerWithHistory([0, 1, 1, 10]);
    const page = await me.agent.get('/dashboard').expect(200);
    expect(page.text).toContain('href="/dashboard/activity.csv" download');
    const csv = await me.agent.get('/dashboard/activity.csv').expect(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.headers['content-disposition']).toMatch(/^attachment; filename="learning-\d{4}-\d{2}-\d{2}\.csv"$/);
    const lines = csv.text.trim().split('\n');
    const day = (daysAgo: number) => new Date(Date.now() - daysAgo * DAY).toISOString().slice(0, 10);
    expect(lines[0]).toBe('Day,Activities');
    expect(lines.at(-1)).toBe(`${day(0)},1`);
    expect(lines).toContain(`${day(1)},2`);
    expect(lines).toContain(`${day(10)},1`);
    expect(lines).toContain(`${day(5)},0`);
    // Monday of the week 11 weeks back, through today.
    const weekday = (new Date().getUTCDay() + 6) % 7;
    expect(lines).toHaveLength(1 + 77 + weekday + 1);
    const other = await learnerWithHistory([]);
    expect((await other.agent.get('/dashboard/activity.csv').expect(200)).text).not.toMatch(/,[1-9]/);
  });

  it('keeps yesterday’s streak when today has nothing yet, and says so', async () => {
    const me = await learnerWithHistory([1, 2]);
    const learning = section((await me.agent.get('/dashboard').expect(200)).text, 'my-learning');
    expect(learning).toContain('<strong>2-day streak</strong>. Learn something today to keep it going.');
  });

  it('says there is no streak yet for a new student, and no points yet', async () => {
    const me = await signedInAs(t.app, t.db, 'student');
    const page = (await me.agent.get('/dashboard').expect(200)).text;
    expect(section(page, 'my-learning')).toContain('<strong>No streak yet</strong>');
    expect(section(page, 'my-points')).toContain('No points yet.');
    expect(section(page, 'my-points')).toContain('<a href="/leaderboard">');
  });
});

describe('points on the dashboard', () => {
  it('lists the last ten rows, newest first, signed, with their links and a link to the whole history', async () => {
    const me = await learnerWithHistory([], 12);
    await t.db.insertInto('pointLedger').values({ userId: me.user.id, points: -3, reason: 'EarlyUnlock', description: 'Opened "Lesson X" early', link: null }).execute();
    const points = section((await me.agent.get('/dashboard').expect(200)).text, 'my-points');
    const rows = points.match(/<li>[\s\S]*?<\/li>/g)!;
    expect(rows).toHaveLength(10);
    expect(rows[0]).toContain('<span class="points-minus">−3<span class="sr-only"> points</span></span> Opened &quot;Lesson X&quot; early');
    expect(rows[1]).toContain('<span class="points-plus">+5<span class="sr-only"> points</span></span> <a href="/dashboard">Quiz number 12</a>');
    expect(points).not.toContain('Quiz number 3<');
    expect(points).toContain('<a href="/dashboard/points">Your whole points history</a>');
  });
});

describe('the dashboard’s cost', () => {
  it('runs a fixed number of queries whatever the history, and stays within the page budget', async () => {
    const me = await learnerWithHistory([0], 1);
    const few = await countQueries(t.db, () => me.agent.get('/dashboard').expect(200));
    const enrollment = await createEnrollment(t.db, { userId: me.user.id });
    await t.db
      .insertInto('studentActivity')
      .values(Array.from({ length: 400 }, (_, i) => ({ enrollmentId: enrollment.id, type: 'CompletedLesson' as const, createdAt: new Date(Date.now() - (i % 84) * DAY - i * 1000) })))
      .execute();
    await t.db
      .insertInto('pointLedger')
      .values(Array.from({ length: 50 }, (_, i) => ({ userId: me.user.id, points: 7, reason: 'Badge', description: `A badge with a rather long description to weigh the page down ${i}`, link: '/dashboard' })))
      .execute();
    const many = await countQueries(t.db, () => me.agent.get('/dashboard').expect(200));
    expect(many.count).toBe(few.count);
    const size = expectWithinPageBudget(many.result);
    console.info(`dashboard with a full calendar and points: ${many.count} queries, ${size} bytes gzipped`);
  });
});
