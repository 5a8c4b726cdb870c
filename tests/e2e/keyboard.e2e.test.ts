import { describe, expect, it } from 'vitest';
import { useTestApp } from '../setup/app.ts';
import { skipWithoutBrowser, useBrowser } from '../setup/browser.ts';
import { createChapter, createCourse, createLesson, createPost, createQuestion, createQuiz, createUser } from '../setup/factories.ts';
import { createNotifications } from '../setup/notification-factories.ts';

/**
 * Issue 21: the student journey with the keyboard only (Tab, Shift+Tab, Enter, Space, arrow keys;
 * no mouse, no click): the skip link is the first stop and moves focus to <main>; sign in; the
 * Courses link, a search, the course; enroll in a free course; open a lesson, mark it completed
 * (htmx); the next lesson's quiz, answered and sent (htmx). Each control is reached within a few
 * Tabs (focus order follows the page), every stop shows its focus (an outline or a shadow), and
 * after each htmx swap focus is on the changed region (public/js/focus.js) with its news in a
 * live region (role=status).
 */

const SLOW = { timeout: 15_000, interval: 100 };

/** Where focus is, and whether it shows (a string: the project compiles without DOM types). */
const FOCUS = `(() => {
  const el = document.activeElement;
  if (!el || el === document.body) return { where: 'body', visible: false, id: '', tag: 'body', label: '' };
  const s = getComputedStyle(el);
  const visible = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none';
  const label = (el.getAttribute('aria-label') || el.textContent || el.value || '').trim().replace(/\\s+/g, ' ').slice(0, 60);
  return { where: el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + ' "' + label + '"', visible, id: el.id, tag: el.tagName.toLowerCase(), label };
})()`;

interface Focus {
  where: string;
  visible: boolean;
  id: string;
  tag: string;
  label: string;
}

describe.skipIf(skipWithoutBrowser)('the student journey with the keyboard only', () => {
  const t = useTestApp();
  const b = useBrowser(() => t.app);

  it('skip link, sign in, search, enroll, complete a lesson, take a quiz: focus visible and where it should be', { timeout: 120_000 }, async () => {
    const course = await createCourse(t.db, { title: 'Bookkeeping for Market Traders', smallDescription: 'Keep accounts on paper or phone.', price: 0 });
    const chapter = await createChapter(t.db, { courseId: course.id, title: 'Money in, money out' });
    const reading = await createLesson(t.db, { chapterId: chapter.id, title: 'A daily cash book', position: 1 });
    const quizLesson = await createLesson(t.db, { chapterId: chapter.id, title: 'Check your cash book', position: 2 });
    const quiz = await createQuiz(t.db, { lessonId: quizLesson.id, title: 'Cash book quiz', points: 10, required: true });
    await createQuestion(t.db, { quizId: quiz.id, question: 'When do you write a sale down?', options: ['The same day', 'At the end of the month'], correctAnswer: 0 });
    await createQuestion(t.db, { quizId: quiz.id, question: 'What goes in the “out” column?', options: ['Money you paid', 'Money you were paid'], correctAnswer: 0 });
    await createCourse(t.db, { title: 'Unrelated Pottery Course' });
    const student = await createUser(t.db, { firstName: 'Nia' });

    const context = await b.browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    const focus = async () => (await page.evaluate(FOCUS)) as Focus;
    const stops: string[] = [];

    /** Tabs (forwards, or backwards with Shift) until `wanted` has focus; checks each stop shows it. */
    async function tabTo(wanted: (f: Focus) => boolean, what: string, max: number, key = 'Tab') {
      for (let i = 1; i <= max; i++) {
        await page.keyboard.press(key);
        const f = await focus();
        stops.push(f.where);
        if (!f.visible && f.tag !== 'main') problems.push(`focus not visible on ${f.where} (${page.url()})`);
        if (wanted(f)) return i;
      }
      throw new Error(`${what}: not reached in ${max} × ${key} from ${page.url()}; stops: ${stops.slice(-max).join(' | ')}`);
    }
    const byText = (text: string) => (f: Focus) => f.label === text;

    // 1. The skip link is the first stop; Enter moves focus to <main>.
    await page.goto(b.url + '/auth/login');
    expect(await tabTo((f) => f.where.includes('Skip to main content'), 'the skip link', 1)).toBe(1);
    await page.keyboard.press('Enter');
    expect((await focus()).id).toBe('main');
    // Sign in: the email field is the first field after main.
    expect(await tabTo((f) => f.id === 'f-email', 'Email', 4)).toBeLessThanOrEqual(4);
    await page.keyboard.type(student.email);
    await tabTo((f) => f.id === 'f-password', 'Password', 2);
    await page.keyboard.type(student.password);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.textContent('header'), SLOW).toContain('Nia');

    // 2. The header's Courses link: after the skip link and the brand.
    expect(await tabTo((f) => f.label === 'Courses' && f.tag === 'a', 'Courses in the nav', 3)).toBe(3);
    await page.keyboard.press('Enter');
    await page.waitForURL((u) => u.pathname === `/courses`);
    // Shift+Tab goes back: from the search field to the nav.
    await tabTo((f) => f.id === 'q', 'the search field', 20);
    await tabTo((f) => f.tag === 'a' || f.tag === 'button', 'back to a link', 3, 'Shift+Tab');
    await tabTo((f) => f.id === 'q', 'the search field again', 3);
    await page.keyboard.type('bookkeep');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.textContent('main'), SLOW).toContain('1 course for');
    await tabTo(byText('Bookkeeping for Market Traders'), 'the course in the results', 30);
    await page.keyboard.press('Enter');
    await page.waitForURL((u) => u.pathname === `/courses/${course.slug}`);

    // 3. Enroll for free (Space presses a button as well as Enter does).
    await tabTo(byText('Enroll for free'), 'Enroll for free', 20);
    const enrolled = page.waitForEvent('framenavigated');
    await page.keyboard.press('Space');
    await enrolled;
    await expect.poll(async () => (await t.db.selectFrom('enrollment').select('status').where('userId', '=', student.id).executeTakeFirst())?.status, SLOW).toBe('Active');
    await page.waitForLoadState('load');

    // 4. The first lesson: from the course page (or the learning page it led to).
    if (!page.url().includes(`/lessons/${reading.id}`)) {
      await tabTo(byText('A daily cash book'), 'the first lesson', 40);
      await page.keyboard.press('Enter');
      await page.waitForURL((u) => u.pathname === `/learn/${course.slug}/lessons/${reading.id}`);
    }
    await tabTo(byText('Mark as completed'), 'Mark as completed', 40);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.textContent('#completion'), SLOW).toContain('1 of 2 lessons');
    // htmx swapped #completion: focus is on the new region (not lost to the top of the page), and it shows.
    await expect.poll(async () => (await focus()).id, SLOW).toBe('completion');
    expect((await focus()).visible, 'the completion region shows its focus').toBe(true);
    // Tab goes on from there: the toggle inside the new region is next.
    await tabTo((f) => f.label.startsWith('Completed'), 'the toggle in the swapped region', 2);

    // 5. The next lesson: its quiz, answered with Space and the arrow keys, sent with Enter.
    await tabTo((f) => f.label.includes('Check your cash book'), 'the next lesson', 20);
    await page.keyboard.press('Enter');
    await page.waitForURL((u) => u.pathname === `/learn/${course.slug}/lessons/${quizLesson.id}`);
    await tabTo((f) => f.tag === 'input' && f.id === '' && f.label === '0', 'the first answer', 40);
    await page.keyboard.press('Space'); // The same day
    await tabTo((f) => f.tag === 'input', 'the second question', 3);
    await page.keyboard.press('ArrowDown'); // Money you were paid (wrong), then back up
    await page.keyboard.press('ArrowUp'); // Money you paid
    expect(await page.locator('#quiz input[type="radio"]:checked').count()).toBe(2);
    await tabTo((f) => f.tag === 'button', 'Submit', 3);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#quiz .quiz-result .score').textContent(), SLOW).toBe('100 %');
    // The result is announced (role=status) and focus is on the quiz's region.
    expect(await page.locator('#quiz .quiz-result').getAttribute('role')).toBe('status');
    await expect.poll(async () => (await focus()).id, SLOW).toBe('quiz');
    expect((await focus()).visible).toBe(true);

    expect(problems).toEqual([]);
    await context.close();
  });
  it('other htmx swaps: a reaction keeps focus on the pressed toggle; marking a notice read focuses its new item', { timeout: 60_000 }, async () => {
    const reader = await createUser(t.db, { firstName: 'Ama' });
    const post = await createPost(t.db, { title: 'Keeping a cash book' });
    await createNotifications(t.db, reader.id, 2, { title: 'Lesson reminder' });
    const context = await b.browser.newContext({ viewport: { width: 360, height: 800 } });
    const page = await context.newPage();
    const focus = async () => (await page.evaluate(FOCUS)) as Focus;
    async function tabTo(wanted: (f: Focus) => boolean, what: string, max: number) {
      for (let i = 1; i <= max; i++) {
        await page.keyboard.press('Tab');
        if (wanted(await focus())) return;
      }
      throw new Error(`${what}: not reached in ${max} tabs on ${page.url()}`);
    }
    await page.goto(b.url + '/auth/login');
    await tabTo((f) => f.id === 'f-email', 'Email', 12);
    await page.keyboard.type(reader.email);
    await tabTo((f) => f.id === 'f-password', 'Password', 2);
    await page.keyboard.type(reader.password);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.textContent('header'), SLOW).toContain('Ama');

    await page.goto(b.url + `/blog/${post.slug}`);
    await tabTo((f) => f.id === 'reaction-Like', 'Like', 30);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getAttribute('#reaction-Like', 'aria-pressed'), SLOW).toBe('true');
    // htmx replaced the bar; the new Like button has the old one's id, so it has the focus again.
    expect(await focus()).toMatchObject({ id: 'reaction-Like', visible: true });

    await page.goto(b.url + '/notifications');
    await tabTo((f) => f.label.startsWith('Mark as read'), 'Mark as read', 30);
    await page.keyboard.press('Enter');
    await expect.poll(async () => (await focus()).id, SLOW).toMatch(/^n-/);
    const item = await focus();
    expect(item.visible).toBe(true);
    expect(await page.locator(`#${item.id} form`).count(), 'the focused item is the one now read').toBe(0);
    await context.close();
  });
});
