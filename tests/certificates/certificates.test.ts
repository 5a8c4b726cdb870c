import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { PDFParse } from 'pdf-parse';
import { beforeAll, describe, expect, it } from 'vitest';
import { certificateForPage, issueCertificate, revokeCertificate, type CertificateDeps } from '../../src/features/certificates/service.ts';
import { createDiskStorage, type Storage } from '../../src/storage/index.ts';
import { silentLogger, useTestApp } from '../setup/app.ts';
import { expectWithinPageBudget } from '../setup/budget.ts';
import { createCourse, createEnrollment, createTeacher, createUser } from '../setup/factories.ts';
import { signedInAs, type SignedIn } from '../setup/users.ts';

const BASE_URL = 'http://edupeak.test';
// The app's own storage (the disk driver under the test config's DATA_DIR), so that the app's
// mounted routes and these direct calls see the same files.
let storageRoot = '';
let storage: Storage;

/** The PDFs in storage (the disk driver's dot-named temp files aside). */
const storedPdfs = (): string[] => {
  const dir = path.join(storageRoot, 'certificates');
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && !e.name.startsWith('.'))
    .map((e) => path.relative(storageRoot, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort();
};

async function pdfText(pdf: Buffer) {
  const parser = new PDFParse({ data: new Uint8Array(pdf) });
  try {
    const text = await parser.getText();
    const info = await parser.getInfo();
    return { text: text.text, pages: text.total, info: info.info as Record<string, unknown> };
  } finally {
    await parser.destroy();
  }
}

describe('course-completion certificates', () => {
  const t = useTestApp();
  let deps: CertificateDeps;
  let student: SignedIn;
  let teacher: SignedIn;
  let course: { id: string; title: string };
  let enrollmentId: string;
  const page = () => `/certificates/${enrollmentId}`;
  const byTeacher = () => ({ actorId: teacher.user.id, ipAddress: '203.0.113.9', userAgent: 'vitest' });
  const dbRow = () => t.db.selectFrom('enrollment').selectAll().where('id', '=', enrollmentId).executeTakeFirstOrThrow();

  beforeAll(async () => {
    storageRoot = path.join(t.config.dataDir, 'uploads');
    storage = createDiskStorage(storageRoot);
    deps = { db: t.db, storage, baseUrl: BASE_URL, logger: silentLogger };
    student = await signedInAs(t.app, t.db, 'student', { firstName: 'Zoë', lastName: 'Ñandú' });
    teacher = await signedInAs(t.app, t.db, 'teacher', { firstName: 'Ana', lastName: 'Pérez' });
    course = await createCourse(t.db, { userId: teacher.user.id, title: 'Café <b>Physics</b> & Ünïcode' });
    enrollmentId = (await createEnrollment(t.db, { userId: student.user.id, courseId: course.id })).id;
  });

  it('an enrollment without a certificate has no page and no download', async () => {
    await t.request().get(page()).expect(404);
    await student.agent.get(`${page()}/download`).expect(404);
    expect(await certificateForPage(t.db, enrollmentId)).toBeUndefined();
    expect(await revokeCertificate(t.db, byTeacher(), enrollmentId)).toBe('none');
  });

  it('issuing renders the PDF into storage and sets the fields', async () => {
    const before = storedPdfs();
    const started = Date.now();
    const { key } = await issueCertificate(deps, enrollmentId);
    expect(key).toMatch(/^certificates\/\d{4}\/\d{2}\/[0-9a-f-]{36}\.pdf$/);
    const row = await dbRow();
    expect(row).toMatchObject({ certificateEarned: true, certificateKey: key, certificateRevoked: false, certificateRevokedAt: null });
    expect(row.certificateIssuedAt!.getTime()).toBeGreaterThanOrEqual(started - 1000);
    expect(storedPdfs()).toEqual([...before, key].sort());

    const pdf = readFileSync(path.join(storageRoot, key));
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const { text, pages, info } = await pdfText(pdf);
    expect(pages).toBe(1);
    expect(text).toContain('Certificate of completion');
    expect(text).toContain('Zoë Ñandú');
    expect(text).toContain('has completed the course');
    expect(text).toContain('Café <b>Physics</b> & Ünïcode');
    expect(text).toContain('Ana Pérez');
    expect(text).toContain(`Certificate ID: ${enrollmentId}`);
    expect(text).toContain(`${BASE_URL}/certificates/${enrollmentId}`);
    expect(info.Author).toBe('Edupeak');
    expect(String(info.Title)).toContain('Café <b>Physics</b> & Ünïcode');

    // Issuing a valid certificate again changes nothing.
    expect(await issueCertificate(deps, enrollmentId)).toEqual({ key });
    expect(storedPdfs()).toEqual([...before, key].sort());
  });

  it('the public page says valid, escapes what users typed, is not cached, and offers visitors no download', async () => {
    const res = await t.request().get(page()).expect(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.text).toContain('VALID');
    expect(res.text).not.toContain('REVOKED');
    expect(res.text).toContain('Zoë Ñandú');
    expect(res.text).toContain('Ana Pérez');
    expect(res.text).toContain('Café &lt;b&gt;Physics&lt;/b&gt; &amp; Ünïcode');
    expect(res.text).not.toContain('<b>Physics</b>');
    expect(res.text).toMatch(/Issued on<\/dt>\s*<dd>\d{1,2} [A-Z][a-z]+ \d{4}<\/dd>/);
    expect(res.text).not.toContain('Download the PDF');
    expect(res.text).not.toContain('/download');
    expect(res.text).not.toContain((await dbRow()).certificateKey!);
    expectWithinPageBudget(res);

    // Signed in but neither the student nor the teacher: no link either.
    const other = await signedInAs(t.app, t.db, 'student');
    expect((await other.agent.get(page()).expect(200)).text).not.toContain('Download the PDF');
    // The student and the teacher see it.
    expect((await student.agent.get(page()).expect(200)).text).toContain(`href="/certificates/${enrollmentId}/download"`);
    expect((await teacher.agent.get(page()).expect(200)).text).toContain('Download the PDF');
  });

  it('downloads go to the student, the course teacher and admins only', async () => {
    const url = `${page()}/download`;
    const mine = await student.agent.get(url).buffer(true).expect(200);
    expect(mine.headers['content-type']).toBe('application/pdf');
    expect(mine.headers['x-content-type-options']).toBe('nosniff');
    expect(mine.headers['cache-control']).toBe('private, no-store');
    expect(mine.headers['content-disposition']).toMatch(/^attachment; filename="Edupeak certificate - Cafe/);
    expect(mine.headers['content-disposition']).toContain(`filename*=UTF-8''${encodeURIComponent('Edupeak certificate - Café')}`);
    expect(Buffer.isBuffer(mine.body)).toBe(true);
    expect((mine.body as Buffer).subarray(0, 5).toString()).toBe('%PDF-');

    await teacher.agent.get(url).expect(200);
    const admin = await signedInAs(t.app, t.db, 'admin');
    await admin.agent.get(url).expect(200);
    expect((await admin.agent.get(page()).expect(200)).text).toContain('Download the PDF');

    const otherStudent = await signedInAs(t.app, t.db, 'student');
    await otherStudent.agent.get(url).expect(404);
    const otherTeacher = await signedInAs(t.app, t.db, 'teacher');
    await otherTeacher.agent.get(url).expect(404);
    const visitor = await t.request().get(url).expect(404);
    expect(visitor.headers['content-disposition']).toBeUndefined();
  });

  it('a revocation shows on the very next request; the people concerned can still download', async () => {
    const { certificateKey } = await dbRow();
    expect((await t.request().get(page()).expect(200)).text).toContain('VALID');

    expect(await revokeCertificate(t.db, byTeacher(), enrollmentId)).toBe('revoked');
    const row = await dbRow();
    expect(row.certificateRevoked).toBe(true);
    expect(row.certificateRevokedAt).toBeInstanceOf(Date);
    expect(row.certificateKey).toBe(certificateKey);
    expect(existsSync(path.join(storageRoot, certificateKey!))).toBe(true);

    const res = await t.request().get(page()).expect(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.text).toContain('REVOKED');
    expect(res.text).toContain('this certificate is no longer valid');
    expect(res.text).not.toContain('VALID:');
    expect(res.text).toMatch(/Revoked on<\/dt>\s*<dd>\d{1,2} [A-Z][a-z]+ \d{4}<\/dd>/);
    await student.agent.get(`${page()}/download`).expect(200);
    await t.request().get(`${page()}/download`).expect(404);

    // Revoking again keeps the first date, and logs nothing more.
    expect(await revokeCertificate(t.db, byTeacher(), enrollmentId)).toBe('already_revoked');
    expect((await dbRow()).certificateRevokedAt!.getTime()).toBe(row.certificateRevokedAt!.getTime());
  });

  it('re-issuing after a revocation makes it valid again with a new PDF, and deletes the old one', async () => {
    const old = await dbRow();
    expect(old.certificateRevoked).toBe(true);
    const { key } = await issueCertificate(deps, enrollmentId);
    expect(key).not.toBe(old.certificateKey);
    expect(await dbRow()).toMatchObject({ certificateEarned: true, certificateKey: key, certificateRevoked: false, certificateRevokedAt: null });
    expect(existsSync(path.join(storageRoot, old.certificateKey!))).toBe(false);
    expect(existsSync(path.join(storageRoot, key))).toBe(true);
    const res = await t.request().get(page()).expect(200);
    expect(res.text).toContain('VALID');
    expect(res.text).not.toContain('REVOKED');
  });

  it('two issues racing for one enrollment leave one key and one file', async () => {
    const enrollment = await createEnrollment(t.db, { courseId: course.id });
    // Both calls read the row before either writes: each put waits until both have rendered.
    let release!: () => void;
    const bothRendered = new Promise<void>((resolve) => (release = resolve));
    let puts = 0;
    const gated: Storage = {
      ...storage,
      async put(key, body, options) {
        if (++puts === 2) release();
        await bothRendered;
        return storage.put(key, body, options);
      },
    };
    const before = storedPdfs();
    const racing = { ...deps, storage: gated };
    const [a, b] = await Promise.all([issueCertificate(racing, enrollment.id), issueCertificate(racing, enrollment.id)]);
    expect(puts).toBe(2);
    expect(a.key).toBe(b.key);
    const { certificateKey } = await t.db.selectFrom('enrollment').select('certificateKey').where('id', '=', enrollment.id).executeTakeFirstOrThrow();
    expect(certificateKey).toBe(a.key);
    expect(storedPdfs()).toEqual([...before, a.key].sort());
  });

  it('is printed in the student\'s language (user.language), whoever issues it', async () => {
    const layla = await createUser(t.db, { firstName: 'ليلى', lastName: 'حداد' });
    await t.db.updateTable('user').set({ language: 'ar' }).where('id', '=', layla.id).execute();
    const enrollment = await createEnrollment(t.db, { userId: layla.id, courseId: course.id });
    const { key } = await issueCertificate(deps, enrollment.id);
    const { info } = await pdfText(readFileSync(path.join(storageRoot, key)));
    expect(String(info.Title)).toBe('شهادة إتمام: Café <b>Physics</b> & Ünïcode');
  });

  it('a missing name part is left out rather than printed as "null"', async () => {
    const loner = await createUser(t.db, { firstName: 'Ngozi', lastName: null });
    const teacherless = await createTeacher(t.db, { firstName: 'Mono', lastName: null });
    const other = await createCourse(t.db, { userId: teacherless.id });
    const enrollment = await createEnrollment(t.db, { userId: loner.id, courseId: other.id });
    const { key } = await issueCertificate(deps, enrollment.id);
    const { text } = await pdfText(readFileSync(path.join(storageRoot, key)));
    expect(text).toContain('Ngozi');
    expect(text).not.toContain('null');
    const res = await t.request().get(`/certificates/${enrollment.id}`).expect(200);
    expect(res.text).toMatch(/<h1[^>]*>Ngozi<\/h1>/);
  });

  it.each([
    '/certificates/00000000-0000-4000-8000-000000000000',
    '/certificates/00000000-0000-4000-8000-000000000000/download',
    '/certificates/not-a-uuid',
    '/certificates/not-a-uuid/download',
    "/certificates/1'%20or%20'1'='1",
    '/certificates/',
  ])('%s is 404', async (url) => {
    await t.request().get(url).expect(404);
  });

  it('the service refuses what is not an enrollment', async () => {
    await expect(issueCertificate(deps, 'nope')).rejects.toThrow(/not an enrollment id/);
    await expect(issueCertificate(deps, '00000000-0000-4000-8000-000000000000')).rejects.toThrow(/no enrollment/);
    expect(await revokeCertificate(t.db, byTeacher(), 'nope')).toBe('none');
    expect(await certificateForPage(t.db, 'nope')).toBeUndefined();
  });
});
