import { describe, expect, it } from 'vitest';
import { useTestApp } from '../setup/app.ts';
import { expectWithinPageBudget } from '../setup/budget.ts';
import {
  createAssignment,
  createAssignmentSubmission,
  createChapter,
  createCourse,
  createEnrollment,
  createLesson,
  createQuiz,
  createQuizSubmission,
  createUser,
} from '../setup/factories.ts';
import { countQueries } from '../setup/queries.ts';
import { signedInAs, type SignedIn } from '../setup/users.ts';

/** Teacher, gradebook (issue 14): Active students against the course's assessments, as a page and as CSV. */

const DAY = 86_400_000;

/** The cells of each body row, as text, by the row's first cell (the student). */
function tableRows(html: string): string[][] {
  const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(html)?.[1] ?? '';
  return [...body.matchAll(/<tr\b[^>]*>([\s\S]*?)<\/tr>/g)].map((r) =>
    [...r[1]!.matchAll(/<td\b[^>]*>([\s\S]*?)<\/td>/g)].map((c) => c[1]!.replace(/<[^>]+>/g, ' ').replace(/&amp;/g, '&').replace(/\s+/g, ' ').trim()),
  );
}
const headOf = (html: string) => [...(/<thead>([\s\S]*?)<\/thead>/.exec(html)?.[1] ?? '').matchAll(/<th\b[^>]*>([\s\S]*?)<\/th>/g)].map((m) => m[1]!.replace(/<[^>]+>/g, '').trim());

/** A minimal CSV reader (RFC 4180: quoted fields, doubled quotes) for checking what we wrote. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(field), (field = '');
    else if (c === '\n') row.push(field), rows.push(row), (row = []), (field = '');
    else if (c !== '\r') field += c;
  }
  if (field || row.length) row.push(field), rows.push(row);
  return rows;
}

describe('teacher: gradebook', () => {
  const t = useTestApp();

  /**
   * A course whose chapters were made out of order: chapter 2 (a quiz "Final check", 20 points)
   * exists before chapter 1 (a quiz "Warm-up", 10 points, then an assignment "Essay", 50 points,
   * due yesterday), plus one lesson without an assessment.
   */
  async function course(owner?: SignedIn) {
    const teacher = owner ?? (await signedInAs(t.app, t.db, 'teacher'));
    const c = await createCourse(t.db, { userId: teacher.user.id });
    const ch2 = await createChapter(t.db, { courseId: c.id, position: 2 });
    const ch1 = await createChapter(t.db, { courseId: c.id, position: 1 });
    const finalLesson = await createLesson(t.db, { chapterId: ch2.id, position: 1 });
    const warmLesson = await createLesson(t.db, { chapterId: ch1.id, position: 1 });
    const essayLesson = await createLesson(t.db, { chapterId: ch1.id, position: 2 });
    const reading = await createLesson(t.db, { chapterId: ch1.id, position: 3 });
    const final = await createQuiz(t.db, { lessonId: finalLesson.id, title: 'Final check', points: 20 });
    const warmup = await createQuiz(t.db, { lessonId: warmLesson.id, title: 'Warm-up', points: 10 });
    const essay = await createAssignment(t.db, { lessonId: essayLesson.id, title: 'Essay', points: 50, dueDate: new Date(Date.now() - DAY) });
    return { teacher, course: c, final, warmup, essay, lessons: [warmLesson, essayLesson, reading, finalLesson], path: `/teach/courses/${c.id}/gradebook` };
  }

  async function enrol(courseId: string, fields: Parameters<typeof createUser>[1] = {}, enrollment: Parameters<typeof createEnrollment>[1] = {}) {
    const user = await createUser(t.db, fields);
    await createEnrollment(t.db, { courseId, userId: user.id, ...enrollment });
    return user;
  }

  it('shows Active students by last name against the assessments in course order: quiz %, grade / points, late, pending, blanks, progress and totals', async () => {
    const { teacher, course: c, final, warmup, essay, lessons, path } = await course();
    const ada = await enrol(c.id, { firstName: 'Ada', lastName: 'Lovelace' });
    const bob = await enrol(c.id, { firstName: 'Bob', lastName: 'Adams' });
    const cy = await enrol(c.id, { firstName: 'Cy', lastName: 'Banned' }, { banned: true, banType: 'Permanent', banReason: 'Cheating' });
    const pending = await enrol(c.id, { firstName: 'Pam', lastName: 'Pending' }, { status: 'Pending' });
    const gone = await enrol(c.id, { firstName: 'Cal', lastName: 'Cancelled' }, { status: 'Cancelled' });
    await createQuizSubmission(t.db, { quizId: warmup.id, userId: ada.id, score: 80, pointsEarned: 8, answers: JSON.stringify({ q: 2 }) });
    await createQuizSubmission(t.db, { quizId: final.id, userId: ada.id, score: 50, pointsEarned: 10 });
    // Handed in after the due date, graded.
    await createAssignmentSubmission(t.db, { assignmentId: essay.id, userId: ada.id, status: 'Graded', grade: 40 });
    // Handed in on time, waiting for a grade.
    await createAssignmentSubmission(t.db, { assignmentId: essay.id, userId: bob.id, submittedAt: new Date(Date.now() - 2 * DAY) });
    await createQuizSubmission(t.db, { quizId: warmup.id, userId: cy.id, score: 100, pointsEarned: 10 });
    await createQuizSubmission(t.db, { quizId: warmup.id, userId: pending.id, score: 100, pointsEarned: 10 });
    await t.db.insertInto('lessonProgress').values([lessons[0]!, lessons[2]!].map((l) => ({ userId: ada.id, lessonId: l.id, completed: true }))).execute();

    const page = await teacher.agent.get(path).expect(200);
    expect(headOf(page.text)).toEqual(['Student', 'Warm-up (quiz)', 'Essay (assignment)', 'Final check (quiz)', 'Progress', 'Total']);
    const rows = tableRows(page.text);
    expect(rows).toEqual([
      ['Bob Adams', '', 'pending', '', '0%', '0 / 80'],
      ['Cy Banned Banned', '100%', '', '', '0%', '10 / 80'],
      ['Ada Lovelace', '80%', '40 / 50 late', '50%', '50%', '58 / 80'],
    ]);
    expect(page.text).not.toContain(pending.email);
    expect(page.text).not.toContain(gone.firstName + ' ' + gone.lastName);
    expect(page.text).toContain(`href="${path}.csv"`);
    expect(page.text).toContain(`href="/teach/courses/${c.id}/submissions"`);
    // Every cell is labelled by its column (tables on phones).
    const cells = [...page.text.matchAll(/<td data-label="([^"]*)"/g)].map((m) => m[1]);
    expect(cells.slice(0, 6)).toEqual(['Student', 'Warm-up (quiz)', 'Essay (assignment)', 'Final check (quiz)', 'Progress', 'Total']);
    // No quiz answers reach the page.
    expect(page.text).not.toContain('"q"');

    // An admin sees it too; an empty course says so.
    const admin = await signedInAs(t.app, t.db, 'admin');
    expect(tableRows((await admin.agent.get(path).expect(200)).text)).toHaveLength(3);
    const empty = await course(teacher);
    expect((await teacher.agent.get(empty.path).expect(200)).text).toContain('No active students yet.');
  });

  it('pages by 50 students, and stays within the page budget at 50 students x 20 assessments with the query count of 5 x 2', async () => {
    const teacher = await signedInAs(t.app, t.db, 'teacher');

    async function sized(students: number, assessments: number) {
      const c = await createCourse(t.db, { userId: teacher.user.id });
      const chapter = await createChapter(t.db, { courseId: c.id });
      const items: Array<{ kind: 'quiz' | 'assignment'; id: string }> = [];
      for (let i = 0; i < assessments; i++) {
        const lesson = await createLesson(t.db, { chapterId: chapter.id, position: i + 1 });
        if (i % 2) items.push({ kind: 'quiz', id: (await createQuiz(t.db, { lessonId: lesson.id, title: `Quiz number ${i} on the chapter`, points: 10 })).id });
        else items.push({ kind: 'assignment', id: (await createAssignment(t.db, { lessonId: lesson.id, title: `Assignment number ${i} on the chapter`, points: 100, dueDate: new Date(Date.now() - DAY) })).id });
      }
      const users = await t.db
        .insertInto('user')
        .values(Array.from({ length: students }, (_, i) => ({ firstName: `Firstname${i}`, lastName: `Familyname ${String(i).padStart(3, '0')}`, email: `gb-${c.id}-${i}@example.test` })))
        .returning('id')
        .execute();
      await t.db.insertInto('enrollment').values(users.map((u) => ({ userId: u.id, courseId: c.id, amount: 0, status: 'Active' as const }))).execute();
      const quizzes = items.filter((x) => x.kind === 'quiz');
      const assignments = items.filter((x) => x.kind === 'assignment');
      if (quizzes.length) {
        await t.db
          .insertInto('quizSubmission')
          .values(users.flatMap((u, n) => quizzes.map((q) => ({ userId: u.id, quizId: q.id, score: (n * 7) % 101, totalQuestions: 10, correctAnswers: 5, pointsEarned: 5, answers: JSON.stringify({}) }))))
          .execute();
      }
      await t.db
        .insertInto('assignmentSubmission')
        .values(users.flatMap((u, n) => assignments.map((a) => ({ userId: u.id, assignmentId: a.id, status: 'Graded' as const, grade: (n * 13) % 101 }))))
        .execute();
      return `/teach/courses/${c.id}/gradebook`;
    }

    const small = await sized(5, 2);
    const large = await sized(55, 20);
    const few = await countQueries(t.db, () => teacher.agent.get(small).expect(200));
    const many = await countQueries(t.db, () => teacher.agent.get(large).expect(200));
    expect(tableRows(many.result.text)).toHaveLength(50);
    expect(tableRows(many.result.text)[0]).toHaveLength(23);
    expect(many.count).toBe(few.count);
    expectWithinPageBudget(many.result);

    expect(many.result.text).toContain('Page 1 of 2 (55)');
    const next = /<a href="([^"]+)" rel="next">/.exec(many.result.text)![1]!.replace(/&amp;/g, '&');
    expect(next).toBe(`${large}?page=2`);
    const second = await teacher.agent.get(next).expect(200);
    const rows = tableRows(second.text);
    expect(rows.map((r) => r[0])).toEqual([50, 51, 52, 53, 54].map((i) => `Firstname${i} Familyname 0${i}`));
    // Late marker on every assignment (due yesterday, handed in now).
    expect(rows[0]![1]).toMatch(/^\d+ \/ 100 late$/);
  });

  it('exports every Active student as CSV, streamed in keyset pages, with formula injection neutralised', async () => {
    const { teacher, course: c, warmup, essay, path } = await course();
    const evil = await enrol(c.id, { firstName: '=HYPERLINK("http://x")', lastName: null, email: 'evil-csv@example.test' });
    const plus = await enrol(c.id, { firstName: '+cmd', lastName: null });
    const minus = await enrol(c.id, { firstName: '-1', lastName: null });
    const at = await enrol(c.id, { firstName: '@x', lastName: null });
    const tab = await enrol(c.id, { firstName: '\tSUM(1)', lastName: null });
    const ada = await enrol(c.id, { firstName: 'Ada', lastName: 'Lovelace, "the first"' });
    await createQuizSubmission(t.db, { quizId: warmup.id, userId: ada.id, score: 80, pointsEarned: 8, answers: JSON.stringify({ 'secret-question-id': 3 }) });
    await createAssignmentSubmission(t.db, { assignmentId: essay.id, userId: ada.id, status: 'Graded', grade: 40 });
    await createAssignmentSubmission(t.db, { assignmentId: essay.id, userId: evil.id });
    await enrol(c.id, { firstName: 'Not', lastName: 'Active' }, { status: 'Pending' });
    // More than one keyset page (500), all with the same name: the order's last key (id) decides.
    const crowd = await t.db
      .insertInto('user')
      .values(Array.from({ length: 520 }, (_, i) => ({ firstName: 'Zoe', lastName: 'Zed', email: `crowd-${c.id}-${i}@example.test` })))
      .returning('id')
      .execute();
    await t.db.insertInto('enrollment').values(crowd.map((u) => ({ userId: u.id, courseId: c.id, amount: 0, status: 'Active' as const }))).execute();

    const res = await teacher.agent.get(`${path}.csv`).buffer(true).parse((r, done) => {
      let text = '';
      r.setEncoding('utf8');
      r.on('data', (chunk: string) => (text += chunk));
      r.on('end', () => done(null, text));
    }).expect(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['content-disposition']).toBe(`attachment; filename="gradebook-${c.slug}.csv"`);
    const text = res.body as string;
    const rows = parseCsv(text);
    expect(rows[0]).toEqual(['student', 'email', 'Warm-up (quiz, 10 points)', 'Essay (assignment, 50 points)', 'Final check (quiz, 20 points)', 'progress %', 'total']);
    const data = rows.slice(1);
    expect(data).toHaveLength(6 + 520);
    expect(new Set(data.map((r) => r[1])).size).toBe(526);
    expect(data.filter((r) => r[0] === 'Zoe Zed')).toHaveLength(520);
    expect(data.some((r) => r[1] === 'Not')).toBe(false);
    const byEmail = new Map(data.map((r) => [r[1], r]));
    expect(byEmail.get(ada.email)).toEqual(['Ada Lovelace, "the first"', ada.email, '80%', '40 / 50 late', '', '0', '48 / 80']);
    expect(byEmail.get(evil.email)).toEqual([`'=HYPERLINK("http://x")`, evil.email, '', 'pending late', '', '0', '0 / 80']);
    expect(byEmail.get(plus.email)![0]).toBe("'+cmd");
    expect(byEmail.get(minus.email)![0]).toBe("'-1");
    expect(byEmail.get(at.email)![0]).toBe("'@x");
    expect(byEmail.get(tab.email)![0]).toBe("'\tSUM(1)");
    // On the wire: quoted, with the leading quote inside.
    expect(text).toContain(`"'=HYPERLINK(""http://x"")"`);
    expect(text).toContain(`"'+cmd"`);
    expect(text).toContain(`"'-1"`);
    expect(text).toContain(`"'@x"`);
    // Scores only: never the answers.
    expect(text).not.toContain('secret-question-id');
  });

  it('another teacher, a student of the course and a visitor get no gradebook or CSV', async () => {
    const { course: c, path } = await course();
    const other = await signedInAs(t.app, t.db, 'teacher');
    const enrolled = await signedInAs(t.app, t.db, 'student');
    await createEnrollment(t.db, { courseId: c.id, userId: enrolled.user.id });
    for (const who of [other, enrolled]) {
      await who.agent.get(path).expect(404);
      const csv = await who.agent.get(`${path}.csv`).expect(404);
      expect(csv.headers['content-disposition']).toBeUndefined();
    }
    await t.request().get(`${path}.csv`).expect(303);
    const teacher = (await t.db.selectFrom('course').select('userId').where('id', '=', c.id).executeTakeFirstOrThrow()).userId;
    expect(teacher).not.toBe(other.user.id);
    // Nonsense page numbers fall back to the first page.
    const owner = await signedInAs(t.app, t.db, 'admin');
    await owner.agent.get(`${path}?page=abc`).expect(200);
    await owner.agent.get('/teach/courses/not-a-uuid/gradebook.csv').expect(404);
  });
});
