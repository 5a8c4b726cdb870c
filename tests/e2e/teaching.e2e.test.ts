import { describe, expect, it } from 'vitest';
import { useTestApp } from '../setup/app.ts';
import { screenshotPath, skipWithoutBrowser, useBrowser } from '../setup/browser.ts';
import { createTeacher } from '../setup/factories.ts';
import { mp4Video, pngImage } from '../setup/media.ts';

/**
 * A teacher in Chromium (JavaScript on, so chapter and lesson changes go through htmx) builds a
 * course with a chapter and a lesson with a small video, publishes everything, and a visitor finds it.
 */

const SLOW = { timeout: 15_000, interval: 100 };
describe.skipIf(skipWithoutBrowser)('teaching in a browser', () => {
  const t = useTestApp();
  const b = useBrowser(() => t.app);

  it('creates, fills and publishes a course that a visitor then sees', async () => {
    const teacher = await createTeacher(t.db, { firstName: 'Tina' });
    const context = await b.browser.newContext({ viewport: { width: 400, height: 900 } });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error' && !/Failed to load resource: .* status of 4\d\d/.test(m.text())) problems.push(m.text());
    });
    const body = () => page.textContent('body');

    await page.goto(b.url + '/auth/login');
    await page.getByLabel('Email').fill(teacher.email);
    await page.getByLabel('Password').fill(teacher.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('link', { name: 'Teach', exact: true }).click();
    await page.getByRole('link', { name: 'New course' }).click();

    await page.getByLabel('Title', { exact: true }).fill('Fractions Made Simple');
    await page.getByLabel('Short description').fill('Halves, thirds and quarters, slowly.');
    await page.getByLabel('Description', { exact: true }).fill('A gentle course on fractions for adults returning to maths.');
    await page.getByLabel('Category').fill('Mathematics');
    await page.getByLabel('Price in US dollars').fill('0');
    await page.getByLabel('Duration in minutes').fill('45');
    await page.getByRole('button', { name: 'Create the draft' }).click();
    await expect.poll(body, SLOW).toContain('Course created as a draft');

    await page.getByLabel('JPEG, PNG or WebP; it is resized').setInputFiles({ name: 'cover.png', mimeType: 'image/png', buffer: await pngImage(800, 450) });
    await page.getByRole('button', { name: 'Upload image' }).click();
    await expect.poll(body, SLOW).toContain('Course image saved.');

    await page.getByLabel('New chapter').fill('Getting started');
    await page.getByRole('button', { name: 'Add chapter' }).click();
    await expect.poll(() => page.locator('#structure h3').first().textContent(), SLOW).toContain('Getting started');
    await page.getByLabel('New lesson in "Getting started"').fill('What is a fraction?');
    await page.getByRole('button', { name: 'Add lesson' }).click();
    await expect.poll(() => page.locator('#structure .lessons a').first().textContent(), SLOW).toBe('What is a fraction?');

    // Release the chapter from the structure (htmx swaps the list in place).
    await page.locator('#structure summary').first().click();
    await page.locator('#structure select[name="status"]').first().selectOption('Published');
    await page.getByRole('button', { name: 'Save release' }).first().click();
    await expect.poll(() => page.locator('#structure .row .status').first().textContent(), SLOW).toBe('Published');
    await page.screenshot({ path: screenshotPath('teach-1-structure'), fullPage: true });

    await page.getByRole('link', { name: 'What is a fraction?', exact: true }).click();
    await page.getByLabel('MP4 or WebM').setInputFiles({ name: 'lesson.mp4', mimeType: 'video/mp4', buffer: mp4Video(20_000) });
    await page.getByRole('button', { name: 'Upload video' }).click();
    await expect.poll(body, SLOW).toContain('Video saved.');
    expect(await page.locator('video').getAttribute('preload')).toBe('none');
    await page.getByLabel('Status').selectOption('Published');
    await page.getByRole('button', { name: 'Save release' }).click();
    await expect.poll(body, SLOW).toContain('Lesson release saved.');
    await page.screenshot({ path: screenshotPath('teach-2-lesson'), fullPage: true });

    await page.getByRole('link', { name: '← Fractions Made Simple' }).click();
    await page.getByRole('button', { name: 'Publish', exact: true }).click();
    await expect.poll(body, SLOW).toContain('Course published');
    await page.screenshot({ path: screenshotPath('teach-3-published'), fullPage: true });

    const visitor = await b.browser.newContext({ javaScriptEnabled: false });
    const home = await visitor.newPage();
    await home.goto(b.url + '/');
    expect(await home.textContent('body')).toContain('Fractions Made Simple');
    await home.screenshot({ path: screenshotPath('teach-4-visitor'), fullPage: true });
    await visitor.close();

    expect(problems).toEqual([]);
    await context.close();
  }, 90_000);
});
