import { describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { useTestApp } from '../setup/app.ts';
import { createUser } from '../setup/factories.ts';
import { csvLines, expectBudget, seedErrors } from '../setup/log-factories.ts';
import { countQueries } from '../setup/queries.ts';
import { signedInAs } from '../setup/users.ts';

/** /admin/errors: error_log grouped by type and message; /admin/errors/:id one error whole. Admins only. */

type ErrorRow = { errorType: string; message: string; statusCode?: number | null; stack?: string | null; endpoint?: string | null; method?: string | null; userId?: string | null; metadata?: Record<string, unknown>; occurrences?: number; createdAt?: Date; lastSeenAt?: Date };

async function error(db: Database, e: ErrorRow) {
  const { metadata, ...rest } = e;
  const at = e.createdAt ?? new Date();
  return db
    .insertInto('errorLog')
    .values({ statusCode: 500, method: 'GET', ...rest, createdAt: at, lastSeenAt: e.lastSeenAt ?? at, metadata: metadata ? JSON.stringify(metadata) : null })
    .returning('id')
    .executeTakeFirstOrThrow();
}

/** The group rows of the list: [type, latest id] in order. */
const groups = (html: string) => [...html.matchAll(/<tr id="err-([0-9a-f-]+)">/g)].map((m) => m[1]);
function rowOf(html: string, id: string): string {
  const start = html.indexOf(`<tr id="err-${id}">`);
  return start < 0 ? '' : html.slice(start, html.indexOf('</tr>', start));
}

describe('admin errors', () => {
  const t = useTestApp();

  it('students and teachers get 404 on the list, an error\'s page and the CSV; a visitor is sent to sign in', async () => {
    const e = await error(t.db, { errorType: 'HiddenError', message: 'secret stack inside', stack: 'at secret (file.ts:1:1)' });
    for (const role of ['student', 'teacher'] as const) {
      const who = await signedInAs(t.app, t.db, role);
      for (const path of ['/admin/errors', `/admin/errors/${e.id}`, '/admin/errors?format=csv']) {
        const res = await who.agent.get(path);
        expect(res.status, path).toBe(404);
        expect(res.text).not.toContain('secret stack inside');
      }
    }
    const visitor = await t.request().get(`/admin/errors/${e.id}`);
    expect(visitor.status).toBe(303);
    expect(visitor.text).not.toContain('secret');
  });

  it('one line per type and message, the occurrences added up, latest first, with the last status and endpoint', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    const hour = 3600_000;
    const now = Date.now();
    // Two bursts of the same error (two rows), another message of the same type, another type.
    const early = await error(t.db, { errorType: 'GroupError', message: 'Boom', occurrences: 3, endpoint: '/a', statusCode: 500, createdAt: new Date(now - 5 * hour) });
    const late = await error(t.db, { errorType: 'GroupError', message: 'Boom', occurrences: 2, endpoint: '/b', statusCode: 502, createdAt: new Date(now - 1 * hour), lastSeenAt: new Date(now - hour + 30_000) });
    const other = await error(t.db, { errorType: 'GroupError', message: 'Bang', occurrences: 1, endpoint: '/c', createdAt: new Date(now - 3 * hour) });
    const type = await error(t.db, { errorType: 'OtherGroupError', message: 'Boom', occurrences: 7, endpoint: '/d', createdAt: new Date(now - 2 * hour) });

    const page = await admin.agent.get('/admin/errors?type=GroupError').expect(200);
    expect(groups(page.text)).toEqual([late.id, other.id]);
    const boom = rowOf(page.text, late.id);
    expect(boom).toContain(`<a href="/admin/errors/${late.id}">GroupError</a><br>Boom`);
    expect(boom).toContain('<td data-label="Times" class="num">5</td>');
    expect(boom).toContain('<td data-label="Status" class="num">502</td>');
    expect(boom).toContain('<code>GET /b</code>');
    expect(page.text).toContain('<option selected>GroupError</option>');
    expect(page.text).toContain('<option>OtherGroupError</option>');
    void early;

    // All types, latest first; by times, the most first.
    const all = await admin.agent.get('/admin/errors').expect(200);
    const order = groups(all.text);
    expect(order.indexOf(late.id)).toBeLessThan(order.indexOf(type.id));
    expect(order.indexOf(type.id)).toBeLessThan(order.indexOf(other.id));
    const byTimes = groups((await admin.agent.get('/admin/errors?sort=occurrences').expect(200)).text);
    expect(byTimes.indexOf(type.id)).toBeLessThan(byTimes.indexOf(late.id));
    expect(byTimes.indexOf(late.id)).toBeLessThan(byTimes.indexOf(other.id));
    // A status code: the rows with it (here the late burst alone).
    const status = await admin.agent.get('/admin/errors?type=GroupError&status=502').expect(200);
    expect(groups(status.text)).toEqual([late.id]);
    expect(status.text).toContain('<td data-label="Times" class="num">2</td>');
    // Bad values are dropped.
    expect(groups((await admin.agent.get('/admin/errors?type=GroupError&status=abc&from=2026-02-31&sort=x').expect(200)).text)).toEqual([late.id, other.id]);
  });

  it('filters by whole days on the admin\'s clock: a row counts when its first-to-last span touches them', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin', { timeZone: 'Asia/Tokyo' });
    // 2026-06-01 in Tokyo: 2026-05-31 15:00 UTC to 2026-06-01 15:00 UTC.
    const inside = await error(t.db, { errorType: 'DayError', message: 'inside', createdAt: new Date('2026-05-31T16:00:00Z') });
    const spanning = await error(t.db, { errorType: 'DayError', message: 'spanning', createdAt: new Date('2026-05-31T14:59:30Z'), lastSeenAt: new Date('2026-05-31T15:00:20Z') });
    await error(t.db, { errorType: 'DayError', message: 'before', createdAt: new Date('2026-05-31T14:00:00Z') });
    await error(t.db, { errorType: 'DayError', message: 'after', createdAt: new Date('2026-06-01T15:00:00Z') });
    const page = await admin.agent.get('/admin/errors?type=DayError&from=2026-06-01&to=2026-06-01').expect(200);
    expect(groups(page.text)).toEqual([inside.id, spanning.id]);
  });

  it('an error\'s page: message, status, endpoint, method, user, stack and metadata, all escaped; its other rows; a bad or unknown id is 404', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    const user = await createUser(t.db, { email: 'met-error@example.test', firstName: 'Meta', lastName: 'Error' });
    const message = '<script>alert("message")</script>';
    const older = await error(t.db, { errorType: 'DetailError', message, endpoint: '/older', createdAt: new Date(Date.now() - 86_400_000) });
    const e = await error(t.db, {
      errorType: 'DetailError',
      message,
      statusCode: 500,
      endpoint: '/courses/<b>x</b>',
      method: 'POST',
      userId: user.id,
      stack: 'Error: <script>alert("stack")</script>\n    at handler (src/x.ts:10:5)',
      metadata: { requestId: '<img src=x onerror=alert(1)>' },
      occurrences: 4,
    });
    const page = await admin.agent.get(`/admin/errors/${e.id}`).expect(200);
    expect(page.text).not.toContain('<script>alert');
    expect(page.text).not.toContain('<img src=x');
    expect(page.text).toContain('&lt;script&gt;alert(&quot;message&quot;)&lt;/script&gt;');
    expect(page.text).toMatch(/<pre tabindex="0">Error: &lt;script&gt;alert\(&quot;stack&quot;\)&lt;\/script&gt;\n {4}at handler \(src\/x.ts:10:5\)<\/pre>/);
    expect(page.text).toContain('&quot;requestId&quot;: &quot;&lt;img src=x onerror=alert(1)&gt;&quot;');
    expect(page.text).toContain('<code>POST /courses/&lt;b&gt;x&lt;/b&gt;</code>');
    expect(page.text).toContain(`<a href="/admin/users/${user.id}">Meta Error</a> (met-error@example.test)`);
    expect(page.text).toContain('4 in this row; 5 in all (2 rows)');
    expect(page.text).toContain(`<a href="/admin/errors/${older.id}">`);
    expect(page.text).toContain('href="/admin/errors?type=DetailError"');

    await admin.agent.get('/admin/errors/not-a-uuid').expect(404);
    await admin.agent.get('/admin/errors/00000000-0000-4000-8000-000000000000').expect(404);
  });

  it('the CSV has one line per error with the whole message, and neutralises a formula', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    await error(t.db, { errorType: 'CsvError', message: '=HYPERLINK("http://evil.example")', endpoint: '/x', occurrences: 2 });
    await error(t.db, { errorType: 'CsvError', message: '=HYPERLINK("http://evil.example")', endpoint: '/x', occurrences: 3, createdAt: new Date(Date.now() - 3600_000) });
    await error(t.db, { errorType: 'CsvError', message: 'x'.repeat(1500) });
    const page = await admin.agent.get('/admin/errors?type=CsvError').expect(200);
    expect(page.text).not.toContain('x'.repeat(200));
    expect(page.text).toContain('href="/admin/errors?sort=lastSeenAt&amp;dir=desc&amp;type=CsvError&amp;format=csv"');
    const csv = await admin.agent.get('/admin/errors?type=CsvError&format=csv').expect(200);
    expect(csv.headers['content-disposition']).toBe('attachment; filename="errors.csv"');
    const lines = csvLines(csv.text);
    expect(lines[0]).toBe('type,message,occurrences,rows,first seen,last seen,last status,last endpoint,latest id');
    expect(lines).toHaveLength(3);
    expect(csv.text).toContain(`CsvError,"'=HYPERLINK(""http://evil.example"")",5,2,`);
    expect(csv.text).toContain('x'.repeat(1500));
  });

  it('with 10,000 rows: the same number of queries as with a few, within the page budget, in well under a second; the CSV streams them all', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    const pages = ['/admin/errors', '/admin/errors?type=SeededError3&sort=occurrences', '/admin/errors?status=500&from=2020-01-01&to=2099-12-31'];
    const few = [];
    for (const path of pages) few.push((await countQueries(t.db, () => admin.agent.get(path).expect(200))).count);
    // 10,000 rows of 70 errors (7 types x 10 messages), each seen in many bursts.
    await seedErrors(t.db, 10_000, 10);
    for (const [i, path] of pages.entries()) await expectBudget(t.db, admin.agent, path, few[i]!);
    const grouped = await admin.agent.get('/admin/errors?type=SeededError3').expect(200);
    expect(grouped.text).toContain('10 errors');

    // 10,000 different errors more: the CSV of all of them.
    await t.db.deleteFrom('errorLog').execute();
    await seedErrors(t.db, 10_000, 10_000);
    await expectBudget(t.db, admin.agent, '/admin/errors', few[0]!);
    const started = Date.now();
    const csv = await admin.agent.get('/admin/errors?format=csv').expect(200);
    console.info(`[budget] /admin/errors CSV of 10,000 errors: ${Date.now() - started} ms`);
    expect(csvLines(csv.text)).toHaveLength(10_001);
  });
});
