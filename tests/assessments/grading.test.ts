import { describe, expect, it } from 'vitest';
import { expectWithinPageBudget } from '../setup/budget.ts';
import { createAssignment, createAssignmentSubmission, createChapter, createCourse, createEnrollment, createLesson, createUser } from '../setup/factories.ts';
import { waitForMailTo } from '../setup/outbox.ts';
import { countQueries } from '../setup/queries.ts';
import { signedInAs, type SignedIn } from '../setup/users.ts';
import { useTestApp } from '../setup/app.ts';

/** Teacher, grading queue (issue 14): the course's submissions, graded in place or on their own page. */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The `<tr>` of one submission in a page ('' when it is not there). */
function rowOf(html: string, submissionId: string): string {
  const start = html.indexOf(`<tr id="s-${submissionId}">`);
  return start < 0 ? '' : html.slice(start, html.indexOf('</tr>', start) + 5);
}

const rowIds = (html: string) => [...html.matchAll(/<tr id="s-([0-9a-f-]{36})">/g)].map((m) => m[1]);

describe('teacher: grading queue and grading', () => {
  const t = useTestApp();

  /** A teacher's course with two assignments (the second due yesterday) in two chapters. */
  async function gradingCourse(teacher?: SignedIn) {
    const owner = teacher ?? (await signedInAs(t.app, t.db, 'teacher'));
    const course = await createCourse(t.db, { userId: owner.user.id, title: 'Essays & Co' });
    const first = await createChapter(t.db, { courseId: course.id, position: 1 });
    const second = await createChapter(t.db, { courseId: course.id, position: 2 });
    const lessonA = await createLesson(t.db, { chapterId: first.id });
    const lessonB = await createLesson(t.db, { chapterId: second.id });
    const essay = await createAssignment(t.db, { lessonId: lessonA.id, title: 'First essay', points: 50 });
    const report = await createAssignment(t.db, { lessonId: lessonB.id, title: 'Lab report', points: 20, dueDate: new Date(Date.now() - DAY) });
    const queue = `/teach/courses/${course.id}/submissions`;
    return { teacher: owner, course, essay, report, queue, lessonA, lessonB };
  }

  async function student(courseId: string, fields: { firstName?: string; lastName?: string; email?: string } = {}) {
    const user = await createUser(t.db, fields);
    await createEnrollment(t.db, { courseId, userId: user.id });
    return user;
  }

  const submissionRow = (id: string) => t.db.selectFrom('assignmentSubmission').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  it('lists the Pending submissions oldest first, with student, assignment, time, late, count, status and grade; counts per status', async () => {
    const { teacher, course, essay, report, queue, lessonA } = await gradingCourse();
    const ada = await student(course.id, { firstName: 'Ada', lastName: 'Lovelace', email: 'ada-queue@example.test' });
    const bob = await student(course.id, { firstName: 'Bob', lastName: 'Byron' });
    const cy = await student(course.id, { firstName: 'Cy', lastName: 'Adams' });
    const now = Date.now();
    const older = await createAssignmentSubmission(t.db, { assignmentId: essay.id, userId: ada.id, submittedAt: new Date(now - 3 * HOUR), submissionCount: 3 });
    const late = await createAssignmentSubmission(t.db, { assignmentId: report.id, userId: bob.id, submittedAt: new Date(now - HOUR) });
    const newest = await createAssignmentSubmission(t.db, { assignmentId: essay.id, userId: bob.id, submittedAt: new Date(now - 60_000) });
    const graded = await createAssignmentSubmission(t.db, { assignmentId: essay.id, userId: cy.id, status: 'Graded', grade: 41 });
    // Another course's submission never shows here.
    const elsewhere = await createAssignmentSubmission(t.db, { assignmentId: (await createAssignment(t.db)).id });

    const page = await teacher.agent.get(queue).expect(200);
    expect(page.headers.vary).toMatch(/HX-Request/i);
    expect(rowIds(page.text)).toEqual([older.id, late.id, newest.id]);
    expect(page.text).not.toContain(elsewhere.id);
    expect(page.text).toMatch(/>Pending \(3\)</);
    expect(page.text).toMatch(/>Graded \(1\)</);
    expect(page.text).toMatch(/>Returned \(0\)</);
    expect(page.text).toMatch(/>All \(4\)</);
    expect(page.text).toContain('Essays &amp; Co');
    const row = rowOf(page.text, older.id);
    expect(row).toContain('Ada Lovelace');
    expect(row).toContain('ada-queue@example.test');
    expect(row).toContain(`href="/teach/lessons/${lessonA.id}"`);
    expect(row).toContain('First essay');
    expect(row).toMatch(/data-label="Hand-ins" class="num">3</);
    expect(row).toContain('status-pending');
    expect(row).toContain('- / 50');
    expect(row).not.toContain('status-late');
    expect(row).toContain(`hx-post="/teach/submissions/${older.id}/grade"`);
    expect(row).toContain('hx-target="closest tr"');
    expect(rowOf(page.text, late.id)).toContain('status-late');
    // Every cell is labelled by its column (tables on phones).
    for (const id of [older.id, late.id, newest.id]) expect(rowOf(page.text, id).match(/<td data-label="[^"]+"/g)).toHaveLength(7);

    const all = await teacher.agent.get(`${queue}?status=any`).expect(200);
    expect(rowIds(all.text)).toEqual([older.id, late.id, newest.id, graded.id]);
    expect(rowOf(all.text, graded.id)).toContain('41 / 50');
    expect(rowIds((await teacher.agent.get(`${queue}?status=Graded`).expect(200)).text)).toEqual([graded.id]);
    expect(rowIds((await teacher.agent.get(`${queue}?status=Returned`).expect(200)).text)).toEqual([]);
  });

  it('filters by assignment and lateness, sorts by time (either way) and by student name', async () => {
    const { teacher, course, essay, report, queue } = await gradingCourse();
    const zed = await student(course.id, { firstName: 'Zed', lastName: 'Young' });
    const amy = await student(course.id, { firstName: 'Amy', lastName: 'Zorn' });
    const now = Date.now();
    const a1 = await createAssignmentSubmission(t.db, { assignmentId: essay.id, userId: zed.id, submittedAt: new Date(now - 2 * HOUR) });
    const a2 = await createAssignmentSubmission(t.db, { assignmentId: essay.id, userId: amy.id, submittedAt: new Date(now - HOUR) });
    const lateOne = await createAssignmentSubmission(t.db, { assignmentId: report.id, userId: zed.id, submittedAt: new Date(now - 30_000) });
    // Handed in before the due date: not late.
    const onTime = await createAssignmentSubmission(t.db, { assignmentId: report.id, userId: amy.id, submittedAt: new Date(now - 2 * DAY) });

    const ids = async (query: string) => rowIds((await teacher.agent.get(`${queue}?${query}`).expect(200)).text);
    expect(await ids(`assessment=${essay.id}`)).toEqual([a1.id, a2.id]);
    expect(await ids(`assessment=${report.id}`)).toEqual([onTime.id, lateOne.id]);
    expect(await ids('late=yes')).toEqual([lateOne.id]);
    expect(await ids('late=no')).toEqual([onTime.id, a1.id, a2.id]);
    expect(await ids(`late=no&assessment=${report.id}`)).toEqual([onTime.id]);
    expect(await ids('sort=submitted&dir=desc')).toEqual([lateOne.id, a2.id, a1.id, onTime.id]);
    // By last name: Young before Zorn.
    expect((await ids('sort=name&dir=asc')).slice(0, 2).every((id) => [a1.id, lateOne.id].includes(id!))).toBe(true);
    // Counts follow the assignment and lateness filters.
    const filtered = await teacher.agent.get(`${queue}?late=yes`).expect(200);
    expect(filtered.text).toMatch(/>Pending \(1\)</);
    // The filter form offers this course's assignments in course order, the chosen one selected.
    const form = await teacher.agent.get(`${queue}?assessment=${report.id}`).expect(200);
    expect(form.text.indexOf('First essay')).toBeLessThan(form.text.indexOf('Lab report'));
    expect(form.text).toContain(`<option value="${report.id}" selected>`);
    // Nonsense filters fall back to the defaults instead of failing.
    expect(await ids('status=Nope&late=maybe&assessment=x&sort=evil&dir=sideways&page=-3')).toEqual([onTime.id, a1.id, a2.id, lateOne.id]);
  });

  it('pages by 20, and the page links keep the filters and the sort', async () => {
    const { teacher, course, essay, queue } = await gradingCourse();
    const start = Date.now() - DAY;
    const made: string[] = [];
    for (let i = 0; i < 23; i++) {
      const user = await student(course.id);
      made.push((await createAssignmentSubmission(t.db, { assignmentId: essay.id, userId: user.id, submittedAt: new Date(start + i * 60_000) })).id);
    }
    const first = await teacher.agent.get(`${queue}?assessment=${essay.id}&late=no`).expect(200);
    expect(rowIds(first.text)).toEqual(made.slice(0, 20));
    const next = /<a href="([^"]+)" rel="next">/.exec(first.text)![1]!.replace(/&amp;/g, '&');
    const params = new URL(next, 'http://x').searchParams;
    expect(params.get('page')).toBe('2');
    expect(params.get('assessment')).toBe(essay.id);
    expect(params.get('late')).toBe('no');
    expect(params.get('status')).toBe('Pending');
    expect(params.get('sort')).toBe('submitted');
    expect(params.get('dir')).toBe('asc');
    const second = await teacher.agent.get(next).expect(200);
    expect(rowIds(second.text)).toEqual(made.slice(20));
    expect(second.text).toContain('Page 2 of 2');
    // Each row's form carries the way back to this very page.
    expect(rowOf(second.text, made[20]!)).toContain(`name="back" value="${next.replace(/&/g, '&amp;')}"`);
  });

  it('runs the same number of queries for 3 or 30 submissions, within the page budget', async () => {
    const { teacher, course, essay, report, queue } = await gradingCourse();
    const fill = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const user = await student(course.id, { firstName: `Student${i}`, lastName: `Longname Family ${i}` });
        await createAssignmentSubmission(t.db, { assignmentId: i % 2 ? essay.id : report.id, userId: user.id, feedback: 'Some earlier feedback on the work. '.repeat(3), grade: 10 });
      }
    };
    await fill(3);
    const few = await countQueries(t.db, () => teacher.agent.get(queue).expect(200));
    await fill(27);
    const many = await countQueries(t.db, () => teacher.agent.get(queue).expect(200));
    expect(rowIds(many.result.text)).toHaveLength(20);
    expect(many.count).toBe(few.count);
    expectWithinPageBudget(many.result);
  });

  it('without JavaScript: grades, stores grade and feedback, 303 back to the queue with a flash; notifies, mails and audits', async () => {
    const { teacher, course, essay, queue, lessonA } = await gradingCourse();
    const ada = await student(course.id, { firstName: 'Ada', email: 'ada-graded@example.test' });
    const sub = await createAssignmentSubmission(t.db, { assignmentId: essay.id, userId: ada.id });
    const back = `${queue}?late=no&page=1`;

    const res = await teacher.post(`/teach/submissions/${sub.id}/grade`, { grade: ' 42 ', feedback: '  Good structure.\nCite your sources.  ', back }).expect(303);
    expect(res.headers.location).toBe(back);
    const stored = await submissionRow(sub.id);
    expect(stored).toMatchObject({ status: 'Graded', grade: 42, feedback: 'Good structure.\nCite your sources.' });
    const after = await teacher.agent.get(res.headers.location!).expect(200);
    expect(after.text).toContain('Graded: 42 of 50');
    // The default queue shows what needs attention: this one is done.
    expect(rowOf(after.text, sub.id)).toBe('');
    expect(rowOf((await teacher.agent.get(`${queue}?status=Graded`)).text, sub.id)).toContain('42 / 50');

    const notes = await t.db.selectFrom('notification').selectAll().where('userId', '=', ada.id).execute();
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatchObject({ type: 'AssignmentGraded', link: `/learn/${course.slug}/lessons/${lessonA.id}#assignment` });
    const mail = await waitForMailTo(t.config.dataDir, 'ada-graded@example.test');
    expect(mail.subject).toBe(`Graded: ${essay.title}`);
    expect(mail.text).toContain('42 of 50');
    expect(mail.text).toContain('Cite your sources.');
    expect(mail.links).toContain(`http://edupeak.test/learn/${course.slug}/lessons/${lessonA.id}#assignment`);
    const audit = await t.db.selectFrom('activityLog').selectAll().where('entityId', '=', sub.id).execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ action: 'submission_graded', userId: teacher.user.id });

    // No `back` (or one leading elsewhere): to the submission's own page.
    for (const elsewhere of [undefined, 'https://evil.example/teach', `/teach/courses/${course.id}/gradebook`, '//evil.example', `${queue}x`]) {
      const again = await teacher.post(`/teach/submissions/${sub.id}/grade`, { grade: '40', ...(elsewhere ? { back: elsewhere } : {}) }).expect(303);
      expect(again.headers.location).toBe(`/teach/submissions/${sub.id}`);
    }
    // Regrading: the latest grade wins; an empty feedback clears it.
    expect(await submissionRow(sub.id)).toMatchObject({ status: 'Graded', grade: 40, feedback: null });
  });

  it('with htmx: answers the row alone with its new state; a refused grade comes back in the row with its message (422)', async () => {
    const { teacher, course, essay, queue } = await gradingCourse();
    const ada = await student(course.id, { firstName: 'Ada', lastName: 'Hx' });
    const sub = await createAssignmentSubmission(t.db, { assignmentId: essay.id, userId: ada.id });
    const hx = (fields: Record<string, string>) =>
      teacher.agent.post(`/teach/submissions/${sub.id}/grade`).set('HX-Request', 'true').type('form').send({ ...fields, back: queue, _csrf: teacher.csrf });

    const ok = await hx({ grade: '37', feedback: 'Nice <b>work</b>' }).expect(200);
    expect(ok.headers.vary).toMatch(/HX-Request/i);
    expect(ok.text.trim().startsWith(`<tr id="s-${sub.id}">`)).toBe(true);
    expect(ok.text).not.toContain('<html');
    expect(ok.text).toContain('status-graded');
    expect(ok.text).toContain('37 / 50');
    expect(ok.text).toContain('Nice &lt;b&gt;work&lt;/b&gt;');
    expect(ok.text).toContain(`name="back" value="${queue}"`);
    expect(ok.text.match(/<td data-label="[^"]+"/g)).toHaveLength(7);
    expect((await submissionRow(sub.id)).grade).toBe(37);

    const tooHigh = await hx({ grade: '51', feedback: 'Typed feedback stays' }).expect(422);
    expect(tooHigh.text.trim().startsWith(`<tr id="s-${sub.id}">`)).toBe(true);
    expect(tooHigh.text).toContain('Enter a grade from 0 to 50.');
    expect(tooHigh.text).toContain('value="51"');
    expect(tooHigh.text).toContain('Typed feedback stays');
    expect(tooHigh.text).toContain('aria-invalid="true"');
    expect(await submissionRow(sub.id)).toMatchObject({ grade: 37, feedback: 'Nice <b>work</b>' });
  });

  it('refuses a grade over the points, negative, not a whole number or missing, and feedback over 5000 characters: 422 with the form, never 500', async () => {
    const { teacher, course, essay } = await gradingCourse();
    const sub = await createAssignmentSubmission(t.db, { assignmentId: essay.id, userId: (await student(course.id)).id });
    const cases: Array<[Record<string, string>, string]> = [
      [{ grade: '51' }, 'Enter a grade from 0 to 50.'],
      [{ grade: '-1' }, 'Enter a whole number of points'],
      [{ grade: 'ten' }, 'Enter a whole number of points'],
      [{ grade: '12.5' }, 'Enter a whole number of points'],
      [{ grade: '99999999999999999999' }, 'Enter a whole number of points'],
      [{}, 'Enter a grade.'],
      [{ grade: '' }, 'Enter a grade.'],
      [{ grade: '10', feedback: 'x'.repeat(5001) }, 'Keep the feedback to 5,000 characters.'],
    ];
    for (const [fields, message] of cases) {
      const res = await teacher.post(`/teach/submissions/${sub.id}/grade`, fields).expect(422);
      expect(res.text, JSON.stringify(fields).slice(0, 60)).toContain(message);
      expect(res.text).toContain(`action="/teach/submissions/${sub.id}/grade"`);
      if (fields.grade) expect(res.text).toContain(`value="${fields.grade}"`);
    }
    // Repeated fields (an array) are refused the same way.
    await teacher.agent.post(`/teach/submissions/${sub.id}/grade`).type('form').send(`grade=1&grade=2&_csrf=${encodeURIComponent(teacher.csrf)}`).expect(422);
    expect(await submissionRow(sub.id)).toMatchObject({ status: 'Pending', grade: null });
    expect(await t.db.selectFrom('activityLog').select('id').where('entityId', '=', sub.id).execute()).toHaveLength(0);
    // Exactly the points and zero are fine.
    await teacher.post(`/teach/submissions/${sub.id}/grade`, { grade: '50' }).expect(303);
    await teacher.post(`/teach/submissions/${sub.id}/grade`, { grade: '0' }).expect(303);
    expect((await submissionRow(sub.id)).grade).toBe(0);
  });

  it('shows a submission on its own page: text escaped, link with rel, file through /media, previous grade and feedback, and the grade form', async () => {
    const { teacher, course, report, queue } = await gradingCourse();
    const ada = await student(course.id, { firstName: 'Ada', lastName: 'Page', email: 'ada-page@example.test' });
    const sub = await createAssignmentSubmission(t.db, {
      assignmentId: report.id,
      userId: ada.id,
      description: 'Line one\n<script>alert(1)</script>',
      link: 'https://example.org/my-work?a=1&b=2',
      fileKey: 'submissions/abc123.pdf',
      status: 'Graded',
      grade: 15,
      feedback: 'Well argued.',
      submissionCount: 2,
    });
    const back = `${queue}?status=any`;
    const page = await teacher.agent.get(`/teach/submissions/${sub.id}?back=${encodeURIComponent(back)}`).expect(200);
    expect(page.text).toContain('Ada Page');
    expect(page.text).toContain('ada-page@example.test');
    expect(page.text).toContain('Lab report');
    expect(page.text).toContain('status-late');
    expect(page.text).toContain('<strong>Hand-ins:</strong> 2');
    expect(page.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page.text).not.toContain('<script>alert(1)');
    expect(page.text).toContain('<p class="prose">Line one');
    expect(page.text).toContain('href="https://example.org/my-work?a=1&amp;b=2" rel="nofollow noopener ugc"');
    expect(page.text).toContain('href="/media/submissions/abc123.pdf"');
    expect(page.text).toContain('15 / 20');
    expect(page.text).toContain('Well argued.');
    expect(page.text).toContain('value="15"');
    expect(page.text).toContain(`name="back" value="${back.replace(/&/g, '&amp;')}"`);
    expect(page.text).not.toContain('hx-post');
    expectWithinPageBudget(page);
    // A foreign back is not offered: no link or field leads there (the footer's language switcher
    // returns to this page's own local URL, query and all, which is all it mentions).
    const plain = await teacher.agent.get(`/teach/submissions/${sub.id}?back=${encodeURIComponent('https://evil.example/')}`).expect(200);
    expect(plain.text.replace(/<form method="post" action="\/language"[\s\S]*?<\/form>/, '')).not.toContain('evil.example');
    // From the queue: a link to the page that brings back to the same view.
    const list = await teacher.agent.get(back).expect(200);
    const open = new RegExp(`href="/teach/submissions/${sub.id}\\?back=([^"]+)"`).exec(rowOf(list.text, sub.id));
    const returnTo = decodeURIComponent(open![1]!.replace(/&amp;/g, '&'));
    expect(returnTo.startsWith(`${queue}?`)).toBe(true);
    expect(new URL(returnTo, 'http://x').searchParams.get('status')).toBe('any');
  });

  it('another teacher, a student and a visitor cannot see or grade; an admin may', async () => {
    const { teacher, course, essay, queue } = await gradingCourse();
    const sub = await createAssignmentSubmission(t.db, { assignmentId: essay.id, userId: (await student(course.id)).id });
    const other = await signedInAs(t.app, t.db, 'teacher');
    const enrolled = await signedInAs(t.app, t.db, 'student');
    await createEnrollment(t.db, { courseId: course.id, userId: enrolled.user.id });
    for (const who of [other, enrolled]) {
      await who.agent.get(queue).expect(404);
      await who.agent.get(`/teach/submissions/${sub.id}`).expect(404);
      await who.post(`/teach/submissions/${sub.id}/grade`, { grade: '1' }).expect(404);
      await who.agent.post(`/teach/submissions/${sub.id}/grade`).set('HX-Request', 'true').type('form').send({ grade: '1', _csrf: who.csrf }).expect(404);
    }
    await t.request().get(queue).expect(303);
    // Bad ids are a 404, not a 500.
    await teacher.agent.get('/teach/submissions/not-a-uuid').expect(404);
    await teacher.agent.get('/teach/courses/not-a-uuid/submissions').expect(404);
    await teacher.post('/teach/submissions/00000000-0000-4000-8000-000000000000/grade', { grade: '1' }).expect(404);
    expect(await submissionRow(sub.id)).toMatchObject({ status: 'Pending', grade: null });

    const admin = await signedInAs(t.app, t.db, 'admin');
    await admin.agent.get(queue).expect(200);
    await admin.post(`/teach/submissions/${sub.id}/grade`, { grade: '30', feedback: 'From the admin.' }).expect(303);
    expect(await submissionRow(sub.id)).toMatchObject({ status: 'Graded', grade: 30, feedback: 'From the admin.' });
    const audit = await t.db.selectFrom('activityLog').selectAll().where('entityId', '=', sub.id).execute();
    expect(audit.map((a) => a.userId)).toEqual([admin.user.id]);
  });

  it('the owner and an admin grading at once: the stored grade and feedback come from one request, and both are audited', async () => {
    const { teacher, course, essay } = await gradingCourse();
    const admin = await signedInAs(t.app, t.db, 'admin');
    for (let round = 0; round < 5; round++) {
      const sub = await createAssignmentSubmission(t.db, { assignmentId: essay.id, userId: (await student(course.id)).id });
      const [a, b] = await Promise.all([
        teacher.post(`/teach/submissions/${sub.id}/grade`, { grade: '11', feedback: 'owner says eleven' }),
        admin.post(`/teach/submissions/${sub.id}/grade`, { grade: '22', feedback: 'admin says twenty-two' }),
      ]);
      expect([a.status, b.status]).toEqual([303, 303]);
      const stored = await submissionRow(sub.id);
      expect([
        { grade: 11, feedback: 'owner says eleven' },
        { grade: 22, feedback: 'admin says twenty-two' },
      ]).toContainEqual({ grade: stored.grade, feedback: stored.feedback });
      expect(stored.status).toBe('Graded');
      const audit = await t.db.selectFrom('activityLog').select(['userId', 'action']).where('entityId', '=', sub.id).execute();
      expect(audit).toHaveLength(2);
      expect(new Set(audit.map((x) => x.userId))).toEqual(new Set([teacher.user.id, admin.user.id]));
      expect(new Set(audit.map((x) => x.action))).toEqual(new Set(['submission_graded']));
    }
  });

  it('links the queue and the gradebook from the course page', async () => {
    const { teacher, course, queue } = await gradingCourse();
    const page = await teacher.agent.get(`/teach/courses/${course.id}`).expect(200);
    expect(page.text).toContain(`href="${queue}"`);
    expect(page.text).toContain(`href="/teach/courses/${course.id}/gradebook"`);
  });
});
