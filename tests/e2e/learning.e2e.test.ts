import { describe, expect, it } from 'vitest';
import { useTestApp } from '../setup/app.ts';
import { screenshotPath, skipWithoutBrowser, useBrowser } from '../setup/browser.ts';
import { createChapter, createCourse, createLesson, createUser } from '../setup/factories.ts';

const SLOW = { timeout: 15_000, interval: 100 };

/**
 * From first lesson to certificate: a student with JavaScript on (htmx swaps the completion button
 * and the progress bar in place), another with it off (plain forms and redirects); both download
 * their certificate.
 */
describe.skipIf(skipWithoutBrowser)('learning in a browser', () => {
  const t = useTestApp();
  const b = useBrowser(() => t.app);

  async function journey(javaScriptEnabled: boolean) {
    const label = javaScriptEnabled ? 'js' : 'nojs';
    const course = await createCourse(t.db, { title: `Free Course ${label.toUpperCase()}`, price: 0 });
    const chapter = await createChapter(t.db, { courseId: course.id, title: 'Only chapter' });
    await createLesson(t.db, { chapterId: chapter.id, title: 'First lesson' });
    await createLesson(t.db, { chapterId: chapter.id, title: 'Second lesson' });
    const student = await createUser(t.db, { firstName: 'Ama', lastName: label });

    const context = await b.browser.newContext({ javaScriptEnabled, viewport: { width: 360, height: 800 }, acceptDownloads: true });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    const body = () => page.textContent('body');

    await page.goto(`${b.url}/auth/login?next=${encodeURIComponent('/courses/' + course.slug)}`);
    await page.getByLabel('Email').fill(student.email);
    await page.getByLabel('Password').fill(student.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Enroll for free' }).click();
    await expect.poll(body, SLOW).toContain('You are enrolled');
    await page.getByRole('link', { name: 'Continue learning' }).click();
    await expect.poll(() => page.locator('h1').textContent(), SLOW).toBe('First lesson');

    await page.getByRole('button', { name: 'Mark as completed' }).click();
    await expect.poll(() => page.locator('#completion').textContent(), SLOW).toContain('1 of 2 lessons');
    await page.screenshot({ path: screenshotPath(`learn-${label}-1-first-done`), fullPage: true });
    await page.getByRole('link', { name: 'Second lesson →' }).click();
    await expect.poll(() => page.locator('h1').textContent(), SLOW).toBe('Second lesson');
    await page.getByRole('button', { name: 'Mark as completed' }).click();
    await expect.poll(() => page.locator('#completion').textContent(), SLOW).toContain('2 of 2 lessons · 100%');
    await page.screenshot({ path: screenshotPath(`learn-${label}-2-complete`), fullPage: true });

    await page.goto(`${b.url}/dashboard`);
    await expect.poll(body, SLOW).toContain('Your certificate');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download the PDF' }).click()]);
    expect(download.suggestedFilename()).toMatch(/\.pdf$/);
    const path = await download.path();
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(path).subarray(0, 5).toString()).toBe('%PDF-');
    await page.getByRole('link', { name: 'Your certificate' }).click();
    await expect.poll(body, SLOW).toMatch(/valid/i);
    await page.screenshot({ path: screenshotPath(`learn-${label}-3-certificate`), fullPage: true });

    expect(problems).toEqual([]);
    await context.close();
  }

  it('with JavaScript on', () => journey(true), 90_000);
  it('with JavaScript off', () => journey(false), 90_000);
});
