import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from '../setup/app.ts';
import { createChapter, createCourse, createEnrollment, createLesson } from '../setup/factories.ts';
import { exeFile } from '../setup/media.ts';
import { signedInAs, type SignedIn } from '../setup/users.ts';
import { attachmentFile } from '../../src/features/teaching/attachments.ts';
import { sniffFileType } from '../../src/uploads/file-type.ts';

/** Small real files of each kind we accept, judged by their first bytes. */
const pdfFile = (size = 2000) => Buffer.concat([Buffer.from('%PDF-1.4\n% worksheet\n'), Buffer.alloc(size - 21, 0x41)]);
const zipFile = () => Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(600, 0x00)]);
const cfbFile = () => Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(600, 0x00)]);
const csvText = () => Buffer.from('item,price\ntea,2.50\ncoffee,3.10\n');

const files = (dir: string): string[] =>
  existsSync(dir) ? readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name)) : [];

describe('lesson attachments: the teacher adds, lists and deletes files; students download them', () => {
  const t = useTestApp({ config: { UPLOAD_MAX_MB: '1' } });
  let teacher: SignedIn;
  let course: { id: string; slug: string };
  let lesson: { id: string; chapterId: string };
  beforeAll(async () => {
    teacher = await signedInAs(t.app, t.db, 'teacher');
    course = await createCourse(t.db, { userId: teacher.user.id });
    const chapter = await createChapter(t.db, { courseId: course.id });
    lesson = await createLesson(t.db, { chapterId: chapter.id, title: 'Budgets' });
  });
  const uploadsDir = () => path.join(t.config.dataDir, 'uploads');
  const tmpDir = () => path.join(t.config.dataDir, 'tmp');
  const attach = (who: SignedIn, lessonId: string, body: Buffer, filename: string, contentType = 'application/octet-stream') =>
    who.agent.post(`/teach/lessons/${lessonId}/attachments?_csrf=${encodeURIComponent(who.csrf)}`).attach('file', body, { filename, contentType });
  const rows = (lessonId = lesson.id) => t.db.selectFrom('lessonAttachment').selectAll().where('lessonId', '=', lessonId).orderBy('position').execute();
  const downloadUrl = (attachmentId: string, lessonId = lesson.id) => `/learn/${course.slug}/lessons/${lessonId}/attachments/${attachmentId}`;

  it('a PDF is stored under a new key, audited, and listed with its size on the teacher\'s page', async () => {
    const res = await attach(teacher, lesson.id, pdfFile(2500), 'Worksheet 1.pdf', 'application/pdf');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/teach/lessons/${lesson.id}#attachments-title`);
    const [row] = await rows();
    expect(row).toMatchObject({ fileName: 'Worksheet 1.pdf', contentType: 'application/pdf', sizeBytes: 2500, position: 1 });
    expect(row!.fileKey).toMatch(/^attachments\/\d{4}\/\d{2}\/[0-9a-f-]{36}\.pdf$/);
    expect(existsSync(path.join(uploadsDir(), row!.fileKey))).toBe(true);
    expect(files(tmpDir())).toEqual([]);

    const page = await teacher.agent.get(`/teach/lessons/${lesson.id}`).expect(200);
    expect(page.text).toContain('Worksheet 1.pdf');
    expect(page.text).toContain('PDF · 2.5 KB');
    const audit = await t.db.selectFrom('activityLog').selectAll().where('action', '=', 'attachment_added').where('entityId', '=', lesson.id).execute();
    expect(audit).toHaveLength(1);
  });

  it('the stored type follows the content: a ZIP named .docx is a Word file, text named .html downloads as .txt', async () => {
    await attach(teacher, lesson.id, zipFile(), 'Report template.docx').expect(303);
    await attach(teacher, lesson.id, csvText(), 'prices.csv').expect(303);
    await attach(teacher, lesson.id, csvText(), 'C:\\fakepath\\..\\page.html').expect(303);
    await attach(teacher, lesson.id, zipFile(), 'exercises').expect(303);
    const all = await rows();
    const byName = Object.fromEntries(all.map((r) => [r.fileName, r]));
    expect(byName['Report template.docx']!.fileKey).toMatch(/\.docx$/);
    expect(byName['Report template.docx']!.contentType).toBe('application/vnd.openxmlformats-officedocument.wordprocessingml.document');
    expect(byName['prices.csv']!.contentType).toBe('text/csv; charset=utf-8');
    expect(byName['page.txt']!.fileKey).toMatch(/\.txt$/);
    expect(byName['exercises.zip']!.contentType).toBe('application/zip');
    expect(all.map((r) => r.position)).toEqual([1, 2, 3, 4, 5]);
  });

  it('refuses a program (422), an OLE file not named as an office document (422) and a file over the limit (413), leaving nothing', async () => {
    const before = files(uploadsDir()).sort();
    const count = (await rows()).length;
    const exe = await attach(teacher, lesson.id, exeFile(), 'worksheet.pdf', 'application/pdf');
    expect(exe.status).toBe(422);
    expect(exe.text).toContain('not a type we accept');
    const msi = await attach(teacher, lesson.id, cfbFile(), 'setup.msi');
    expect(msi.status).toBe(422);
    expect(msi.text).toContain('.doc, .xls or .ppt');
    const big = await attach(teacher, lesson.id, pdfFile(1_200_000), 'big.pdf', 'application/pdf');
    expect(big.status).toBe(413);
    expect(big.text).toContain('The file is too large');
    const none = await teacher.agent.post(`/teach/lessons/${lesson.id}/attachments?_csrf=${encodeURIComponent(teacher.csrf)}`).field('x', 'y');
    expect(none.status).toBe(422);
    expect(files(uploadsDir()).sort()).toEqual(before);
    expect(files(tmpDir())).toEqual([]);
    expect(await rows()).toHaveLength(count);
  });

  it('another teacher can neither attach to nor delete from the lesson (404), and a student cannot reach /teach', async () => {
    const other = await signedInAs(t.app, t.db, 'teacher');
    await attach(other, lesson.id, pdfFile(), 'mine.pdf').expect(404);
    const [first] = await rows();
    await other.post(`/teach/lessons/${lesson.id}/attachments/${first!.id}/delete`).expect(404);
    // The attachment of this lesson, under another lesson of the other teacher: not found either.
    const theirs = await createLesson(t.db, { chapterId: (await createChapter(t.db, { courseId: (await createCourse(t.db, { userId: other.user.id })).id })).id });
    await other.post(`/teach/lessons/${theirs.id}/attachments/${first!.id}/delete`).expect(404);
    const student = await signedInAs(t.app, t.db, 'student');
    const res = await attach(student, lesson.id, pdfFile(), 'x.pdf');
    expect([403, 404]).toContain(res.status);
    expect((await rows()).map((r) => r.id)).toContain(first!.id);
  });

  it('deleting an attachment removes its row and its stored file', async () => {
    const [, second] = await rows();
    await teacher.post(`/teach/lessons/${lesson.id}/attachments/${second!.id}/delete`).expect(303);
    expect((await rows()).map((r) => r.id)).not.toContain(second!.id);
    expect(existsSync(path.join(uploadsDir(), second!.fileKey))).toBe(false);
    await teacher.post(`/teach/lessons/${lesson.id}/attachments/${second!.id}/delete`).expect(404);
    await teacher.post(`/teach/lessons/${lesson.id}/attachments/not-a-uuid/delete`).expect(404);
  });

  it('an enrolled student downloads with Content-Disposition: attachment and the file\'s type; the page lists the files with sizes', async () => {
    const student = await signedInAs(t.app, t.db, 'student');
    await createEnrollment(t.db, { userId: student.user.id, courseId: course.id, status: 'Active' });
    const [pdf] = await rows();
    const page = await student.agent.get(`/learn/${course.slug}/lessons/${lesson.id}`).expect(200);
    expect(page.text).toContain(`href="${downloadUrl(pdf!.id)}" download>Worksheet 1.pdf</a>`);
    expect(page.text).toContain('PDF · 2.5 KB');

    const res = await student.agent.get(downloadUrl(pdf!.id)).buffer(true).expect(200);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.headers['content-disposition']).toBe(`attachment; filename="Worksheet 1.pdf"; filename*=UTF-8''Worksheet%201.pdf`);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(Buffer.compare(res.body as Buffer, pdfFile(2500))).toBe(0);
  });

  it('a student\'s download writes DownloadedFile once per attachment a day, also under 10 parallel downloads', async () => {
    const student = await signedInAs(t.app, t.db, 'student');
    const enrollment = await createEnrollment(t.db, { userId: student.user.id, courseId: course.id, status: 'Active' });
    const [pdf, csv] = await rows();
    const activity = () =>
      t.db.selectFrom('studentActivity').select(['type', 'metadata']).where('enrollmentId', '=', enrollment.id).where('type', '=', 'DownloadedFile').execute();

    await student.agent.get(downloadUrl(pdf!.id)).expect(200);
    await student.agent.get(downloadUrl(pdf!.id)).expect(200);
    expect(await activity()).toHaveLength(1);
    expect((await activity())[0]!.metadata).toEqual({ attachmentId: pdf!.id, lessonId: lesson.id });

    const results = await Promise.all(Array.from({ length: 10 }, () => student.agent.get(downloadUrl(csv!.id))));
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(await activity()).toHaveLength(2);

    // Yesterday's download does not stop today's.
    await sql`update student_activity set created_at = created_at - interval '1 day' where enrollment_id = ${enrollment.id}`.execute(t.db);
    await student.agent.get(downloadUrl(pdf!.id)).expect(200);
    expect(await activity()).toHaveLength(3);
    const { lastActivityAt } = await t.db.selectFrom('enrollment').select('lastActivityAt').where('id', '=', enrollment.id).executeTakeFirstOrThrow();
    expect(lastActivityAt).not.toBeNull();
  });

  it('the teacher and admins download without activity; a student not enrolled, a draft lesson and a mismatched lesson answer 404', async () => {
    const [pdf] = await rows();
    await teacher.agent.get(downloadUrl(pdf!.id)).expect(200);
    const admin = await signedInAs(t.app, t.db, 'admin');
    await admin.agent.get(downloadUrl(pdf!.id)).expect(200);

    const stranger = await signedInAs(t.app, t.db, 'student');
    await stranger.agent.get(downloadUrl(pdf!.id)).expect(404);
    const pending = await signedInAs(t.app, t.db, 'student');
    await createEnrollment(t.db, { userId: pending.user.id, courseId: course.id, status: 'Pending' });
    await pending.agent.get(downloadUrl(pdf!.id)).expect(404);
    const banned = await signedInAs(t.app, t.db, 'student');
    await createEnrollment(t.db, { userId: banned.user.id, courseId: course.id, status: 'Active', banned: true, banType: 'Permanent' });
    await banned.agent.get(downloadUrl(pdf!.id)).expect(404);
    // Signed out: the sign-in page, never the file.
    const anonymous = await t.request().get(downloadUrl(pdf!.id));
    expect([302, 303]).toContain(anonymous.status);
    expect(anonymous.headers.location).toMatch(/^\/auth\/login/);

    const student = await signedInAs(t.app, t.db, 'student');
    await createEnrollment(t.db, { userId: student.user.id, courseId: course.id, status: 'Active' });
    await student.agent.get(downloadUrl(pdf!.id)).expect(200);
    // The file asked for under another lesson of the course (open to the student): not found.
    const open = await createLesson(t.db, { chapterId: lesson.chapterId });
    await student.agent.get(downloadUrl(pdf!.id, open.id)).expect(404);
    await student.agent.get(`/learn/${course.slug}/lessons/${lesson.id}/attachments/nope`).expect(404);
    // A draft lesson's files are the teacher's alone.
    await t.db.updateTable('lesson').set({ status: 'Draft' }).where('id', '=', lesson.id).execute();
    await student.agent.get(downloadUrl(pdf!.id)).expect(404);
    await teacher.agent.get(downloadUrl(pdf!.id)).expect(200);
    await t.db.updateTable('lesson').set({ status: 'Published' }).where('id', '=', lesson.id).execute();
  });

  it('an attached image is re-encoded (WebP, no metadata, at most 1600 px) and shows in place through /media for those who may open the lesson', async () => {
    const photo = await sharp({ create: { width: 2400, height: 1600, channels: 3, background: '#884422' } })
      .jpeg()
      .withExif({ IFD0: { Copyright: 'Where I live', Artist: 'Tina' } })
      .toBuffer();
    expect((await sharp(photo).metadata()).exif).toBeDefined();
    await attach(teacher, lesson.id, photo, 'Shop front.jpg', 'image/jpeg').expect(303);
    const image = (await rows()).find((r) => r.fileName === 'Shop front.webp')!;
    expect(image).toMatchObject({ contentType: 'image/webp', width: 1600, height: 1067 });
    expect(image.fileKey).toMatch(/\.webp$/);
    const [pdf] = await rows();
    const page = await teacher.agent.get(`/teach/lessons/${lesson.id}`).expect(200);
    expect(page.text).toContain(`![Shop front.webp](/media/${image.fileKey})`);

    const student = await signedInAs(t.app, t.db, 'student');
    await createEnrollment(t.db, { userId: student.user.id, courseId: course.id, status: 'Active' });
    const shown = await student.agent.get(`/media/${image.fileKey}`).buffer(true).expect(200);
    expect(shown.headers['content-type']).toBe('image/webp');
    expect(shown.headers['content-disposition']).toMatch(/^inline; filename="Shop front.webp"/);
    const meta = await sharp(shown.body as Buffer).metadata();
    expect(meta).toMatchObject({ format: 'webp', width: 1600, height: 1067 });
    expect(meta.exif).toBeUndefined();
    expect(Number(shown.headers['content-length'])).toBe(image.sizeBytes);

    const other = await student.agent.get(`/media/${pdf!.fileKey}`).expect(200);
    expect(other.headers['content-disposition']).toMatch(/^attachment; filename="Worksheet 1.pdf"/);
    await t.request().get(`/media/${image.fileKey}`).expect(404);
    const stranger = await signedInAs(t.app, t.db, 'student');
    await stranger.agent.get(`/media/${image.fileKey}`).expect(404);

    // In the lesson text it shows with its width and height, so the page does not jump.
    await teacher.post(`/teach/lessons/${lesson.id}`, { title: 'Budgets', content: `![The shop](/media/${image.fileKey})` }).expect(303);
    const lessonPage = await student.agent.get(`/learn/${course.slug}/lessons/${lesson.id}`).expect(200);
    expect(lessonPage.text).toContain(`<img src="/media/${image.fileKey}" alt="The shop" width="1600" height="1067" loading="lazy" />`);
  });

  it('parallel uploads get one position each; a lesson holds 20 files, and the 21st is refused with nothing left behind', async () => {
    const busy = await createLesson(t.db, { chapterId: lesson.chapterId, title: 'Busy' });
    const results = await Promise.all(Array.from({ length: 6 }, (_, i) => attach(teacher, busy.id, pdfFile(), `part-${i}.pdf`)));
    expect(results.map((r) => r.status)).toEqual(Array(6).fill(303));
    expect((await rows(busy.id)).map((r) => r.position)).toEqual([1, 2, 3, 4, 5, 6]);
    await t.db
      .insertInto('lessonAttachment')
      .values(Array.from({ length: 14 }, (_, i) => ({ lessonId: busy.id, fileKey: `attachments/2026/11/filler-${i}.pdf`, fileName: `f${i}.pdf`, contentType: 'application/pdf', sizeBytes: 1, position: 7 + i })))
      .execute();
    const before = files(uploadsDir()).sort();
    const res = await attach(teacher, busy.id, pdfFile(), 'one-too-many.pdf');
    expect(res.status).toBe(422);
    expect(res.text).toContain('A lesson holds at most 20 files');
    expect(await rows(busy.id)).toHaveLength(20);
    expect(files(uploadsDir()).sort()).toEqual(before);
    expect(files(tmpDir())).toEqual([]);
  });

  it('deleting the lesson, or its chapter, removes its attachments\' stored files', async () => {
    const doomed = await createLesson(t.db, { chapterId: lesson.chapterId, title: 'Doomed' });
    await attach(teacher, doomed.id, pdfFile(), 'a.pdf').expect(303);
    await attach(teacher, doomed.id, csvText(), 'b.csv').expect(303);
    const keys = (await rows(doomed.id)).map((r) => r.fileKey);
    expect(keys).toHaveLength(2);
    const confirm = await teacher.agent.get(`/teach/lessons/${doomed.id}/delete`).expect(200);
    expect(confirm.text).toContain('attached files');
    await teacher.post(`/teach/lessons/${doomed.id}/delete`).expect(303);
    expect(await rows(doomed.id)).toEqual([]);
    for (const key of keys) expect(existsSync(path.join(uploadsDir(), key))).toBe(false);

    // A chapter's deletion takes its lessons' files too.
    const chapter = await createChapter(t.db, { courseId: course.id, title: 'Doomed chapter' });
    const inside = await createLesson(t.db, { chapterId: chapter.id });
    await attach(teacher, inside.id, pdfFile(), 'c.pdf').expect(303);
    const [file] = await rows(inside.id);
    await teacher.post(`/teach/chapters/${chapter.id}/delete`).expect(303);
    expect(existsSync(path.join(uploadsDir(), file!.fileKey))).toBe(false);
  });
});

describe('what an attachment is, by its content', () => {
  it('knows PDF, GIF, ZIP and OLE files by their first bytes, and plain text only when text is accepted', () => {
    expect(sniffFileType(pdfFile())).toBe('pdf');
    expect(sniffFileType(Buffer.from('GIF89a\x01\x00\x01\x00', 'latin1'))).toBe('gif');
    expect(sniffFileType(zipFile())).toBe('zip');
    expect(sniffFileType(cfbFile())).toBe('cfb');
    expect(sniffFileType(csvText())).toBeUndefined();
    expect(sniffFileType(csvText(), { text: true })).toBe('text');
    expect(sniffFileType(Buffer.from('prix,caf\xe9\n2,50\n', 'latin1'), { text: true })).toBe('text');
    expect(sniffFileType(Buffer.from('Grüße, 😀 ok\n'), { text: true })).toBe('text');
    expect(sniffFileType(exeFile(), { text: true })).toBeUndefined();
    expect(sniffFileType(Buffer.from('a\x00b'), { text: true })).toBeUndefined();
    expect(sniffFileType(Buffer.alloc(0), { text: true })).toBeUndefined();
  });

  it('names: the last path segment, cleaned, always ending with the stored extension', () => {
    expect(attachmentFile('pdf', 'Week 1.PDF')).toEqual({ extension: 'pdf', fileName: 'Week 1.pdf', contentType: 'application/pdf' });
    expect(attachmentFile('text', '../../etc/passwd')!.fileName).toBe('passwd.txt');
    expect(attachmentFile('text', 'evil\u202egnp.html')!.fileName).toBe('evilgnp.txt');
    expect(attachmentFile('text', '.bashrc')!.fileName).toBe('bashrc.txt');
    expect(attachmentFile('zip', 'Budget.XLSX')).toMatchObject({ extension: 'xlsx', fileName: 'Budget.xlsx' });
    expect(attachmentFile('jpeg', 'photo.jpeg')!.extension).toBe('jpeg');
    expect(attachmentFile('png', 'photo.jpg')!.fileName).toBe('photo.png');
    expect(attachmentFile('cfb', 'Old report.doc')).toMatchObject({ extension: 'doc', contentType: 'application/msword' });
    expect(attachmentFile('cfb', 'installer.msi')).toBeUndefined();
    expect(attachmentFile('pdf', '')!.fileName).toBe('attachment.pdf');
    expect(attachmentFile('pdf', `${'x'.repeat(300)}.pdf`)!.fileName).toHaveLength(200);
  });
});
