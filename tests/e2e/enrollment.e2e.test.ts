import { describe, expect, it } from 'vitest';
import { useTestApp } from '../setup/app.ts';
import { screenshotPath, skipWithoutBrowser, useBrowser } from '../setup/browser.ts';
import { createChapter, createCourse, createLesson, createUser } from '../setup/factories.ts';

const SLOW = { timeout: 15_000, interval: 100 };

describe.skipIf(skipWithoutBrowser)('finding and buying a course in a browser', () => {
  const t = useTestApp();
  const b = useBrowser(() => t.app);

  it('a student searches, pays through the test checkout, and lands in the course', async () => {
    const course = await createCourse(t.db, { title: 'Bookkeeping for Market Traders', smallDescription: 'Keep accounts on paper or phone.', price: 1250 });
    const chapter = await createChapter(t.db, { courseId: course.id, title: 'Money in, money out' });
    await createLesson(t.db, { chapterId: chapter.id, title: 'A daily cash book' });
    await createCourse(t.db, { title: 'Unrelated Pottery Course' });
    const student = await createUser(t.db, { firstName: 'Nia' });

    const context = await b.browser.newContext({ viewport: { width: 360, height: 800 } });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    const body = () => page.textContent('body');

    await page.goto(b.url + '/auth/login');
    await page.getByLabel('Email').fill(student.email);
    await page.getByLabel('Password').fill(student.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.textContent('header'), SLOW).toContain('Signed in as Nia');

    await page.goto(b.url + '/courses');
    await page.getByLabel('Search courses').fill('bookkeep');
    await page.getByRole('button', { name: 'Search' }).click();
    await expect.poll(body, SLOW).toContain('1 course for');
    expect(await body()).not.toContain('Unrelated Pottery Course');
    await page.screenshot({ path: screenshotPath('buy-1-search'), fullPage: true });
    await page.getByRole('link', { name: 'Bookkeeping for Market Traders' }).click();
    await page.getByRole('button', { name: 'Enroll for $12.50' }).click();

    await expect.poll(body, SLOW).toContain('Nothing is charged');
    await page.screenshot({ path: screenshotPath('buy-2-test-checkout'), fullPage: true });
    await page.getByRole('button', { name: 'Complete the test payment' }).click();
    await expect.poll(body, SLOW).toContain('you are enrolled in');
    await page.screenshot({ path: screenshotPath('buy-3-paid'), fullPage: true });

    await page.getByRole('link', { name: 'Go to the course' }).click();
    await expect.poll(body, SLOW).toContain('You are enrolled');
    expect(await body()).toContain('A daily cash book');
    expect(page.url()).toBe(`${b.url}/courses/${course.slug}`);

    const analytics = await t.db.selectFrom('searchAnalytics').select(['query', 'clickedResult']).where('query', '=', 'bookkeep').executeTakeFirstOrThrow();
    expect(analytics.clickedResult).toBe(course.id);
    expect(problems).toEqual([]);
    await context.close();
  }, 90_000);
});
