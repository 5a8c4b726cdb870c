import { describe, expect, it } from 'vitest';
import { seedDemo } from '../../seeds/demo.ts';
import { useTestApp } from '../setup/app.ts';
import { expectWithinPageBudget } from '../setup/budget.ts';
import { createCourse, createTeacher } from '../setup/factories.ts';
import { countQueries } from '../setup/queries.ts';

describe('home page', () => {
  const t = useTestApp();

  it('shows the demo courses and the latest posts', async () => {
    await seedDemo(t.db, { env: 'development' });
    const res = await t.request().get('/').expect(200);
    expect(res.text).toContain('Web Basics on Any Connection');
    expect(res.text).toContain('href="/courses/data-analysis-with-python"');
    expect(res.text).toContain('Free');
    expect(res.text).toContain('$19.99');
    expect(res.text).toContain('Learning on a slow connection');
    expect(res.text).toContain('by Tomás Teacher');
  });

  it('never shows drafts or archived courses', async () => {
    await createCourse(t.db, { title: 'Secret Draft Course', status: 'Draft' });
    await createCourse(t.db, { title: 'Old Archived Course', status: 'Archived' });
    const res = await t.request().get('/').expect(200);
    expect(res.text).not.toContain('Secret Draft Course');
    expect(res.text).not.toContain('Old Archived Course');
  });

  it('escapes what teachers typed', async () => {
    await createCourse(t.db, { title: '<script>alert(1)</script> Hacking 101', createdAt: new Date(Date.now() + 60_000) });
    const res = await t.request().get('/').expect(200);
    expect(res.text).not.toContain('<script>alert(1)</script>');
    expect(res.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt; Hacking 101');
  });

  it('stays within the page budget and runs the same number of queries however many courses there are', async () => {
    const few = await countQueries(t.db, () => t.request().get('/').expect(200));
    const teacher = await createTeacher(t.db);
    for (let i = 0; i < 30; i++) await createCourse(t.db, { userId: teacher.id, title: `Bulk course ${i} with a rather long title to weigh the page down` });
    const many = await countQueries(t.db, () => t.request().get('/').expect(200));
    expect(many.count).toBe(few.count);
    const size = expectWithinPageBudget(many.result);
    expect(size).toBeGreaterThan(500);
  });
});
