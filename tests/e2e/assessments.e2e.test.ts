import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { useTestApp } from '../setup/app.ts';
import { markSamePage, openWindow, screenshotPath, signInThroughForm, skipWithoutBrowser, useBrowser } from '../setup/browser.ts';
import { createChapter, createCourse, createEnrollment, createLesson, createTeacher, createUser } from '../setup/factories.ts';
import { waitForMailTo } from '../setup/outbox.ts';

const SLOW = { timeout: 15_000, interval: 100 };
const DAY = 86_400_000;

/** The quiz the teacher types in; `correct` is the index of the right option. */
const QUESTIONS = [
  { question: 'Which column holds the numbers?', options: ['Item', 'Price'], correct: 1 },
  { question: 'What does =SUM(C2:C9) give?', options: ['The total of C2 to C9', 'The average of C2 to C9', 'How many cells C2 to C9 hold'], correct: 0 },
  { question: 'Where does the total row go?', options: ['At the top', 'At the bottom', 'On a sheet of its own'], correct: 1 },
];
const QUIZ_LESSON = 'Reading a price list';
const ASSIGNMENT_LESSON = 'Your own price list';
const ASSIGNMENT = 'Make a price list';
/** A first attempt with one right of three (33 %, under the 60 % pass mark), then a retake with two (67 %). */
const FIRST_TRY = ['Price', 'The average of C2 to C9', 'At the top'];
const RETAKE = ['Price', 'The total of C2 to C9', 'At the top'];
const PDF = Buffer.concat([Buffer.from('%PDF-1.4\n% my price list\n'), Buffer.alloc(1500, 0x41), Buffer.from('\n%%EOF\n')]);
const FEEDBACK = { js: ['Clear columns.', 'Add a total row next time.'], nojs: ['The link works.', 'Prices need two decimals.'] };
const GRADE = { js: 85, nojs: 70 };

type Person = { id: string; email: string; password: string; firstName: string; lastName: string | null };
const nameOf = (p: Person) => `${p.firstName} ${p.lastName}`;
const label = (javaScriptEnabled: boolean) => (javaScriptEnabled ? 'js' : 'nojs');

/** A datetime-local value, a week ahead (the teacher's zone is UTC, the column's default). */
function dueInput(): string {
  const d = new Date(Date.now() + 7 * DAY);
  return d.toISOString().slice(0, 16);
}

/**
 * Assessments from both sides: a teacher (JavaScript on, 1280 px) builds a quiz and an assignment
 * on two lessons' edit pages; a student with JavaScript on and one with it off (360 px) take the
 * quiz (failing first, then passing a retake, which completes the lesson) and hand in the
 * assignment (a PDF and text; a link); the teacher grades one inline in the queue (htmx) and one on
 * the submission's page (no JS), checks the gradebook; each student then sees the grade and the
 * feedback on the lesson and on their grades page.
 */
describe.skipIf(skipWithoutBrowser)('assessments in a browser', () => {
  const t = useTestApp();
  const b = useBrowser(() => t.app);

  interface Built {
    teacher: Person;
    course: { id: string; slug: string; title: string };
    quizLesson: { id: string };
    assignmentLesson: { id: string };
    students: Record<'js' | 'nojs', Person>;
  }
  let built: Promise<Built> | undefined;
  const handedIn: Partial<Record<'js' | 'nojs', Promise<void>>> = {};
  let graded: Promise<void> | undefined;

  const signIn = (page: Page, who: Person, next: string) => signInThroughForm(page, b.url, who, next);

  const markPage = markSamePage;

  /** The teacher's part, once: a quiz with three questions on one lesson, an assignment due in a week on the next. */
  function teacherBuilds(): Promise<Built> {
    built ??= (async () => {
      const teacher = await createTeacher(t.db, { firstName: 'Tina', lastName: 'Teach' });
      const course = await createCourse(t.db, { userId: teacher.id, title: 'Spreadsheets for Shops' });
      const chapter = await createChapter(t.db, { courseId: course.id, title: 'Prices' });
      const quizLesson = await createLesson(t.db, { chapterId: chapter.id, title: QUIZ_LESSON });
      const assignmentLesson = await createLesson(t.db, { chapterId: chapter.id, title: ASSIGNMENT_LESSON });
      await createLesson(t.db, { chapterId: chapter.id, title: 'Wrap-up' });
      const students = {
        js: await createUser(t.db, { firstName: 'Ama', lastName: 'Script' }),
        nojs: await createUser(t.db, { firstName: 'Ben', lastName: 'Plain' }),
      };
      for (const s of Object.values(students)) await createEnrollment(t.db, { userId: s.id, courseId: course.id });

      const { context, page, problems, body } = await openWindow(b.browser, { javaScript: true, width: 1280, anyErrorStatus: false });
      await signIn(page, teacher, `/teach/lessons/${quizLesson.id}`);
      await expect.poll(() => page.locator('h1').textContent(), SLOW).toContain(QUIZ_LESSON);

      // The quiz: settings by a plain form post, then the questions through htmx (#questions swapped).
      await page.getByText('Add a quiz', { exact: true }).click();
      await page.locator('#qz-title').fill('Prices quiz');
      expect(await page.locator('#qz-points').inputValue()).toBe('10');
      expect(await page.getByLabel('Required: the lesson counts as complete only once the student passes').isChecked()).toBe(true);
      await page.getByRole('button', { name: 'Add the quiz' }).click();
      await expect.poll(body, SLOW).toContain('Quiz added: now add its questions.');
      expect(await page.locator('#assessment h3').first().textContent()).toBe('Quiz: Prices quiz');
      expect(await page.locator('#questions h3').textContent()).toBe('Questions (0)');

      const stillSamePage = await markPage(page);
      for (const [n, q] of QUESTIONS.entries()) {
        await page.getByLabel('Question', { exact: true }).fill(q.question);
        for (const [i, option] of q.options.entries()) await page.getByLabel(`Option ${i + 1}`, { exact: true }).fill(option);
        await page.getByLabel(`Option ${q.correct + 1} is the correct answer`).check();
        await page.getByRole('button', { name: 'Add the question' }).click();
        await expect.poll(() => page.locator('#questions h3').textContent(), SLOW).toBe(`Questions (${n + 1})`);
        // The swapped-in form is blank again for the next question.
        expect(await page.getByLabel('Question', { exact: true }).inputValue()).toBe('');
      }
      await stillSamePage();
      const listed = page.locator('#questions ol.questions > li');
      expect(await listed.count()).toBe(3);
      for (const [n, q] of QUESTIONS.entries()) {
        expect(await listed.nth(n).locator('p').first().textContent()).toBe(q.question);
        expect((await listed.nth(n).locator('li.correct').textContent())?.trim()).toBe(`${q.options[q.correct]} (correct)`);
      }
      expect(await page.locator('#assessment').textContent()).toContain('10 points · required to complete the lesson · taken by 0 students');
      await page.screenshot({ path: screenshotPath('assess-1-teacher-quiz'), fullPage: true });

      // The assignment, on the next lesson.
      await page.goto(`${b.url}/teach/lessons/${assignmentLesson.id}`);
      await page.getByText('Add an assignment', { exact: true }).click();
      await page.locator('#as-title').fill(ASSIGNMENT);
      await page.locator('#as-description').fill('List five things your shop sells, with their prices.\nHand in a PDF, some text or a link.');
      expect(await page.locator('#as-points').inputValue()).toBe('100');
      await page.locator('#as-dueDate').fill(dueInput());
      await page.getByRole('button', { name: 'Add the assignment' }).click();
      await expect.poll(body, SLOW).toContain('Assignment added. Students see it at the end of the lesson.');
      expect(await page.locator('#assessment h3').first().textContent()).toBe(`Assignment: ${ASSIGNMENT}`);
      const facts = await page.locator('#assessment p.muted').first().textContent();
      expect(facts).toMatch(/^100 points · due .+ · 0 submissions$/);
      expect(await page.locator('#assessment .pre-line').textContent()).toContain('List five things your shop sells');
      await page.screenshot({ path: screenshotPath('assess-2-teacher-assignment'), fullPage: true });

      expect(problems).toEqual([]);
      await context.close();
      return { teacher, course, quizLesson, assignmentLesson, students };
    })();
    return built;
  }

  async function answer(page: Page, choices: string[]) {
    for (const [n, q] of QUESTIONS.entries()) {
      await page.getByRole('group', { name: `${n + 1}. ${q.question}` }).getByLabel(choices[n]!, { exact: true }).check();
    }
  }

  const results = (page: Page) => page.locator('#quiz .quiz-result li .status').allTextContents();

  /** A student takes the quiz (fails, then passes a retake) and hands in the assignment. */
  function studentHandsIn(javaScriptEnabled: boolean): Promise<void> {
    const key = label(javaScriptEnabled);
    handedIn[key] ??= (async () => {
      const { course, quizLesson, assignmentLesson, students } = await teacherBuilds();
      const student = students[key];
      const { context, page, problems, body } = await openWindow(b.browser, { javaScript: javaScriptEnabled, width: 360, anyErrorStatus: false });
      const quizPath = `/learn/${course.slug}/lessons/${quizLesson.id}`;
      await signIn(page, student, quizPath);
      await expect.poll(() => page.locator('h1').textContent(), SLOW).toBe(QUIZ_LESSON);
      expect(await page.locator('#quiz h2').textContent()).toBe('Prices quiz');
      expect(await page.locator('#quiz').textContent()).toContain('3 questions · 10 points · Required: pass it (60 % or more) to complete this lesson.');
      expect(await page.locator('#completion').textContent()).toContain('Pass the quiz (60 % or more) to complete this lesson.');
      expect(await page.getByRole('button', { name: 'Mark as completed' }).count()).toBe(0);

      // First attempt: one right of three.
      const stillSamePage = javaScriptEnabled ? await markPage(page) : undefined;
      await answer(page, FIRST_TRY);
      await page.getByRole('button', { name: 'Submit answers' }).click();
      await expect.poll(() => page.locator('#quiz .quiz-result').count(), SLOW).toBe(1);
      const result = page.locator('#quiz .quiz-result');
      expect(await result.locator('.score').textContent()).toBe('33 %');
      expect(await result.textContent()).toContain('1 of 3 correct');
      expect(await result.textContent()).toContain('Not passed yet');
      expect(await result.textContent()).toContain('Points earned: 3 of 10 (3 added to your points).');
      expect(await results(page)).toEqual(['Right', 'Wrong', 'Wrong']);
      expect(await result.textContent()).toContain('Your answer: The average of C2 to C9');
      // Still below the pass mark: the lesson is not complete and cannot be marked so.
      expect(await page.locator('#completion').textContent()).toContain('Pass the quiz (60 % or more) to complete this lesson.');
      expect(await page.locator('#completion').textContent()).toContain('0 of 3 lessons');
      if (stillSamePage) await stillSamePage();
      else expect(page.url()).toBe(`${b.url}${quizPath}#quiz`);
      await page.screenshot({ path: screenshotPath(`assess-3-${key}-quiz-failed`), fullPage: true });

      // The retake: two right of three passes, and completes the lesson.
      const stillSamePage2 = javaScriptEnabled ? await markPage(page) : undefined;
      await page.getByText('Retake the quiz', { exact: true }).click();
      await answer(page, RETAKE);
      await page.getByRole('button', { name: 'Submit my new answers' }).click();
      await expect.poll(() => page.locator('#quiz .quiz-result .score').textContent(), SLOW).toBe('67 %');
      expect(await results(page)).toEqual(['Right', 'Right', 'Wrong']);
      const passed = await page.locator('#quiz .quiz-result').textContent();
      expect(passed).toContain('2 of 3 correct');
      expect(passed).toContain('Passed');
      expect(passed).toContain('Points earned: 7 of 10');
      await expect.poll(() => page.locator('#completion').textContent(), SLOW).toContain('1 of 3 lessons · 33%');
      expect(await page.getByRole('button', { name: 'Completed · mark as not done' }).count()).toBe(1);
      expect(await page.locator('#completion').textContent()).not.toContain('Pass the quiz');
      if (stillSamePage2) await stillSamePage2();
      else expect(await body()).toContain('You earned 4 points.');
      await page.screenshot({ path: screenshotPath(`assess-4-${key}-quiz-passed`), fullPage: true });

      // The assignment, on the next lesson.
      await page.getByRole('link', { name: `${ASSIGNMENT_LESSON} →` }).click();
      await expect.poll(() => page.locator('h1').textContent(), SLOW).toBe(ASSIGNMENT_LESSON);
      const assignment = page.locator('#assignment');
      expect(await assignment.locator('h2').textContent()).toBe(ASSIGNMENT);
      expect(await assignment.textContent()).toMatch(/100 points · Due .+ · Due in [67] days/);
      expect(await assignment.textContent()).toContain('List five things your shop sells');
      if (javaScriptEnabled) {
        await page.getByLabel('Your answer').fill('Tea 2.50, coffee 3.10, bread 1.20, milk 0.90, jam 4.00.');
        await page.getByLabel('File (optional)').setInputFiles({ name: 'my-prices.pdf', mimeType: 'application/pdf', buffer: PDF });
      } else {
        await page.getByLabel('Link (optional)').fill('https://example.com/ben/prices');
      }
      await page.getByRole('button', { name: 'Hand in', exact: true }).click();
      await expect.poll(body, SLOW).toContain('Handed in. Your teacher will grade it.');
      expect(new URL(page.url()).pathname).toBe(`/learn/${course.slug}/lessons/${assignmentLesson.id}`);
      const mine = page.locator('#assignment .submission');
      expect(await mine.textContent()).toContain('Waiting for a grade');
      if (javaScriptEnabled) {
        expect(await mine.textContent()).toContain('Tea 2.50, coffee 3.10');
        const href = await mine.getByRole('link', { name: 'Your file' }).getAttribute('href');
        expect(href).toMatch(/^\/media\/submissions\/.+\.pdf$/);
        const file = await context.request.get(`${b.url}${href}`);
        expect(file.status()).toBe(200);
        expect((await file.body()).subarray(0, 8).toString()).toBe('%PDF-1.4');
      } else {
        expect(await mine.getByRole('link', { name: 'https://example.com/ben/prices' }).count()).toBe(1);
      }
      // Handing in completes the lesson.
      expect(await page.locator('#completion').textContent()).toContain('2 of 3 lessons · 66%');
      expect(await page.getByRole('button', { name: 'Hand in again' }).count()).toBe(1);
      await page.screenshot({ path: screenshotPath(`assess-5-${key}-handed-in`), fullPage: true });

      const overflow = (await page.evaluate('[document.documentElement.scrollWidth, document.documentElement.clientWidth]')) as [number, number];
      expect(overflow[0]).toBeLessThanOrEqual(overflow[1]);
      expect(problems).toEqual([]);
      await context.close();
    })();
    return handedIn[key];
  }

  /** The teacher grades: Ama's inline in the queue (htmx swaps the row), Ben's on its own page without JS. */
  function teacherGrades(): Promise<void> {
    graded ??= (async () => {
      const { teacher, course, students } = await teacherBuilds();
      await Promise.all([studentHandsIn(true), studentHandsIn(false)]);
      const queue = `/teach/courses/${course.id}/submissions`;

      const js = await openWindow(b.browser, { javaScript: true, width: 1280, anyErrorStatus: false });
      await signIn(js.page, teacher, queue);
      await expect.poll(() => js.page.locator('h1').textContent(), SLOW).toBe('Submissions');
      expect(await js.page.locator('table.data tbody tr').count()).toBe(2);
      const row = js.page.locator('table.data tbody tr', { hasText: students.js.email });
      expect(await row.textContent()).toContain('Pending');
      const stillSamePage = await markPage(js.page);
      await row.getByLabel('Grade (0 to 100)').fill(String(GRADE.js));
      await row.getByLabel('Feedback').fill(FEEDBACK.js.join('\n'));
      await row.getByRole('button', { name: `Save grade for ${nameOf(students.js)}` }).click();
      await expect.poll(() => row.locator('.status').last().textContent(), SLOW).toBe('Graded');
      expect(await row.textContent()).toContain(`${GRADE.js} / 100`);
      expect(await row.getByLabel('Feedback').inputValue()).toBe(FEEDBACK.js.join('\n'));
      await stillSamePage();
      // Ben's row is untouched, still waiting.
      expect(await js.page.locator('table.data tbody tr', { hasText: students.nojs.email }).textContent()).toContain('Pending');
      await js.page.screenshot({ path: screenshotPath('assess-6-teacher-queue'), fullPage: true });
      expect(js.problems).toEqual([]);
      await js.context.close();

      const plain = await openWindow(b.browser, { javaScript: false, width: 1280, anyErrorStatus: false });
      await signIn(plain.page, teacher, queue);
      await plain.page.getByRole('link', { name: `Open the submission of ${nameOf(students.nojs)}` }).click();
      await expect.poll(() => plain.page.locator('h1').textContent(), SLOW).toBe(`${ASSIGNMENT}: ${nameOf(students.nojs)}`);
      expect(await plain.page.getByRole('link', { name: 'https://example.com/ben/prices' }).count()).toBe(1);
      await plain.page.getByLabel('Grade (0 to 100)').fill(String(GRADE.nojs));
      await plain.page.getByLabel('Feedback').fill(FEEDBACK.nojs.join('\n'));
      await plain.page.getByRole('button', { name: 'Save grade' }).click();
      await expect.poll(plain.body, SLOW).toContain(`Graded: ${GRADE.nojs} of 100 for ${nameOf(students.nojs)} (${ASSIGNMENT}).`);
      // Back in the queue it came from, where nothing waits any more.
      expect(new URL(plain.page.url()).pathname).toBe(queue);
      expect(await plain.page.locator('table.data tbody tr').count()).toBe(0);

      // The gradebook: both students, the quiz's best score, the grade, progress (2 of 3 lessons) and the total (7 + grade of 110).
      await plain.page.getByRole('link', { name: 'Gradebook' }).click();
      await expect.poll(() => plain.page.locator('h1').textContent(), SLOW).toBe('Gradebook');
      for (const key of ['js', 'nojs'] as const) {
        const cells = (await plain.page.locator('table.data tbody tr', { hasText: nameOf(students[key]) }).locator('td').allTextContents()).map((c) => c.trim());
        expect(cells).toEqual([nameOf(students[key]), '67%', `${GRADE[key]} / 100`, '66%', `${7 + GRADE[key]} / 110`]);
      }
      await plain.page.screenshot({ path: screenshotPath('assess-7-teacher-gradebook'), fullPage: true });
      expect(plain.problems).toEqual([]);
      await plain.context.close();

      for (const key of ['js', 'nojs'] as const) await waitForMailTo(t.config.dataDir, students[key].email, `Graded: ${ASSIGNMENT}`);
    })();
    return graded;
  }

  it('a teacher builds a quiz and an assignment on the lesson pages (JavaScript on, 1280 px)', () => teacherBuilds().then(() => undefined), 60_000);

  it.each([true, false])('a student takes the quiz, retakes it to pass, and hands in the assignment at 360 px (JavaScript %s)', (javaScriptEnabled) => studentHandsIn(javaScriptEnabled), 60_000);

  it('the teacher grades one inline in the queue (htmx) and one on its page (no JS), and the gradebook shows both', () => teacherGrades(), 90_000);

  it.each([true, false])('the student sees the grade and the feedback on the lesson and on the grades page (JavaScript %s)', async (javaScriptEnabled) => {
    await teacherGrades();
    const { course, assignmentLesson, students } = await teacherBuilds();
    const key = label(javaScriptEnabled);
    const { context, page, problems } = await openWindow(b.browser, { javaScript: javaScriptEnabled, width: 360, anyErrorStatus: false });
    await signIn(page, students[key], `/learn/${course.slug}/lessons/${assignmentLesson.id}`);
    const mine = page.locator('#assignment .submission');
    await expect.poll(() => mine.textContent(), SLOW).toContain(`Grade: ${GRADE[key]} of 100`);
    // Shown to the student, the graded hand-in is Returned (the spec's status).
    expect(await mine.locator('.status').first().textContent()).toBe('Returned');
    expect(await mine.locator('p.prose').last().innerText()).toBe(FEEDBACK[key].join('\n'));
    await page.screenshot({ path: screenshotPath(`assess-8-${key}-feedback`), fullPage: true });

    await page.getByRole('link', { name: 'My grades' }).click();
    await expect.poll(() => page.locator('h1').textContent(), SLOW).toBe('My grades');
    expect(await page.locator('main').textContent()).toContain(`${7 + GRADE[key]} of 110 points earned in ${course.title}.`);
    const rows = page.locator('table.data tbody tr');
    const quiz = (await rows.filter({ hasText: 'Prices quiz' }).locator('td').allTextContents()).map((c) => c.replace(/\s+/g, ' ').trim());
    expect(quiz.slice(1)).toEqual(['Best score 67 %', '67 % · 7 / 10', '']);
    const work = rows.filter({ hasText: ASSIGNMENT });
    const cells = (await work.locator('td').allTextContents()).map((c) => c.replace(/\s+/g, ' ').trim());
    expect(cells.slice(1, 3)).toEqual(['Returned', `${GRADE[key]} / 100`]);
    expect(await work.locator('td').last().innerText()).toBe(FEEDBACK[key].join('\n'));
    await page.screenshot({ path: screenshotPath(`assess-9-${key}-grades`), fullPage: true });
    expect(problems).toEqual([]);
    await context.close();
  }, 90_000);
});
