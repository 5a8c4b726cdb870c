import { describe, expect, it } from 'vitest';
import { useTestApp } from '../setup/app.ts';
import { expectWithinPageBudget } from '../setup/budget.ts';
import { createChapter, createCourse, createEnrollment, createLesson, createQuestion, createQuiz } from '../setup/factories.ts';
import { countQueries } from '../setup/queries.ts';
import { signedInAs, type SignedIn } from '../setup/users.ts';

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

/** The #quiz section of a page or fragment ('' when absent). */
function quizRegion(html: string): string {
  const start = html.indexOf('<section id="quiz"');
  return start < 0 ? '' : html.slice(start, html.indexOf('</section>', start) + '</section>'.length);
}

const normalised = (html: string) => quizRegion(html).replace(UUID, 'ID');

describe('taking a quiz', () => {
  const t = useTestApp();

  type Q = { options?: string[]; correctAnswer: number; question?: string };

  async function course() {
    const teacher = await signedInAs(t.app, t.db, 'teacher');
    const c = await createCourse(t.db, { userId: teacher.user.id, title: 'Quiz Course' });
    const chapter = await createChapter(t.db, { courseId: c.id, title: 'Chapter one' });
    return { course: c, chapter, teacher };
  }

  async function quizIn(chapterId: string, questions: Q[], quiz: { required?: boolean; points?: number; title?: string } = {}) {
    const lesson = await createLesson(t.db, { chapterId, title: 'Quiz lesson' });
    const q = await createQuiz(t.db, { lessonId: lesson.id, title: quiz.title ?? 'Check yourself', required: quiz.required ?? true, points: quiz.points ?? 10 });
    const rows = [];
    for (const [i, spec] of questions.entries()) {
      rows.push(await createQuestion(t.db, { quizId: q.id, question: spec.question ?? `Question number ${i + 1}?`, options: spec.options ?? ['A', 'B', 'C'], correctAnswer: spec.correctAnswer }));
    }
    return { lesson, quiz: q, questions: rows };
  }

  async function student(courseId: string, overrides: Record<string, unknown> = {}) {
    const s = await signedInAs(t.app, t.db, 'student');
    const enrollment = await createEnrollment(t.db, { userId: s.user.id, courseId, status: 'Active', ...overrides });
    return { ...s, enrollment };
  }

  async function setup(questions: Q[], quiz: { required?: boolean; points?: number } = {}) {
    const { course: c, chapter, teacher } = await course();
    const made = await quizIn(chapter.id, questions, quiz);
    const s = await student(c.id);
    const page = `/learn/${c.slug}/lessons/${made.lesson.id}`;
    return { course: c, chapter, teacher, ...made, student: s, page, url: `${page}/quiz` };
  }

  const htmxPost = (who: SignedIn, url: string, fields: Record<string, string>) =>
    who.agent.post(url).set('HX-Request', 'true').set('x-csrf-token', who.csrf).type('form').send(fields);

  const pointsOf = async (userId: string) => (await t.db.selectFrom('user').select('points').where('id', '=', userId).executeTakeFirstOrThrow()).points;
  const rowsOf = (quizId: string, userId: string) => t.db.selectFrom('quizSubmission').selectAll().where('quizId', '=', quizId).where('userId', '=', userId).execute();

  it('the lesson page shows one form, one radio group per question named by its id, posting with htmx to #quiz', async () => {
    const { page, url, questions, student: s } = await setup([{ correctAnswer: 0 }, { correctAnswer: 2, options: ['Red', 'Green', 'Blue', 'Grey'] }]);
    const res = await s.agent.get(page).expect(200);
    const region = quizRegion(res.text);
    expect(region).toContain(`hx-post="${url}" hx-target="#quiz" hx-swap="outerHTML"`);
    expect(region).toContain(`action="${url}"`);
    expect(region.match(/<form /g)).toHaveLength(1);
    expect(region.match(/<fieldset>/g)).toHaveLength(2);
    expect(region).toContain('<legend>2. Question number 2?</legend>');
    for (const [i] of ['Red', 'Green', 'Blue', 'Grey'].entries()) expect(region).toContain(`<input type="radio" name="${questions[1]!.id}" value="${i}">`);
    // The layout loads htmx on this page.
    expect(res.text).toContain('htmx.min');
    expect(res.text).not.toMatch(/correct_?answer/i);
  });

  it('scores on the server: all right, some wrong, unanswered counts as wrong; answers stored as {questionId: index}', async () => {
    const { url, quiz, questions, student: s } = await setup([{ correctAnswer: 0 }, { correctAnswer: 1 }, { correctAnswer: 2 }, { correctAnswer: 1 }], { points: 10 });
    const [a, b, c] = questions;
    // Two right, one wrong, one unanswered: 50 %.
    const half = await htmxPost(s, url, { [a!.id]: '0', [b!.id]: '1', [c!.id]: '0' });
    expect(half.status).toBe(200);
    expect(half.headers.vary).toMatch(/HX-Request/i);
    expect(half.text).toMatch(/^<section id="quiz"/);
    expect(half.text).toContain('50 %</strong> · 2 of 4 correct');
    expect(half.text.match(/status-right">Right/g)).toHaveLength(2);
    expect(half.text.match(/status-wrong">Wrong/g)).toHaveLength(2);
    expect(half.text).toContain('Your answer: not answered');
    expect(half.text).toContain('Not passed yet');
    let [row] = await rowsOf(quiz.id, s.user.id);
    expect(row).toMatchObject({ score: 50, correctAnswers: 2, totalQuestions: 4, pointsEarned: 5 });
    expect(row!.answers).toEqual({ [a!.id]: 0, [b!.id]: 1, [c!.id]: 0 });

    // All right: 100 %.
    const full = await htmxPost(s, url, Object.fromEntries(questions.map((q) => [q.id, String(q.correctAnswer)])));
    expect(full.text).toContain('100 %</strong> · 4 of 4 correct');
    expect(full.text).toContain('Passed');
    [row] = await rowsOf(quiz.id, s.user.id);
    expect(row).toMatchObject({ score: 100, correctAnswers: 4, totalQuestions: 4, pointsEarned: 10 });

    // Nothing answered at all: 0 %, shown, but the best (100 %) is kept.
    const none = await htmxPost(s, url, {});
    expect(none.status).toBe(200);
    expect(none.text).toContain('0 %</strong> · 0 of 4 correct');
    expect(none.text).toContain('Your best: 100 %');
    expect(await rowsOf(quiz.id, s.user.id)).toHaveLength(1);
  });

  it('refuses tampered answers with 422 (page and fragment), never 500: a foreign question id, an index out of range, a non-integer', async () => {
    const { chapter, url, page, quiz, questions, student: s } = await setup([{ correctAnswer: 0 }, { correctAnswer: 1 }]);
    const other = await quizIn(chapter.id, [{ correctAnswer: 0 }]);
    const q = questions[0]!.id;
    const bad: Record<string, string>[] = [
      { [other.questions[0]!.id]: '0' },
      { [q]: '3' },
      { [q]: '-1' },
      { [q]: '1.5' },
      { [q]: 'abc' },
      { [q]: '' },
      { 'not-a-question': '0' },
    ];
    for (const fields of bad) {
      const plain = await s.post(url, fields);
      expect(plain.status, JSON.stringify(fields)).toBe(422);
      expect(plain.text).toContain('<section id="quiz"');
      expect(quizRegion(plain.text)).toMatch(/role="alert">(The answers did not match this quiz|One of the answers is not an option)/);
      const htmx = await htmxPost(s, url, fields);
      expect(htmx.status).toBe(422);
      expect(htmx.text).toMatch(/^<section id="quiz"/);
    }
    // Repeated names (two values for one question) are refused too.
    const twice = await s.agent.post(url).type('form').send(`_csrf=${encodeURIComponent(s.csrf)}&${q}=0&${q}=1`);
    expect(twice.status).toBe(422);
    // A valid choice is kept when the form comes back.
    const kept = await s.post(url, { [q]: '1', [questions[1]!.id]: '9' });
    expect(quizRegion(kept.text)).toContain(`name="${q}" value="1" checked>`);
    expect(await rowsOf(quiz.id, s.user.id)).toHaveLength(0);
    expect((await s.agent.get(page)).status).toBe(200);
  });

  it('a quiz without questions cannot be taken (422)', async () => {
    const { url, student: s, quiz } = await setup([]);
    const res = await s.post(url, {});
    expect(res.status).toBe(422);
    expect(await rowsOf(quiz.id, s.user.id)).toHaveLength(0);
  });

  it('leaks no answer: two quizzes differing only in the right option render identically before and after a wrong answer', async () => {
    const { course: c, chapter } = await course();
    const s = await student(c.id);
    const one = await quizIn(chapter.id, [{ correctAnswer: 1, question: 'Same question?' }], { title: 'Same quiz' });
    const two = await quizIn(chapter.id, [{ correctAnswer: 2, question: 'Same question?' }], { title: 'Same quiz' });
    const pageOf = (l: { id: string }) => `/learn/${c.slug}/lessons/${l.id}`;

    const before = await Promise.all([one, two].map((x) => s.agent.get(pageOf(x.lesson))));
    expect(normalised(before[0]!.text)).not.toBe('');
    expect(normalised(before[0]!.text)).toBe(normalised(before[1]!.text));

    const fragments = await Promise.all([one, two].map((x) => htmxPost(s, `${pageOf(x.lesson)}/quiz`, { [x.questions[0]!.id]: '0' })));
    expect(fragments.map((f) => f.status)).toEqual([200, 200]);
    expect(fragments[0]!.text).toContain('Wrong');
    expect(normalised(fragments[0]!.text)).toBe(normalised(fragments[1]!.text));

    // Without JS: 303 to the page's #quiz, which shows the result.
    const after = [];
    for (const x of [one, two]) {
      const res = await s.post(`${pageOf(x.lesson)}/quiz`, { [x.questions[0]!.id]: '0' });
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe(`${pageOf(x.lesson)}#quiz`);
      after.push(await s.agent.get(pageOf(x.lesson)));
    }
    expect(normalised(after[0]!.text)).toContain('<h3>Your result</h3>');
    expect(normalised(after[0]!.text)).toContain('Wrong');
    expect(normalised(after[0]!.text)).toBe(normalised(after[1]!.text));

    // Nothing marks the right option anywhere in any answer: no attribute, class, comment or hidden field.
    for (const res of [...before, ...fragments, ...after]) {
      expect(res.text).not.toMatch(/correct_?answer|data-correct|class="[^"]*\bcorrect\b|<!--/i);
      const region = quizRegion(res.text);
      expect(region).not.toMatch(/value="[12]"[^>]*checked/);
      // The options keep their order: A, B, C.
      expect(region.indexOf('> A</label>')).toBeLessThan(region.indexOf('> B</label>'));
      expect(region.indexOf('> B</label>')).toBeLessThan(region.indexOf('> C</label>'));
    }
  });

  it('without JS the page shows this attempt once, with "your best" when the stored best is higher', async () => {
    const { url, page, questions, student: s } = await setup([{ correctAnswer: 0 }, { correctAnswer: 0 }]);
    const [a, b] = questions;
    await s.post(url, { [a!.id]: '0', [b!.id]: '0' }).expect(303);
    await s.post(url, { [a!.id]: '0', [b!.id]: '1' }).expect(303);
    const shown = quizRegion((await s.agent.get(page)).text);
    expect(shown).toContain('<h3>Your result</h3>');
    expect(shown).toContain('50 %</strong> · 1 of 2 correct');
    expect(shown).toContain('Your best: 100 %');
    // The retake form stays reachable without JS (a details element).
    expect(shown).toMatch(/<details>\s*<summary>Retake the quiz<\/summary>\s*<form /);
    // Shown again later: the stored best.
    const later = quizRegion((await s.agent.get(page)).text);
    expect(later).toContain('<h3>Your best result</h3>');
    expect(later).toContain('100 %</strong> · 2 of 2 correct');
  });

  it('keeps the best attempt and never farms points: 100 % then 50 % then 100 % credits once; 50 % then 100 % credits up to full', async () => {
    // Optional: a required quiz passed would complete the lesson, and its badges bring points too.
    const qs = [{ correctAnswer: 0 }, { correctAnswer: 0 }];
    const first = await setup(qs, { points: 10, required: false });
    const all = (x: typeof first) => Object.fromEntries(x.questions.map((q) => [q.id, '0']));
    const half = (x: typeof first) => ({ [x.questions[0]!.id]: '0', [x.questions[1]!.id]: '1' });
    await first.student.post(first.url, all(first)).expect(303);
    expect(await pointsOf(first.student.user.id)).toBe(10);
    await first.student.post(first.url, half(first)).expect(303);
    let [row] = await rowsOf(first.quiz.id, first.student.user.id);
    expect(row).toMatchObject({ score: 100, pointsEarned: 10 });
    await first.student.post(first.url, all(first)).expect(303);
    expect(await pointsOf(first.student.user.id)).toBe(10);
    const notes = await t.db.selectFrom('notification').select(['type', 'title', 'link']).where('userId', '=', first.student.user.id).where('title', 'like', 'Quiz:%').execute();
    expect(notes).toEqual([{ type: 'PointsEarned', title: 'Quiz: 10 points earned', link: `${first.page}#quiz` }]);

    const second = await setup(qs, { points: 10, required: false });
    await second.student.post(second.url, half(second)).expect(303);
    expect(await pointsOf(second.student.user.id)).toBe(5);
    await second.student.post(second.url, all(second)).expect(303);
    expect(await pointsOf(second.student.user.id)).toBe(10);
    [row] = await rowsOf(second.quiz.id, second.student.user.id);
    expect(row).toMatchObject({ score: 100, pointsEarned: 10, correctAnswers: 2 });
    const titles = (await t.db.selectFrom('notification').select('title').where('userId', '=', second.student.user.id).where('type', '=', 'PointsEarned').orderBy('createdAt').execute()).map((n) => n.title);
    expect(titles.filter((x) => x.startsWith('Quiz:'))).toEqual(['Quiz: 5 points earned', 'Quiz: 5 points earned']);
    // The flash says so on the next page.
    const shown = await second.student.agent.get(second.page);
    expect(shown.text).toContain('You earned');
  });

  it('20 parallel submissions by one student leave one row and credit points once', async () => {
    const { url, quiz, questions, student: s } = await setup([{ correctAnswer: 0 }, { correctAnswer: 1 }], { points: 20, required: false });
    const answers = Object.fromEntries(questions.map((q) => [q.id, String(q.correctAnswer)]));
    const results = await Promise.all(Array.from({ length: 20 }, () => s.post(url, answers)));
    expect(results.map((r) => r.status)).toEqual(results.map(() => 303));
    expect(await rowsOf(quiz.id, s.user.id)).toHaveLength(1);
    expect(await pointsOf(s.user.id)).toBe(20);
    const notes = await t.db.selectFrom('notification').select('title').where('userId', '=', s.user.id).where('title', 'like', 'Quiz:%').execute();
    expect(notes).toHaveLength(1);
  });

  it('a required quiz: the lesson cannot be marked complete below the pass mark (422), and passing completes it', async () => {
    const { url, page, lesson, questions, student: s } = await setup([{ correctAnswer: 0 }, { correctAnswer: 0 }, { correctAnswer: 0 }], { required: true });
    const progress = () => t.db.selectFrom('lessonProgress').select('completed').where('lessonId', '=', lesson.id).where('userId', '=', s.user.id).executeTakeFirst();
    // Before: the note instead of the button.
    const before = await s.agent.get(page);
    expect(before.text).toContain('Pass the quiz (60 % or more) to complete this lesson.');
    expect(before.text).not.toContain('Mark as completed');

    const plain = await s.post(`${page}/complete`);
    expect(plain.status).toBe(422);
    expect(plain.text).toMatch(/role="alert">Pass the quiz \(60 % or more\) to complete this lesson\./);
    const htmx = await htmxPost(s, `${page}/complete`, {});
    expect(htmx.status).toBe(422);
    expect(htmx.text).toMatch(/^<div id="completion"/);
    expect(htmx.text).toContain('Pass the quiz (60 % or more)');
    // Opened (its progress row since issue 23), not completed.
    expect(await progress()).toEqual({ completed: false });

    // 1 of 3 (33 %): still refused.
    await s.post(url, { [questions[0]!.id]: '0' }).expect(303);
    expect((await s.post(`${page}/complete`)).status).toBe(422);
    expect(await progress()).toEqual({ completed: false });

    // 2 of 3 (67 %): passed, the lesson completes, and with htmx the completion region comes along out of band.
    const passed = await htmxPost(s, url, { [questions[0]!.id]: '0', [questions[1]!.id]: '0' });
    expect(passed.status).toBe(200);
    expect(passed.text).toContain('Passed');
    expect(passed.text).toContain('<div id="completion" class="completion" hx-swap-oob="true">');
    expect(passed.text).toContain(`<a id="toc-${lesson.id}"`);
    expect(await progress()).toEqual({ completed: true });
    const activity = await t.db.selectFrom('studentActivity').select('type').where('enrollmentId', '=', s.enrollment.id).where('type', '=', 'CompletedLesson').execute();
    expect(activity).toHaveLength(1);

    // Un-marking is allowed; marking again is too, now that the quiz is passed.
    await s.post(`${page}/complete`).expect(303);
    expect(await progress()).toEqual({ completed: false });
    await s.post(`${page}/complete`).expect(303);
    expect(await progress()).toEqual({ completed: true });
  });

  it('the pass mark follows the setting', async () => {
    await t.db.insertInto('systemConfig').values({ key: 'assessments.passMark', value: JSON.stringify(100) }).onConflict((oc) => oc.column('key').doUpdateSet({ value: JSON.stringify(100) })).execute();
    try {
      const { url, page, questions, student: s } = await setup([{ correctAnswer: 0 }, { correctAnswer: 0 }]);
      await s.post(url, { [questions[0]!.id]: '0' }).expect(303);
      expect((await s.post(`${page}/complete`)).text).toContain('Pass the quiz (100 % or more)');
    } finally {
      await t.db.deleteFrom('systemConfig').where('key', '=', 'assessments.passMark').execute();
    }
  });

  it('an optional quiz does not gate completion, and taking it does not complete the lesson', async () => {
    const { url, page, lesson, questions, student: s } = await setup([{ correctAnswer: 0 }], { required: false });
    expect((await s.agent.get(page)).text).toContain('Mark as completed');
    await s.post(url, { [questions[0]!.id]: '0' }).expect(303);
    // The row the page's opening made (issue 23) stays not completed.
    expect(await t.db.selectFrom('lessonProgress').select('completed').where('lessonId', '=', lesson.id).executeTakeFirst()).toEqual({ completed: false });
    await s.post(`${page}/complete`).expect(303);
    expect(await t.db.selectFrom('lessonProgress').select('completed').where('lessonId', '=', lesson.id).executeTakeFirst()).toEqual({ completed: true });
  });

  it('access: not enrolled 404; cancelled and banned students cannot submit; the teacher previews the quiz but cannot post it', async () => {
    const { course: c, page, url, questions, teacher } = await setup([{ correctAnswer: 0 }]);
    const answers = { [questions[0]!.id]: '0' };
    const stranger = await signedInAs(t.app, t.db, 'student');
    expect((await stranger.agent.get(page)).status).toBe(404);
    expect((await stranger.post(url, answers)).status).toBe(404);

    const cancelled = await student(c.id, { status: 'Cancelled' });
    expect((await cancelled.post(url, answers)).status).toBe(404);
    const banned = await student(c.id, { banned: true, banType: 'Permanent', banReason: 'Spam' });
    expect((await banned.post(url, answers)).status).toBe(404);
    expect((await banned.agent.get(page)).status).toBe(403);

    const preview = await teacher.agent.get(page);
    expect(preview.status).toBe(200);
    expect(quizRegion(preview.text)).toContain(`name="${questions[0]!.id}"`);
    expect(preview.text).not.toMatch(/correct_?answer/i);
    expect((await teacher.post(url, answers)).status).toBe(404);
    const admin = await signedInAs(t.app, t.db, 'admin');
    expect((await admin.post(url, answers)).status).toBe(404);
    expect(await t.db.selectFrom('quizSubmission').select('id').where('quizId', '=', (await t.db.selectFrom('quiz').select('id').where('lessonId', '=', page.split('/').at(-1)!).executeTakeFirstOrThrow()).id).execute()).toHaveLength(0);
  });

  it('a 50-question quiz page stays within the page budget, with the same query count as a 2-question one', async () => {
    const { course: c, chapter } = await course();
    const s = await student(c.id);
    const long = 'A longer option text that a teacher might write';
    const small = await quizIn(chapter.id, Array.from({ length: 2 }, () => ({ correctAnswer: 1, options: [`${long} 1`, `${long} 2`, `${long} 3`, `${long} 4`] })));
    const big = await quizIn(chapter.id, Array.from({ length: 50 }, () => ({ correctAnswer: 1, options: [`${long} 1`, `${long} 2`, `${long} 3`, `${long} 4`] })));
    const pageOf = (l: { id: string }) => `/learn/${c.slug}/lessons/${l.id}`;
    // Warm up (the first view of a lesson records activity once).
    await s.agent.get(pageOf(small.lesson)).expect(200);
    await s.agent.get(pageOf(big.lesson)).expect(200);
    const a = await countQueries(t.db, () => s.agent.get(pageOf(small.lesson)));
    const b = await countQueries(t.db, () => s.agent.get(pageOf(big.lesson)));
    expect(b.count).toBe(a.count);
    expectWithinPageBudget(b.result);
    // And with a result and the retake form on it.
    await s.post(`${pageOf(big.lesson)}/quiz`, Object.fromEntries(big.questions.map((q) => [q.id, '0']))).expect(303);
    const after = await s.agent.get(pageOf(big.lesson));
    expect(after.text).toContain('0 of 50 correct');
    expectWithinPageBudget(after);
  });
});
