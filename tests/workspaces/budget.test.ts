import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { useTestApp } from '../setup/app.ts';
import { addMembership } from '../setup/admin-factories.ts';
import { expectWithinPageBudget } from '../setup/budget.ts';
import { createUser } from '../setup/factories.ts';
import { countQueries } from '../setup/queries.ts';
import { createWorkspace, superAdmin } from '../setup/workspace-factories.ts';

/**
 * The budget for admin tables: with 10,000 rows (seeded in one statement each), the
 * workspaces table and one workspace's members table (50 a page, with a role form and Remove per
 * row) stay within the page budget, run the same number of queries as with 5 rows, answer in well
 * under a second, and stream all 10,000 rows as CSV.
 */

describe('workspace tables at 10,000 rows', () => {
  const t = useTestApp();

  /** Runs the request, returning it with the time it took (ms). */
  async function timed<T>(fn: () => Promise<T>): Promise<{ result: T; ms: number }> {
    const start = Date.now();
    const result = await fn();
    return { result, ms: Date.now() - start };
  }

  it('/admin/workspaces: 5 then 10,000 workspaces: same queries, within budget, under a second, CSV of all', async () => {
    const admin = await superAdmin(t);
    for (let i = 0; i < 5; i++) await createWorkspace(t.db, { name: `Bulk few ${i}`, slug: `bulk-few-${i}` });
    const path = (q: string) => `/admin/workspaces${q}`;
    const few = await countQueries(t.db, () => admin.agent.get(path('?sort=members')).expect(200));

    await sql`insert into workspace (name, slug, description)
      select 'Bulk workspace ' || g, 'bulk-ws-' || g, 'A workspace made for the budget test, number ' || g from generate_series(1, 10000) g`.execute(t.db);
    const many = await countQueries(t.db, () => admin.agent.get(path('?sort=members')).expect(200));
    expect(many.count, many.queries.join('\n')).toBe(few.count);
    expect(many.result.text.match(/<tr id="w-/g)).toHaveLength(20);
    expectWithinPageBudget(many.result);

    for (const q of ['', '?sort=name&dir=asc', '?sort=members', '?q=bulk-ws-99', '?page=400']) {
      await admin.agent.get(path(q)).expect(200);
      const { ms, result } = await timed(() => admin.agent.get(path(q)).expect(200));
      console.info(`GET /admin/workspaces${q} with 10,005 workspaces: ${ms} ms, ${expectWithinPageBudget(result)} bytes gzipped`);
      expect(ms).toBeLessThan(1000);
    }

    const csv = await timed(() => admin.agent.get(path('?q=bulk-ws&format=csv')).expect(200));
    console.info(`CSV of 10,000 workspaces: ${csv.ms} ms`);
    expect(csv.result.text.trim().split('\n')).toHaveLength(10_001);
  });

  it('a workspace with 10,000 members: same queries as with 5, within budget, under a second, CSV of all', async () => {
    const admin = await superAdmin(t);
    const ws = await createWorkspace(t.db, { name: 'Crowded', slug: 'crowded' });
    for (let i = 0; i < 5; i++) await addMembership(t.db, (await createUser(t.db)).id, i === 0 ? 'SuperAdmin' : 'Member', ws.id);
    await t.db.insertInto('invitation').values({ token: 'x'.repeat(64), email: 'pending@example.test', workspaceId: ws.id, role: 'Admin', invitedBy: admin.user.id, expiresAt: new Date(Date.now() + 86_400_000) }).execute();
    const page = `/admin/workspaces/${ws.id}`;
    const few = await countQueries(t.db, () => admin.agent.get(page).expect(200));

    await sql`with people as (
        insert into "user" (first_name, last_name, email, email_verified, role)
        select 'Member', 'Number ' || g, 'crowd-' || g || '@example.test', true, 'student' from generate_series(1, 10000) g
        returning id)
      insert into membership (user_id, workspace_id, role, created_at)
      select id, ${ws.id}, 'Member', now() - (random() * interval '300 days') from people`.execute(t.db);
    const many = await countQueries(t.db, () => admin.agent.get(page).expect(200));
    expect(many.count, many.queries.join('\n')).toBe(few.count);
    expect(many.result.text.match(/<tr id="m-/g)).toHaveLength(50);
    expect(many.result.text).toContain('Page 1 of 201');
    expectWithinPageBudget(many.result);

    for (const q of ['', '?sort=email&dir=asc', '?role=SuperAdmin', '?q=crowd-77', '?page=150', '?sort=role']) {
      await admin.agent.get(page + q).expect(200);
      const { ms, result } = await timed(() => admin.agent.get(page + q).expect(200));
      console.info(`GET /admin/workspaces/:id${q} with 10,005 members: ${ms} ms, ${expectWithinPageBudget(result)} bytes gzipped`);
      expect(ms).toBeLessThan(1000);
    }

    const csv = await timed(() => admin.agent.get(`${page}?q=crowd-&format=csv`).expect(200));
    console.info(`CSV of 10,000 members: ${csv.ms} ms`);
    expect(csv.result.text.trim().split('\n')).toHaveLength(10_001);
  });
});
