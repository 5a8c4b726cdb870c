import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { formatDate, formatDateTime, utcToZonedDate, utcToZonedInput, zonedToUtc } from '../../src/lib/dates.ts';
import { createDiskStorage } from '../../src/storage/index.ts';
import { useTestApp } from '../setup/app.ts';
import { createSuperAdmin, defaultWorkspace } from '../setup/admin-factories.ts';
import { expectProblems, flash, heading, noSidewaysScroll, openWindow, rowsOf, screenshotPath, signInThroughForm, skipWithoutBrowser, useBrowser, type Window } from '../setup/browser.ts';
import { createChapter, createCourse, createEnrollment, createLesson, createTeacher, createUser } from '../setup/factories.ts';
import { linkPath, waitForMailTo } from '../setup/outbox.ts';

const SLOW = { timeout: 15_000, interval: 100 };
const DAY = 24 * 60 * 60 * 1000;

/** The SuperAdmin works on Tokyo's clock (UTC+9), the banned student on New York's: the ban's end is typed on one and read on the other. */
const ADMIN_ZONE = 'Asia/Tokyo';
const STUDENT_ZONE = 'America/New_York';
const REASON = 'Posting other students\u2019 answers in the course discussion.';
const NEW_ADMIN = { firstName: 'Nia', lastName: 'Newcomer', email: 'nia.newcomer@example.test', password: 'a long enough passphrase 42' };

type Person = { id: string; email: string; password: string; firstName: string; lastName: string | null };
const nameOf = (p: Person) => `${p.firstName} ${p.lastName}`;

/**
 * Issue 17's journey for the administration area: a student (JavaScript off, 360 px) is on a
 * lesson when a workspace SuperAdmin (JavaScript on, 1280 px, on Tokyo's clock) finds them on
 * /admin/users, bans them until a date and sees the ban on their page and in /admin/activity; the
 * student's next request lands signed out and signing in again shows the reason and the end date
 * (on the student's own clock). The SuperAdmin views Edupeak as a teacher (the banner on every
 * page, the password change refused), stops, and is back on the teacher's admin page, with both
 * ends in the activity log. The SuperAdmin raises the early-unlock price on /admin/settings and a
 * signed-in student sees the new price at their next page, without a restart. Finally the
 * SuperAdmin invites a new person as Admin; they open the mailed link without JavaScript, register
 * with the invited address, confirm it from the mail, sign in, accept, and /admin opens for them.
 */
describe.skipIf(skipWithoutBrowser)('administration in a browser', () => {
  const t = useTestApp();
  const b = useBrowser(() => t.app);

  interface Cast {
    admin: Person;
    banned: Person;
    reader: Person;
    teacher: Person;
    course: { slug: string; title: string };
    lesson: { id: string; title: string };
  }

  let cast: Promise<Cast> | undefined;
  let adminWindow: Promise<Window> | undefined;
  let studentOnLesson: Promise<Window> | undefined;
  let banned: Promise<{ until: Date }> | undefined;
  let signedOut: Promise<void> | undefined;
  let viewedAs: Promise<void> | undefined;
  let settingApplied: Promise<void> | undefined;
  let invited: Promise<void> | undefined;

  const adminTab = (page: Page, name: string) => page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name, exact: true });

  function people(): Promise<Cast> {
    cast ??= (async () => {
      await defaultWorkspace(t.db);
      const admin = await createSuperAdmin(t.db, { firstName: 'Ada', lastName: 'Super', timeZone: ADMIN_ZONE });
      const teacher = await createTeacher(t.db, { firstName: 'Tomi', lastName: 'Teach' });
      // Its card image exists, so that the dashboards load without a 404.
      const fileKey = 'test/admin-journey-course.webp';
      const image = await sharp({ create: { width: 640, height: 360, channels: 3, background: '#336699' } }).webp().toBuffer();
      await createDiskStorage(path.join(t.config.dataDir, 'uploads')).put(fileKey, image, { contentType: 'image/webp', contentLength: image.length });
      const course = await createCourse(t.db, { title: 'Bookkeeping basics', userId: teacher.id, fileKey });
      const chapter = await createChapter(t.db, { courseId: course.id, title: 'Ledgers' });
      const lesson = await createLesson(t.db, { chapterId: chapter.id, title: 'Reading a ledger' });
      // A lesson that opens next week: its "open early" button shows the price the setting sets.
      await createLesson(t.db, { chapterId: chapter.id, title: 'Closing the year', status: 'Scheduled', releaseAt: new Date(Date.now() + 7 * DAY) });
      const banned = await createUser(t.db, { firstName: 'Sam', lastName: 'Student', timeZone: STUDENT_ZONE });
      const reader = await createUser(t.db, { firstName: 'Kofi', lastName: 'Reader' });
      for (const s of [banned, reader]) await createEnrollment(t.db, { userId: s.id, courseId: course.id });
      return { admin, banned, reader, teacher, course: { slug: course.slug, title: course.title }, lesson: { id: lesson.id, title: lesson.title } };
    })();
    return cast;
  }

  const lessonPath = (c: Cast) => `/learn/${c.course.slug}/lessons/${c.lesson.id}`;

  /** The SuperAdmin's one browser for the whole journey: signed in once, like a person at their desk. */
  function admin(): Promise<Window> {
    adminWindow ??= (async () => {
      const { admin } = await people();
      const w = await openWindow(b.browser, { javaScript: true, width: 1280 });
      await signInThroughForm(w.page, b.url, admin, '/admin');
      expect(await heading(w.page)).toBe('Admin');
      return w;
    })();
    return adminWindow;
  }

  /** 1. Sam, JavaScript off, 360 px, reading a lesson. */
  function studentReading(): Promise<Window> {
    studentOnLesson ??= (async () => {
      const c = await people();
      const w = await openWindow(b.browser, { javaScript: false, width: 360 });
      await signInThroughForm(w.page, b.url, c.banned, lessonPath(c));
      expect(await heading(w.page)).toBe(c.lesson.title);
      await noSidewaysScroll(w.page);
      await w.page.screenshot({ path: screenshotPath('admin-1-student-on-lesson'), fullPage: true });
      expectProblems(w.problems);
      return w;
    })();
    return studentOnLesson;
  }

  /** 2. The SuperAdmin finds Sam by email, bans them until a date typed on Tokyo's clock, and sees it on the page and in the log. */
  function adminBans(): Promise<{ until: Date }> {
    banned ??= (async () => {
      const c = await people();
      await studentReading();
      const { page, problems } = await admin();
      // 02:30 in Tokyo ten days from now: still the evening before in New York.
      const day = utcToZonedDate(new Date(Date.now() + 10 * DAY), ADMIN_ZONE);
      const until = zonedToUtc(`${day}T02:30`, ADMIN_ZONE)!;
      expect(formatDate(until, STUDENT_ZONE)).not.toBe(formatDate(until, ADMIN_ZONE));

      await adminTab(page, 'Users').click();
      await expect.poll(() => heading(page), SLOW).toBe('Users');
      await page.getByLabel('Name or email').fill(c.banned.email);
      await page.getByRole('button', { name: 'Filter' }).click();
      await expect.poll(() => new URL(page.url()).searchParams.get('q'), SLOW).toBe(c.banned.email);
      const rows = await rowsOf(page);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ User: `${nameOf(c.banned)} ${c.banned.email}`, Role: 'student', Ban: 'no', Enrollments: '1' });
      await page.getByRole('link', { name: nameOf(c.banned), exact: true }).click();
      await expect.poll(() => heading(page), SLOW).toBe(nameOf(c.banned));
      const facts = page.locator('main > ul.facts');
      expect(await facts.textContent()).toContain('Signed in on: 1 device');

      await page.getByText('Ban from the site', { exact: true }).click();
      await page.getByLabel(/^Reason/).fill(REASON);
      expect(await page.getByRole('radio', { name: 'Until the date below' }).isChecked()).toBe(true);
      // The label names the zone the time is read in: the admin's own.
      await page.getByLabel(`Ends at (${ADMIN_ZONE})`).fill(utcToZonedInput(until, ADMIN_ZONE));
      await page.screenshot({ path: screenshotPath('admin-2-ban-form'), fullPage: true });
      await page.getByRole('button', { name: `Ban ${nameOf(c.banned)}` }).click();

      const shownUntil = formatDateTime(until, ADMIN_ZONE);
      await expect.poll(() => flash(page), SLOW).toBe(`Banned until ${shownUntil}. 1 device was signed out.`);
      expect(new URL(page.url()).pathname).toBe(`/admin/users/${c.banned.id}`);
      expect((await page.locator('main').textContent())?.replace(/\s+/g, ' ')).toContain(`Banned until ${shownUntil}. Reason: ${REASON}`);
      expect(await facts.textContent()).toContain('Signed in on: 0 devices');
      expect(await page.getByRole('button', { name: 'Lift the ban' }).count()).toBe(1);
      expect(await page.getByText('Change the ban', { exact: true }).count()).toBe(1);
      // A banned person cannot be viewed as.
      expect(await page.locator('main').textContent()).toContain(`Lift the ban to view Edupeak as ${nameOf(c.banned)}.`);
      await page.screenshot({ path: screenshotPath('admin-3-banned'), fullPage: true });

      // The table's Banned filter finds them, with the end on the admin's clock.
      await adminTab(page, 'Users').click();
      await expect.poll(() => heading(page), SLOW).toBe('Users');
      await page.getByLabel('Banned').selectOption('yes');
      await page.getByRole('button', { name: 'Filter' }).click();
      await expect.poll(() => new URL(page.url()).searchParams.get('banned'), SLOW).toBe('yes');
      expect((await rowsOf(page)).map((r) => [r.User, r.Ban])).toEqual([[`${nameOf(c.banned)} ${c.banned.email}`, `Banned until ${formatDate(until, ADMIN_ZONE)}`]]);

      // The activity log: the ban, by the SuperAdmin, on Sam, with the reason.
      await adminTab(page, 'Activity').click();
      await expect.poll(() => heading(page), SLOW).toBe('Activity');
      const [latest] = await rowsOf(page);
      expect(latest).toMatchObject({ Action: 'user banned', Entity: `user ${c.banned.email}` });
      expect(latest!.Actor).toBe(`${nameOf(c.admin)} ${c.admin.email}`);
      expect(latest!.Details).toContain(`reason: ${REASON}`);
      expect(latest!.When).toContain(`(${ADMIN_ZONE})`);
      await page.screenshot({ path: screenshotPath('admin-4-activity-ban'), fullPage: true });

      // Stored as the instant the admin meant; every device row of Sam's gone at once.
      const row = await t.db.selectFrom('user').select(['banned', 'banReason', 'banExpires']).where('id', '=', c.banned.id).executeTakeFirstOrThrow();
      expect(row).toMatchObject({ banned: true, banReason: REASON });
      expect(row.banExpires?.toISOString()).toBe(until.toISOString());
      expect(await t.db.selectFrom('session').select('id').where('userId', '=', c.banned.id).execute()).toEqual([]);

      expectProblems(problems);
      return { until };
    })();
    return banned;
  }

  /** 3. Sam's next click lands signed out; signing in again shows the reason and the end date on Sam's clock. */
  function studentSignedOut(): Promise<void> {
    signedOut ??= (async () => {
      const c = await people();
      const { page, problems, body } = await studentReading();
      const { until } = await adminBans();

      await page.getByRole('link', { name: 'Dashboard' }).click();
      await page.waitForURL((url) => url.pathname === '/auth/login');
      expect(new URL(page.url()).searchParams.get('next')).toBe('/dashboard');
      expect(await flash(page)).toBe('You were signed out. Please sign in again.');
      expect(await page.getByRole('button', { name: 'Sign out' }).count()).toBe(0);
      await noSidewaysScroll(page);
      await page.screenshot({ path: screenshotPath('admin-5-student-signed-out'), fullPage: true });

      await page.getByLabel('Email').fill(c.banned.email);
      await page.getByLabel('Password').fill(c.banned.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      const message = `Your account is suspended until ${formatDateTime(until, STUDENT_ZONE)} (${STUDENT_ZONE}). Reason: ${REASON}`;
      await expect.poll(body, SLOW).toContain(message);
      expect(new URL(page.url()).pathname).toBe('/auth/login');
      expect(await page.getByRole('button', { name: 'Sign out' }).count()).toBe(0);
      await noSidewaysScroll(page);
      await page.screenshot({ path: screenshotPath('admin-6-student-sign-in-refused'), fullPage: true });
      // The refused sign-in is the one answer of 400 or more: 403 with the form again.
      expectProblems(problems, [`POST ${b.url}/auth/login answered 403`]);
      expect(await t.db.selectFrom('session').select('id').where('userId', '=', c.banned.id).execute()).toEqual([]);
      await page.context().close();
    })();
    return signedOut;
  }

  /** 4. The SuperAdmin views Edupeak as the teacher: the banner on their pages, the password change refused, then back. */
  function adminViewsAsTeacher(): Promise<void> {
    viewedAs ??= (async () => {
      const c = await people();
      await studentSignedOut();
      const { page, problems, body } = await admin();
      const passwordBefore = await t.db.selectFrom('account').select('password').where('userId', '=', c.teacher.id).executeTakeFirstOrThrow();

      await adminTab(page, 'Users').click();
      await expect.poll(() => heading(page), SLOW).toBe('Users');
      await page.getByLabel('Role').selectOption('teacher');
      await page.getByLabel('Banned').selectOption('');
      await page.getByRole('button', { name: 'Filter' }).click();
      await expect.poll(() => new URL(page.url()).searchParams.get('role'), SLOW).toBe('teacher');
      await page.getByRole('link', { name: nameOf(c.teacher), exact: true }).click();
      await expect.poll(() => heading(page), SLOW).toBe(nameOf(c.teacher));
      await page.getByRole('button', { name: `View as ${nameOf(c.teacher)}` }).click();

      // The teacher's dashboard, with the banner that names both people; looked at on a phone's width too.
      await page.waitForURL((url) => url.pathname === '/dashboard');
      const banner = page.locator('.impersonation-banner');
      const says = `You are viewing Edupeak as ${nameOf(c.teacher)} (${c.teacher.email}). You are ${nameOf(c.admin)}: payments, password, email and sign-in are off.`;
      expect((await banner.textContent())?.replace(/\s+/g, ' ')).toContain(says);
      expect(await page.getByRole('link', { name: `Signed in as ${c.teacher.firstName}` }).count()).toBe(1);
      expect(await page.getByRole('link', { name: 'Admin', exact: true }).count()).toBe(0);
      await page.setViewportSize({ width: 360, height: 900 });
      await noSidewaysScroll(page);
      await page.screenshot({ path: screenshotPath('admin-7-view-as-dashboard'), fullPage: true });

      await page.getByRole('link', { name: 'Teach', exact: true }).click();
      await page.waitForURL((url) => url.pathname === '/teach');
      expect(await heading(page)).toBe('Your courses');
      expect(await page.locator('main').textContent()).toContain(c.course.title);
      expect((await banner.textContent())?.replace(/\s+/g, ' ')).toContain(says);
      await noSidewaysScroll(page);
      await page.screenshot({ path: screenshotPath('admin-8-view-as-teach'), fullPage: true });

      // The password form is on the account page; sending it is refused while viewing as.
      await page.getByRole('link', { name: `Signed in as ${c.teacher.firstName}` }).click();
      await page.waitForURL((url) => url.pathname === '/account');
      expect(await heading(page)).toBe('Your profile');
      await page.getByLabel('Current password').fill(c.teacher.password);
      await page.getByLabel('New password').fill('another long passphrase 7');
      await page.getByRole('button', { name: 'Change password' }).click();
      await expect.poll(body, SLOW).toContain('Not while viewing as someone else.');
      expect(await heading(page)).toBe('Not allowed');
      expect(await banner.count()).toBe(1);
      await noSidewaysScroll(page);
      await page.screenshot({ path: screenshotPath('admin-9-view-as-password-refused'), fullPage: true });
      expectProblems(problems, [`POST ${b.url}/account/password answered 403`]);
      const passwordAfter = await t.db.selectFrom('account').select('password').where('userId', '=', c.teacher.id).executeTakeFirstOrThrow();
      expect(passwordAfter.password).toBe(passwordBefore.password);

      // Stop viewing as: back as the SuperAdmin, on the teacher's admin page.
      await page.setViewportSize({ width: 1280, height: 900 });
      await banner.getByRole('button', { name: 'Stop viewing as' }).click();
      await page.waitForURL((url) => url.pathname === `/admin/users/${c.teacher.id}`);
      expect(await flash(page)).toBe('You stopped viewing as them: you are back as yourself.');
      expect(await heading(page)).toBe(nameOf(c.teacher));
      expect(await banner.count()).toBe(0);
      expect(await page.getByRole('link', { name: `Signed in as ${c.admin.firstName}` }).count()).toBe(1);
      expect(await page.getByRole('button', { name: `View as ${nameOf(c.teacher)}` }).count()).toBe(1);
      await page.screenshot({ path: screenshotPath('admin-10-view-as-stopped'), fullPage: true });
      // The impersonation's own sign-in is gone; the SuperAdmin's is the one left.
      expect(await t.db.selectFrom('session').select('id').where('impersonatedBy', '=', c.admin.id).execute()).toEqual([]);

      // Both ends in the activity log, by the SuperAdmin, on the teacher.
      await adminTab(page, 'Activity').click();
      await expect.poll(() => heading(page), SLOW).toBe('Activity');
      await page.getByLabel('Entity id').fill(c.teacher.id);
      await page.getByRole('button', { name: 'Filter' }).click();
      await expect.poll(() => new URL(page.url()).searchParams.get('entityId'), SLOW).toBe(c.teacher.id);
      const rows = await rowsOf(page);
      expect(rows.map((r) => [r.Action, r.Actor, r.Entity])).toEqual([
        ['impersonation stopped', `${nameOf(c.admin)} ${c.admin.email}`, `user ${c.teacher.email}`],
        ['impersonation started', `${nameOf(c.admin)} ${c.admin.email}`, `user ${c.teacher.email}`],
      ]);
      expect(rows[0]!.Details).toContain('reason: stopped');
      await page.screenshot({ path: screenshotPath('admin-11-activity-view-as'), fullPage: true });
      expectProblems(problems);
    })();
    return viewedAs;
  }

  /** 5. The SuperAdmin raises the price of opening a lesson early; Kofi, signed in on a lesson, sees it at the next page. */
  function adminChangesSetting(): Promise<void> {
    settingApplied ??= (async () => {
      const c = await people();
      await adminViewsAsTeacher();
      const student = await openWindow(b.browser, { javaScript: false, width: 360 });
      await signInThroughForm(student.page, b.url, c.reader, lessonPath(c));
      const outline = student.page.locator('nav.outline');
      expect(await outline.locator('p.muted').first().textContent()).toBe('You have 0 points. Opening a scheduled lesson early costs 50.');
      expect(await outline.getByRole('button', { name: 'Open for 50' }).count()).toBe(1);
      await noSidewaysScroll(student.page);

      const { page, problems } = await admin();
      await adminTab(page, 'Settings').click();
      await expect.poll(() => heading(page), SLOW).toBe('Settings');
      const row = page.locator('tr[id="s-learning.earlyUnlockPoints"]');
      expect(await row.locator('td[data-label="Current value"]').textContent()).toBe('default');
      expect(await row.locator('td[data-label="Default"]').textContent()).toBe('50');
      await row.getByRole('link', { name: 'Change learning.earlyUnlockPoints' }).click();
      await expect.poll(() => heading(page), SLOW).toBe('Change learning.earlyUnlockPoints');
      const points = page.getByLabel('Points');
      expect(await points.inputValue()).toBe('50');

      // Out of the setting's range: refused with the range, the number as typed kept.
      await points.fill('20000');
      await page.getByRole('button', { name: 'Save' }).click();
      await expect.poll(() => page.locator('main .error-text').first().textContent(), SLOW).toBe('Type a number from 0 to 10,000.');
      expect(await page.getByLabel('Points').inputValue()).toBe('20000');
      expect(await page.getByLabel('Points').getAttribute('aria-invalid')).toBe('true');
      expectProblems(problems, [`POST ${b.url}/admin/settings/learning.earlyUnlockPoints answered 422`]);

      await page.getByLabel('Points').fill('75');
      await page.screenshot({ path: screenshotPath('admin-12-setting-form'), fullPage: true });
      await page.getByRole('button', { name: 'Save' }).click();
      await page.waitForURL((url) => url.pathname === '/admin/settings');
      expect(await flash(page)).toBe('Saved learning.earlyUnlockPoints: it applies from now on.');
      expect(await row.locator('td[data-label="Current value"]').textContent()).toBe('75');
      expect((await row.locator('td[data-label="Last changed"]').textContent())?.replace(/\s+/g, ' ')).toContain(`by ${nameOf(c.admin)}`);
      await page.screenshot({ path: screenshotPath('admin-13-setting-saved'), fullPage: true });

      // Applied at Kofi's next page, by the same running app.
      await student.page.reload();
      expect(await heading(student.page)).toBe(c.lesson.title);
      expect(await outline.locator('p.muted').first().textContent()).toBe('You have 0 points. Opening a scheduled lesson early costs 75.');
      expect(await outline.getByRole('button', { name: 'Open for 75' }).count()).toBe(1);
      await noSidewaysScroll(student.page);
      await student.page.screenshot({ path: screenshotPath('admin-14-student-sees-new-price'), fullPage: true });
      expectProblems(student.problems);
      await student.context.close();

      // Recorded: who changed it, from the default to 75.
      await adminTab(page, 'Activity').click();
      await expect.poll(() => heading(page), SLOW).toBe('Activity');
      await page.getByLabel('Action').selectOption('setting_updated');
      await page.getByRole('button', { name: 'Filter' }).click();
      await expect.poll(() => new URL(page.url()).searchParams.get('action'), SLOW).toBe('setting_updated');
      const rows = await rowsOf(page);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ Action: 'setting updated', Actor: `${nameOf(c.admin)} ${c.admin.email}` });
      expect(rows[0]!.Details).toContain('to: 75');
      const stored = await t.db.selectFrom('systemConfig').select(['value', 'updatedBy']).where('key', '=', 'learning.earlyUnlockPoints').executeTakeFirstOrThrow();
      expect(stored).toEqual({ value: 75, updatedBy: c.admin.id });
      expectProblems(problems);
    })();
    return settingApplied;
  }

  /** 6. An invitation as Admin, mailed; the new person registers with the invited address, confirms it, signs in, accepts, and is an admin. */
  function adminInvites(): Promise<void> {
    invited ??= (async () => {
      const c = await people();
      await adminChangesSetting();
      const { page, problems } = await admin();
      await adminTab(page, 'Workspaces').click();
      await expect.poll(() => heading(page), SLOW).toBe('Workspaces');
      await page.getByRole('link', { name: 'Default Workspace', exact: true }).click();
      await expect.poll(() => heading(page), SLOW).toBe('Default Workspace');
      const workspacePath = new URL(page.url()).pathname;
      expect(await page.locator('main').textContent()).toContain('No open invitations.');

      const form = page.locator('form[action$="/invitations"]');
      await form.getByLabel('Email').fill(NEW_ADMIN.email);
      await form.getByLabel('Role').selectOption('Admin');
      await form.getByRole('button', { name: 'Send invitation' }).click();
      await expect.poll(() => flash(page), SLOW).toBe(`Invitation sent to ${NEW_ADMIN.email} as Admin.`);
      expect(new URL(page.url()).pathname).toBe(workspacePath);
      const openInvitations = page.locator('table.data', { has: page.locator('caption', { hasText: 'Open invitations' }) });
      expect((await rowsOf(page, openInvitations)).map((r) => [r.Email, r.Role])).toEqual([[NEW_ADMIN.email, 'Admin']]);
      await page.screenshot({ path: screenshotPath('admin-15-invitation-sent'), fullPage: true });
      expectProblems(problems);

      const mail = await waitForMailTo(t.config.dataDir, NEW_ADMIN.email, 'Invitation to Default Workspace on Edupeak');
      const link = linkPath(mail, '/invitations/');
      expect(link).toMatch(/^\/invitations\/[A-Za-z0-9_-]{20,}$/);

      // The new person, JavaScript off, on a phone.
      const guest = await openWindow(b.browser, { javaScript: false, width: 360 });
      const g = guest.page;
      await g.goto(`${b.url}${link}`);
      expect(await heading(g)).toBe('Invitation to Default Workspace');
      const invitation = (await g.locator('main').textContent())?.replace(/\s+/g, ' ');
      expect(invitation).toContain(`${nameOf(c.admin)} invited ${NEW_ADMIN.email} to join Default Workspace as Admin.`);
      expect(invitation).toContain('Accepting makes you an admin of Edupeak');
      expect(await g.getByLabel('Email').inputValue()).toBe(NEW_ADMIN.email);
      await noSidewaysScroll(g);
      await g.screenshot({ path: screenshotPath('admin-16-invitation-page'), fullPage: true });

      await g.getByLabel('First name').fill(NEW_ADMIN.firstName);
      await g.getByLabel('Last name').fill(NEW_ADMIN.lastName);
      await g.getByLabel('Password').fill(NEW_ADMIN.password);
      await g.getByRole('button', { name: 'Create account' }).click();
      await expect.poll(() => heading(g), SLOW).toBe('Check your email');
      expect(await g.locator('main').textContent()).toContain(NEW_ADMIN.email);
      await noSidewaysScroll(g);

      // The confirmation mail's link, then its one button.
      const confirm = await waitForMailTo(t.config.dataDir, NEW_ADMIN.email, 'Confirm your email address');
      await g.goto(`${b.url}${linkPath(confirm, '/auth/verify')}`);
      expect(await heading(g)).toBe('Confirm your email');
      await g.getByRole('button', { name: 'Confirm my email address' }).click();
      await g.waitForURL((url) => url.pathname === '/auth/login');
      expect(await flash(g)).toBe('Your email address is confirmed. Thank you!');

      // Back to the invitation's link: sign in from it, and land on it again.
      await g.goto(`${b.url}${link}`);
      await g.getByRole('link', { name: 'Sign in to accept' }).click();
      await g.waitForURL((url) => url.pathname === '/auth/login');
      await g.getByLabel('Email').fill(NEW_ADMIN.email);
      await g.getByLabel('Password').fill(NEW_ADMIN.password);
      await g.getByRole('button', { name: 'Sign in' }).click();
      await g.waitForURL((url) => url.pathname === link);
      // Signed in, not an admin yet.
      expect(await g.getByRole('link', { name: 'Admin', exact: true }).count()).toBe(0);
      await noSidewaysScroll(g);
      await g.screenshot({ path: screenshotPath('admin-17-invitation-signed-in'), fullPage: true });
      await g.getByRole('button', { name: 'Accept the invitation' }).click();

      await g.waitForURL((url) => url.pathname === '/admin');
      expect(await heading(g)).toBe('Admin');
      expect(await flash(g)).toBe('Welcome to Default Workspace: you are Admin.');
      expect(await g.getByRole('link', { name: 'Admin', exact: true }).count()).toBe(1);
      await g.screenshot({ path: screenshotPath('admin-18-new-admin-home'), fullPage: true });
      // Another admin page opens too; as an Admin (not a SuperAdmin) they see the settings but change none.
      await adminTab(g, 'Users').click();
      await expect.poll(() => heading(g), SLOW).toBe('Users');
      await adminTab(g, 'Settings').click();
      await expect.poll(() => heading(g), SLOW).toBe('Settings');
      expect(await g.locator('main').textContent()).toContain('Only a workspace SuperAdmin can change them.');
      expect(await g.getByRole('link', { name: /^Change / }).count()).toBe(0);
      expectProblems(guest.problems);
      await guest.context.close();

      const person = await t.db.selectFrom('user').select(['id', 'role', 'emailVerified']).where('email', '=', NEW_ADMIN.email).executeTakeFirstOrThrow();
      expect(person).toMatchObject({ role: 'admin', emailVerified: true });
      const membership = await t.db.selectFrom('membership').select('role').where('userId', '=', person.id).execute();
      expect(membership).toEqual([{ role: 'Admin' }]);

      // The SuperAdmin sees the new member and no open invitation left.
      await page.reload();
      await expect.poll(() => heading(page), SLOW).toBe('Default Workspace');
      const members = await rowsOf(page);
      expect(members.map((m) => [m.Member, m.Role])).toContainEqual([`${NEW_ADMIN.firstName} ${NEW_ADMIN.lastName} ${NEW_ADMIN.email}`, 'Admin']);
      expect(await page.locator('main').textContent()).toContain('No open invitations.');
      await page.screenshot({ path: screenshotPath('admin-19-new-member'), fullPage: true });
      expectProblems(problems);
      await page.context().close();
    })();
    return invited;
  }

  it('a student without JavaScript is reading a lesson (360 px)', () => studentReading().then(() => undefined), 60_000);

  it('a SuperAdmin finds the student by email, bans them until a date on their own clock, and sees the ban on the page, in the table and in the activity log', () => adminBans().then(() => undefined), 90_000);

  it("the student's next request lands signed out, and signing in shows the reason and the end date on the student's clock", () => studentSignedOut(), 60_000);

  it('the SuperAdmin views Edupeak as a teacher: the banner on the dashboard and teach pages (no sideways scroll at 360 px), the password change refused, Stop back on the teacher\u2019s admin page, both ends in the log', () => adminViewsAsTeacher(), 90_000);

  it('the SuperAdmin raises the early-unlock price (a value out of range refused with the number kept) and a signed-in student sees the new price at the next page', () => adminChangesSetting(), 90_000);

  it('the SuperAdmin invites a new person as Admin; without JavaScript they register with the invited address, confirm it, sign in, accept, and /admin opens for them', () => adminInvites(), 120_000);
});
