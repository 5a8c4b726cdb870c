import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { useTestApp } from '../setup/app.ts';
import { screenshotPath, skipWithoutBrowser, useBrowser } from '../setup/browser.ts';
import { createChapter, createCourse, createEnrollment, createLesson, createUser } from '../setup/factories.ts';

const SLOW = { timeout: 15_000, interval: 100 };

const TEXT = `Prices change; the formula does not.

## A price list

- One row per item.
- Prices as numbers.

\`\`\`
=SUM(C2:C9)
\`\`\`

| Item | Price |
|------|------:|
| Tea | 2.50 |
`;

/**
 * A teacher writes a lesson in Markdown and attaches a file (JavaScript off: plain forms); students
 * read the lesson at 360 px and download the file, with JavaScript on and off.
 */
describe.skipIf(skipWithoutBrowser)('rich lessons in a browser', () => {
  const t = useTestApp();
  const b = useBrowser(() => t.app);
  let setup: Promise<{ course: { slug: string }; lesson: { id: string } }> | undefined;

  async function signIn(page: Page, who: { email: string; password: string }, next: string) {
    await page.goto(`${b.url}/auth/login?next=${encodeURIComponent(next)}`);
    await page.getByLabel('Email').fill(who.email);
    await page.getByLabel('Password').fill(who.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }

  /** The teacher's part, once: Markdown saved and a file attached through the lesson page. */
  function teacherWrites() {
    setup ??= (async () => {
      const teacher = await createUser(t.db, { role: 'teacher', firstName: 'Tina' });
      const course = await createCourse(t.db, { userId: teacher.id, title: 'Prices Course' });
      const chapter = await createChapter(t.db, { courseId: course.id });
      const lesson = await createLesson(t.db, { chapterId: chapter.id, title: 'Price lists' });
      const context = await b.browser.newContext({ javaScriptEnabled: false, viewport: { width: 1280, height: 900 } });
      const page = await context.newPage();
      await signIn(page, teacher, `/teach/lessons/${lesson.id}`);
      await expect.poll(() => page.locator('h1').textContent(), SLOW).toContain('Price lists');
      await page.getByLabel('Lesson text').fill(TEXT);
      await page.getByRole('button', { name: 'Save lesson' }).click();
      await expect.poll(() => page.textContent('body'), SLOW).toContain('Lesson saved.');
      await page.setInputFiles('#f-attachment', { name: 'price-list.csv', mimeType: 'text/csv', buffer: Buffer.from('item,price\ntea,2.50\n') });
      await page.getByRole('button', { name: 'Attach file' }).click();
      await expect.poll(() => page.textContent('body'), SLOW).toContain('"price-list.csv" attached.');
      expect(await page.textContent('#attachments-title + ul')).toContain('CSV · 20 bytes');
      await page.screenshot({ path: screenshotPath('lesson-teacher-edit'), fullPage: true });
      await context.close();
      return { course, lesson };
    })();
    return setup;
  }

  it.each([true, false])('a student reads the text and downloads the file at 360 px (JavaScript %s)', async (javaScriptEnabled) => {
    const { course, lesson } = await teacherWrites();
    const student = await createUser(t.db, { firstName: 'Sol' });
    await createEnrollment(t.db, { userId: student.id, courseId: (await t.db.selectFrom('course').select('id').where('slug', '=', course.slug).executeTakeFirstOrThrow()).id });
    const context = await b.browser.newContext({ javaScriptEnabled, viewport: { width: 360, height: 800 }, acceptDownloads: true });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    await signIn(page, student, `/learn/${course.slug}/lessons/${lesson.id}`);
    await expect.poll(() => page.locator('h1').textContent(), SLOW).toBe('Price lists');

    const prose = page.locator('.prose[hx-disable]');
    expect(await prose.locator('h2').textContent()).toBe('A price list');
    expect(await prose.locator('li').allTextContents()).toEqual(['One row per item.', 'Prices as numbers.']);
    expect(await prose.locator('pre code').textContent()).toContain('=SUM(C2:C9)');
    expect(await prose.locator('td').allTextContents()).toEqual(['Tea', '2.50']);
    const overflow = await page.evaluate('[document.documentElement.scrollWidth, document.documentElement.clientWidth]');
    const [scrollWidth, clientWidth] = overflow as [number, number];
    expect(scrollWidth).toBeLessThanOrEqual(clientWidth);
    await page.screenshot({ path: screenshotPath(`lesson-student-${javaScriptEnabled ? 'js' : 'nojs'}-360`), fullPage: true });

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'price-list.csv' }).click()]);
    expect(download.suggestedFilename()).toBe('price-list.csv');
    expect(readFileSync(await download.path(), 'utf8')).toBe('item,price\ntea,2.50\n');
    expect(problems).toEqual([]);
    await context.close();
  }, 60_000);
});
