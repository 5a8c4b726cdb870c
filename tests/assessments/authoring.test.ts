import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from '../setup/app.ts';
import { expectWithinPageBudget } from '../setup/budget.ts';
import {
  createAssignment,
  createAssignmentSubmission,
  createChapter,
  createCourse,
  createLesson,
  createQuestion,
  createQuiz,
  createQuizSubmission,
} from '../setup/factories.ts';
import { exeFile, pngImage } from '../setup/media.ts';
import { countQueries } from '../setup/queries.ts';
import { signedInAs, type SignedIn } from '../setup/users.ts';

const pdfFile = (size = 2000) => Buffer.concat([Buffer.from('%PDF-1.4\n% worksheet\n'), Buffer.alloc(size - 21, 0x41)]);

type Fields = Record<string, string | string[]>;

/** A urlencoded body with repeated fields (`options=a&options=b`), as a browser sends it. */
function encode(fields: Fields, csrf: string): string {
  const body = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) for (const v of Array.isArray(value) ? value : [value]) body.append(name, v);
  body.append('_csrf', csrf);
  return body.toString();
}

describe('assessment authoring: a teacher attaches one assignment or one quiz to a lesson', () => {
  const t = useTestApp({ config: { UPLOAD_MAX_MB: '1' } });
  let teacher: SignedIn;
  let course: { id: string };

  beforeAll(async () => {
    teacher = await signedInAs(t.app, t.db, 'teacher', { timeZone: 'Europe/Berlin' });
    course = await createCourse(t.db, { userId: teacher.user.id });
  });

  const send = (who: SignedIn, url: string, fields: Fields = {}) => who.agent.post(url).type('form').send(encode(fields, who.csrf));
  const htmx = (who: SignedIn, url: string, fields: Fields = {}) =>
    who.agent.post(url).set('HX-Request', 'true').set('x-csrf-token', who.csrf).type('form').send(encode(fields, who.csrf));
  const newLesson = async (courseId = course.id) => createLesson(t.db, { chapterId: (await createChapter(t.db, { courseId })).id, title: 'Capitals' });
  const assignmentOf = (lessonId: string) => t.db.selectFrom('assignment').selectAll().where('lessonId', '=', lessonId).executeTakeFirst();
  const quizOf = (lessonId: string) => t.db.selectFrom('quiz').selectAll().where('lessonId', '=', lessonId).executeTakeFirst();
  const questionsOf = (quizId: string) =>
    t.db.selectFrom('quizQuestion').select(['id', 'question', 'options', 'correctAnswer', 'position']).where('quizId', '=', quizId).orderBy('position').execute();
  const auditFor = (entityId: string) =>
    t.db.selectFrom('activityLog').select('action').where('entityId', '=', entityId).orderBy('createdAt').execute().then((rows) => rows.map((r) => r.action));
  const stored = (key: string) => path.join(t.config.dataDir, 'uploads', key);
  const uploadFile = (who: SignedIn, assignmentId: string, body: Buffer, filename: string) =>
    who.agent.post(`/teach/assignments/${assignmentId}/file?_csrf=${encodeURIComponent(who.csrf)}`).attach('file', body, { filename, contentType: 'application/octet-stream' });

  describe('assignments', () => {
    it('creates one with the due date typed in the teacher\'s zone (stored UTC), edits it, and audits both', async () => {
      const lesson = await newLesson();
      const res = await send(teacher, `/teach/lessons/${lesson.id}/assignment`, {
        title: 'Map the capitals',
        description: 'Mark each capital on the map.\nHand in a photo.',
        points: '80',
        dueDate: '2027-03-01T17:00',
      });
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe(`/teach/lessons/${lesson.id}#assessment`);
      const row = (await assignmentOf(lesson.id))!;
      expect(row).toMatchObject({ title: 'Map the capitals', description: 'Mark each capital on the map.\nHand in a photo.', points: 80, fileKey: null });
      // 17:00 in Berlin in March (winter time, UTC+1) is 16:00 UTC.
      expect(row.dueDate!.toISOString()).toBe('2027-03-01T16:00:00.000Z');

      const page = await teacher.agent.get(`/teach/lessons/${lesson.id}`).expect(200);
      expect(page.text).toContain('Assignment: Map the capitals');
      expect(page.text).toContain('80 points');
      expect(page.text).toContain('value="2027-03-01T17:00"');
      expect(page.text).toContain('0 submissions');

      await send(teacher, `/teach/assignments/${row.id}`, { title: 'Map the capitals of Europe', description: '', points: '50', dueDate: '' }).expect(303);
      expect(await assignmentOf(lesson.id)).toMatchObject({ title: 'Map the capitals of Europe', description: null, points: 50, dueDate: null });
      expect(await auditFor(row.id)).toEqual(['assignment_created', 'assignment_updated']);
    });

    it('takes 100 points when none are given', async () => {
      const lesson = await newLesson();
      await send(teacher, `/teach/lessons/${lesson.id}/assignment`, { title: 'Essay' }).expect(303);
      expect((await assignmentOf(lesson.id))!.points).toBe(100);
    });

    it('refuses bad input with 422 and the form as typed: points 0, 1001 or not a number, no title, a bad date', async () => {
      const lesson = await newLesson();
      for (const [fields, message] of [
        [{ title: 'Typed title', points: '0' }, 'Enter the points as a whole number from 1 to 1000.'],
        [{ title: 'Typed title', points: '1001' }, 'Enter the points as a whole number from 1 to 1000.'],
        [{ title: 'Typed title', points: 'ten' }, 'Enter the points as a whole number from 1 to 1000.'],
        [{ title: 'Typed title', points: '12.5' }, 'Enter the points as a whole number from 1 to 1000.'],
        [{ title: '   ', points: '10' }, 'Title is required.'],
        [{ title: 'Typed title', dueDate: '2027-02-31T10:00' }, 'Enter a date and time'],
      ] as const) {
        const res = await send(teacher, `/teach/lessons/${lesson.id}/assignment`, fields);
        expect(res.status, JSON.stringify(fields)).toBe(422);
        expect(res.text).toContain(message);
        expect(res.text).toContain(`value="${fields.title}"`);
        if ('points' in fields) expect(res.text).toContain(`value="${fields.points}"`);
        // The refused form comes back open, beside the rest of the lesson page.
        expect(res.text).toMatch(/<details open>\s*<summary>Add an assignment<\/summary>/);
        expect(res.text).toContain('Files to download');
      }
      const edit = await createAssignment(t.db, { lessonId: (await newLesson()).id });
      const res = await send(teacher, `/teach/assignments/${edit.id}`, { title: 'Kept', points: '1001' });
      expect(res.status).toBe(422);
      expect(res.text).toContain('value="Kept"');
      expect(await assignmentOf(lesson.id)).toBeUndefined();
    });

    it('will not lower the points below a grade already given', async () => {
      const assignment = await createAssignment(t.db, { lessonId: (await newLesson()).id, points: 100 });
      await createAssignmentSubmission(t.db, { assignmentId: assignment.id, grade: 70, status: 'Graded' });
      const res = await send(teacher, `/teach/assignments/${assignment.id}`, { title: assignment.title, points: '60' });
      expect(res.status).toBe(422);
      expect(res.text).toContain('A submission is already graded 70: the points cannot go below that.');
      await send(teacher, `/teach/assignments/${assignment.id}`, { title: assignment.title, points: '70' }).expect(303);
    });

    it('stores a PDF as its file, replaces it with an image (WebP, the PDF deleted), then removes it', async () => {
      const lesson = await newLesson();
      const assignment = await createAssignment(t.db, { lessonId: lesson.id });
      const res = await uploadFile(teacher, assignment.id, pdfFile(2500), 'Worksheet.pdf');
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe(`/teach/lessons/${lesson.id}#assignment-file`);
      const pdfKey = (await assignmentOf(lesson.id))!.fileKey!;
      expect(pdfKey).toMatch(/^assignments\/\d{4}\/\d{2}\/[0-9a-f-]{36}\.pdf$/);
      expect(existsSync(stored(pdfKey))).toBe(true);
      const page = await teacher.agent.get(`/teach/lessons/${lesson.id}`).expect(200);
      expect(page.text).toContain(`href="/media/${pdfKey}"`);

      await uploadFile(teacher, assignment.id, await pngImage(400, 300), 'map.png').expect(303);
      const imageKey = (await assignmentOf(lesson.id))!.fileKey!;
      expect(imageKey).toMatch(/^assignments\/.+\.webp$/);
      expect(existsSync(stored(imageKey))).toBe(true);
      expect(existsSync(stored(pdfKey))).toBe(false);

      await send(teacher, `/teach/assignments/${assignment.id}/file/delete`).expect(303);
      expect((await assignmentOf(lesson.id))!.fileKey).toBeNull();
      expect(existsSync(stored(imageKey))).toBe(false);
      await send(teacher, `/teach/assignments/${assignment.id}/file/delete`).expect(404);
      expect(await auditFor(assignment.id)).toEqual(['assignment_updated', 'assignment_updated', 'assignment_updated']);
    });

    it('refuses a program or a file over the limit on the lesson page (422/413), storing nothing', async () => {
      const lesson = await newLesson();
      const assignment = await createAssignment(t.db, { lessonId: lesson.id });
      const exe = await uploadFile(teacher, assignment.id, exeFile(), 'worksheet.pdf');
      expect(exe.status).toBe(422);
      expect(exe.text).toContain('not a type we accept');
      expect(exe.text).toContain('id="assessment"');
      const big = await uploadFile(teacher, assignment.id, pdfFile(1_200_000), 'big.pdf');
      expect(big.status).toBe(413);
      const none = await teacher.agent.post(`/teach/assignments/${assignment.id}/file?_csrf=${encodeURIComponent(teacher.csrf)}`).field('x', 'y');
      expect(none.status).toBe(422);
      expect(none.text).toContain('Choose a file');
      expect((await assignmentOf(lesson.id))!.fileKey).toBeNull();
    });

    it('deletes after a confirmation page that counts the submissions; their files go too', async () => {
      const lesson = await newLesson();
      const assignment = await createAssignment(t.db, { lessonId: lesson.id, title: 'Old essay' });
      const key = 'submissions/2026/11/0b5e8f6c-6f0a-4f8e-9d55-2d0a1c3e4f50.pdf';
      mkdirSync(path.dirname(stored(key)), { recursive: true });
      writeFileSync(stored(key), pdfFile());
      await createAssignmentSubmission(t.db, { assignmentId: assignment.id, fileKey: key });
      await createAssignmentSubmission(t.db, { assignmentId: assignment.id });

      const confirm = await teacher.agent.get(`/teach/assignments/${assignment.id}/delete`).expect(200);
      expect(confirm.text).toContain('Delete the assignment &quot;Old essay&quot;?');
      expect(confirm.text).toContain('Its 2 submissions, with the students&#39; files, grades and feedback, will be deleted too.');
      expect(await assignmentOf(lesson.id)).toBeDefined();

      const res = await send(teacher, `/teach/assignments/${assignment.id}/delete`);
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe(`/teach/lessons/${lesson.id}#assessment`);
      expect(await assignmentOf(lesson.id)).toBeUndefined();
      expect(await t.db.selectFrom('assignmentSubmission').select('id').where('assignmentId', '=', assignment.id).execute()).toEqual([]);
      expect(existsSync(stored(key))).toBe(false);
      expect(await auditFor(assignment.id)).toEqual(['assignment_deleted']);
      await send(teacher, `/teach/assignments/${assignment.id}/delete`).expect(404);
    });
  });

  describe('quizzes and "one assignment or one quiz"', () => {
    it('creates a quiz (required unticked is kept), edits it, and deletes it after a confirmation', async () => {
      const lesson = await newLesson();
      // The form sends the hidden "false" and, when ticked, "true" after it.
      await send(teacher, `/teach/lessons/${lesson.id}/quiz`, { title: 'Capitals check', points: '20', required: 'false' })
        .expect(303)
        .expect('location', `/teach/lessons/${lesson.id}#new-question`);
      const quiz = (await quizOf(lesson.id))!;
      expect(quiz).toMatchObject({ title: 'Capitals check', points: 20, required: false });
      await send(teacher, `/teach/quizzes/${quiz.id}`, { title: 'Capitals quiz', points: '0', required: ['false', 'true'] }).expect(303);
      expect(await quizOf(lesson.id)).toMatchObject({ title: 'Capitals quiz', points: 0, required: true });

      const bad = await send(teacher, `/teach/quizzes/${quiz.id}`, { title: 'Typed', points: '1001', required: 'false' });
      expect(bad.status).toBe(422);
      expect(bad.text).toContain('Enter the points as a whole number from 0 to 1000.');
      expect(bad.text).toContain('value="Typed"');
      expect(bad.text).not.toMatch(/name="required" value="true" checked/);

      await createQuestion(t.db, { quizId: quiz.id });
      await createQuizSubmission(t.db, { quizId: quiz.id });
      const confirm = await teacher.agent.get(`/teach/quizzes/${quiz.id}/delete`).expect(200);
      expect(confirm.text).toContain('Its 1 question and 1 student&#39;s result will be deleted too');
      await send(teacher, `/teach/quizzes/${quiz.id}/delete`).expect(303);
      expect(await quizOf(lesson.id)).toBeUndefined();
      expect(await auditFor(quiz.id)).toEqual(['quiz_created', 'quiz_updated', 'quiz_deleted']);
    });

    it('defaults: 10 points, required, when the fields are not sent', async () => {
      const lesson = await newLesson();
      await send(teacher, `/teach/lessons/${lesson.id}/quiz`, { title: 'Quick check' }).expect(303);
      expect(await quizOf(lesson.id)).toMatchObject({ points: 10, required: true });
    });

    it('a lesson with an assignment refuses a quiz, and the other way round, and a second of the same, with 422 on the lesson page', async () => {
      const withAssignment = await newLesson();
      await createAssignment(t.db, { lessonId: withAssignment.id });
      const quiz = await send(teacher, `/teach/lessons/${withAssignment.id}/quiz`, { title: 'Typed quiz title', points: '10' });
      expect(quiz.status).toBe(422);
      expect(quiz.text).toContain('This lesson already has an assignment: a lesson takes one assignment or one quiz. Delete it first to add a quiz.');
      const second = await send(teacher, `/teach/lessons/${withAssignment.id}/assignment`, { title: 'Another' });
      expect(second.status).toBe(422);
      expect(second.text).toContain('This lesson already has an assignment');

      const withQuiz = await newLesson();
      await createQuiz(t.db, { lessonId: withQuiz.id });
      const assignment = await send(teacher, `/teach/lessons/${withQuiz.id}/assignment`, { title: 'Essay' });
      expect(assignment.status).toBe(422);
      expect(assignment.text).toContain('This lesson already has a quiz: a lesson takes one assignment or one quiz. Delete it first to add an assignment.');
      await send(teacher, `/teach/lessons/${withQuiz.id}/quiz`, { title: 'Again' }).expect(422);

      expect(await quizOf(withAssignment.id)).toBeUndefined();
      expect(await assignmentOf(withQuiz.id)).toBeUndefined();
    });

    it('a quiz and an assignment posted at once: one 303, one 422, never a 500; the same for two quizzes', async () => {
      for (let round = 0; round < 5; round++) {
        const lesson = await newLesson();
        const results = await Promise.all([
          send(teacher, `/teach/lessons/${lesson.id}/quiz`, { title: 'Race quiz' }),
          send(teacher, `/teach/lessons/${lesson.id}/assignment`, { title: 'Race assignment' }),
        ]);
        expect(results.map((r) => r.status).sort()).toEqual([303, 422]);
        const kinds = [await quizOf(lesson.id), await assignmentOf(lesson.id)].filter(Boolean);
        expect(kinds).toHaveLength(1);
        expect(results.find((r) => r.status === 422)!.text).toContain('a lesson takes one assignment or one quiz');
      }
      const lesson = await newLesson();
      const twins = await Promise.all(Array.from({ length: 4 }, () => send(teacher, `/teach/lessons/${lesson.id}/quiz`, { title: 'Twin' })));
      expect(twins.map((r) => r.status).sort()).toEqual([303, 422, 422, 422]);
    });
  });

  describe('questions', () => {
    async function newQuiz() {
      const lesson = await newLesson();
      return { lesson, quiz: await createQuiz(t.db, { lessonId: lesson.id, title: 'Capitals' }) };
    }

    it('adds a question: blank options dropped, the correct answer remapped to the options kept; appended in order', async () => {
      const { lesson, quiz } = await newQuiz();
      const res = await send(teacher, `/teach/quizzes/${quiz.id}/questions`, {
        question: 'Which is the capital of Germany?',
        options: ['Paris', '', '  Rome ', '', 'Berlin', ''],
        correctAnswer: '4',
      });
      expect(res.status).toBe(303);
      expect(res.headers.location).toBe(`/teach/lessons/${lesson.id}#new-question`);
      await send(teacher, `/teach/quizzes/${quiz.id}/questions`, { question: 'Capital of Italy?', options: ['Rome', 'Milan'], correctAnswer: '0' }).expect(303);
      expect(await questionsOf(quiz.id)).toMatchObject([
        { question: 'Which is the capital of Germany?', options: ['Paris', 'Rome', 'Berlin'], correctAnswer: 2, position: 1 },
        { question: 'Capital of Italy?', options: ['Rome', 'Milan'], correctAnswer: 0, position: 2 },
      ]);
      const page = await teacher.agent.get(`/teach/lessons/${lesson.id}`).expect(200);
      expect(page.text).toContain('Questions (2)');
      expect(page.text).toMatch(/<li class="correct">Berlin/);
      const [first] = await questionsOf(quiz.id);
      expect(await auditFor(first!.id)).toEqual(['question_added']);
    });

    it('refuses with 422 and the form as typed: 1 option, 7 options, the correct mark on a blank option, out of range or not a number', async () => {
      const { quiz } = await newQuiz();
      const cases: Array<[Fields, string]> = [
        [{ question: 'Typed question?', options: ['Only one', '', ''], correctAnswer: '0' }, 'Fill in 2 to 6 options.'],
        [{ question: 'Typed question?', options: ['a', 'b', 'c', 'd', 'e', 'f', 'g'], correctAnswer: '0' }, 'Fill in 2 to 6 options.'],
        [{ question: 'Typed question?', options: ['Yes', 'No', ''], correctAnswer: '2' }, 'Mark one of the filled options as correct.'],
        [{ question: 'Typed question?', options: ['Yes', 'No'], correctAnswer: '9' }, 'Mark the correct option.'],
        [{ question: 'Typed question?', options: ['Yes', 'No'], correctAnswer: 'first' }, 'Mark the correct option.'],
        [{ question: 'Typed question?', options: ['Yes', 'No'] }, 'Mark the correct option.'],
        [{ question: 'Typed question?', options: ['Yes', 'x'.repeat(301)], correctAnswer: '0' }, 'Each option must be at most 300 characters.'],
        [{ question: '', options: ['Yes', 'No'], correctAnswer: '0' }, 'The question is required.'],
      ];
      for (const [fields, message] of cases) {
        const res = await send(teacher, `/teach/quizzes/${quiz.id}/questions`, fields);
        expect(res.status, JSON.stringify(fields)).toBe(422);
        expect(res.text, message).toContain(message);
        if (fields.question) expect(res.text).toContain('>Typed question?</textarea>');
        expect(res.text).toContain(`value="${(fields.options as string[])[0]}"`);
      }
      // Every problem at once, not the first only.
      const all = await send(teacher, `/teach/quizzes/${quiz.id}/questions`, { question: '', options: ['One'], correctAnswer: 'x' });
      expect(all.text).toContain('The question is required.');
      expect(all.text).toContain('Fill in 2 to 6 options.');
      expect(all.text).toContain('Mark the correct option.');
      expect(await questionsOf(quiz.id)).toEqual([]);
    });

    it('edits a question on its own page (no JavaScript), keeping typed values on a 422', async () => {
      const { lesson, quiz } = await newQuiz();
      const q = await createQuestion(t.db, { quizId: quiz.id, question: 'Capital of Spain?', options: ['Madrid', 'Lisbon'], correctAnswer: 0 });
      const page = await teacher.agent.get(`/teach/questions/${q.id}`).expect(200);
      expect(page.text).toContain('>Capital of Spain?</textarea>');
      expect(page.text).toContain('id="f-option-1" name="options" value="Lisbon"');
      expect(page.text).toContain('id="f-option-5" name="options" value=""');
      expect(page.text).toMatch(/id="f-correct-0" name="correctAnswer" value="0" checked/);

      const bad = await send(teacher, `/teach/questions/${q.id}`, { question: 'Capital of Portugal?', options: ['Madrid', '', 'Lisbon'], correctAnswer: '1' });
      expect(bad.status).toBe(422);
      expect(bad.text).toContain('Mark one of the filled options as correct.');
      expect(bad.text).toContain('>Capital of Portugal?</textarea>');
      expect(bad.text).toContain('id="f-option-2" name="options" value="Lisbon"');

      const ok = await send(teacher, `/teach/questions/${q.id}`, { question: 'Capital of Portugal?', options: ['Madrid', '', 'Lisbon'], correctAnswer: '2' });
      expect(ok.status).toBe(303);
      expect(ok.headers.location).toBe(`/teach/lessons/${lesson.id}#question-${q.id}`);
      expect(await questionsOf(quiz.id)).toMatchObject([{ question: 'Capital of Portugal?', options: ['Madrid', 'Lisbon'], correctAnswer: 1, position: 1 }]);
      expect(await auditFor(q.id)).toEqual(['question_updated']);
    });

    it('deletes (positions renumbered) and moves up and down, without JavaScript (303) and with htmx (the questions block)', async () => {
      const { lesson, quiz } = await newQuiz();
      const [a, b, c, d] = await Promise.all(['A?', 'B?', 'C?', 'D?'].map((question, i) => createQuestion(t.db, { quizId: quiz.id, question, position: i + 1 })));
      const order = async () => (await questionsOf(quiz.id)).map((q) => `${q.position}:${q.question}`);

      const del = await send(teacher, `/teach/questions/${b!.id}/delete`);
      expect(del.status).toBe(303);
      expect(del.headers.location).toBe(`/teach/lessons/${lesson.id}#questions`);
      expect(await order()).toEqual(['1:A?', '2:C?', '3:D?']);

      const up = await send(teacher, `/teach/questions/${d!.id}/move`, { direction: 'up' });
      expect(up.status).toBe(303);
      expect(up.headers.location).toBe(`/teach/lessons/${lesson.id}#question-${d!.id}`);
      expect(await order()).toEqual(['1:A?', '2:D?', '3:C?']);

      const down = await htmx(teacher, `/teach/questions/${a!.id}/move`, { direction: 'down' });
      expect(down.status).toBe(200);
      expect(down.headers.vary).toMatch(/HX-Request/);
      expect(down.text).toMatch(/^<div id="questions">/);
      expect(down.text).not.toContain('<html');
      expect(await order()).toEqual(['1:D?', '2:A?', '3:C?']);
      // Already last: nothing moves.
      await send(teacher, `/teach/questions/${c!.id}/move`, { direction: 'down' }).expect(303);
      expect(await order()).toEqual(['1:D?', '2:A?', '3:C?']);
      await send(teacher, `/teach/questions/${c!.id}/move`, { direction: 'sideways' }).expect(422);

      const hxDelete = await htmx(teacher, `/teach/questions/${d!.id}/delete`);
      expect(hxDelete.status).toBe(200);
      expect(hxDelete.text).toContain('Questions (2)');
      expect(await order()).toEqual(['1:A?', '2:C?']);

      const hxAdd = await htmx(teacher, `/teach/quizzes/${quiz.id}/questions`, { question: 'E?', options: ['1', '2'], correctAnswer: '1' });
      expect(hxAdd.status).toBe(200);
      expect(hxAdd.text).toContain('Questions (3)');
      const hxBad = await htmx(teacher, `/teach/quizzes/${quiz.id}/questions`, { question: 'F?', options: ['1'], correctAnswer: '0' });
      expect(hxBad.status).toBe(422);
      expect(hxBad.text).toMatch(/^<div id="questions">/);
      expect(hxBad.text).toContain('Fill in 2 to 6 options.');
      expect(await order()).toEqual(['1:A?', '2:C?', '3:E?']);
      expect(await auditFor(d!.id)).toEqual(['question_moved', 'question_deleted']);
      expect(await auditFor(a!.id)).toEqual(['question_moved']);
    });

    it('20 questions added at once take positions 1..20; 20 moves at once keep them distinct', async () => {
      const { quiz } = await newQuiz();
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => send(teacher, `/teach/quizzes/${quiz.id}/questions`, { question: `Q${i}?`, options: ['a', 'b'], correctAnswer: '0' })),
      );
      expect(results.map((r) => r.status)).toEqual(Array(20).fill(303));
      const rows = await questionsOf(quiz.id);
      expect(rows.map((r) => r.position)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      expect(new Set(rows.map((r) => r.question)).size).toBe(20);

      const moves = await Promise.all(rows.map((r, i) => send(teacher, `/teach/questions/${r.id}/move`, { direction: i % 2 ? 'up' : 'down' })));
      expect(moves.map((r) => r.status)).toEqual(Array(20).fill(303));
      expect((await questionsOf(quiz.id)).map((r) => r.position)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    });
  });

  describe('who may author', () => {
    it('another teacher gets 404 on every route; a student cannot reach /teach; nothing changes', async () => {
      const lesson = await newLesson();
      const assignment = await createAssignment(t.db, { lessonId: lesson.id, title: 'Mine' });
      const quizLesson = await newLesson();
      const quiz = await createQuiz(t.db, { lessonId: quizLesson.id, title: 'Mine too' });
      const question = await createQuestion(t.db, { quizId: quiz.id });
      const free = await newLesson();
      const other = await signedInAs(t.app, t.db, 'teacher');
      const student = await signedInAs(t.app, t.db, 'student');
      const q = { question: 'Hijack?', options: ['a', 'b'], correctAnswer: '0' };
      const posts: Array<[string, Fields]> = [
        [`/teach/lessons/${free.id}/assignment`, { title: 'x' }],
        [`/teach/lessons/${free.id}/quiz`, { title: 'x' }],
        [`/teach/assignments/${assignment.id}`, { title: 'x', points: '5' }],
        [`/teach/assignments/${assignment.id}/delete`, {}],
        [`/teach/assignments/${assignment.id}/file/delete`, {}],
        [`/teach/quizzes/${quiz.id}`, { title: 'x' }],
        [`/teach/quizzes/${quiz.id}/delete`, {}],
        [`/teach/quizzes/${quiz.id}/questions`, q],
        [`/teach/questions/${question.id}`, q],
        [`/teach/questions/${question.id}/move`, { direction: 'down' }],
        [`/teach/questions/${question.id}/delete`, {}],
      ];
      const gets = [`/teach/assignments/${assignment.id}/delete`, `/teach/quizzes/${quiz.id}/delete`, `/teach/questions/${question.id}`];
      for (const [url, fields] of posts) {
        expect((await send(other, url, fields)).status, url).toBe(404);
        expect([403, 404], url).toContain((await send(student, url, fields)).status);
      }
      for (const url of gets) {
        expect((await other.agent.get(url)).status, url).toBe(404);
        expect([403, 404], url).toContain((await student.agent.get(url)).status);
      }
      expect((await uploadFile(other, assignment.id, pdfFile(), 'x.pdf')).status).toBe(404);
      // Ids that are not ids, or of nothing: 404 as well.
      await teacher.agent.get('/teach/questions/not-a-uuid').expect(404);
      await send(teacher, '/teach/quizzes/00000000-0000-4000-8000-000000000000/questions', q).expect(404);

      expect(await assignmentOf(lesson.id)).toMatchObject({ title: 'Mine', fileKey: null });
      expect(await quizOf(quizLesson.id)).toMatchObject({ title: 'Mine too' });
      expect(await questionsOf(quiz.id)).toHaveLength(1);
      expect(await assignmentOf(free.id)).toBeUndefined();
      expect(await quizOf(free.id)).toBeUndefined();
    });

    it('an admin may author in any course', async () => {
      const admin = await signedInAs(t.app, t.db, 'admin');
      const lesson = await newLesson();
      await send(admin, `/teach/lessons/${lesson.id}/quiz`, { title: 'Set by an admin' }).expect(303);
      const quiz = (await quizOf(lesson.id))!;
      await send(admin, `/teach/quizzes/${quiz.id}/questions`, { question: 'OK?', options: ['Yes', 'No'], correctAnswer: '0' }).expect(303);
      const [question] = await questionsOf(quiz.id);
      await admin.agent.get(`/teach/questions/${question!.id}`).expect(200);
      const actors = await t.db.selectFrom('activityLog').select('userId').where('entityId', 'in', [quiz.id, question!.id]).execute();
      expect(new Set(actors.map((r) => r.userId))).toEqual(new Set([admin.user.id]));
    });
  });

  it('the lesson page with a 50-question quiz stays within the page budget, with the same query count as with 2 questions', async () => {
    const measure = async (n: number) => {
      const lesson = await newLesson();
      const quiz = await createQuiz(t.db, { lessonId: lesson.id });
      await t.db
        .insertInto('quizQuestion')
        .values(
          Array.from({ length: n }, (_, i) => ({
            quizId: quiz.id,
            question: `Question number ${i + 1}: which of these capitals lies furthest north in Europe, as the crow flies?`,
            options: ['Oslo', 'Helsinki', 'Reykjavik', 'Stockholm', 'Tallinn', 'Copenhagen'],
            correctAnswer: i % 6,
            position: i + 1,
          })),
        )
        .execute();
      const { result, count } = await countQueries(t.db, () => teacher.agent.get(`/teach/lessons/${lesson.id}`).expect(200));
      expect(result.text).toContain(`Questions (${n})`);
      return { res: result, count };
    };
    const small = await measure(2);
    const large = await measure(50);
    expectWithinPageBudget(large.res);
    expect(large.count).toBe(small.count);
  });
});
