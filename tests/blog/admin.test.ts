import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { useTestApp } from '../setup/app.ts';
import { expectWithinPageBudget } from '../setup/budget.ts';
import { createBlogCategory, createPost, createUser } from '../setup/factories.ts';
import { waitForMailTo } from '../setup/outbox.ts';
import { countQueries } from '../setup/queries.ts';
import { signedInAs, type SignedIn } from '../setup/users.ts';

const t = useTestApp();

/** The `<tr>` of one post in the table's HTML ('' when it is not on the page). */
function rowOf(html: string, postId: string): string {
  const start = html.indexOf(`<tr id="p-${postId}">`);
  return start < 0 ? '' : html.slice(start, html.indexOf('</tr>', start) + 5);
}
const titlesIn = (html: string) => [...html.matchAll(/<td data-label="Post"><a href="\/blog\/[^"]+">([^<]+)<\/a>/g)].map((m) => m[1]);

/** A form post as a browser sends it; `htmx` adds the header htmx sends. */
function post(who: SignedIn, path: string, fields: Record<string, string> = {}, htmx = false) {
  const req = who.agent.post(path).type('form');
  if (htmx) req.set('HX-Request', 'true');
  return req.send({ ...fields, _csrf: who.csrf });
}

const postOf = (id: string) =>
  t.db
    .selectFrom('blog')
    .select(['status', 'isDraft', 'isFeatured', 'pointsSpent', 'publishedAt', 'rejectedAt', 'rejectionReason'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
const notificationsOf = (userId: string) => t.db.selectFrom('notification').select(['type', 'message', 'link']).where('userId', '=', userId).execute();
const actionsOn = async (id: string) =>
  (await t.db.selectFrom('activityLog').select(['action', 'userId']).where('entityId', '=', id).orderBy('createdAt').execute()).map((r) => r.action);
const pointsOf = async (id: string) => (await t.db.selectFrom('user').select('points').where('id', '=', id).executeTakeFirstOrThrow()).points;

/** An admin, a category of this test's own (so counts are this test's), and an author. */
async function setup() {
  const admin = await signedInAs(t.app, t.db, 'admin');
  const category = await createBlogCategory(t.db);
  const author = await createUser(t.db, { firstName: 'Petra', points: 10 });
  const pending = (overrides: Parameters<typeof createPost>[1] = {}) =>
    createPost(t.db, { authorId: author.id, categoryId: category.id, status: 'Pending', pointsSpent: 5, ...overrides });
  return { admin, category, author, pending, table: `/admin/blog?category=${category.id}` };
}

describe('admin: the blog moderation table', () => {
  it('lists Pending posts by default, oldest first, with counts per status; drafts are never listed', async () => {
    const { admin, category, author, pending, table } = await setup();
    const day = 86_400_000;
    const older = await pending({ title: 'Older pending', createdAt: new Date(Date.now() - 2 * day) });
    const newer = await pending({ title: 'Newer pending', createdAt: new Date(Date.now() - day) });
    await createPost(t.db, { authorId: author.id, categoryId: category.id, title: 'Live one' });
    await createPost(t.db, { authorId: author.id, categoryId: category.id, title: 'Off the blog', status: 'Approved', publishedAt: new Date() });
    await createPost(t.db, { authorId: author.id, categoryId: category.id, title: 'Turned down', status: 'Rejected', rejectionReason: 'Off topic' });
    await createPost(t.db, { authorId: author.id, categoryId: category.id, title: 'Secret draft', status: 'Pending', isDraft: true });

    const page = await admin.agent.get(table).expect(200);
    expect(page.headers.vary).toMatch(/HX-Request/i);
    expect(titlesIn(page.text)).toEqual(['Older pending', 'Newer pending']);
    expect(page.text).toContain('Pending (2)');
    expect(page.text).toContain('Published (1)');
    expect(page.text).toContain('Unpublished (1)');
    expect(page.text).toContain('Rejected (1)');
    expect(page.text).toContain('All (5)');
    expect(page.text).not.toContain('Secret draft');
    const row = rowOf(page.text, older.id);
    expect(row).toContain(`href="/blog/${older.slug}"`);
    expect(row).toContain(category.name);
    expect(row).toContain('Petra');
    expect(row).toMatch(/<td data-label="Points" class="num">5<\/td>/);
    expect(row).toContain(`/admin/blog/${older.id}/approve`);
    expect(row).toContain('name="rejectionReason"');
    expect(rowOf(page.text, newer.id)).not.toBe('');

    const any = await admin.agent.get(`${table}&status=any&sort=title&dir=asc`).expect(200);
    expect(titlesIn(any.text)).toEqual(['Live one', 'Newer pending', 'Off the blog', 'Older pending', 'Turned down']);
    const rejected = await admin.agent.get(`${table}&status=Rejected`).expect(200);
    expect(titlesIn(rejected.text)).toEqual(['Turned down']);
    expect(rejected.text).toContain('Off topic');
    // A bad filter value is dropped, never an error.
    const odd = await admin.agent.get(`${table}&status=Nope&featured=maybe&sort=evil;drop&page=-3&category=x`).expect(200);
    expect(odd.text).toContain('Blog moderation');
  });

  it('filters by featured and category, sorts by published date, pages by 20', async () => {
    const { admin, category, author, table } = await setup();
    const other = await createBlogCategory(t.db);
    const at = (d: number) => new Date(Date.UTC(2026, 0, d));
    for (let i = 1; i <= 23; i++) {
      await createPost(t.db, { authorId: author.id, categoryId: category.id, title: `P${String(i).padStart(2, '0')}`, publishedAt: at(i), isFeatured: i === 7 });
    }
    await createPost(t.db, { authorId: author.id, categoryId: other.id, title: 'Elsewhere', isFeatured: true });

    const featured = await admin.agent.get(`${table}&status=Published&featured=yes`).expect(200);
    expect(titlesIn(featured.text)).toEqual(['P07']);
    expect(featured.text).toContain('Unfeature');
    const notFeatured = await admin.agent.get(`${table}&status=Published&featured=no`).expect(200);
    expect(notFeatured.text).toContain('Published (22)');

    const first = await admin.agent.get(`${table}&status=Published&sort=published&dir=desc`).expect(200);
    const titles = titlesIn(first.text);
    expect(titles).toHaveLength(20);
    expect(titles[0]).toBe('P23');
    expect(titles[19]).toBe('P04');
    expect(first.text).toContain('Page 1 of 2');
    const second = await admin.agent.get(`${table}&status=Published&sort=published&dir=desc&page=2`).expect(200);
    expect(titlesIn(second.text)).toEqual(['P03', 'P02', 'P01']);

    const elsewhere = await admin.agent.get(`/admin/blog?status=Published&category=${other.id}`).expect(200);
    expect(titlesIn(elsewhere.text)).toEqual(['Elsewhere']);
  });

  it('stays within the page budget with a constant number of queries (5 and 40 posts)', async () => {
    const { admin, category, author, table } = await setup();
    const many = async (n: number) => {
      for (let i = 0; i < n; i++) {
        await createPost(t.db, {
          authorId: (await createUser(t.db, { firstName: `Writer${i}`, lastName: 'Longname-Hyphenated' })).id,
          categoryId: category.id,
          status: 'Pending',
          pointsSpent: 5,
          title: `A reasonably long post title about learning number ${i} with some words`,
        });
      }
    };
    await many(5);
    const few = await countQueries(t.db, () => admin.agent.get(table).expect(200));
    await many(35);
    const lots = await countQueries(t.db, () => admin.agent.get(table).expect(200));
    expect(lots.count).toBe(few.count);
    expect(titlesIn(lots.result.text)).toHaveLength(20);
    expectWithinPageBudget(lots.result);
    void author;
  });

  it('is for admins only: a student or a teacher gets 404, a visitor goes to sign in', async () => {
    const { pending } = await setup();
    const post = await pending();
    for (const role of ['student', 'teacher'] as const) {
      const who = await signedInAs(t.app, t.db, role);
      await who.agent.get('/admin/blog').expect(404);
      await who.agent.get('/admin/blog/categories').expect(404);
      await post_(who, `/admin/blog/${post.id}/approve`).expect(404);
    }
    const res = await request(t.app).get('/admin/blog');
    expect(res.status).toBe(303);
    expect(res.headers.location).toMatch(/^\/auth\/login/);
    expect((await postOf(post.id)).status).toBe('Pending');
  });
});

const post_ = post;

describe('admin: decisions on a post', () => {
  it('approve: Published with publishedAt, a BlogApproved notification, a mail with the link, an activity_log row; 303 back to the table', async () => {
    const { admin, author, pending, table } = await setup();
    const email = `approve-${Date.now()}@example.test`;
    await t.db.updateTable('user').set({ email }).where('id', '=', author.id).execute();
    const p = await pending({ title: 'Ten habits' });
    const back = `${table}&sort=title`;
    const res = await post(admin, `/admin/blog/${p.id}/approve`, { back }).expect(303);
    expect(res.headers.location).toBe(back);
    const after = await postOf(p.id);
    expect(after.status).toBe('Published');
    expect(after.publishedAt).toBeInstanceOf(Date);
    expect(await notificationsOf(author.id)).toEqual([expect.objectContaining({ type: 'BlogApproved', link: `/blog/${p.slug}` })]);
    expect(await actionsOn(p.id)).toEqual(['blog_approved']);
    const log = await t.db.selectFrom('activityLog').select('userId').where('entityId', '=', p.id).executeTakeFirstOrThrow();
    expect(log.userId).toBe(admin.user.id);
    const mail = await waitForMailTo(t.config.dataDir, email);
    expect(mail.subject).toBe('Published: Ten habits');
    expect(mail.text).toContain(`/blog/${p.slug}`);
    const page = await admin.agent.get(back).expect(200);
    expect(page.text).toContain('Ten habits');
    expect(page.text).toContain('Approved and published');
  });

  it('a `back` that leads elsewhere is ignored: 303 to the table', async () => {
    const { admin, pending } = await setup();
    const p = await pending();
    for (const back of ['https://evil.example/admin/blog', '//evil.example', '/account']) {
      const q = await pending();
      const res = await post(admin, `/admin/blog/${q.id}/approve`, { back }).expect(303);
      expect(res.headers.location).toBe('/admin/blog');
    }
    void p;
  });

  it('reject: a reason is required (422, the table again with the message beside the row); with one: Rejected, rejectedAt, refund, BlogRejected, mail', async () => {
    const { admin, author, pending, table } = await setup();
    const email = `reject-${Date.now()}@example.test`;
    await t.db.updateTable('user').set({ email }).where('id', '=', author.id).execute();
    const p = await pending({ title: 'Buy my course' });

    const missing = await post(admin, `/admin/blog/${p.id}/reject`, { rejectionReason: '   ', back: table }).expect(422);
    expect(rowOf(missing.text, p.id)).toContain('Give the author a reason.');
    expect(rowOf(missing.text, p.id)).toContain('aria-invalid="true"');
    expect((await postOf(p.id)).status).toBe('Pending');
    const missingHtmx = await post(admin, `/admin/blog/${p.id}/reject`, { back: table }, true).expect(422);
    expect(missingHtmx.text.trim().startsWith(`<tr id="p-${p.id}">`)).toBe(true);
    expect(missingHtmx.text).toContain('Give the author a reason.');
    const long = await post(admin, `/admin/blog/${p.id}/reject`, { rejectionReason: 'x'.repeat(1001) }).expect(422);
    expect(long.text).toContain('1,000 characters');
    // Not a string at all (a repeated field): 422, never 500.
    await admin.agent.post(`/admin/blog/${p.id}/reject`).type('form').send(`rejectionReason=a&rejectionReason=b&_csrf=${encodeURIComponent(admin.csrf)}`).expect(422);

    const res = await post(admin, `/admin/blog/${p.id}/reject`, { rejectionReason: 'Advertising is not allowed <b>here</b>.', back: table }).expect(303);
    expect(res.headers.location).toBe(table);
    const after = await postOf(p.id);
    expect(after).toMatchObject({ status: 'Rejected', rejectionReason: 'Advertising is not allowed <b>here</b>.', pointsSpent: 0 });
    expect(after.rejectedAt).toBeInstanceOf(Date);
    expect(await pointsOf(author.id)).toBe(15);
    expect(await notificationsOf(author.id)).toEqual([expect.objectContaining({ type: 'BlogRejected', link: `/blog/posts/${p.id}/edit` })]);
    expect(await actionsOn(p.id)).toEqual(['blog_rejected']);
    const mail = await waitForMailTo(t.config.dataDir, email);
    expect(mail.subject).toBe('Not accepted: Buy my course');
    expect(mail.text).toContain('Advertising is not allowed <b>here</b>.');
    expect(mail.text).toContain(`/blog/posts/${p.id}/edit`);
    expect(mail.html).not.toContain('<b>here</b>');
    const page = await admin.agent.get(`${table}&status=Rejected`).expect(200);
    expect(page.text).toContain('Advertising is not allowed &lt;b&gt;here&lt;/b&gt;.');
  });

  it('with htmx the row swaps: the new state and what happened, 200 with Vary', async () => {
    const { admin, pending, table } = await setup();
    const p = await pending({ title: 'Swap me' });
    const res = await post(admin, `/admin/blog/${p.id}/approve`, { back: table }, true).expect(200);
    expect(res.headers.vary).toMatch(/HX-Request/i);
    expect(res.text).not.toContain('<html');
    expect(res.text.trim().startsWith(`<tr id="p-${p.id}">`)).toBe(true);
    expect(res.text).toContain('status-published');
    expect(res.text).toContain('Approved and published');
    expect(res.text).toContain(`/admin/blog/${p.id}/feature`);
    expect(res.text).toContain(`name="back" value="${table.replace('&', '&amp;')}"`);
  });

  it('a double decision is refused with 409 and says why; nothing changes twice', async () => {
    const { admin, author, pending, table } = await setup();
    const p = await pending();
    await post(admin, `/admin/blog/${p.id}/approve`).expect(303);
    const again = await post(admin, `/admin/blog/${p.id}/reject`, { rejectionReason: 'Too late', back: table }).expect(409);
    expect(again.text).toContain('This post was already approved and is published.');
    const twice = await post(admin, `/admin/blog/${p.id}/approve`, {}, true).expect(409);
    expect(twice.headers['hx-refresh']).toBe('true');
    // The reloaded page shows why.
    const page = await admin.agent.get('/admin/blog').expect(200);
    expect(page.text).toContain('This post was already approved and is published.');
    expect((await postOf(p.id)).status).toBe('Published');
    expect(await notificationsOf(author.id)).toHaveLength(1);
    expect(await actionsOn(p.id)).toEqual(['blog_approved']);
  });

  it('two admins deciding at once: one wins, the other gets 409; one notification, one refund at most', async () => {
    const { admin, author, pending } = await setup();
    const other = await signedInAs(t.app, t.db, 'admin');
    const p = await pending();
    const answers = await Promise.all([
      ...Array.from({ length: 10 }, () => post(admin, `/admin/blog/${p.id}/approve`)),
      ...Array.from({ length: 10 }, () => post(other, `/admin/blog/${p.id}/reject`, { rejectionReason: 'No' })),
    ]);
    const statuses = answers.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 303)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(19);
    const after = await postOf(p.id);
    expect(['Published', 'Rejected']).toContain(after.status);
    expect(await notificationsOf(author.id)).toHaveLength(1);
    expect(await pointsOf(author.id)).toBe(after.status === 'Rejected' ? 15 : 10);
    expect(await actionsOn(p.id)).toHaveLength(1);
  });

  it('feature / unfeature a published post; a second click is a 409; a Pending post cannot be featured', async () => {
    const { admin, author, category, pending, table } = await setup();
    const live = await createPost(t.db, { authorId: author.id, categoryId: category.id });
    await post(admin, `/admin/blog/${live.id}/feature`, { back: `${table}&status=Published` }).expect(303);
    expect((await postOf(live.id)).isFeatured).toBe(true);
    const page = await admin.agent.get(`${table}&status=Published&featured=yes`).expect(200);
    expect(rowOf(page.text, live.id)).toContain('Featured');
    expect((await post(admin, `/admin/blog/${live.id}/feature`).expect(409)).text).toContain('This post is already featured.');
    const row = await post(admin, `/admin/blog/${live.id}/unfeature`, {}, true).expect(200);
    expect(row.text).toContain('No longer featured');
    expect((await postOf(live.id)).isFeatured).toBe(false);
    expect(await actionsOn(live.id)).toEqual(['blog_featured', 'blog_unfeatured']);
    const waiting = await pending();
    expect((await post(admin, `/admin/blog/${waiting.id}/feature`).expect(409)).text).toContain('Only a published post can be featured.');
  });

  it('unpublish takes a post off the blog (no refund, unfeatured), publish puts it back with its first date', async () => {
    const { admin, author, category } = await setup();
    const first = new Date('2026-03-01T10:00:00Z');
    const live = await createPost(t.db, { authorId: author.id, categoryId: category.id, isFeatured: true, publishedAt: first, pointsSpent: 5 });
    await post(admin, `/admin/blog/${live.id}/unpublish`).expect(303);
    expect(await postOf(live.id)).toMatchObject({ status: 'Approved', isFeatured: false, pointsSpent: 5 });
    expect(await pointsOf(author.id)).toBe(10);
    const reader = await signedInAs(t.app, t.db, 'student');
    await reader.agent.get(`/blog/${live.slug}`).expect(404);
    expect((await post(admin, `/admin/blog/${live.id}/unpublish`).expect(409)).text).toContain('already unpublished');
    const row = await post(admin, `/admin/blog/${live.id}/publish`, {}, true).expect(200);
    expect(row.text).toContain('Published again');
    const after = await postOf(live.id);
    expect(after.status).toBe('Published');
    expect(after.publishedAt?.toISOString()).toBe(first.toISOString());
    expect((await post(admin, `/admin/blog/${live.id}/publish`).expect(409)).text).toContain('already published');
    expect(await actionsOn(live.id)).toEqual(['blog_unpublished', 'blog_approved']);
  });

  it('bad ids: 404 (not a uuid, no such post); an unknown action is 404', async () => {
    const { admin } = await setup();
    await post(admin, '/admin/blog/not-a-uuid/approve').expect(404);
    await post(admin, '/admin/blog/00000000-0000-4000-8000-000000000000/approve').expect(404);
    await post(admin, '/admin/blog/00000000-0000-4000-8000-000000000000/approve', {}, true).expect(404);
    await post(admin, '/admin/blog/00000000-0000-4000-8000-000000000000/reject', { rejectionReason: 'x' }).expect(404);
    await post(admin, '/admin/blog/00000000-0000-4000-8000-000000000000/destroy').expect(404);
  });

  it('the admin navigation links to the moderation table', async () => {
    const { admin } = await setup();
    const page = await admin.agent.get('/admin/enrollments').expect(200);
    expect(page.text).toContain('href="/admin/blog"');
  });
});
