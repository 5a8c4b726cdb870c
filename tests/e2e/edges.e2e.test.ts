import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { useTestApp } from '../setup/app.ts';
import { screenshotPath, skipWithoutBrowser, useBrowser } from '../setup/browser.ts';
import { createAdmin, createChapter, createCourse, createEnrollment, createLesson, createTeacher, createUser } from '../setup/factories.ts';
import { waitForMailTo } from '../setup/outbox.ts';

/**
 * Rough edges in Chromium, with JavaScript on and off: a teacher publishes a draft course with all
 * its chapters and lessons from the checklist; an admin refunds after a confirmation page, and the
 * refunded student, opening the course, is told what happened.
 */

const SLOW = { timeout: 15_000, interval: 100 };
const VIDEO = 'videos/2026/01/00000000-0000-0000-0000-0000000000e1.mp4';

describe.skipIf(skipWithoutBrowser)('rough edges in a browser', () => {
  const t = useTestApp();
  const b = useBrowser(() => t.app);

  async function signedInPage(user: { email: string; password: string }, js: boolean, width = 1280) {
    const context = await b.browser.newContext({ javaScriptEnabled: js, viewport: { width, height: 900 } });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('console', (m) => {
      // Factory courses point at image keys with no file behind them: those 404s are expected.
      if (m.type() === 'error' && !/Failed to load resource: .* status of 4\d\d/.test(m.text())) problems.push(m.text());
    });
    await page.goto(b.url + '/auth/login');
    await page.getByLabel('Email').fill(user.email);
    await page.getByLabel('Password').fill(user.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.textContent('header'), SLOW).toContain('Signed in as');
    return { context, page, problems };
  }
  const bodyOf = (page: Page) => () => page.textContent('body');

  for (const js of [true, false]) {
    const mode = js ? 'js' : 'nojs';

    it(`publishes a draft course with all its chapters and lessons from the checklist (JavaScript ${js ? 'on' : 'off'})`, async () => {
      const teacher = await createTeacher(t.db, { firstName: 'Tomas' });
      const course = await createCourse(t.db, { userId: teacher.id, status: 'Draft', title: `Knitting Socks ${mode}` });
      const cuffs = await createChapter(t.db, { courseId: course.id, status: 'Draft', title: 'Cuffs' });
      const heels = await createChapter(t.db, { courseId: course.id, status: 'Draft', title: 'Heels' });
      await createLesson(t.db, { chapterId: cuffs.id, status: 'Draft', title: 'Casting on', videoKey: VIDEO });
      await createLesson(t.db, { chapterId: heels.id, status: 'Draft', title: 'Turning the heel', videoKey: VIDEO });
      const { context, page, problems } = await signedInPage(teacher, js, js ? 1280 : 360);
      const body = bodyOf(page);

      await page.goto(`${b.url}/teach/courses/${course.id}`);
      const checklist = page.locator('#publish-checklist');
      expect(await checklist.textContent()).toContain('2 draft chapters and 2 draft lessons would stay hidden');
      if (js) {
        // One chapter published with htmx: the checklist follows without a reload.
        await page.locator('#structure summary').first().click();
        await page.locator('#structure select[name="status"]').first().selectOption('Published');
        await page.getByRole('button', { name: 'Save release' }).first().click();
        await expect.poll(() => checklist.textContent(), SLOW).toContain('1 draft chapter and 2 draft lessons');
      }
      await page.screenshot({ path: screenshotPath(`edges-publish-1-checklist-${mode}`), fullPage: true });

      await page.getByRole('button', { name: 'Publish course with all chapters and lessons' }).click();
      await expect.poll(body, SLOW).toContain('Course published with');
      expect(await page.locator('#publish-checklist').textContent()).toBe('');
      expect(await page.locator('h1 .status').textContent()).toBe('Published');
      await page.screenshot({ path: screenshotPath(`edges-publish-2-done-${mode}`), fullPage: true });

      await page.goto(`${b.url}/courses`);
      expect(await body()).toContain(course.title);
      expect(problems).toEqual([]);
      await context.close();
    }, 90_000);

    it(`refunds after a confirmation page, and the student is told (JavaScript ${js ? 'on' : 'off'})`, async () => {
      const student = await createUser(t.db, { firstName: 'Sana' });
      const course = await createCourse(t.db, { title: `Spanish for Travellers ${mode}`, price: 2000 });
      const chapter = await createChapter(t.db, { courseId: course.id });
      await createLesson(t.db, { chapterId: chapter.id, title: 'Ordering food' });
      const enrollment = await createEnrollment(t.db, { userId: student.id, courseId: course.id, status: 'Active', amount: 2000 });
      const payment = await t.db
        .insertInto('paymentTransaction')
        .values({ enrollmentId: enrollment.id, amount: 2000, status: 'Completed', paymentMethod: 'card' })
        .returning('id')
        .executeTakeFirstOrThrow();
      const admin = await createAdmin(t.db);
      const { context, page, problems } = await signedInPage(admin, js, js ? 1280 : 360);
      const body = bodyOf(page);

      await page.goto(`${b.url}/admin/payments?course=${encodeURIComponent(course.title)}`);
      await page.locator(`#reason-${payment.id}`).fill('Trip cancelled');
      await page.locator(`#payment-${payment.id} button`).click();
      await expect.poll(() => page.textContent('h1'), SLOW).toBe('Refund $20.00?');
      expect(await body()).toContain('The student loses access to the course');
      await page.screenshot({ path: screenshotPath(`edges-refund-1-confirm-${mode}`), fullPage: true });

      // Cancel goes back to the table as it was filtered, and nothing was refunded.
      await page.getByRole('link', { name: 'Cancel' }).click();
      await expect.poll(() => page.url(), SLOW).toMatch(/\/admin\/payments\?.*course=Spanish/);
      expect((await t.db.selectFrom('paymentTransaction').select('status').where('id', '=', payment.id).executeTakeFirstOrThrow()).status).toBe('Completed');

      await page.locator(`#reason-${payment.id}`).fill('Trip cancelled');
      await page.locator(`#payment-${payment.id} button`).click();
      await page.getByRole('button', { name: 'Refund $20.00' }).click();
      await expect.poll(body, SLOW).toContain(`Refunded $20.00 to ${student.email}`);
      expect(page.url()).toMatch(/\/admin\/payments\?.*course=Spanish/);
      await page.screenshot({ path: screenshotPath(`edges-refund-2-done-${mode}`), fullPage: true });
      const mail = await waitForMailTo(t.config.dataDir, student.email);
      expect(mail.text).toContain('Reason: Trip cancelled');
      expect(problems).toEqual([]);
      await context.close();

      // The student, with the link they kept.
      const s = await signedInPage(student, js, 360);
      const res = await s.page.goto(`${b.url}/learn/${course.slug}`);
      expect(res?.status()).toBe(403);
      expect(await s.page.textContent('main')).toContain(`was cancelled`);
      expect(await s.page.textContent('main')).toContain('because the payment was refunded');
      await s.page.screenshot({ path: screenshotPath(`edges-refund-3-student-${mode}`), fullPage: true });
      await s.page.getByRole('link', { name: 'Enroll again' }).click();
      await expect.poll(() => s.page.textContent('main'), SLOW).toContain('Your enrollment was cancelled');
      expect(s.problems).toEqual([]);
      await s.context.close();
    }, 90_000);
  }
});
