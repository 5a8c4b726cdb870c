import { describe, expect, it } from 'vitest';
import { useTestApp } from '../setup/app.ts';
import { expectWithinPageBudget } from '../setup/budget.ts';
import { createNotifications, notificationOf } from '../setup/notification-factories.ts';
import { countQueries } from '../setup/queries.ts';
import { signedInAs } from '../setup/users.ts';

const t = useTestApp();

/** The inbox's items as "title" (unread ones "title *"), in page order. */
const itemsOf = (html: string) =>
  [...html.matchAll(/<li id="n-[0-9a-f-]+">\s*(<span class="status status-pending">New[^]*?<\/span><\/span>\s*)?<a href="\/notifications\/[0-9a-f-]+\/open">(?:<strong>)?([^<]+)/g)].map(
    (m) => `${m[2]}${m[1] ? ' *' : ''}`,
  );
const readOf = async (id: string) => (await notificationOf(t.db, id)).read;
const hx = { 'HX-Request': 'true' };

describe('the notifications inbox', () => {
  it('lists the person\'s own notifications newest first, 30 a page (31 make two pages), unread ones marked and counted', async () => {
    const me = await signedInAs(t.app, t.db, 'student');
    const other = await signedInAs(t.app, t.db, 'student');
    const notes = await createNotifications(t.db, me.user.id, 31);
    await t.db.updateTable('notification').set({ read: true }).where('id', 'in', notes.slice(3).map((n) => n.id)).execute();
    await createNotifications(t.db, other.user.id, 2, { title: 'Not yours' });

    const first = await me.agent.get('/notifications').expect(200);
    const items = itemsOf(first.text);
    expect(items).toHaveLength(30);
    expect(items.slice(0, 4)).toEqual(['Notice 1 *', 'Notice 2 *', 'Notice 3 *', 'Notice 4']);
    expect(first.text).toContain('<span id="unread-count" class="status status-pending">3 unread</span>');
    expect(first.text).toContain('<strong>Notice 1</strong>');
    expect(first.text).toContain('<span class="sr-only">, unread:</span>');
    expect(first.text).not.toContain('Not yours');
    expect(first.text).toContain('Page 1 of 2 (31)');
    expect(first.text).toContain('href="/notifications?page=2"');
    expect(first.text).toContain('Mark all as read');
    expect(first.text.match(/>Mark as read</g)).toHaveLength(3);

    const second = await me.agent.get('/notifications?page=2').expect(200);
    expect(itemsOf(second.text)).toEqual(['Notice 31']);
    // A page past the end, or nonsense: no error.
    expect((await me.agent.get('/notifications?page=9').expect(200)).text).toContain('Nothing on this page.');
    expect(itemsOf((await me.agent.get('/notifications?page=abc').expect(200)).text)).toHaveLength(30);
  });

  it('an empty inbox says so; visitors are sent to sign in', async () => {
    const me = await signedInAs(t.app, t.db, 'student');
    const page = await me.agent.get('/notifications').expect(200);
    expect(page.text).toContain('No notifications yet.');
    expect(page.text).toContain('all read');
    expect(page.text).not.toContain('Mark all as read');
    const visitor = await t.request().get('/notifications');
    expect(visitor.status).toBe(303);
    expect(visitor.headers.location).toMatch(/^\/auth\/login/);
  });

  it('opening a notification marks it read and follows its link (303)', async () => {
    const me = await signedInAs(t.app, t.db, 'student');
    const [note] = await createNotifications(t.db, me.user.id, 1, { link: '/blog/my-post#comment-1' });
    const res = await me.agent.get(`/notifications/${note!.id}/open`).expect(303);
    expect(res.headers.location).toBe('/blog/my-post#comment-1');
    expect(await readOf(note!.id)).toBe(true);
    // Again: still fine.
    await me.agent.get(`/notifications/${note!.id}/open`).expect(303);
  });

  it('a browser fetching the link ahead of a click (prefetch) does not mark it read', async () => {
    const me = await signedInAs(t.app, t.db, 'student');
    const [note] = await createNotifications(t.db, me.user.id, 1, { link: '/dashboard' });
    await me.agent.get(`/notifications/${note!.id}/open`).set('Sec-Purpose', 'prefetch').expect(204);
    expect(await readOf(note!.id)).toBe(false);
  });

  it('a link that is not a path on this site is never followed: to the inbox instead', async () => {
    const me = await signedInAs(t.app, t.db, 'student');
    for (const link of ['//evil.example', '/\\evil.example', '/\t/evil.example', 'https://evil.example/x', 'javascript:alert(1)', 'blog/relative', null]) {
      const [note] = await createNotifications(t.db, me.user.id, 1, { link });
      const res = await me.agent.get(`/notifications/${note!.id}/open`).expect(303);
      expect(res.headers.location, String(link)).toBe('/notifications');
      expect(await readOf(note!.id)).toBe(true);
    }
    // Encoded tricks stay paths on this site, as a browser resolves the Location.
    for (const link of ['/%2f%2fevil.example', '/%2e%2e//evil.example', '/.//evil.example']) {
      const [note] = await createNotifications(t.db, me.user.id, 1, { link });
      const res = await me.agent.get(`/notifications/${note!.id}/open`).expect(303);
      expect(new URL(res.headers.location!, 'http://edupeak.test').origin, link).toBe('http://edupeak.test');
    }
  });

  it('someone else\'s notification, or a bad id: 404 on every route, and it stays unread', async () => {
    const me = await signedInAs(t.app, t.db, 'student');
    const owner = await signedInAs(t.app, t.db, 'student');
    const [theirs] = await createNotifications(t.db, owner.user.id, 1);
    await me.agent.get(`/notifications/${theirs!.id}/open`).expect(404);
    await me.post(`/notifications/${theirs!.id}/read`).expect(404);
    await me.post(`/notifications/${theirs!.id}/read`).set(hx).expect(404);
    expect(await readOf(theirs!.id)).toBe(false);
    await me.agent.get('/notifications/not-a-uuid/open').expect(404);
    await me.post('/notifications/not-a-uuid/read').expect(404);
    await me.agent.get('/notifications/00000000-0000-4000-8000-000000000000/open').expect(404);
  });

  it('mark as read without JS: 303 back to the same page; twice is no error; only that row changes', async () => {
    const me = await signedInAs(t.app, t.db, 'student');
    const [a, b] = await createNotifications(t.db, me.user.id, 2);
    const res = await me.post(`/notifications/${a!.id}/read`, { page: '2' }).expect(303);
    expect(res.headers.location).toBe('/notifications?page=2');
    expect(await readOf(a!.id)).toBe(true);
    expect(await readOf(b!.id)).toBe(false);
    expect((await me.post(`/notifications/${a!.id}/read`).expect(303)).headers.location).toBe('/notifications');
  });

  it('mark as read with htmx: the item comes back alone (no layout), unmarked, with the heading\'s count out of band', async () => {
    const me = await signedInAs(t.app, t.db, 'student');
    const [a] = await createNotifications(t.db, me.user.id, 3);
    const res = await me.post(`/notifications/${a!.id}/read`, { page: '1' }).set(hx).expect(200);
    expect(res.headers.vary).toMatch(/HX-Request/);
    expect(res.text).not.toContain('<html');
    expect(res.text.trim().startsWith(`<li id="n-${a!.id}">`)).toBe(true);
    expect(res.text).not.toContain('New<span');
    expect(res.text).not.toContain('Mark as read');
    expect(res.text).toContain('<span id="unread-count" hx-swap-oob="true" class="status status-pending">2 unread</span>');
    // The nav's bell too: 2 left of 3.
    expect(res.text).toMatch(/<a id="nav-unread"[^>]*hx-swap-oob="true"[^]*?<span class="count" aria-hidden="true">2<\/span>/);
    // Already read: the same answer, not an error.
    await me.post(`/notifications/${a!.id}/read`).set(hx).expect(200);
  });

  it('mark all as read: without JS 303 to the page it came from; with htmx the inbox fragment; nobody else\'s rows change', async () => {
    const me = await signedInAs(t.app, t.db, 'student');
    const other = await signedInAs(t.app, t.db, 'student');
    const mine = await createNotifications(t.db, me.user.id, 3);
    const theirs = await createNotifications(t.db, other.user.id, 2);

    const res = await me.post('/notifications/read-all', { page: '1' }).expect(303);
    expect(res.headers.location).toBe('/notifications');
    for (const n of mine) expect(await readOf(n.id)).toBe(true);
    for (const n of theirs) expect(await readOf(n.id)).toBe(false);
    expect((await me.agent.get('/notifications').expect(200)).text).toContain('All your notifications are marked as read.');

    await createNotifications(t.db, me.user.id, 2, { title: 'Later' });
    const fragment = await me.post('/notifications/read-all').set(hx).expect(200);
    expect(fragment.text).not.toContain('<html');
    expect(fragment.text.trim().startsWith('<div id="inbox">')).toBe(true);
    // Newest first: each batch's row i is i minutes old.
    expect(itemsOf(fragment.text)).toEqual(['Later 1', 'Notice 1', 'Later 2', 'Notice 2', 'Notice 3']);
    expect(fragment.text).not.toContain('Mark all as read');
    expect(fragment.text).toContain('<span id="unread-count" hx-swap-oob="true" class="muted">all read</span>');
    expect(fragment.text).toMatch(/<a id="nav-unread"[^>]*hx-swap-oob="true"[^>]*><svg[^]*?<span class="sr-only">Notifications<\/span><\/a>/);
    for (const n of theirs) expect(await readOf(n.id)).toBe(false);
    // Nothing unread left: still fine.
    await me.post('/notifications/read-all').expect(303);
  });

  it('stays within the page budget with a fixed number of queries (5 vs 60 notifications)', async () => {
    const few = await signedInAs(t.app, t.db, 'student');
    const many = await signedInAs(t.app, t.db, 'student');
    await createNotifications(t.db, few.user.id, 5);
    await createNotifications(t.db, many.user.id, 60, { title: 'A rather long notification title about your course', message: 'You earned 25 points with "Introduction to statistics" in "Data for everyone".' });
    await few.agent.get('/notifications');
    const small = await countQueries(t.db, () => few.agent.get('/notifications').expect(200));
    const large = await countQueries(t.db, () => many.agent.get('/notifications').expect(200));
    expect(large.count).toBe(small.count);
    expect(itemsOf(large.result.text)).toHaveLength(30);
    expectWithinPageBudget(large.result);
  });
});
