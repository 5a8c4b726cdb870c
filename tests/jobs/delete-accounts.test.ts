import path from 'node:path';
import { sql } from 'kysely';
import { pino } from 'pino';
import { beforeEach, describe, expect, it } from 'vitest';
import { revenueQuery } from '../../src/features/analytics/course-queries.ts';
import { topCoursesSql } from '../../src/features/analytics/platform-queries.ts';
import { resolveRange } from '../../src/features/analytics/range.ts';
import { teacherCourses } from '../../src/features/teaching/queries.ts';
import { deleteAccounts } from '../../src/jobs/delete-accounts.ts';
import { serverJobs } from '../../src/jobs/schedule.ts';
import { createDiskStorage, newKey, type Storage } from '../../src/storage/index.ts';
import { primaryVariantKey, renditionKey, variantKey } from '../../src/storage/variants.ts';
import { createAnnouncement } from '../setup/announcement-factories.ts';
import { useTestApp } from '../setup/app.ts';
import {
  createAssignment,
  createAssignmentSubmission,
  createChapter,
  createComment,
  createCourse,
  createEnrollment,
  createLesson,
  createPost,
  createQuiz,
  createQuizSubmission,
  createUser,
} from '../setup/factories.ts';
import { newAgent, submitForm } from '../setup/forms.ts';
import { signedInAs } from '../setup/users.ts';

/**
 * The deletion job (jobs/delete-accounts.ts): nothing before the 7 days are over; then no row
 * anywhere references the person (every foreign key column that points at "user", and the uuid[]
 * of announcements), their files are gone from storage, and their payments are kept without their
 * name or email. A teacher who gained students is skipped; a sign-in racing the job either keeps
 * the whole account or finds it gone, never half of each.
 */

const DAY = 86_400_000;
const silent = pino({ level: 'silent' });

/** A logger whose lines the test can read. */
function capturingLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines };
}

describe('the account deletion job', () => {
  const t = useTestApp();
  let storage: Storage;
  beforeEach(async () => {
    // The app's own storage (testConfig: disk, DATA_DIR/uploads).
    storage = createDiskStorage(path.join(t.config.dataDir, 'uploads'));
    await t.db.deleteFrom('rateLimit').execute();
  });

  async function stored(kind: Parameters<typeof newKey>[0], extension: string, key = newKey(kind, extension)): Promise<string> {
    const body = Buffer.from(`file ${key}`);
    await storage.put(key, body, { contentType: 'application/octet-stream', contentLength: body.length });
    return key;
  }
  const exists = async (key: string) => (await storage.head(key)) !== undefined;

  /** Every (table, column) whose foreign key points at "user", from the catalogue: none may hold the id. */
  async function rowsReferencing(userId: string): Promise<string[]> {
    const { rows: columns } = await sql<{ tbl: string; col: string }>`
      select c.conrelid::regclass::text as tbl, a.attname as col
      from pg_constraint c join pg_attribute a on a.attrelid = c.conrelid and a.attnum = any (c.conkey)
      where c.contype = 'f' and c.confrelid = '"user"'::regclass`.execute(t.db);
    expect(columns.length).toBeGreaterThan(35);
    const found: string[] = [];
    for (const { tbl, col } of columns) {
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from ${sql.raw(tbl)} where ${sql.ref(col)} = ${userId}`.execute(t.db);
      if (rows[0]!.n > 0) found.push(`${tbl}.${col}: ${rows[0]!.n}`);
    }
    // uuid[] columns have no foreign key: every one of them, from the catalogue too.
    const { rows: arrays } = await sql<{ tbl: string; col: string }>`
      select table_name as tbl, column_name as col from information_schema.columns
      where table_schema = 'public' and data_type = 'ARRAY' and udt_name = '_uuid'`.execute(t.db);
    for (const { tbl, col } of arrays) {
      const { rows } = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(tbl)} where ${userId}::uuid = any (${sql.ref(col)})`.execute(t.db);
      if (rows[0]!.n > 0) found.push(`${tbl}.${col}[]: ${rows[0]!.n}`);
    }
    return found;
  }

  const pendingFor = (userId: string, daysAgo: number) =>
    t.db.updateTable('user').set({ deletionRequestedAt: new Date(Date.now() - daysAgo * DAY) }).where('id', '=', userId).execute();

  /** A student with something in most tables that reference users, and a file of each kind they can own. */
  async function busyStudent() {
    const teacher = await createUser(t.db, { role: 'teacher' });
    const course = await createCourse(t.db, { userId: teacher.id, title: 'Kept course', price: 2500 });
    const lesson = await createLesson(t.db, { chapterId: (await createChapter(t.db, { courseId: course.id })).id });
    const avatar = await stored('avatars', 'webp');
    const student = await createUser(t.db, { image: avatar, firstName: 'Ada', lastName: 'Deleted', phoneNumber: '+1 555 0199' });
    const certificate = await stored('certificates', 'pdf');
    const enrollment = await createEnrollment(t.db, {
      userId: student.id,
      courseId: course.id,
      amount: 2500,
      certificateEarned: true,
      certificateIssuedAt: new Date(),
      certificateKey: certificate,
    });
    const payment = await t.db
      .insertInto('paymentTransaction')
      .values({
        enrollmentId: enrollment.id,
        amount: 2500,
        status: 'Completed',
        paymentMethod: 'card',
        stripePaymentId: `pi_kept_${enrollment.id.slice(0, 8)}`,
        stripeSessionId: `cs_kept_${enrollment.id.slice(0, 8)}`,
        metadata: JSON.stringify({
          eventId: 'evt_1',
          enrollmentId: enrollment.id,
          transactionId: 'tx',
          courseId: course.id,
          userId: student.id,
          customer_email: student.email,
          customer_details: { name: 'Ada Deleted', email: student.email, address: { city: 'Paris' } },
          refunds: [{ key: 'refund-1', reason: 'goodwill', amount: 100 }],
        }),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await t.db.insertInto('lessonProgress').values({ userId: student.id, lessonId: lesson.id, completed: true }).execute();
    const submissionFile = await stored('submissions', 'pdf');
    const assignment = await createAssignment(t.db, { lessonId: lesson.id });
    await createAssignmentSubmission(t.db, { assignmentId: assignment.id, userId: student.id, fileKey: submissionFile });
    await createQuizSubmission(t.db, { quizId: (await createQuiz(t.db, { lessonId: (await createLesson(t.db, { chapterId: lesson.chapterId })).id })).id, userId: student.id });
    const cover = await stored('covers', 'webp');
    const post = await createPost(t.db, { authorId: student.id, coverImageKey: cover });
    const othersPost = await createPost(t.db, { authorId: teacher.id });
    await createComment(t.db, { blogId: othersPost.id, authorId: student.id });
    await createComment(t.db, { blogId: post.id, authorId: teacher.id });
    await t.db.insertInto('blogReaction').values({ blogId: othersPost.id, userId: student.id, type: 'Like' }).execute();
    await t.db.insertInto('notification').values({ userId: student.id, type: 'PointsEarned', title: 'Points', message: 'You earned points' }).execute();
    await t.db.insertInto('helpRequest').values({ userId: student.id, subject: 'Help', message: 'Please', userType: 'Student' }).execute();
    await t.db.insertInto('loginHistory').values({ userId: student.id, success: true }).execute();
    await t.db
      .insertInto('billingAddress')
      .values({ userId: student.id, firstName: 'Ada', lastName: 'Deleted', email: student.email, addressLine1: '1 rue', city: 'Paris', state: 'IDF', postalCode: '75001', country: 'FR' })
      .execute();
    await t.db.insertInto('session').values({ userId: student.id, token: `tok-${student.id}`, expiresAt: new Date(Date.now() + DAY) }).execute();
    // An announcement for a list of students, them among others.
    const classmate = await createUser(t.db);
    const announcement = await createAnnouncement(t.db, { targetRole: 'SpecificStudents', targetUserIds: [student.id, classmate.id] });
    // An admin's audit row about them, naming their email.
    await t.db
      .insertInto('activityLog')
      .values({ userId: teacher.id, action: 'user_email_verified', entityType: 'user', entityId: student.id, metadata: JSON.stringify({ email: student.email, by: 'admin' }) })
      .execute();
    // A classmate's file, which must stay.
    const classmatesFile = await stored('avatars', 'webp');
    await t.db.updateTable('user').set({ image: classmatesFile }).where('id', '=', classmate.id).execute();
    return { student, teacher, course, enrollment, payment, announcement, classmate, files: [avatar, certificate, submissionFile, cover], classmatesFile };
  }

  it('does nothing before the 7 days are over; after them, no row references the person and their files are gone', async () => {
    const s = await busyStudent();
    await pendingFor(s.student.id, 7 - 1 / 24);
    expect(await deleteAccounts({ db: t.db, storage, logger: silent })).toMatchObject({ deleted: 0 });
    expect(await t.db.selectFrom('user').select('id').where('id', '=', s.student.id).executeTakeFirst()).toBeDefined();
    for (const key of s.files) expect(await exists(key)).toBe(true);
    expect((await rowsReferencing(s.student.id)).length).toBeGreaterThan(10);

    await pendingFor(s.student.id, 7 + 1 / 24);
    const { logger, lines } = capturingLogger();
    const result = await deleteAccounts({ db: t.db, storage, logger });
    expect(result).toMatchObject({ deleted: 1, refused: 0, filesDeleted: 4, filesFailed: 0 });

    expect(await t.db.selectFrom('user').select('id').where('id', '=', s.student.id).executeTakeFirst()).toBeUndefined();
    expect(await rowsReferencing(s.student.id)).toEqual([]);
    for (const key of s.files) expect(await exists(key), key).toBe(false);
    expect(await exists(s.classmatesFile)).toBe(true);

    // The announcement still reaches the classmate.
    const announcement = await t.db.selectFrom('announcement').select('targetUserIds').where('id', '=', s.announcement.id).executeTakeFirstOrThrow();
    expect(announcement.targetUserIds).toEqual([s.classmate.id]);
    // Audit rows about them keep what was done, without their email.
    const audit = await t.db.selectFrom('activityLog').select('metadata').where('entityId', '=', s.student.id).where('action', '=', 'user_email_verified').executeTakeFirstOrThrow();
    expect(audit.metadata).toEqual({ by: 'admin' });

    // The payment is kept for accounting, with nothing that names the payer.
    const payment = await t.db.selectFrom('paymentTransaction').selectAll().where('id', '=', s.payment.id).executeTakeFirstOrThrow();
    expect(payment).toMatchObject({ enrollmentId: null, courseId: s.course.id, amount: 2500, currency: 'usd', status: 'Completed', stripePaymentId: s.payment.stripePaymentId, stripeSessionId: s.payment.stripeSessionId, paymentMethod: 'card' });
    expect(payment.anonymisedAt).not.toBeNull();
    expect(payment.metadata).toEqual({ eventId: 'evt_1', transactionId: 'tx', courseId: s.course.id, refunds: [{ key: 'refund-1', reason: 'goodwill', amount: 100 }] });
    const text = JSON.stringify(payment);
    for (const personal of [s.student.email, 'Ada', 'Deleted', s.student.id, s.enrollment.id]) expect(text).not.toContain(personal);

    // Logged with the id only.
    const line = lines.find((l) => l.msg === 'account deleted')!;
    expect(line).toMatchObject({ userId: s.student.id, payments: 1, files: 4 });
    expect(JSON.stringify(lines)).not.toContain(s.student.email);

    // Nothing is left to do.
    expect(await deleteAccounts({ db: t.db, storage, logger: silent })).toMatchObject({ deleted: 0 });
  });

  it('the admin payments table still lists the kept payment, as a deleted account’s', async () => {
    const s = await busyStudent();
    await pendingFor(s.student.id, 8);
    await deleteAccounts({ db: t.db, storage, logger: silent });
    const admin = await signedInAs(t.app, t.db, 'admin');
    const page = await admin.agent.get('/admin/payments?course=Kept+course').expect(200);
    const row = new RegExp(`<tr id="payment-${s.payment.id}">[\\s\\S]*?</tr>`).exec(page.text)?.[0];
    expect(row).toBeDefined();
    expect(row).toContain('Deleted account');
    expect(row).toContain('Kept course');
    expect(row).toContain('$25.00');
    expect(page.text).not.toContain(s.student.email);
    const csv = await admin.agent.get('/admin/payments?course=Kept+course&format=csv').expect(200);
    expect(csv.text).toContain(`${s.payment.id},Deleted account,,Kept course,25.00,USD,Completed,`);
    // A refund is Stripe's dashboard's now: the confirmation says so and offers no button.
    const refund = await admin.agent.get(`/admin/payments/${s.payment.id}/refund`).expect(200);
    expect(refund.text).toContain('The payer deleted their account: refund this payment from the Stripe dashboard');
    expect(refund.text).not.toContain('name="confirm"');
  });

  it('the teacher’s and the platform’s revenue still count a deleted payer’s payment (and its refund)', async () => {
    const s = await busyStudent();
    await t.db.updateTable('paymentTransaction').set({ refunded: true, refundAmount: 500, refundedAt: new Date() }).where('id', '=', s.payment.id).execute();
    const range = resolveRange('30d', 'UTC');
    const figures = async () => {
      const mine = (await teacherCourses(t.db, s.teacher.id)).find((c) => c.id === s.course.id)!;
      const buckets = (await revenueQuery({ courseId: s.course.id, range }).execute(t.db)).rows;
      const top = (await topCoursesSql(range).execute(t.db)).rows.find((r) => r.list === 'revenue' && r.id === s.course.id);
      return {
        teach: mine.revenue,
        gross: buckets.reduce((sum, b) => sum + b.gross, 0),
        refunds: buckets.reduce((sum, b) => sum + b.refunds, 0),
        top: top?.value,
      };
    };
    const before = await figures();
    expect(before).toEqual({ teach: 2000, gross: 2500, refunds: 500, top: 2000 });
    await pendingFor(s.student.id, 8);
    await deleteAccounts({ db: t.db, storage, logger: silent });
    const kept = await t.db.selectFrom('paymentTransaction').select(['enrollmentId', 'courseId']).where('id', '=', s.payment.id).executeTakeFirstOrThrow();
    expect(kept).toEqual({ enrollmentId: null, courseId: s.course.id });
    expect(await figures()).toEqual(before);
  });

  it('a teacher without students goes with their courses, lessons and files; payments of their courses are kept', async () => {
    const teacher = await createUser(t.db, { role: 'teacher' });
    const image = primaryVariantKey(newKey('thumbnails', 'webp'));
    await stored('thumbnails', 'webp', image);
    await stored('thumbnails', 'webp', variantKey(image, 320));
    const course = await createCourse(t.db, { userId: teacher.id, title: 'Gone course', fileKey: image, price: 1000 });
    const video = await stored('videos', 'mp4');
    await stored('videos', 'mp4', renditionKey(video, 'small'));
    await stored('videos', 'webp', renditionKey(video, 'poster'));
    const lesson = await createLesson(t.db, { chapterId: (await createChapter(t.db, { courseId: course.id })).id, videoKey: video });
    const attachment = await stored('attachments', 'pdf');
    await t.db.insertInto('lessonAttachment').values({ lessonId: lesson.id, fileKey: attachment, fileName: 'notes.pdf', contentType: 'application/pdf', sizeBytes: 10, position: 1 }).execute();
    // A student who paid, was refunded and left: their enrollment goes with the course, the payment stays.
    const former = await createUser(t.db);
    const left = await createEnrollment(t.db, { userId: former.id, courseId: course.id, status: 'Cancelled', amount: 1000 });
    const refunded = await t.db
      .insertInto('paymentTransaction')
      .values({ enrollmentId: left.id, amount: 1000, status: 'Refunded', refunded: true, refundAmount: 1000, refundedAt: new Date(), stripePaymentId: 'pi_refunded' })
      .returningAll()
      .executeTakeFirstOrThrow();
    await pendingFor(teacher.id, 8);

    const result = await deleteAccounts({ db: t.db, storage, logger: silent });
    expect(result).toMatchObject({ deleted: 1, refused: 0, filesFailed: 0 });
    expect(await rowsReferencing(teacher.id)).toEqual([]);
    expect(await t.db.selectFrom('course').select('id').where('id', '=', course.id).executeTakeFirst()).toBeUndefined();
    for (const key of [image, variantKey(image, 320), video, renditionKey(video, 'small'), renditionKey(video, 'poster'), attachment]) expect(await exists(key), key).toBe(false);
    // The former student is still here; the money they paid and got back is still on the books.
    expect(await t.db.selectFrom('user').select('id').where('id', '=', former.id).executeTakeFirst()).toBeDefined();
    const kept = await t.db.selectFrom('paymentTransaction').selectAll().where('id', '=', refunded.id).executeTakeFirstOrThrow();
    expect(kept).toMatchObject({ enrollmentId: null, courseId: null, amount: 1000, status: 'Refunded', refundAmount: 1000, stripePaymentId: 'pi_refunded' });
    expect(kept.anonymisedAt).not.toBeNull();
  });

  it('skips (and logs) a teacher who gained students during the grace; deletes them once the rule is met', async () => {
    const teacher = await createUser(t.db, { role: 'teacher' });
    const course = await createCourse(t.db, { userId: teacher.id });
    const enrollment = await createEnrollment(t.db, { courseId: course.id, status: 'Active' });
    const student = await createUser(t.db);
    await pendingFor(teacher.id, 8);
    await pendingFor(student.id, 8);

    const { logger, lines } = capturingLogger();
    const result = await deleteAccounts({ db: t.db, storage, logger });
    // The student due at the same time is not held up by the teacher.
    expect(result).toMatchObject({ deleted: 1, refused: 1 });
    expect(await t.db.selectFrom('user').select('id').where('id', '=', student.id).executeTakeFirst()).toBeUndefined();
    const still = await t.db.selectFrom('user').select('deletionRequestedAt').where('id', '=', teacher.id).executeTakeFirstOrThrow();
    expect(still.deletionRequestedAt).not.toBeNull();
    expect(await t.db.selectFrom('enrollment').select('id').where('id', '=', enrollment.id).executeTakeFirst()).toBeDefined();
    expect(lines.find((l) => String(l.msg).startsWith('account deletion refused'))).toMatchObject({ userId: teacher.id, why: 'courses with students' });

    await t.db.updateTable('enrollment').set({ status: 'Cancelled' }).where('id', '=', enrollment.id).execute();
    expect(await deleteAccounts({ db: t.db, storage, logger: silent })).toMatchObject({ deleted: 1, refused: 0 });
    expect(await rowsReferencing(teacher.id)).toEqual([]);
  });

  it('a sign-in racing the job: the account is kept whole or deleted whole, never half', async () => {
    const outcomes: string[] = [];
    // The job starts a little later each round, so that it meets the sign-in at different steps.
    for (const delay of [0, 2, 5, 10, 20, 40, 80, 0]) {
      const s = await busyStudent();
      await pendingFor(s.student.id, 8);
      const agent = newAgent(t.app);
      const signIn = submitForm(agent, '/auth/login', '/auth/login', { email: s.student.email, password: s.student.password });
      const later = new Promise((resolve) => setTimeout(resolve, delay)).then(() => deleteAccounts({ db: t.db, storage, logger: silent }));
      const [signedIn, job] = await Promise.all([signIn, later]);
      const user = await t.db.selectFrom('user').select(['id', 'deletionRequestedAt']).where('id', '=', s.student.id).executeTakeFirst();
      const payment = await t.db.selectFrom('paymentTransaction').select(['enrollmentId', 'anonymisedAt']).where('id', '=', s.payment.id).executeTakeFirstOrThrow();
      if (user) {
        // Kept: the deletion is called off, the sign-in worked, nothing of theirs was touched.
        outcomes.push('kept');
        expect(job.deleted).toBe(0);
        expect(user.deletionRequestedAt).toBeNull();
        expect(signedIn.status).toBe(303);
        expect(payment).toEqual({ enrollmentId: s.enrollment.id, anonymisedAt: null });
        expect(await t.db.selectFrom('enrollment').select('id').where('id', '=', s.enrollment.id).executeTakeFirst()).toBeDefined();
        for (const key of s.files) expect(await exists(key)).toBe(true);
        expect((await agent.get('/')).text).toContain('Signed in as');
      } else {
        // Deleted: entirely, and this sign-in did not sign anyone in: 422 (the email was gone when
        // it was looked up, or its login_history insert waited on the deleting row and met the
        // foreign key: service.ts answers that as an unknown account) or 403 (the password was
        // right, the account gone by the time the device session was to start). Never a 500.
        outcomes.push(`deleted (${signedIn.status})`);
        expect(job.deleted).toBe(1);
        expect([403, 422]).toContain(signedIn.status);
        expect(await rowsReferencing(s.student.id)).toEqual([]);
        expect(payment.enrollmentId).toBeNull();
        expect(payment.anonymisedAt).not.toBeNull();
        for (const key of s.files) expect(await exists(key)).toBe(false);
        expect((await agent.get('/')).text).not.toContain('Signed in as');
      }
    }
    console.info(`sign-in racing the job: ${outcomes.join(', ')}`);
  });

  it('runs every 15 minutes with the server’s storage', () => {
    const job = serverJobs({ db: t.db, storage, mailer: { send: async () => {} }, logger: silent, baseUrl: 'http://localhost' }).find((j) => j.name === 'delete-accounts');
    expect(job?.schedule).toBe('*/15 * * * *');
  });
});
