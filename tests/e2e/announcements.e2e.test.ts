import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { jobs, runOncePerTick } from '../../src/jobs/schedule.ts';
import { notify } from '../../src/features/notifications/notify.ts';
import { formatDateTime, utcToZonedInput } from '../../src/lib/dates.ts';
import { createDiskStorage } from '../../src/storage/index.ts';
import { useTestApp } from '../setup/app.ts';
import { markSamePage, noSidewaysScroll, openWindow, screenshotPath, signInThroughForm, skipWithoutBrowser, useBrowser } from '../setup/browser.ts';
import { createAdmin, createCourse, createEnrollment, createUser } from '../setup/factories.ts';
import { linkPath, readOutbox, waitForMailTo } from '../setup/outbox.ts';

const SLOW = { timeout: 15_000, interval: 100 };
const MINUTE = 60_000;

const TITLE = 'The exam room has moved';
const BODY = `## Where to go

The written exam on Friday is now in **Room 12**, not the hall.

- bring your student card
- arrive ten minutes early

Questions: [the help page](https://example.com/help).
`;
/** The admin works on São Paulo's clock (UTC-3, no summer time): the form's time is read there, not in UTC. */
const ADMIN_ZONE = 'America/Sao_Paulo';

type Person = { id: string; email: string; password: string; firstName: string; lastName: string | null };
const nameOf = (p: Person) => `${p.firstName} ${p.lastName}`;

/**
 * Issue 16's journey for announcements and notifications: an admin (JavaScript on, 1280 px, on
 * São Paulo's clock) schedules an urgent announcement to all enrolled students; the
 * publish-announcements job publishes it once its time has come and queues the mail of its
 * audience; a student with JavaScript (360 px) sees the banner and the bell's count on every page,
 * dismisses the banner in place and marks a notification read in place; the admin then sees one
 * read of two, with the other student listed (and in the CSV); that student, without JavaScript,
 * dismisses the banner by the plain form (back on the page they were on) and marks all read; the
 * admin sees both reads; a student with no enrollment never sees it; the urgent mails reach the
 * two students only.
 */
describe.skipIf(skipWithoutBrowser)('announcements and notifications in a browser', () => {
  const t = useTestApp();
  const b = useBrowser(() => t.app);

  interface Cast {
    admin: Person;
    students: Record<'js' | 'nojs', Person>;
    outsider: Person;
  }
  let cast: Promise<Cast> | undefined;
  let scheduled: Promise<{ id: string; at: Date }> | undefined;
  let published: Promise<void> | undefined;
  let jsDismissed: Promise<void> | undefined;
  let halfRead: Promise<void> | undefined;
  let nojsDismissed: Promise<void> | undefined;

  const signIn = (page: Page, who: Person, next: string) => signInThroughForm(page, b.url, who, next);

  const banner = (page: Page) => page.locator('#urgent-banner');
  /** The bell's badge as shown ('' when there is none) and what a screen reader hears. */
  async function bell(page: Page): Promise<{ count: string; said: string }> {
    const link = page.locator('#nav-unread');
    const badge = link.locator('.count');
    return { count: (await badge.count()) ? ((await badge.textContent()) ?? '') : '', said: ((await link.locator('.sr-only').textContent()) ?? '').trim() };
  }

  function people(): Promise<Cast> {
    cast ??= (async () => {
      const admin = await createAdmin(t.db, { firstName: 'Ade', lastName: 'Min', timeZone: ADMIN_ZONE });
      // Its card image exists, so that the catalog and the dashboard load without a 404.
      const fileKey = 'test/bookkeeping-basics.webp';
      const image = await sharp({ create: { width: 640, height: 360, channels: 3, background: '#336699' } }).webp().toBuffer();
      await createDiskStorage(path.join(t.config.dataDir, 'uploads')).put(fileKey, image, { contentType: 'image/webp', contentLength: image.length });
      const course = await createCourse(t.db, { title: 'Bookkeeping basics', fileKey });
      const students = {
        js: await createUser(t.db, { firstName: 'Ama', lastName: 'Script' }),
        nojs: await createUser(t.db, { firstName: 'Ben', lastName: 'Plain' }),
      };
      for (const s of Object.values(students)) await createEnrollment(t.db, { userId: s.id, courseId: course.id });
      // A student without any enrollment: not one of "all enrolled students".
      const outsider = await createUser(t.db, { firstName: 'Cy', lastName: 'Browsing' });
      // Inbox notices through the one way the app writes them (no mail: PointsEarned is not mailed by default).
      await t.db.transaction().execute((trx) =>
        notify(trx, [
          { userId: students.js.id, type: 'PointsEarned', title: 'You earned 2 points', message: 'For finishing a lesson.', link: '/dashboard' },
          { userId: students.nojs.id, type: 'PointsEarned', title: 'You earned 1 point', message: 'For a reaction to your post.', link: '/dashboard' },
          { userId: students.nojs.id, type: 'PointsEarned', title: 'You earned 3 points', message: 'For passing a quiz.', link: '/dashboard' },
        ]),
      );
      return { admin, students, outsider };
    })();
    return cast;
  }

  /** The admin writes it in Markdown, to all enrolled students, urgent, a few minutes ahead on their own clock. */
  function adminSchedules(): Promise<{ id: string; at: Date }> {
    scheduled ??= (async () => {
      const { admin } = await people();
      // The datetime-local field has minutes: the instant it names is a whole minute.
      const at = new Date(Math.ceil((Date.now() + 10 * MINUTE) / MINUTE) * MINUTE);
      const { context, page, problems, body } = await openWindow(b.browser, { javaScript: true, width: 1280 });
      await signIn(page, admin, '/admin/announcements');
      expect(await page.locator('h1').textContent()).toBe('Announcements');
      expect(await page.locator('main .empty').textContent()).toContain('No announcements yet.');

      await page.getByRole('link', { name: 'New announcement' }).click();
      await expect.poll(() => page.locator('h1').textContent(), SLOW).toBe('New announcement');
      await page.getByLabel('Title', { exact: true }).fill(TITLE);
      await page.getByLabel('Announcement', { exact: true }).fill(BODY);
      await page.getByRole('radio', { name: 'All enrolled students' }).check();
      await page.getByRole('checkbox', { name: 'Urgent' }).check();
      // The label names the zone the time is read in.
      const when = page.getByLabel(`Publish at (${ADMIN_ZONE})`);
      await when.fill(utcToZonedInput(at, ADMIN_ZONE));
      await page.screenshot({ path: screenshotPath('announcements-1-admin-writes'), fullPage: true });
      await page.getByRole('button', { name: 'Publish or schedule' }).click();

      const shownAt = formatDateTime(at, ADMIN_ZONE);
      await expect.poll(body, SLOW).toContain(`Scheduled: it is published on ${shownAt}.`);
      expect(new URL(page.url()).pathname).toMatch(/^\/admin\/announcements\/[0-9a-f-]{36}$/);
      const id = new URL(page.url()).pathname.split('/').at(-1)!;
      expect(await page.locator('h1').textContent()).toBe(TITLE);
      const facts = page.locator('main > ul.facts');
      expect(await facts.locator('.status').allTextContents()).toEqual(['Scheduled', 'Urgent']);
      expect(await facts.textContent()).toContain('To: All enrolled students');
      expect(await facts.textContent()).toContain(`Publishes ${shownAt}`);
      // Who it would reach now: the two enrolled students, not the outsider nor the admin.
      expect((await page.locator('section[aria-labelledby="figures-title"]').textContent())?.replace(/\s+/g, ' ')).toContain('2 in the audience (who it would reach now)');
      // The Markdown as HTML, inside hx-disable.
      const prose = page.locator('section[aria-labelledby="text-title"] .prose[hx-disable]');
      expect(await prose.locator('h2').textContent()).toBe('Where to go');
      expect(await prose.locator('strong').textContent()).toBe('Room 12');
      expect(await prose.locator('ul > li').allTextContents()).toEqual(['bring your student card', 'arrive ten minutes early']);

      // The list shows it Scheduled, at the admin's time, urgent, read by none of two.
      await page.getByRole('link', { name: 'Announcements' }).first().click();
      await expect.poll(() => page.locator('h1').textContent(), SLOW).toBe('Announcements');
      const row = page.locator('table.data tbody tr', { hasText: TITLE });
      expect(await row.locator('td[data-label="Status"]').textContent()).toBe('Scheduled');
      expect((await row.locator('td').allTextContents()).map((c) => c.trim())).toEqual([TITLE, 'All enrolled students', 'Scheduled', shownAt, '0 / 2', 'Urgent']);
      await page.screenshot({ path: screenshotPath('announcements-2-admin-scheduled'), fullPage: true });

      // Stored as the instant the admin meant (São Paulo's wall time, not UTC's).
      const stored = await t.db.selectFrom('announcement').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      expect(stored).toMatchObject({ title: TITLE, bodyMarkdown: BODY.trimEnd(), targetRole: 'AllStudents', isUrgent: true, status: 'Scheduled', publishedAt: null, createdById: admin.id });
      expect(stored.scheduledAt?.toISOString()).toBe(at.toISOString());

      expect(problems).toEqual([]);
      await context.close();
      return { id, at };
    })();
    return scheduled;
  }

  const job = jobs.find((j) => j.name === 'publish-announcements')!;

  /** Time passes (the one change made behind the app's back), and the real job runs for a tick. */
  function jobPublishes(): Promise<void> {
    published ??= (async () => {
      const { students } = await people();
      const { id } = await adminSchedules();
      // A tick before its time publishes nothing.
      const early = await runOncePerTick(t.db, 'publish-announcements', new Date(Date.now() - MINUTE), job.run);
      expect(early).toEqual({ ran: true, result: { published: 0, expired: 0, mailed: 0 } });
      expect((await t.db.selectFrom('announcement').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status).toBe('Scheduled');

      await t.db.updateTable('announcement').set({ scheduledAt: new Date(Date.now() - MINUTE) }).where('id', '=', id).execute();
      const outcome = await runOncePerTick(t.db, 'publish-announcements', new Date(), job.run);
      expect(outcome).toEqual({ ran: true, result: { published: 1, expired: 0, mailed: 2 } });
      const row = await t.db.selectFrom('announcement').select(['status', 'publishedAt']).where('id', '=', id).executeTakeFirstOrThrow();
      expect(row.status).toBe('Published');
      expect(row.publishedAt).toBeInstanceOf(Date);
      // The urgent mail is queued for the two enrolled students, once each.
      const queued = await t.db.selectFrom('mailOutbox').select('userId').where('announcementId', '=', id).execute();
      expect(queued.map((q) => q.userId).toSorted()).toEqual([students.js.id, students.nojs.id].toSorted());
    })();
    return published;
  }

  /** Ama, JavaScript on, 360 px: the banner and the count on each page; Dismiss and Mark as read in place. */
  function studentWithScript(): Promise<void> {
    jsDismissed ??= (async () => {
      const { students } = await people();
      const { id } = await adminSchedules();
      await jobPublishes();
      const { context, page, problems } = await openWindow(b.browser, { javaScript: true, width: 360 });
      await signIn(page, students.js, '/dashboard');
      expect(await page.locator('h1').textContent()).toBe('Your dashboard');
      expect(await banner(page).textContent()).toContain(`Urgent: ${TITLE}`);
      expect(await banner(page).getByRole('link', { name: 'Read it' }).getAttribute('href')).toBe(`/announcements/${id}`);
      // One announcement and one notification unread.
      expect(await bell(page)).toEqual({ count: '2', said: '2 unread notifications and announcements' });
      await noSidewaysScroll(page);
      await page.screenshot({ path: screenshotPath('announcements-3-js-dashboard-banner'), fullPage: true });

      // On another page too.
      await page.getByRole('link', { name: 'Courses', exact: true }).click();
      await expect.poll(() => page.locator('h1').textContent(), SLOW).toBe('Courses');
      expect(await banner(page).textContent()).toContain(`Urgent: ${TITLE}`);
      expect((await bell(page)).count).toBe('2');
      await noSidewaysScroll(page);

      // The bell opens the inbox (a page that loads htmx): Dismiss swaps the banner away in place.
      await page.locator('#nav-unread').click();
      await expect.poll(() => page.locator('h1').textContent(), SLOW).toMatch(/^Notifications/);
      expect(await banner(page).count()).toBe(1);
      const stillSamePage = await markSamePage(page);
      await banner(page).getByRole('button', { name: 'Dismiss' }).click();
      await expect.poll(() => banner(page).count(), SLOW).toBe(0);
      await expect.poll(() => bell(page), SLOW).toEqual({ count: '1', said: '1 unread notification or announcement' });

      // The notification is New; Mark as read swaps the item, the heading's count and the bell.
      const item = page.locator('#inbox li', { hasText: 'You earned 2 points' });
      expect(await item.locator('.status').textContent()).toBe('New, unread:');
      expect(await page.locator('#unread-count').textContent()).toBe('1 unread');
      await item.getByRole('button', { name: /^Mark as read/ }).click();
      await expect.poll(() => page.locator('#unread-count').textContent(), SLOW).toBe('all read');
      expect(await item.locator('.status').count()).toBe(0);
      expect(await item.getByRole('button').count()).toBe(0);
      await expect.poll(() => bell(page), SLOW).toEqual({ count: '', said: 'Notifications' });
      await stillSamePage();
      await noSidewaysScroll(page);
      await page.screenshot({ path: screenshotPath('announcements-4-js-inbox-after'), fullPage: true });

      // Back on the dashboard: no banner, no count; the announcement is read in the list and opens in full.
      await page.getByRole('link', { name: 'Dashboard' }).click();
      await expect.poll(() => page.locator('h1').textContent(), SLOW).toBe('Your dashboard');
      expect(await banner(page).count()).toBe(0);
      expect((await bell(page)).count).toBe('');
      await page.goto(`${b.url}/announcements`);
      const listed = page.locator('li.announcement-item', { hasText: TITLE });
      expect(await listed.locator('.status').allTextContents()).toEqual(['Urgent']);
      await listed.getByRole('link', { name: TITLE }).click();
      await expect.poll(() => page.locator('h1').textContent(), SLOW).toBe(TITLE);
      const prose = page.locator('article.post .prose[hx-disable]');
      expect(await prose.locator('h2').textContent()).toBe('Where to go');
      expect(await prose.getByRole('link', { name: 'the help page' }).getAttribute('href')).toBe('https://example.com/help');
      expect(await page.locator('article.post .meta').nth(1).textContent()).toContain('By Ade Min');
      await noSidewaysScroll(page);
      await page.screenshot({ path: screenshotPath('announcements-5-js-reads'), fullPage: true });

      expect(problems).toEqual([]);
      await context.close();
    })();
    return jsDismissed;
  }

  /** The admin's figures page: numbers, the not-read table (`waiting` named), and its CSV. */
  async function adminFigures(page: Page, id: string, expected: { reads: number; percent: number; waiting: Person[] }) {
    await page.goto(`${b.url}/admin/announcements/${id}`);
    await expect.poll(() => page.locator('h1').textContent(), SLOW).toBe(TITLE);
    expect(await page.locator('main > ul.facts .status').allTextContents()).toEqual(['Published', 'Urgent']);
    const figures = (await page.locator('section[aria-labelledby="figures-title"] li').allTextContents()).map((f) => f.replace(/\s+/g, ' ').trim());
    expect(figures.slice(0, 3)).toEqual(['2 in the audience', `${expected.reads} read it`, `${expected.percent}% read`]);
    const unread = page.locator('section[aria-labelledby="unread-title"]');
    const rows = unread.locator('table.data tbody tr');
    if (expected.waiting.length === 0) {
      expect(await unread.textContent()).toContain('Everyone in its audience has read it.');
      expect(await rows.count()).toBe(0);
      expect(await unread.getByRole('link', { name: /CSV/ }).count()).toBe(0);
      return;
    }
    expect(await rows.count()).toBe(expected.waiting.length);
    for (const [i, p] of expected.waiting.entries()) {
      expect((await rows.nth(i).locator('td').allTextContents()).slice(0, 2)).toEqual([nameOf(p), p.email]);
    }
    const csvLink = unread.getByRole('link', { name: 'Download the list (CSV: name, email)' });
    const href = await csvLink.getAttribute('href');
    expect(href).toBe(`/admin/announcements/${id}?format=csv`);
    const csv = await page.request.get(`${b.url}${href}`);
    expect(csv.status()).toBe(200);
    expect(csv.headers()['content-type']).toMatch(/^text\/csv/);
    const lines = (await csv.text()).trim().split(/\r?\n/);
    expect(lines[0]).toBe('name,email');
    expect(lines.slice(1)).toEqual(expected.waiting.map((p) => `${nameOf(p)},${p.email}`));
  }

  /** Before Ben has read it: one of two, and Ben in the table and the CSV. */
  function adminSeesHalf(): Promise<void> {
    halfRead ??= (async () => {
      const { admin, students } = await people();
      const { id } = await adminSchedules();
      await studentWithScript();
      const { context, page, problems } = await openWindow(b.browser, { javaScript: true, width: 1280 });
      await signIn(page, admin, '/admin/announcements');
      const row = page.locator('table.data tbody tr', { hasText: TITLE });
      expect(await row.locator('td[data-label="Status"]').textContent()).toBe('Published');
      expect(await row.locator('td[data-label="Reads / audience"]').textContent()).toBe('1 / 2');
      await adminFigures(page, id, { reads: 1, percent: 50, waiting: [students.nojs] });
      await page.screenshot({ path: screenshotPath('announcements-6-admin-half-read'), fullPage: true });
      expect(problems).toEqual([]);
      await context.close();
    })();
    return halfRead;
  }

  /** Ben, JavaScript off, 360 px: Dismiss by the plain form from /courses, back on /courses; Mark all as read. */
  function studentWithoutScript(): Promise<void> {
    nojsDismissed ??= (async () => {
      const { students } = await people();
      await adminSeesHalf();
      const { context, page, problems, body } = await openWindow(b.browser, { javaScript: false, width: 360 });
      await signIn(page, students.nojs, '/dashboard');
      expect(await banner(page).textContent()).toContain(`Urgent: ${TITLE}`);
      expect(await bell(page)).toEqual({ count: '3', said: '3 unread notifications and announcements' });
      await noSidewaysScroll(page);
      await page.screenshot({ path: screenshotPath('announcements-7-nojs-dashboard-banner'), fullPage: true });

      await page.getByRole('link', { name: 'Courses', exact: true }).click();
      await page.waitForURL((url) => url.pathname === '/courses');
      expect(await banner(page).textContent()).toContain(`Urgent: ${TITLE}`);
      await banner(page).getByRole('button', { name: 'Dismiss' }).click();
      // Back on the page it was dismissed from, without the banner.
      await page.waitForLoadState('load');
      await expect.poll(() => new URL(page.url()).pathname, SLOW).toBe('/courses');
      expect(await page.locator('h1').textContent()).toBe('Courses');
      expect(await banner(page).count()).toBe(0);
      expect(await bell(page)).toEqual({ count: '2', said: '2 unread notifications and announcements' });
      await noSidewaysScroll(page);
      await page.screenshot({ path: screenshotPath('announcements-8-nojs-dismissed'), fullPage: true });

      // Gone on every page since.
      await page.getByRole('link', { name: 'Dashboard' }).click();
      await page.waitForURL((url) => url.pathname === '/dashboard');
      expect(await banner(page).count()).toBe(0);

      // The inbox: two New notices; Mark all as read by the plain form.
      await page.locator('#nav-unread').click();
      await page.waitForURL((url) => url.pathname === '/notifications');
      expect(await page.locator('#unread-count').textContent()).toBe('2 unread');
      expect(await page.locator('#inbox li .status').allTextContents()).toEqual(['New, unread:', 'New, unread:']);
      await page.getByRole('button', { name: 'Mark all as read' }).click();
      await expect.poll(body, SLOW).toContain('All your notifications are marked as read.');
      expect(new URL(page.url()).pathname).toBe('/notifications');
      expect(await page.locator('#unread-count').textContent()).toBe('all read');
      expect(await page.locator('#inbox li .status').count()).toBe(0);
      expect(await page.locator('#inbox li').count()).toBe(2);
      expect(await page.getByRole('button', { name: 'Mark all as read' }).count()).toBe(0);
      expect(await bell(page)).toEqual({ count: '', said: 'Notifications' });
      await noSidewaysScroll(page);
      await page.screenshot({ path: screenshotPath('announcements-9-nojs-inbox-read'), fullPage: true });

      expect(problems).toEqual([]);
      await context.close();
    })();
    return nojsDismissed;
  }

  it('an admin schedules an urgent Markdown announcement to all enrolled students, on their own clock (JavaScript on, 1280 px)', () => adminSchedules().then(() => undefined), 60_000);

  it('the publish-announcements job publishes it once its time has come and queues the mail of its audience', () => jobPublishes(), 60_000);

  it('a student with JavaScript sees the banner and the count on every page, dismisses it and marks a notification read in place (360 px)', () => studentWithScript(), 90_000);

  it('the admin sees one read of two, with the student who has not read it in the table and the CSV', () => adminSeesHalf(), 60_000);

  it('a student without JavaScript dismisses it by the plain form, back on the page they were on, and marks all read (360 px)', () => studentWithoutScript(), 90_000);

  it('the admin sees both reads: 100 %, and no one left to read it', async () => {
    const { admin } = await people();
    const { id } = await adminSchedules();
    await studentWithoutScript();
    const { context, page, problems } = await openWindow(b.browser, { javaScript: true, width: 1280 });
    await signIn(page, admin, '/admin/announcements');
    expect(await page.locator('table.data tbody tr', { hasText: TITLE }).locator('td[data-label="Reads / audience"]').textContent()).toBe('2 / 2');
    await adminFigures(page, id, { reads: 2, percent: 100, waiting: [] });
    await page.screenshot({ path: screenshotPath('announcements-10-admin-all-read'), fullPage: true });
    expect(problems).toEqual([]);
    await context.close();
  }, 60_000);

  it('a student without an enrollment never sees it: no banner, no count, not listed, its page 404 (360 px)', async () => {
    const { outsider } = await people();
    const { id } = await adminSchedules();
    await jobPublishes();
    const { context, page, problems } = await openWindow(b.browser, { javaScript: false, width: 360 });
    await signIn(page, outsider, '/dashboard');
    expect(await banner(page).count()).toBe(0);
    expect(await bell(page)).toEqual({ count: '', said: 'Notifications' });
    await page.goto(`${b.url}/announcements`);
    expect(await page.locator('main').textContent()).toContain('No announcements for you yet.');
    expect(await page.locator('main').textContent()).not.toContain(TITLE);
    await noSidewaysScroll(page);
    // Its page, asked for directly (outside the page's own requests: a 404 here is the expected answer).
    expect((await context.request.get(`${b.url}/announcements/${id}`)).status()).toBe(404);
    expect(problems).toEqual([]);
    await context.close();
  }, 60_000);

  it('the urgent mail reaches the two students, with a link to the announcement, and no one else', async () => {
    const { admin, students, outsider } = await people();
    const { id } = await adminSchedules();
    await jobPublishes();
    // The job ran outside any request; the app sends what was queued after its next answer.
    expect((await t.request().get('/')).status).toBe(200);
    for (const s of Object.values(students)) {
      const mail = await waitForMailTo(t.config.dataDir, s.email, `Urgent: ${TITLE}`);
      expect(mail.text).toContain(`Hello ${s.firstName},`);
      expect(mail.text).toContain('The written exam on Friday is now in **Room 12**');
      expect(linkPath(mail, '/announcements/')).toBe(`/announcements/${id}`);
    }
    const all = await readOutbox(t.config.dataDir);
    expect(all.filter((m) => m.subject === `Urgent: ${TITLE}`)).toHaveLength(2);
    for (const p of [admin, outsider]) expect(all.some((m) => m.to.includes(p.email))).toBe(false);
    // Each sent once: nothing left in the outbox.
    const waiting = await t.db.selectFrom('mailOutbox').select('id').where('sentAt', 'is', null).execute();
    expect(waiting).toEqual([]);
  }, 60_000);
});
