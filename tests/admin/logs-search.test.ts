import { describe, expect, it } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { useTestApp } from '../setup/app.ts';
import { createCourse } from '../setup/factories.ts';
import { csvLines, expectBudget, seedSearches } from '../setup/log-factories.ts';
import { countQueries } from '../setup/queries.ts';
import { signedInAs } from '../setup/users.ts';

/** /admin/search: search analytics (top queries, queries without results, click-through). */

const DAY = 86_400_000;

async function searched(db: Database, query: string, resultsCount: number, options: { clicked?: boolean; daysAgo?: number; times?: number } = {}) {
  for (let i = 0; i < (options.times ?? 1); i++) {
    await db
      .insertInto('searchAnalytics')
      .values({ query, resultsCount, clickedResult: options.clicked ? 'some-course-id' : null, createdAt: new Date(Date.now() - (options.daysAgo ?? 0) * DAY - 60_000) })
      .execute();
  }
}

/** The cells of the row of one query in the list after `heading` ('' cells when absent). */
function cellsOf(html: string, heading: string, query: string): string[] {
  const list = html.slice(html.indexOf(heading));
  const match = list.match(new RegExp(`<tr>\\s*<td data-label="Query">${query.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}</td>([\\s\\S]*?)</tr>`));
  if (!match) return [];
  return [...match[1]!.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((m) => m[1]!);
}
const TOP = '<h2 id="top">';
const ZERO = '<h2 id="zero">';
const queriesIn = (html: string, heading: string) => {
  const start = html.indexOf(heading);
  const list = html.slice(start, html.indexOf('</table>', start));
  return [...list.matchAll(/<td data-label="Query">([^<]*)<\/td>/g)].map((m) => m[1]);
};

describe('admin search analytics', () => {
  const t = useTestApp();

  it('students and teachers get 404 on the page and the CSVs', async () => {
    for (const role of ['student', 'teacher'] as const) {
      const who = await signedInAs(t.app, t.db, role);
      for (const path of ['/admin/search', '/admin/search?format=csv&table=top', '/admin/search?format=csv&table=zero']) await who.agent.get(path).expect(404);
    }
  });

  it('totals and click-through for the period; the same words in any case or spacing are one query; zero-result queries listed apart', async () => {
    await t.db.deleteFrom('searchAnalytics').execute();
    const admin = await signedInAs(t.app, t.db, 'admin');
    await searched(t.db, 'Python', 10, { clicked: true });
    await searched(t.db, '  python ', 6);
    await searched(t.db, 'PYTHON', 2, { clicked: true });
    await searched(t.db, 'python', 0);
    await searched(t.db, 'rust', 3, { times: 2 });
    await searched(t.db, 'Cobol for cats', 0, { times: 3 });
    await searched(t.db, 'old news', 0, { daysAgo: 20 });
    await searched(t.db, 'ancient', 5, { daysAgo: 60, clicked: true });

    const week = await admin.agent.get('/admin/search?days=7').expect(200);
    // 4 python + 2 rust + 3 cobol = 9 searches, 2 followed, 4 found nothing.
    expect(week.text).toContain('<strong>9</strong> searches (3 different)');
    expect(week.text).toContain('<strong>22.2%</strong> click-through: 2 followed a result');
    expect(week.text).toContain('<strong>4</strong> found nothing (44.4%)');
    expect(queriesIn(week.text, TOP)).toEqual(['python', 'cobol for cats', 'rust']);
    // 4 searches, (10 + 6 + 2 + 0) / 4 = 4.5 results, 2 of 4 followed.
    expect(cellsOf(week.text, TOP, 'python').slice(0, 3)).toEqual(['4', '4.5', '50%']);
    expect(cellsOf(week.text, TOP, 'rust').slice(0, 3)).toEqual(['2', '3', '0%']);
    expect(queriesIn(week.text, ZERO)).toEqual(['cobol for cats', 'python']);
    expect(cellsOf(week.text, ZERO, 'cobol for cats')[0]).toBe('3');
    expect(week.text).toContain('<option value="7" selected>Last 7 days</option>');

    const month = await admin.agent.get('/admin/search?days=30').expect(200);
    expect(queriesIn(month.text, ZERO)).toContain('old news');
    expect(queriesIn(month.text, TOP)).not.toContain('ancient');
    const quarter = await admin.agent.get('/admin/search?days=90').expect(200);
    expect(queriesIn(quarter.text, TOP)).toContain('ancient');
    // Not one of the periods: the default, 30 days.
    const odd = await admin.agent.get('/admin/search?days=365&sort=nope&page=-4&zpage=x').expect(200);
    expect(odd.text).toContain('In the last 30 days');
    expect(queriesIn(odd.text, TOP)).toEqual(queriesIn(month.text, TOP));

    // By click-through, the best first.
    const byCtr = await admin.agent.get('/admin/search?days=7&sort=ctr').expect(200);
    expect(queriesIn(byCtr.text, TOP)[0]).toBe('python');
    const byResults = await admin.agent.get('/admin/search?days=7&sort=results&dir=asc').expect(200);
    expect(queriesIn(byResults.text, TOP)).toEqual(['cobol for cats', 'rust', 'python']);
  });

  it('a search in the catalog is counted, and following a result counts as a click', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    const course = await createCourse(t.db, { title: 'Quokka Photography', slug: 'quokka-photography' });
    const visitor = t.request();
    const results = await visitor.get('/courses?q=Quokka').expect(200);
    await visitor.get('/courses?q=zzyzx+nothing').expect(200);
    const link = results.text.match(/href="(\/courses\/quokka-photography\?from=[^"]+)"/);
    expect(link, 'the result links its search').toBeTruthy();
    await visitor.get(link![1]!.replace(/&amp;/g, '&')).expect(200);
    const page = await admin.agent.get('/admin/search?days=7').expect(200);
    expect(cellsOf(page.text, TOP, 'quokka').slice(0, 3)).toEqual(['1', '1', '100%']);
    expect(queriesIn(page.text, ZERO)).toContain('zzyzx nothing');
    void course;
  });

  it('each list pages on its own (the other list\'s page kept), escapes what people typed, and has its CSV with formulas neutralised', async () => {
    await t.db.deleteFrom('searchAnalytics').execute();
    const admin = await signedInAs(t.app, t.db, 'admin');
    for (let i = 0; i < 25; i++) await searched(t.db, `paged ${String(i).padStart(2, '0')}`, 1, { times: 1 + (i % 3) });
    for (let i = 0; i < 23; i++) await searched(t.db, `empty ${String(i).padStart(2, '0')}`, 0);
    await searched(t.db, '<script>alert(1)</script>', 0, { times: 5 });
    await searched(t.db, '=HYPERLINK("http://evil.example")', 4, { times: 9 });

    const page = await admin.agent.get('/admin/search?days=7').expect(200);
    expect(page.text).not.toContain('<script>alert');
    expect(page.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(queriesIn(page.text, TOP)).toHaveLength(20);
    expect(page.text).toContain('href="/admin/search?days=7&amp;sort=searches&amp;dir=desc&amp;page=2" rel="next"');
    expect(page.text).toContain('href="/admin/search?days=7&amp;sort=searches&amp;dir=desc&amp;zpage=2" rel="next"');
    const both = await admin.agent.get('/admin/search?days=7&page=2&zpage=2').expect(200);
    // 50 queries on top (25 paged + 23 empty + 2), 24 without results.
    expect(queriesIn(both.text, TOP)).toHaveLength(20);
    expect(queriesIn(both.text, ZERO)).toHaveLength(4);
    expect(both.text).toContain('href="/admin/search?days=7&amp;sort=searches&amp;dir=desc&amp;page=3&amp;zpage=2" rel="next"');

    const top = await admin.agent.get('/admin/search?days=7&format=csv&table=top').expect(200);
    expect(top.headers['content-disposition']).toBe('attachment; filename="top-searches.csv"');
    const lines = csvLines(top.text);
    expect(lines[0]).toBe('query,searches,average results,clicks,click-through rate,last searched');
    expect(lines).toHaveLength(51);
    expect(lines[1]).toMatch(/^"'=hyperlink\(""http:\/\/evil\.example""\)",9,4,0,0%,/);
    const zero = await admin.agent.get('/admin/search?days=7&format=csv&table=zero').expect(200);
    expect(zero.headers['content-disposition']).toBe('attachment; filename="searches-without-results.csv"');
    const zl = csvLines(zero.text);
    expect(zl[0]).toBe('query,searches,last searched');
    expect(zl).toHaveLength(25);
    expect(zl[1]).toMatch(/^<script>alert\(1\)<\/script>,5,/);
  });

  it('with 10,000 searches: the same number of queries as with a few, within the page budget, in well under a second; the CSV streams every query', async () => {
    await t.db.deleteFrom('searchAnalytics').execute();
    const admin = await signedInAs(t.app, t.db, 'admin');
    await searched(t.db, 'few', 0);
    const pages = ['/admin/search', '/admin/search?days=7&sort=ctr&page=3&zpage=2', '/admin/search?days=90&sort=results&dir=asc'];
    const few = [];
    for (const path of pages) few.push((await countQueries(t.db, () => admin.agent.get(path).expect(200))).count);
    await seedSearches(t.db, 10_000, 300);
    for (const [i, path] of pages.entries()) await expectBudget(t.db, admin.agent, path, few[i]!);

    await t.db.deleteFrom('searchAnalytics').execute();
    await seedSearches(t.db, 10_000, 10_000);
    const { res } = await expectBudget(t.db, admin.agent, '/admin/search', few[0]!);
    // The top list stops at 50 pages of 20; the count and the CSV are whole.
    expect(res.text).toContain('10000 queries');
    expect(res.text).toContain('Page 1 of 50 (10000)');
    expect(res.text).toContain('The first 1000 are shown here; the CSV has every one.');
    expect(queriesIn((await admin.agent.get('/admin/search?page=51').expect(200)).text, TOP)).toHaveLength(20);
    const started = Date.now();
    const csv = await admin.agent.get('/admin/search?format=csv&table=top').expect(200);
    console.info(`[budget] /admin/search CSV of 10,000 queries: ${Date.now() - started} ms`);
    expect(csvLines(csv.text)).toHaveLength(10_001);
  });
});
