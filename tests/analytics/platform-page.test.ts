import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { useTestApp } from '../setup/app.ts';
import { expectAccessibleCharts } from '../setup/svg.ts';
import { expectWithinPageBudget } from '../setup/budget.ts';
import { createCourse, createEnrollment, createTeacher } from '../setup/factories.ts';
import { timedGet } from '../setup/log-factories.ts';
import { countQueries } from '../setup/queries.ts';
import { signedInAs, type SignedIn } from '../setup/users.ts';

/**
 * /admin/analytics as a page: who may see it, what a bad query string gets, its SVG, and its weight
 * and statement count with an almost empty database and with about 10,000 rows in each table.
 */

const RANGES = ['30d', '90d', '12m', 'all'] as const;
const CHARTS = ['sign-ups', 'active-users', 'enrollments', 'revenue', 'top-enrolled', 'top-earning', 'applications', 'top-searches', 'zero-searches'];

/** About `n` rows in each table the page reads, spread over the last 400 days, in a few statements. */
async function seedPlatform(db: Database, n: number): Promise<void> {
  const teacher = await createTeacher(db);
  await sql`
    insert into course (user_id, title, slug, small_description, description, category, file_key, price, duration, status)
    select ${teacher.id}, 'A rather long course title for the page weight, number ' || i, 'seeded-course-' || i, 'Short.', 'Long.', 'Testing', 'seed/' || i || '.webp',
      (i % 5) * 1000, 60, 'Published'
    from generate_series(1, 200) as i`.execute(db);
  await sql`
    insert into "user" (first_name, last_name, email, email_verified, role, created_at)
    select 'Seeded', 'Student ' || i, 'seeded-' || i || '@example.test', true, 'student', now() - make_interval(mins => (i * 57) % (400 * 1440))
    from generate_series(1, ${n}) as i`.execute(db);
  await sql`
    insert into enrollment (user_id, course_id, amount, status, created_at)
    select u.id, c.id, c.price, case when u.rn % 10 = 0 then 'Pending' when u.rn % 17 = 0 then 'Cancelled' else 'Active' end::"EnrollmentStatus", u.created_at + interval '1 hour'
    from (select id, created_at, row_number() over (order by email) as rn from "user" where email like 'seeded-%') u
    join (select id, price, row_number() over (order by slug) - 1 as k from course where slug like 'seeded-course-%') c on c.k = u.rn % 200`.execute(db);
  await sql`
    insert into payment_transaction (enrollment_id, amount, status, refunded, refund_amount, refunded_at, created_at)
    select e.id, 1000 + (e.rn % 7) * 500, case when e.rn % 23 = 0 then 'Refunded' else 'Completed' end::"PaymentTransactionStatus",
      e.rn % 11 = 0 or e.rn % 23 = 0, case when e.rn % 23 = 0 then 1000 + (e.rn % 7) * 500 when e.rn % 11 = 0 then 500 end,
      case when e.rn % 11 = 0 or e.rn % 23 = 0 then least(now(), e.created_at + interval '9 days') end, e.created_at
    from (select id, created_at, row_number() over (order by id) as rn from enrollment) e`.execute(db);
  await sql`
    insert into student_activity (enrollment_id, type, created_at)
    select e.id, 'CompletedLesson', now() - make_interval(mins => ((e.rn * 131) % (400 * 1440))::int)
    from (select id, row_number() over (order by id) as rn from enrollment) e`.execute(db);
  await sql`
    insert into login_history (user_id, success, created_at)
    select u.id, u.rn % 4 <> 0, now() - make_interval(mins => ((u.rn * 89) % (400 * 1440))::int)
    from (select id, row_number() over (order by id) as rn from "user") u`.execute(db);
  await sql`
    insert into user_active_day (day, user_id)
    select distinct (created_at at time zone 'UTC')::date, user_id from login_history where success
    on conflict do nothing`.execute(db);
  await sql`
    insert into search_analytics (query, results_count, clicked_result, created_at)
    select 'a fairly long seeded search query about topic ' || (i % 3000), case when i % 4 = 0 then 0 else i % 13 end,
      case when i % 5 = 0 then 'some-course' end, now() - make_interval(mins => (i * 37) % (400 * 1440))
    from generate_series(1, ${n}) as i`.execute(db);
  await sql`
    insert into teacher_application (user_id, status, application_data, created_at)
    select u.id, (array['Pending', 'Approved', 'Rejected'])[1 + u.rn % 3]::"TeacherApplicationStatus", '{}', u.created_at
    from (select id, created_at, row_number() over (order by id) as rn from "user" where email like 'seeded-%') u where u.rn % 30 = 0`.execute(db);
  await sql`analyze`.execute(db);
}

async function statementsOf(db: Database, admin: SignedIn, path: string): Promise<number> {
  await admin.agent.get(path).expect(200);
  return (await countQueries(db, () => admin.agent.get(path).expect(200))).count;
}

describe('admin analytics: the page', () => {
  const t = useTestApp();

  it('only admins: students and teachers get the same 404 as on other admin pages, CSV included; visitors are sent to sign in', async () => {
    for (const role of ['student', 'teacher'] as const) {
      const who = await signedInAs(t.app, t.db, role);
      for (const path of ['/admin/analytics', '/admin/analytics?range=30d', '/admin/analytics?format=csv&chart=revenue', '/admin/search']) {
        await who.agent.get(path).expect(404);
      }
    }
    const visitor = await t.request().get('/admin/analytics?format=csv&chart=revenue').expect(303);
    expect(visitor.headers.location).toMatch(/^\/auth\/login\?next=/);
  });

  it('a bad range falls back to 90 days; an unknown chart is a 404; every chart has its CSV', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    for (const path of ['/admin/analytics?range=5y', '/admin/analytics?range=30d&range=12m', '/admin/analytics']) {
      const res = await admin.agent.get(path).expect(200);
      expect(res.text).toContain('<a href="/admin/analytics" aria-current="page">Last 90 days</a>');
      expect(res.text).toContain('href="/admin/analytics?range=90d&amp;format=csv&amp;chart=revenue"');
    }
    const month = await admin.agent.get('/admin/analytics?range=30d').expect(200);
    expect(month.text).toContain('<a href="/admin/analytics?range=30d" aria-current="page">Last 30 days</a>');
    expect(month.text).toContain('Per day, in your time zone (UTC).');
    expect(month.text).toContain('<a href="/admin/analytics" aria-current="page">Analytics</a>');
    for (const path of ['?format=csv', '?format=csv&chart=nope', '?format=csv&chart=revenue&chart=sign-ups', '?range=30d&format=csv&chart=__proto__']) {
      await admin.agent.get(`/admin/analytics${path}`).expect(404);
    }
    for (const chart of CHARTS) {
      const res = await admin.agent.get(`/admin/analytics?range=12m&format=csv&chart=${chart}`).expect(200);
      expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
      expect(res.headers['content-disposition']).toBe(`attachment; filename="${chart}-${chart === 'applications' ? 'funnel' : ['top-enrolled', 'top-earning'].includes(chart) ? 'courses' : chart.endsWith('searches') ? 'queries' : 'per-period'}-12m.csv"`);
    }
    // The line charts link their CSV even with nothing in them (zeros); the others once they have rows (below).
    for (const chart of CHARTS.slice(0, 4)) expect(month.text).toContain(`href="/admin/analytics?range=30d&amp;format=csv&amp;chart=${chart}"`);
    // 30 days: a bucket a day (31 of them, today's included).
    const days = await admin.agent.get('/admin/analytics?range=30d&format=csv&chart=sign-ups').expect(200);
    expect(days.text.trim().split('\n')).toHaveLength(1 + 31);
  });

  it('charts are accessible SVG with a title and description, no script or style; empty ones say so in words', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    const res = await admin.agent.get('/admin/analytics').expect(200);
    // Four lines always drawn (zeros); the bar charts have nothing yet and say so.
    expect(expectAccessibleCharts(res.text)).toBe(4);
    expect(res.text).toContain('No teacher applications in the last 90 days.');
    expect(res.text).toContain('Nobody searched in the last 90 days.');
    expect(res.text).not.toMatch(/<script|\sstyle=/);
  });

  it('what people typed (searches, course titles) is escaped on the page and neutralised in the CSV', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    const course = await createCourse(t.db, { title: '<img src=x onerror=alert(1)> & "Co"' });
    await createEnrollment(t.db, { courseId: course.id });
    await t.db
      .insertInto('searchAnalytics')
      .values([
        { query: '<script>alert(1)</script>', resultsCount: 0 },
        { query: '=HYPERLINK("http://evil.example")', resultsCount: 2 },
      ])
      .execute();
    const page = await admin.agent.get('/admin/analytics').expect(200);
    expect(page.text).not.toMatch(/<script>alert|<img src=x/);
    expect(page.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page.text).toContain('&lt;img src=x onerror=alert(1)&gt; &amp; &quot;Co&quot;');
    expectAccessibleCharts(page.text);
    const csv = await admin.agent.get('/admin/analytics?format=csv&chart=top-searches').expect(200);
    expect(csv.text).toContain(`"'=hyperlink(""http://evil.example"")",1,2,0,0%`);
  });

  it('the same statements with ~10,000 rows a table as with none, within the page budget for every range (timings reported)', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    const before: Record<string, number> = {};
    for (const range of RANGES) before[range] = await statementsOf(t.db, admin, `/admin/analytics?range=${range}`);
    const csvBefore = await statementsOf(t.db, admin, '/admin/analytics?format=csv&chart=revenue');

    const started = Date.now();
    await seedPlatform(t.db, 10_000);
    const seeded = Date.now() - started;

    for (const range of RANGES) {
      const path = `/admin/analytics?range=${range}`;
      expect(await statementsOf(t.db, admin, path), path).toBe(before[range]);
      const { res, ms } = await timedGet(admin.agent, path);
      const bytes = expectWithinPageBudget(res);
      expect(expectAccessibleCharts(res.text)).toBe(9);
      for (const chart of CHARTS) expect(res.text).toContain(`href="/admin/analytics?range=${range}&amp;format=csv&amp;chart=${chart}"`);
      console.info(`[analytics] ${path}: ${ms} ms, ${bytes} bytes gzipped, ${before[range]} statements (seed ${seeded} ms)`);
    }
    expect(await statementsOf(t.db, admin, '/admin/analytics?format=csv&chart=revenue')).toBe(csvBefore);
    // Ten courses in each top list whatever the number of courses, each linking its analytics.
    const page = await admin.agent.get('/admin/analytics?range=all').expect(200);
    expect(page.text.match(/<a href="\/teach\/courses\/[0-9a-f-]+\/analytics">/g)).toHaveLength(20);
  }, 60_000);
});
