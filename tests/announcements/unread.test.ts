import { beforeEach, describe, expect, it } from 'vitest';
import { useTestApp } from '../setup/app.ts';
import { createAnnouncement } from '../setup/announcement-factories.ts';
import { createCourse, createEnrollment, createTeacher } from '../setup/factories.ts';
import { countQueries } from '../setup/queries.ts';
import { signedInAs } from '../setup/users.ts';

const t = useTestApp();

type Reader = Awaited<ReturnType<typeof signedInAs>>;
const minutesAgo = (n: number) => new Date(Date.now() - n * 60_000);

/** The nav's inbox link (views/components/_unread.eta). */
const bellOf = (html: string) => /<a id="nav-unread"[\s\S]*?<\/a>/.exec(html)?.[0];
const badgeOf = (html: string) => /<span class="count" aria-hidden="true">([^<]*)<\/span>/.exec(bellOf(html) ?? '')?.[1];
const bannerOf = (html: string) => /<div class="banner urgent-banner"[\s\S]*?<\/form>\s*<\/div>\s*<\/div>/.exec(html)?.[0];
/** The unread query of unread.ts, told apart from any other by its CTE. */
const unreadQueries = (queries: string[]) => queries.filter((q) => q.includes('waiting as materialized')).length;

const notify = (userId: string, n: number, read = false) =>
  t.db
    .insertInto('notification')
    .values(Array.from({ length: n }, (_, i) => ({ userId, type: 'AdminReply' as const, title: `Notice ${i}`, message: 'Hello', read })))
    .execute();

beforeEach(async () => {
  await t.db.deleteFrom('announcement').execute();
});

describe('the unread count in the nav', () => {
  it('counts unread notifications and unread announcements addressed to the user, with text for screen readers', async () => {
    const reader = await signedInAs(t.app, t.db, 'student');
    await notify(reader.user.id, 2);
    await notify(reader.user.id, 3, true);
    const a = await createAnnouncement(t.db);
    await createAnnouncement(t.db, { targetRole: 'AllTeachers' });
    await createAnnouncement(t.db, { status: 'Draft', publishedAt: null });
    const read = await createAnnouncement(t.db);
    await t.db.insertInto('announcementReadStatus').values({ announcementId: read.id, userId: reader.user.id }).execute();

    const page = await reader.agent.get('/courses').expect(200);
    expect(badgeOf(page.text)).toBe('3');
    expect(bellOf(page.text)).toContain('href="/notifications"');
    expect(bellOf(page.text)).toContain('<span class="sr-only">3 unread notifications and announcements</span>');
    expect(bellOf(page.text)).toContain('<use href="#i-bell"/>');
    // Beside the account link.
    expect(page.text).toMatch(/<li><a id="nav-unread"[\s\S]*?<\/a>\s*<\/li>\s*<li><a href="\/account"/);

    // Reading the announcement takes it off at once, on its own page too.
    const opened = await reader.agent.get(`/announcements/${a.id}`).expect(200);
    expect(badgeOf(opened.text)).toBe('2');
    await t.db.updateTable('notification').set({ read: true }).where('userId', '=', reader.user.id).where('title', '=', 'Notice 0').execute();
    const one = await reader.agent.get('/dashboard').expect(200);
    expect(badgeOf(one.text)).toBe('1');
    expect(bellOf(one.text)).toContain('1 unread notification or announcement');
  });

  it('shows no badge at zero (the bell link only), nothing for visitors, and 99+ beyond 99', async () => {
    const reader = await signedInAs(t.app, t.db, 'student');
    const zero = await reader.agent.get('/courses').expect(200);
    expect(bellOf(zero.text)).toBeDefined();
    expect(badgeOf(zero.text)).toBeUndefined();
    expect(bellOf(zero.text)).toContain('<span class="sr-only">Notifications</span>');

    const visitor = await t.request().get('/courses').expect(200);
    expect(bellOf(visitor.text)).toBeUndefined();

    await notify(reader.user.id, 120);
    const many = await reader.agent.get('/courses').expect(200);
    expect(badgeOf(many.text)).toBe('99+');
    expect(bellOf(many.text)).toContain('More than 99 unread notifications and announcements');
  });

  it('costs one query on a signed-in page, and none for visitors, htmx requests, files or posts', async () => {
    const reader = await signedInAs(t.app, t.db, 'student');
    await notify(reader.user.id, 5);
    for (let i = 0; i < 5; i++) await createAnnouncement(t.db, { isUrgent: i % 2 === 0 });

    for (const path of ['/dashboard', '/courses', '/announcements', '/account']) {
      const { queries } = await countQueries(t.db, () => reader.agent.get(path).expect(200));
      expect(unreadQueries(queries), path).toBe(1);
    }
    // The same page signed in and with the middleware's work skipped (htmx asks for the same page): one query apart.
    const page = await countQueries(t.db, () => reader.agent.get('/announcements').expect(200));
    const fragment = await countQueries(t.db, () => reader.agent.get('/announcements').set('HX-Request', 'true').expect(200));
    expect(page.count - fragment.count).toBe(1);
    expect(unreadQueries(fragment.queries)).toBe(0);

    expect(unreadQueries((await countQueries(t.db, () => t.request().get('/courses').expect(200))).queries)).toBe(0);
    expect(unreadQueries((await countQueries(t.db, () => reader.agent.get('/media/nothing/here.png').expect(404))).queries)).toBe(0);
    expect(unreadQueries((await countQueries(t.db, () => reader.agent.get('/courses').set('Sec-Fetch-Dest', 'image'))).queries)).toBe(0);
    expect(unreadQueries((await countQueries(t.db, () => reader.post('/auth/logout'))).queries)).toBe(0);
  });
});

describe('the urgent announcement banner', () => {
  it('shows the newest urgent unread announcement under the header on every page, with "and N more" when there are several', async () => {
    const reader = await signedInAs(t.app, t.db, 'student');
    await createAnnouncement(t.db, { title: 'Older urgent', isUrgent: true, publishedAt: minutesAgo(30) });
    const newest = await createAnnouncement(t.db, { title: 'Server move <tonight>', isUrgent: true, publishedAt: minutesAgo(1) });
    await createAnnouncement(t.db, { title: 'Plain news', publishedAt: minutesAgo(0) });

    const page = await reader.agent.get('/courses?q=math').expect(200);
    const banner = bannerOf(page.text)!;
    expect(banner).toBeDefined();
    expect(page.text.indexOf('urgent-banner')).toBeGreaterThan(page.text.indexOf('</header>'));
    expect(page.text.indexOf('urgent-banner')).toBeLessThan(page.text.indexOf('<main'));
    expect(banner).toContain('role="region" aria-label="Urgent announcement"');
    expect(banner).toContain('Server move &lt;tonight&gt;');
    expect(banner).toContain(`<a href="/announcements/${newest.id}">Read it</a>`);
    expect(banner).toContain('<a href="/announcements">and 1 more</a>');
    expect(banner).toContain(`<form method="post" action="/announcements/${newest.id}/dismiss" class="inline" hx-post="/announcements/${newest.id}/dismiss" hx-target="#urgent-banner" hx-swap="outerHTML">`);
    expect(banner).toContain('<input type="hidden" name="back" value="/courses?q=math">');
    expect(banner).toContain('<button type="submit" class="link">Dismiss</button>');
    // Only one banner.
    expect(page.text.match(/aria-label="Urgent announcement"/g)).toHaveLength(1);

    // Reading it (its page) takes it off that page already; the other one shows next.
    const opened = await reader.agent.get(`/announcements/${newest.id}`).expect(200);
    expect(bannerOf(opened.text)).toBeUndefined();
    const next = await reader.agent.get('/courses').expect(200);
    expect(bannerOf(next.text)).toContain('Older urgent');
    expect(bannerOf(next.text)).not.toContain('more</a>');
  });

  it('does not show for non-urgent, Draft, Scheduled or Expired announcements, nor in htmx fragments', async () => {
    const reader = await signedInAs(t.app, t.db, 'student');
    await createAnnouncement(t.db, { title: 'Plain' });
    await createAnnouncement(t.db, { title: 'Draft', isUrgent: true, status: 'Draft', publishedAt: null });
    await createAnnouncement(t.db, { title: 'Scheduled', isUrgent: true, status: 'Scheduled', publishedAt: null, scheduledAt: new Date(Date.now() + 60_000) });
    await createAnnouncement(t.db, { title: 'Expired', isUrgent: true, status: 'Expired' });
    expect(bannerOf((await reader.agent.get('/courses').expect(200)).text)).toBeUndefined();

    await createAnnouncement(t.db, { title: 'Now urgent', isUrgent: true });
    expect(bannerOf((await reader.agent.get('/courses').expect(200)).text)).toContain('Now urgent');
    expect((await reader.agent.get('/announcements').set('HX-Request', 'true').expect(200)).text).not.toContain('urgent-banner');
  });

  it('Dismiss without JS marks it read and comes back to the page it was on (303); never to another site', async () => {
    const reader = await signedInAs(t.app, t.db, 'student');
    const a = await createAnnouncement(t.db, { title: 'Closure', isUrgent: true });
    const res = await reader.post(`/announcements/${a.id}/dismiss`, { back: '/courses?q=math' }).expect(303);
    expect(res.headers.location).toBe('/courses?q=math');
    expect(bannerOf((await reader.agent.get('/courses').expect(200)).text)).toBeUndefined();
    const rows = await t.db.selectFrom('announcementReadStatus').selectAll().where('announcementId', '=', a.id).execute();
    expect(rows.map((r) => r.userId)).toEqual([reader.user.id]);
    // Dismissing again (a second tab) is fine.
    await reader.post(`/announcements/${a.id}/dismiss`, { back: '/dashboard' }).expect(303);

    for (const back of ['//evil.example/x', 'https://evil.example/', '/\\evil.example', '/%2e%2e//evil.example', 'javascript:alert(1)', '']) {
      const away = await reader.post(`/announcements/${a.id}/dismiss`, { back }).expect(303);
      expect(away.headers.location, back).toBe('/announcements');
    }
    expect((await reader.post(`/announcements/${a.id}/dismiss`).expect(303)).headers.location).toBe('/announcements');
  });

  it('Dismiss with htmx removes the banner in place (or puts the next one there) and updates the nav count out of band', async () => {
    const reader = await signedInAs(t.app, t.db, 'student');
    const first = await createAnnouncement(t.db, { title: 'First', isUrgent: true, publishedAt: minutesAgo(1) });
    const second = await createAnnouncement(t.db, { title: 'Second', isUrgent: true, publishedAt: minutesAgo(0) });
    const htmxDismiss = (id: string) => reader.agent.post(`/announcements/${id}/dismiss`).set('HX-Request', 'true').set('x-csrf-token', reader.csrf).type('form').send({ back: '/dashboard' });

    const one = await htmxDismiss(second.id).expect(200);
    expect(bannerOf(one.text)).toContain('First');
    expect(bannerOf(one.text)).toContain('<input type="hidden" name="back" value="/dashboard">');
    expect(one.text).toMatch(/<a id="nav-unread" class="nav-unread" href="\/notifications" title="Notifications" hx-swap-oob="true">/);
    expect(badgeOf(one.text)).toBe('1');

    const two = await htmxDismiss(first.id).expect(200);
    expect(two.text).not.toContain('urgent-banner');
    expect(badgeOf(two.text)).toBeUndefined();
    expect(two.text).toContain('hx-swap-oob="true"');
  });

  it('Dismiss answers 404 for an announcement not addressed to the user or not Published, and 403 without the CSRF token', async () => {
    const reader = await signedInAs(t.app, t.db, 'student');
    const forTeachers = await createAnnouncement(t.db, { isUrgent: true, targetRole: 'AllTeachers' });
    const draft = await createAnnouncement(t.db, { isUrgent: true, status: 'Draft', publishedAt: null });
    for (const a of [forTeachers, draft]) await reader.post(`/announcements/${a.id}/dismiss`).expect(404);
    await reader.post(`/announcements/${crypto.randomUUID()}/dismiss`).expect(404);
    await reader.post('/announcements/nope/dismiss').expect(404);
    const mine = await createAnnouncement(t.db, { isUrgent: true });
    await reader.agent.post(`/announcements/${mine.id}/dismiss`).type('form').send({}).expect(403);
    expect(await t.db.selectFrom('announcementReadStatus').selectAll().execute()).toEqual([]);
  });
});

describe('a course announcement never reaches outsiders: banner and count', () => {
  it('a student of another course, a banned student and a teacher of another course get neither', async () => {
    const teacher = await createTeacher(t.db);
    const course = await createCourse(t.db, { userId: teacher.id });
    const student = await signedInAs(t.app, t.db, 'student');
    const elsewhere = await signedInAs(t.app, t.db, 'student');
    const banned = await signedInAs(t.app, t.db, 'student');
    const otherTeacher = await signedInAs(t.app, t.db, 'teacher');
    await createEnrollment(t.db, { userId: student.user.id, courseId: course.id });
    await createEnrollment(t.db, { userId: elsewhere.user.id });
    await createEnrollment(t.db, { userId: banned.user.id, courseId: course.id, banned: true, banType: 'Temporary', banUntil: new Date(Date.now() + 86_400_000) });
    await createCourse(t.db, { userId: otherTeacher.user.id });
    await createAnnouncement(t.db, { title: 'Course closure', createdById: teacher.id, targetRole: 'CourseStudents', targetCourseId: course.id, isUrgent: true });

    const seen = await student.agent.get('/dashboard').expect(200);
    expect(bannerOf(seen.text)).toContain('Course closure');
    expect(badgeOf(seen.text)).toBe('1');
    for (const who of [elsewhere, banned, otherTeacher] as Reader[]) {
      const page = await who.agent.get('/dashboard').expect(200);
      expect(bannerOf(page.text), who.user.email).toBeUndefined();
      expect(badgeOf(page.text), who.user.email).toBeUndefined();
    }
  });
});
