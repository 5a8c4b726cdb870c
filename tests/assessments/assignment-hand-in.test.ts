import { describe, expect, it } from 'vitest';
import { createStorage } from '../../src/storage/index.ts';
import { useTestApp } from '../setup/app.ts';
import { createAssignment, createChapter, createCourse, createEnrollment, createLesson } from '../setup/factories.ts';
import { exeFile, pngImage } from '../setup/media.ts';
import { signedInAs, type SignedIn } from '../setup/users.ts';

const pdfFile = (size = 2000) => Buffer.concat([Buffer.from('%PDF-1.4\n% my answer\n'), Buffer.alloc(size - 21, 0x41)]);
const HOUR = 3_600_000;

/** The #assignment section of a page ('' when absent). */
function assignmentRegion(html: string): string {
  const start = html.indexOf('<section id="assignment"');
  return start < 0 ? '' : html.slice(start, html.indexOf('</section>', start) + '</section>'.length);
}

describe('handing in an assignment', () => {
  const t = useTestApp();

  async function setup(assignment: { dueDate?: Date | null; points?: number; fileKey?: string | null } = {}) {
    const teacher = await signedInAs(t.app, t.db, 'teacher');
    const course = await createCourse(t.db, { userId: teacher.user.id });
    const chapter = await createChapter(t.db, { courseId: course.id });
    const lesson = await createLesson(t.db, { chapterId: chapter.id, title: 'Essay lesson' });
    const other = await createLesson(t.db, { chapterId: chapter.id, title: 'Another lesson' });
    const a = await createAssignment(t.db, { lessonId: lesson.id, title: 'Write an essay', description: 'Line one\nLine <two>', points: assignment.points ?? 100, dueDate: assignment.dueDate ?? null, fileKey: assignment.fileKey ?? null });
    const student = await signedInAs(t.app, t.db, 'student');
    const enrollment = await createEnrollment(t.db, { userId: student.user.id, courseId: course.id, status: 'Active' });
    const page = `/learn/${course.slug}/lessons/${lesson.id}`;
    return { teacher, course, chapter, lesson, other, assignment: a, student, enrollment, page, url: `${page}/assignment` };
  }

  const submission = (assignmentId: string, userId: string) =>
    t.db.selectFrom('assignmentSubmission').selectAll().where('assignmentId', '=', assignmentId).where('userId', '=', userId).execute();

  const upload = (who: SignedIn, url: string, file: { body: Buffer; name: string; type?: string }, fields: Record<string, string> = {}) => {
    let req = who.agent.post(`${url}?_csrf=${encodeURIComponent(who.csrf)}`);
    for (const [k, v] of Object.entries(fields)) req = req.field(k, v);
    return req.attach('file', file.body, { filename: file.name, contentType: file.type ?? 'application/octet-stream' });
  };

  it('the lesson page shows the assignment: description (escaped), points, due date, the teacher file, and a multipart form', async () => {
    const { page, url, student: s } = await setup({ dueDate: new Date(Date.now() + 3 * 24 * HOUR + HOUR), fileKey: 'assignments/2026/11/00000000-0000-4000-8000-000000000000.pdf' });
    const res = await s.agent.get(page).expect(200);
    const region = assignmentRegion(res.text);
    expect(region).toContain('<h2 id="assignment-title">Write an essay</h2>');
    expect(region).toContain('<p class="prose">Line one\nLine &lt;two&gt;</p>');
    expect(region).toContain('100 points');
    expect(region).toContain('Due in 3 days');
    expect(region).toContain('href="/media/assignments/2026/11/00000000-0000-4000-8000-000000000000.pdf"');
    expect(region).toContain(`action="${url}?_csrf=`);
    expect(region).toContain('enctype="multipart/form-data"');
    expect(region).toContain('name="description"');
    expect(region).toContain('name="link"');
    expect(region).toContain('name="file"');
  });

  it('text only: one row Pending, SubmittedAssignment activity, the lesson completed, the hand-in shown', async () => {
    const { url, page, lesson, assignment, student: s, enrollment } = await setup();
    const res = await s.post(url, { description: 'My essay.\nSecond line.' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`${page}#assignment`);
    const [row] = await submission(assignment.id, s.user.id);
    expect(row).toMatchObject({ description: 'My essay.\nSecond line.', link: null, fileKey: null, status: 'Pending', submissionCount: 1 });
    const activity = await t.db.selectFrom('studentActivity').select(['type', 'metadata']).where('enrollmentId', '=', enrollment.id).where('type', '=', 'SubmittedAssignment').execute();
    expect(activity).toHaveLength(1);
    expect(activity[0]!.metadata).toMatchObject({ assignmentId: assignment.id, lessonId: lesson.id });
    const progress = await t.db.selectFrom('lessonProgress').select('completed').where('lessonId', '=', lesson.id).where('userId', '=', s.user.id).executeTakeFirst();
    expect(progress).toEqual({ completed: true });
    const shown = await s.agent.get(page);
    expect(shown.text).toContain('Handed in. Your teacher will grade it.');
    const region = assignmentRegion(shown.text);
    expect(region).toContain('Waiting for a grade');
    expect(region).toContain('My essay.\nSecond line.');
    // The form is prefilled for a resubmission.
    expect(region).toMatch(/<textarea id="f-description" name="description"[^>]*>My essay.\nSecond line.<\/textarea>/);
    expect(region).toContain('Hand in again');
  });

  it('link only (http/https); javascript: and ftp: links are refused with 422, the typed values kept', async () => {
    const { url, assignment, student: s } = await setup();
    for (const link of ['javascript:alert(1)', 'ftp://example.com/x', 'not a link', 'https://']) {
      const res = await s.post(url, { description: 'Kept text', link });
      expect(res.status, link).toBe(422);
      const region = assignmentRegion(res.text);
      expect(region).toContain('Enter a link starting with http:// or https://.');
      expect(region).toContain('>Kept text</textarea>');
      expect(region).toContain('aria-invalid="true"');
    }
    expect(await submission(assignment.id, s.user.id)).toHaveLength(0);
    await s.post(url, { link: 'https://example.com/my-work' }).expect(303);
    const [row] = await submission(assignment.id, s.user.id);
    expect(row).toMatchObject({ description: null, link: 'https://example.com/my-work' });
  });

  it('nothing handed in, or too much text: 422 with a message, never 500', async () => {
    const { url, assignment, student: s } = await setup();
    const empty = await s.post(url, { description: '   ', link: '' });
    expect(empty.status).toBe(422);
    expect(assignmentRegion(empty.text)).toContain('Hand in a file, some text or a link.');
    const long = await s.post(url, { description: 'x'.repeat(10_001) });
    expect(long.status).toBe(422);
    expect(assignmentRegion(long.text)).toContain('Keep the text to 10,000 characters.');
    expect(await submission(assignment.id, s.user.id)).toHaveLength(0);
  });

  it('a PDF file is stored under submissions/; a resubmission updates the one row (count 2, Pending again) and deletes the old file', async () => {
    const { url, page, assignment, student: s } = await setup();
    const storage = createStorage(t.config);
    await upload(s, url, { body: pdfFile(3000), name: 'answer.pdf', type: 'application/pdf' }, { description: 'See the file.' }).expect(303);
    const [first] = await submission(assignment.id, s.user.id);
    expect(first!.fileKey).toMatch(/^submissions\/\d{4}\/\d{2}\/[0-9a-f-]{36}\.pdf$/);
    expect((await storage.head(first!.fileKey!))?.size).toBe(3000);
    expect(assignmentRegion((await s.agent.get(page)).text)).toContain(`href="/media/${first!.fileKey}"`);

    // The teacher grades it; the student hands in again: Pending again, the new file replaces the old.
    await t.db.updateTable('assignmentSubmission').set({ status: 'Graded', grade: 50, feedback: 'Try again' }).where('id', '=', first!.id).execute();
    await upload(s, url, { body: await pngImage(300, 200), name: 'photo.png', type: 'image/png' }).expect(303);
    const [second] = await submission(assignment.id, s.user.id);
    expect(second).toMatchObject({ id: first!.id, submissionCount: 2, status: 'Pending', description: null });
    // Images are re-encoded to WebP.
    expect(second!.fileKey).toMatch(/^submissions\/.+\.webp$/);
    expect(await storage.head(second!.fileKey!)).toBeDefined();
    expect(await storage.head(first!.fileKey!)).toBeUndefined();

    // Text only now: the earlier file is kept.
    await s.post(url, { description: 'And some text.' }).expect(303);
    const [third] = await submission(assignment.id, s.user.id);
    expect(third).toMatchObject({ submissionCount: 3, fileKey: second!.fileKey, description: 'And some text.' });
    // Nothing at all, with an earlier file: that file is handed in again.
    await s.post(url, {}).expect(303);
    expect((await submission(assignment.id, s.user.id))[0]).toMatchObject({ submissionCount: 4, fileKey: second!.fileKey });
  });

  it('a file of a type we do not accept is refused with 422 and the typed text kept', async () => {
    const { url, assignment, student: s } = await setup();
    const res = await upload(s, url, { body: exeFile(), name: 'answer.pdf', type: 'application/pdf' }, { description: 'Typed text' });
    expect(res.status).toBe(422);
    const region = assignmentRegion(res.text);
    expect(region).toContain('That file is not a type we accept');
    expect(region).toContain('>Typed text</textarea>');
    expect(await submission(assignment.id, s.user.id)).toHaveLength(0);
  });

  it('after the due date a hand-in is still taken and marked late', async () => {
    const { url, page, assignment, student: s } = await setup({ dueDate: new Date(Date.now() - HOUR) });
    const before = assignmentRegion((await s.agent.get(page)).text);
    expect(before).toContain('Past due');
    expect(before).toContain('it will be marked late');
    await s.post(url, { description: 'Sorry, late.' }).expect(303);
    expect(await submission(assignment.id, s.user.id)).toHaveLength(1);
    const shown = await s.agent.get(page);
    expect(shown.text).toContain('Handed in after the due date: it is marked late.');
    expect(assignmentRegion(shown.text)).toContain('<span class="status status-late">Late</span>');
  });

  it('graded feedback turns Returned when the student opens the lesson page (not on an htmx request)', async () => {
    const { page, assignment, student: s } = await setup({ points: 20 });
    const row = await t.db
      .insertInto('assignmentSubmission')
      .values({ assignmentId: assignment.id, userId: s.user.id, description: 'Done', status: 'Graded', grade: 17, feedback: 'Good work.\nWatch the spelling.' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const status = async () => (await t.db.selectFrom('assignmentSubmission').select('status').where('id', '=', row.id).executeTakeFirstOrThrow()).status;
    await s.agent.get(page).set('HX-Request', 'true');
    expect(await status()).toBe('Graded');
    const res = await s.agent.get(page).expect(200);
    const region = assignmentRegion(res.text);
    expect(region).toContain('Grade: 17 of 20');
    expect(region).toContain('<p class="prose">Good work.\nWatch the spelling.</p>');
    expect(region).toContain('status-returned');
    expect(await status()).toBe('Returned');
  });

  it('20 parallel hand-ins leave one row with submissionCount 20', async () => {
    const { url, assignment, student: s, enrollment } = await setup();
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => s.post(url, { description: `Attempt ${i}` })));
    expect(results.map((r) => r.status)).toEqual(results.map(() => 303));
    const rows = await submission(assignment.id, s.user.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.submissionCount).toBe(20);
    const activity = await t.db.selectFrom('studentActivity').select('id').where('enrollmentId', '=', enrollment.id).where('type', '=', 'SubmittedAssignment').execute();
    expect(activity).toHaveLength(20);
    const completed = await t.db.selectFrom('studentActivity').select('id').where('enrollmentId', '=', enrollment.id).where('type', '=', 'CompletedLesson').execute();
    expect(completed).toHaveLength(1);
  });

  it('access: not enrolled 404, cancelled 404 on POST, banned refused, a preview sees it and cannot post; another lesson of the course 404', async () => {
    const { course, url, page, other, assignment, teacher } = await setup();
    const stranger = await signedInAs(t.app, t.db, 'student');
    expect((await stranger.agent.get(page)).status).toBe(404);
    expect((await stranger.post(url, { description: 'x' })).status).toBe(404);
    const cancelled = await signedInAs(t.app, t.db, 'student');
    await createEnrollment(t.db, { userId: cancelled.user.id, courseId: course.id, status: 'Cancelled' });
    expect((await cancelled.post(url, { description: 'x' })).status).toBe(404);
    const banned = await signedInAs(t.app, t.db, 'student');
    await createEnrollment(t.db, { userId: banned.user.id, courseId: course.id, status: 'Active', banned: true, banType: 'Permanent', banReason: 'Spam' });
    expect((await banned.post(url, { description: 'x' })).status).toBe(404);
    const preview = await teacher.agent.get(page).expect(200);
    expect(assignmentRegion(preview.text)).toContain('This is a preview');
    expect((await teacher.post(url, { description: 'x' })).status).toBe(404);

    const s = await signedInAs(t.app, t.db, 'student');
    await createEnrollment(t.db, { userId: s.user.id, courseId: course.id, status: 'Active' });
    // A lesson without an assignment, a lesson id of nothing, a bad id.
    expect((await s.post(`/learn/${course.slug}/lessons/${other.id}/assignment`, { description: 'x' })).status).toBe(404);
    expect((await s.post(`/learn/${course.slug}/lessons/00000000-0000-4000-8000-000000000000/assignment`, { description: 'x' })).status).toBe(404);
    expect((await s.post(`/learn/${course.slug}/lessons/nope/assignment`, { description: 'x' })).status).toBe(404);
    expect(await t.db.selectFrom('assignmentSubmission').select('id').where('assignmentId', '=', assignment.id).execute()).toHaveLength(0);
  });
});
