import { describe, expect, it } from 'vitest';
import { creditPoints, spendPoints } from '../../src/features/points/ledger.ts';
import { useTestApp } from '../setup/app.ts';
import { expectWithinPageBudget } from '../setup/budget.ts';
import { countQueries } from '../setup/queries.ts';
import { signedInAs } from '../setup/users.ts';

/** /dashboard/points: the balance and the whole points history, 30 a page, only one's own rows. */

const t = useTestApp();

async function withHistory(rows: number) {
  const me = await signedInAs(t.app, t.db, 'student');
  const start = Date.now() - rows * 60_000;
  await t.db
    .insertInto('pointLedger')
    .values(Array.from({ length: rows }, (_, i) => ({ userId: me.user.id, points: i + 1, reason: 'Quiz', description: `Row ${i + 1}`, link: `/learn/x/lessons/${i + 1}`, createdAt: new Date(start + i * 60_000) })))
    .execute();
  return me;
}

const rowsOf = (html: string) => (html.match(/<ul class="points-list"[\s\S]*?<\/ul>/)?.[0].match(/<li>[\s\S]*?<\/li>/g) ?? []).map((r) => /Row \d+/.exec(r)?.[0]);

describe('points history', () => {
  it('pages through the rows, 30 a page, newest first, each row once', async () => {
    const me = await withHistory(65);
    const first = await me.agent.get('/dashboard/points').expect(200);
    expect(first.text).toContain('<h1>Your points</h1>');
    expect(rowsOf(first.text)).toEqual(Array.from({ length: 30 }, (_, i) => `Row ${65 - i}`));
    expect(first.text).toContain('Page 1 of 3 (65)');
    expect(first.text).toContain('<a href="/dashboard/points?page=2" rel="next">Next</a>');
    expect(first.text).toContain('<a href="/learn/x/lessons/65">Row 65</a>');
    expect(first.text).toContain('<span class="points-plus">+65<span class="sr-only"> points</span></span> <a href="/learn/x/lessons/65">Row 65</a>');
    const second = await me.agent.get('/dashboard/points?page=2').expect(200);
    expect(rowsOf(second.text)).toEqual(Array.from({ length: 30 }, (_, i) => `Row ${35 - i}`));
    const third = await me.agent.get('/dashboard/points?page=3').expect(200);
    expect(rowsOf(third.text)).toEqual(['Row 5', 'Row 4', 'Row 3', 'Row 2', 'Row 1']);
    expect(third.text).toContain('<a href="/dashboard/points?page=2" rel="prev">Previous</a>');
  });

  it('shows only my own rows, and the balance the ledger explains', async () => {
    const me = await signedInAs(t.app, t.db, 'student');
    const other = await signedInAs(t.app, t.db, 'student');
    await creditPoints(t.db, { userId: me.user.id, points: 20, reason: 'Badge', description: 'Badge: First lesson completed in "Maths"', link: '/dashboard' });
    await spendPoints(t.db, { userId: me.user.id, points: 5, reason: 'BlogSubmission', description: 'Blog post "Hello" sent to moderation' });
    await creditPoints(t.db, { userId: other.user.id, points: 99, reason: 'Quiz', description: 'Somebody else’s quiz' });
    const page = (await me.agent.get('/dashboard/points').expect(200)).text;
    expect(page).toContain('You have <strong>15</strong> points.');
    expect(page).toContain('<span class="points-minus">−5<span class="sr-only"> points</span></span> Blog post &quot;Hello&quot; sent to moderation');
    expect(page).toContain('Blog post &quot;Hello&quot; sent to moderation');
    expect(page).not.toContain('Somebody else');
    expect((await other.agent.get('/dashboard/points').expect(200)).text).not.toContain('First lesson completed');
  });

  it('links only paths on this site, and answers odd pages without an error', async () => {
    const me = await withHistory(3);
    await t.db.insertInto('pointLedger').values({ userId: me.user.id, points: 1, reason: 'Quiz', description: 'Odd link', link: '//evil.example/x' }).execute();
    const page = (await me.agent.get('/dashboard/points').expect(200)).text;
    expect(page).toMatch(/<\/span> Odd link <span class="muted">/);
    expect(page).not.toContain('evil.example');
    expect(rowsOf((await me.agent.get('/dashboard/points?page=abc').expect(200)).text)).toHaveLength(4);
    expect((await me.agent.get('/dashboard/points?page=9').expect(200)).text).toContain('There is nothing on this page.');
    expect((await me.agent.get('/dashboard/points?page=-1').expect(200)).text).toContain('Row 3');
  });

  it('asks visitors to sign in', async () => {
    const res = await t.request().get('/dashboard/points').expect(303);
    expect(res.headers.location).toBe('/auth/login?next=%2Fdashboard%2Fpoints');
  });

  it('costs the same few queries for 5 rows or 300, within the page budget', async () => {
    const small = await withHistory(5);
    const few = await countQueries(t.db, () => small.agent.get('/dashboard/points').expect(200));
    const big = await withHistory(300);
    const many = await countQueries(t.db, () => big.agent.get('/dashboard/points?page=4').expect(200));
    expect(many.count).toBe(few.count);
    const size = expectWithinPageBudget(many.result);
    console.info(`points history page: ${many.count} queries, ${size} bytes gzipped`);
  });
});
