import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { issueCertificate } from '../../src/features/certificates/service.ts';
import { learningDays } from '../../src/features/learning/streak.ts';
import { createDiskStorage } from '../../src/storage/index.ts';
import { silentLogger, useTestApp } from '../setup/app.ts';
import { createCourse, createEnrollment } from '../setup/factories.ts';
import { newAgent, signIn } from '../setup/forms.ts';
import { signedInAs, type SignedIn } from '../setup/users.ts';

/**
 * Activity recorded where issue 19 found it missing: the student's own certificate download is a
 * DownloadedFile ({ certificateId }) once per enrollment and UTC day, and nobody else's download
 * is; and LoggedIn is once per enrollment and day however often one signs in.
 */

const t = useTestApp();

const downloads = (enrollmentId: string) =>
  t.db.selectFrom('studentActivity').select(['type', 'metadata', 'description']).where('enrollmentId', '=', enrollmentId).where('type', '=', 'DownloadedFile').execute();

describe('certificate downloads as activity', () => {
  let student: SignedIn;
  let teacher: SignedIn;
  let enrollmentId: string;
  const url = () => `/certificates/${enrollmentId}/download`;

  beforeAll(async () => {
    student = await signedInAs(t.app, t.db, 'student');
    teacher = await signedInAs(t.app, t.db, 'teacher');
    const course = await createCourse(t.db, { userId: teacher.user.id, title: 'Geometry' });
    enrollmentId = (await createEnrollment(t.db, { userId: student.user.id, courseId: course.id })).id;
    const storage = createDiskStorage(path.join(t.config.dataDir, 'uploads'));
    await issueCertificate({ db: t.db, storage, baseUrl: 'http://edupeak.test', logger: silentLogger }, enrollmentId);
  });

  it('the teacher’s, an admin’s and a visitor’s look record nothing', async () => {
    await teacher.agent.get(url()).expect(200);
    const admin = await signedInAs(t.app, t.db, 'admin');
    await admin.agent.get(url()).expect(200);
    await t.request().get(url()).expect(404);
    await t.request().get(`/certificates/${enrollmentId}`).expect(200);
    expect(await downloads(enrollmentId)).toEqual([]);
  });

  it('the student’s download records DownloadedFile with the certificate id, once a day even under parallel clicks, and counts for the streak', async () => {
    const res = await student.agent.get(url()).expect(200);
    expect(res.headers['content-disposition']).toMatch(/^attachment/);
    await Promise.all(Array.from({ length: 8 }, () => student.agent.get(url()).expect(200)));
    expect(await downloads(enrollmentId)).toEqual([{ type: 'DownloadedFile', metadata: { certificateId: enrollmentId }, description: 'Downloaded the certificate' }]);
    expect((await learningDays(t.db, student.user.id, 'UTC')).activeToday).toBe(true);
  });

  it('a download on another day is another row, and does not clash with a lesson file’s row of the same day', async () => {
    await t.db.updateTable('studentActivity').set({ createdAt: new Date(Date.now() - 86_400_000) }).where('enrollmentId', '=', enrollmentId).where('type', '=', 'DownloadedFile').execute();
    await t.db.insertInto('studentActivity').values({ enrollmentId, type: 'DownloadedFile', metadata: JSON.stringify({ attachmentId: enrollmentId, lessonId: enrollmentId }) }).execute();
    await student.agent.get(url()).expect(200);
    await student.agent.get(url()).expect(200);
    const rows = await downloads(enrollmentId);
    expect(rows.filter((r) => (r.metadata as { certificateId?: string }).certificateId === enrollmentId)).toHaveLength(2);
    expect(rows).toHaveLength(3);
  });
});

describe('LoggedIn once a day', () => {
  it('signing in three times today writes one LoggedIn per Active enrollment, which is not learning', async () => {
    const student = await signedInAs(t.app, t.db, 'student');
    const enrollment = await createEnrollment(t.db, { userId: student.user.id });
    for (let i = 0; i < 3; i++) await signIn(newAgent(t.app), student.user.email, student.user.password);
    const rows = await t.db.selectFrom('studentActivity').select('type').where('enrollmentId', '=', enrollment.id).execute();
    expect(rows).toEqual([{ type: 'LoggedIn' }]);
    expect(await learningDays(t.db, student.user.id, 'UTC')).toMatchObject({ current: 0, activeToday: false });
  });
});
