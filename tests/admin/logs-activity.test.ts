import { describe, expect, it } from 'vitest';
import { useTestApp } from '../setup/app.ts';
import { createCourse, createPost, createUser } from '../setup/factories.ts';
import { csvLines, expectBudget, seedActivity } from '../setup/log-factories.ts';
import { countQueries } from '../setup/queries.ts';
import { signedInAs } from '../setup/users.ts';
import type { Database } from '../../src/db/database.ts';

/** /admin/activity: the audit trail for admins (activity_log), on the one admin table. */

type Entry = { userId: string; action: string; entityType: string; entityId: string; metadata?: Record<string, unknown>; createdAt?: Date; ipAddress?: string };

async function log(db: Database, entry: Entry) {
  const { metadata, ...rest } = entry;
  return db
    .insertInto('activityLog')
    .values({ ...rest, metadata: metadata ? JSON.stringify(metadata) : null })
    .returning('id')
    .executeTakeFirstOrThrow();
}

/** The `<tr>` of one activity row ('' when it is not on the page). */
function rowOf(html: string, id: string): string {
  const start = html.indexOf(`<tr id="a-${id}">`);
  return start < 0 ? '' : html.slice(start, html.indexOf('</tr>', start));
}

const ids = (html: string) => [...html.matchAll(/<tr id="a-([0-9a-f-]+)">/g)].map((m) => m[1]);

describe('admin activity log', () => {
  const t = useTestApp();

  it('students and teachers get 404; a visitor is sent to sign in', async () => {
    for (const role of ['student', 'teacher'] as const) {
      const who = await signedInAs(t.app, t.db, role);
      await who.agent.get('/admin/activity').expect(404);
      await who.agent.get('/admin/activity?format=csv').expect(404);
    }
    const visitor = await t.request().get('/admin/activity');
    expect(visitor.status).toBe(303);
    expect(visitor.headers.location).toMatch(/^\/auth\/login\?next=%2Fadmin%2Factivity/);
  });

  it('filters by actor (id or email), action, entity type and id, and whole days on the admin\'s clock; newest first', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin', { timeZone: 'Asia/Tokyo' });
    const ann = await createUser(t.db, { email: 'ann.filter@example.test', firstName: 'Ann', lastName: 'Filter' });
    const bob = await createUser(t.db, { email: 'bob.filter@example.test', firstName: 'Bob', lastName: 'Filter' });
    // 2026-03-10 in Tokyo is 2026-03-09 15:00 UTC to 2026-03-10 15:00 UTC.
    const a1 = await log(t.db, { userId: ann.id, action: 'course_updated', entityType: 'course', entityId: 'filter-c1', createdAt: new Date('2026-03-09T16:00:00Z') });
    const a2 = await log(t.db, { userId: ann.id, action: 'lesson_added', entityType: 'lesson', entityId: 'filter-l1', createdAt: new Date('2026-03-10T14:00:00Z') });
    const b1 = await log(t.db, { userId: bob.id, action: 'course_updated', entityType: 'course', entityId: 'filter-c2', createdAt: new Date('2026-03-10T15:30:00Z') });
    const b2 = await log(t.db, { userId: bob.id, action: 'blog_approved', entityType: 'blog', entityId: 'filter-b1', createdAt: new Date('2026-03-09T14:00:00Z') });

    const byEmail = await admin.agent.get('/admin/activity?user=FILTER@example').expect(200);
    expect(ids(byEmail.text)).toEqual([b1.id, a2.id, a1.id, b2.id]);
    const byActor = await admin.agent.get(`/admin/activity?actor=${ann.id}`).expect(200);
    expect(ids(byActor.text)).toEqual([a2.id, a1.id]);
    expect(byActor.text).toContain('Only the actions of <a href="/admin/users/' + ann.id + '">ann.filter@example.test</a>');
    expect(byActor.text).toContain(`<input type="hidden" name="actor" value="${ann.id}">`);

    const byAction = await admin.agent.get('/admin/activity?user=filter%40&action=course_updated').expect(200);
    expect(ids(byAction.text)).toEqual([b1.id, a1.id]);
    // The action select lists the actions present in the log, the chosen one selected.
    expect(byAction.text).toContain('<option value="course_updated" selected>course updated</option>');
    expect(byAction.text).toContain('<option value="blog_approved">blog approved</option>');
    expect(byAction.text).not.toContain('value="invitation_revoked"');

    expect(ids((await admin.agent.get('/admin/activity?user=filter%40&entity=lesson').expect(200)).text)).toEqual([a2.id]);
    expect(ids((await admin.agent.get('/admin/activity?entityId=filter-c2').expect(200)).text)).toEqual([b1.id]);
    // One day in Tokyo: a1 (01:00 on the 10th there) and a2 (23:00), not b1 (00:30 on the 11th) nor b2 (23:00 on the 9th).
    const day = await admin.agent.get('/admin/activity?user=filter%40&from=2026-03-10&to=2026-03-10').expect(200);
    expect(ids(day.text)).toEqual([a2.id, a1.id]);
    expect(day.text).toContain('<input id="from" name="from" type="date" value="2026-03-10">');

    // Bad values are dropped, never an error.
    const bad = await admin.agent.get('/admin/activity?user=filter%40&actor=nope&action=%3Cx%3E&from=2026-13-45&sort=drop&dir=up&page=-1').expect(200);
    expect(ids(bad.text)).toEqual([b1.id, a2.id, a1.id, b2.id]);
  });

  it('sorts by action or entity type (ties newest first), and pages keep the filters', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    const actor = await createUser(t.db, { email: 'sorter@example.test' });
    const made: string[] = [];
    for (let i = 0; i < 25; i++) {
      made.push((await log(t.db, { userId: actor.id, action: i % 2 ? 'lesson_added' : 'course_updated', entityType: 'course', entityId: `sort-${i}`, createdAt: new Date(Date.UTC(2026, 0, 1, 0, i)) })).id);
    }
    const page1 = await admin.agent.get(`/admin/activity?actor=${actor.id}&sort=action&dir=asc`).expect(200);
    const first = ids(page1.text);
    expect(first).toHaveLength(20);
    // course_updated (even i, newest first) then lesson_added.
    const even = made.filter((_, i) => i % 2 === 0).reverse();
    const odd = made.filter((_, i) => i % 2 === 1).reverse();
    expect(first).toEqual([...even, ...odd].slice(0, 20));
    expect(page1.text).toContain(`href="/admin/activity?page=2&amp;sort=action&amp;dir=asc&amp;actor=${actor.id}" rel="next"`);
    expect(page1.text).toContain('aria-sort="ascending"');
    const page2 = await admin.agent.get(`/admin/activity?actor=${actor.id}&sort=action&dir=asc&page=2`).expect(200);
    expect(ids(page2.text)).toEqual([...even, ...odd].slice(20));
  });

  it('links the actor and the entity (course, post, user) by name; an impersonated action names the admin behind it', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    const teacher = await createUser(t.db, { role: 'teacher', email: 'linker@example.test', firstName: 'Lina', lastName: 'Linker' });
    const course = await createCourse(t.db, { title: 'Linked Course', userId: teacher.id });
    const post = await createPost(t.db, { title: 'Linked Post', slug: 'linked-post' });
    const student = await createUser(t.db, { email: 'linked-student@example.test' });
    const boss = await createUser(t.db, { role: 'admin', email: 'boss@example.test' });
    const c = await log(t.db, { userId: teacher.id, action: 'course_updated', entityType: 'course', entityId: course.id });
    const p = await log(t.db, { userId: teacher.id, action: 'blog_submitted', entityType: 'blog', entityId: post.id });
    const u = await log(t.db, { userId: teacher.id, action: 'user_banned', entityType: 'user', entityId: student.id, metadata: { impersonatedBy: boss.id, reason: 'spam' } });
    const odd = await log(t.db, { userId: teacher.id, action: 'course_updated', entityType: 'course', entityId: 'not-a-uuid' });

    const page = await admin.agent.get(`/admin/activity?actor=${teacher.id}`).expect(200);
    expect(rowOf(page.text, c.id)).toContain(`<a href="/admin/users/${teacher.id}">Lina Linker</a>`);
    expect(rowOf(page.text, c.id)).toContain(`<a href="/teach/courses/${course.id}">Linked Course</a>`);
    expect(rowOf(page.text, p.id)).toContain('<a href="/blog/linked-post">Linked Post</a>');
    expect(rowOf(page.text, u.id)).toContain(`<a href="/admin/users/${student.id}">linked-student@example.test</a>`);
    expect(rowOf(page.text, u.id)).toContain(`<strong>Impersonated by</strong> <a href="/admin/users/${boss.id}">boss@example.test</a>`);
    // The impersonator is beside the actor, not repeated in the details.
    expect(rowOf(page.text, u.id)).toContain('reason: spam');
    expect(rowOf(page.text, u.id)).not.toContain('impersonatedBy');
    // A malformed id is shown as it is, unlinked.
    expect(rowOf(page.text, odd.id)).toContain('<span class="muted">not-a-uuid</span>');
  });

  it('shows what the log holds as text: markup in metadata and names is escaped, long metadata is cut', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    const evil = await createUser(t.db, { email: 'evil-actor@example.test', firstName: '<script>alert(1)</script>' });
    const row = await log(t.db, { userId: evil.id, action: 'blog_submitted', entityType: 'blog', entityId: '<img src=x onerror=alert(2)>', metadata: { about: '<script>alert(3)</script>', long: 'y'.repeat(500) } });
    const page = await admin.agent.get(`/admin/activity?actor=${evil.id}`).expect(200);
    const html = rowOf(page.text, row.id);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('about: &lt;script&gt;alert(3)&lt;/script&gt;');
    expect(html).toContain('&lt;img src=x onerror=alert(2)&gt;');
    expect(page.text).not.toContain('<script>alert');
    expect(page.text).not.toContain('<img src=x');
    expect(html).toContain('…');
    expect(html).not.toContain('y'.repeat(200));
  });

  it('the CSV has every filtered row (not only the page), the whole metadata, and a formula neutralised', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    const actor = await createUser(t.db, { email: 'csv-actor@example.test' });
    for (let i = 0; i < 24; i++) await log(t.db, { userId: actor.id, action: 'lesson_added', entityType: 'lesson', entityId: `csv-${i}` });
    await log(t.db, { userId: actor.id, action: 'course_updated', entityType: 'course', entityId: '=HYPERLINK("http://evil.example")', metadata: { note: '@SUM(1+1)' } });

    const page = await admin.agent.get(`/admin/activity?actor=${actor.id}`).expect(200);
    expect(page.text).toContain(`href="/admin/activity?sort=createdAt&amp;dir=desc&amp;actor=${actor.id}&amp;format=csv"`);
    const csv = await admin.agent.get(`/admin/activity?actor=${actor.id}&format=csv`).expect(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.headers['content-disposition']).toBe('attachment; filename="activity.csv"');
    const lines = csvLines(csv.text);
    expect(lines[0]).toBe('id,at,actor id,actor email,impersonated by,action,entity type,entity id,metadata,ip,user agent');
    expect(lines).toHaveLength(26);
    expect(csv.text).toContain(`"'=HYPERLINK(""http://evil.example"")"`);
    expect(csv.text).toContain('"{""note"":""@SUM(1+1)""}"');
    const only = await admin.agent.get(`/admin/activity?actor=${actor.id}&action=course_updated&format=csv`).expect(200);
    expect(csvLines(only.text)).toHaveLength(2);
  });

  it('with 10,000 rows: the same number of queries as with a few, within the page budget, in well under a second; the CSV streams all of them', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    const actor = await createUser(t.db, { email: 'bulk-actor@example.test' });
    await log(t.db, { userId: actor.id, action: 'course_updated', entityType: 'course', entityId: 'few' });
    const pages = ['/admin/activity', `/admin/activity?actor=${actor.id}`, '/admin/activity?user=bulk&action=blog_approved&sort=action', '/admin/activity?entity=lesson&from=2020-01-01', '/admin/activity?entityId=few', '/admin/activity?user=nobody-at-all'];
    const few = [];
    for (const path of pages) few.push((await countQueries(t.db, () => admin.agent.get(path).expect(200))).count);

    await seedActivity(t.db, 10_000, actor.id);
    for (const [i, path] of pages.entries()) await expectBudget(t.db, admin.agent, path, few[i]!);

    const started = Date.now();
    const csv = await admin.agent.get(`/admin/activity?actor=${actor.id}&format=csv`).expect(200);
    console.info(`[budget] /admin/activity CSV of 10,001 rows: ${Date.now() - started} ms`);
    expect(csvLines(csv.text)).toHaveLength(10_002);
  });
});
