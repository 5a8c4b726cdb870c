import { mkdtempSync } from 'node:fs';
import type { Express } from 'express';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { seedDemo } from '../../seeds/demo.ts';
import { createDatabase, type Database } from '../../src/db/database.ts';
import { deliverAllMail } from '../../src/features/notifications/outbox.ts';
import { followUpMail } from '../../src/jobs/follow-up-mail.ts';
import { runOncePerTick, serverJobs } from '../../src/jobs/schedule.ts';
import { createMailer } from '../../src/mail/mailer.ts';
import { addMembership } from '../setup/admin-factories.ts';
import { buildTestApp, silentLogger } from '../setup/app.ts';
import { useTestDatabase } from '../setup/database.ts';
import { createChapter, createCourse, createEnrollment, createLesson, createUser } from '../setup/factories.ts';
import { readOutbox } from '../setup/outbox.ts';
import { countQueries } from '../setup/queries.ts';
import { signedInAs } from '../setup/users.ts';

/**
 * The follow-up mail (jobs/follow-up-mail.ts): an Active student who enrolled N days ago
 * (`learning.followUpAfterDays`, 3) and completed nothing gets one "pick up where you left off"
 * mail, in their language, linking to the first lesson open to them; once per enrollment, however
 * many runs and instances; never against their mail choice (flagged all the same).
 */

const DAY = 86_400_000;
const BASE_URL = 'http://edupeak.test';

describe('the follow-up mail job', () => {
  const database = useTestDatabase();
  let app: Express;
  const t = {
    get db() {
      return database.db;
    },
    get app() {
      return app;
    },
  };
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'edupeak-follow-up-'));
  const mailer = createMailer({ smtpUrl: undefined, mailFrom: 'Edupeak <noreply@example.test>', dataDir, logger: silentLogger });
  // Two instances: pools of their own on the one database, as two processes would have.
  let a: Database;
  let b: Database;
  beforeAll(() => {
    app = buildTestApp(database.db);
    a = createDatabase({ connectionString: database.url, max: 3 });
    b = createDatabase({ connectionString: database.url, max: 3 });
  });
  afterAll(async () => {
    await Promise.all([a.destroy(), b.destroy()]);
  });

  beforeEach(async () => {
    await t.db.deleteFrom('systemConfig').execute();
  });

  /** Runs the job, then the deliverer (as the deliver-mail job would a minute later). */
  async function run(db: Database = t.db) {
    const result = await followUpMail(db);
    await deliverAllMail({ db: t.db, mailer, logger: silentLogger, baseUrl: BASE_URL });
    return result;
  }
  const mailsTo = async (email: string) => (await readOutbox(dataDir)).filter((m) => m.to.includes(email));
  const flagOf = async (id: string) => (await t.db.selectFrom('enrollment').select('followUpEmailSent').where('id', '=', id).executeTakeFirstOrThrow()).followUpEmailSent;
  const remindersOf = (userId: string) => t.db.selectFrom('notification').select(['type', 'title', 'link']).where('userId', '=', userId).where('type', '=', 'CourseReminder').execute();

  /**
   * A published course whose first open lesson is not its first lesson: a draft chapter first, then
   * a chapter with a scheduled lesson (next week) and a draft lesson before "Centring the clay".
   */
  async function pottery() {
    const course = await createCourse(t.db, { title: 'Pottery for Beginners' });
    const hidden = await createChapter(t.db, { courseId: course.id, status: 'Draft' });
    await createLesson(t.db, { chapterId: hidden.id });
    const chapter = await createChapter(t.db, { courseId: course.id });
    const scheduled = await createLesson(t.db, { chapterId: chapter.id, status: 'Scheduled', releaseAt: new Date(Date.now() + 7 * DAY), title: 'Glazes' });
    await createLesson(t.db, { chapterId: chapter.id, status: 'Draft' });
    const first = await createLesson(t.db, { chapterId: chapter.id, title: 'Centring the clay' });
    const second = await createLesson(t.db, { chapterId: chapter.id });
    return { course, scheduled, first, second };
  }
  async function student(courseId: string, daysAgo: number, options: { language?: string; enrollment?: Parameters<typeof createEnrollment>[1]; user?: Parameters<typeof createUser>[1] } = {}) {
    const user = await createUser(t.db, { language: options.language ?? null, ...options.user });
    const enrollment = await createEnrollment(t.db, { userId: user.id, courseId, createdAt: new Date(Date.now() - daysAgo * DAY), ...options.enrollment });
    return { user, enrollment };
  }

  it('mails a student who enrolled 4 days ago and completed nothing, once, with a link to the first open lesson and to mail choices', async () => {
    const { course, first } = await pottery();
    const sam = await student(course.id, 4, { user: { firstName: 'Sam' } });

    expect((await run()).reminded).toBeGreaterThanOrEqual(1);
    const mails = await mailsTo(sam.user.email);
    expect(mails).toHaveLength(1);
    const [mail] = mails;
    expect(mail!.subject).toBe('Pick up where you left off in “Pottery for Beginners”');
    expect(mail!.text).toContain('Hello Sam,');
    expect(mail!.text).toContain('You enrolled in “Pottery for Beginners” and have not completed a lesson yet. Your first lesson, “Centring the clay”, is waiting for you.');
    expect(mail!.text).toContain('We send this reminder once per course.');
    expect(mail!.links).toContain(`${BASE_URL}/learn/${course.slug}/lessons/${first.id}`);
    expect(mail!.links).toContain(`${BASE_URL}/account/notifications`);
    expect(mail!.html).toContain(`href="${BASE_URL}/learn/${course.slug}/lessons/${first.id}"`);
    expect(await flagOf(sam.enrollment.id)).toBe(true);
    // The inbox has it too, linking to the same lesson.
    expect(await remindersOf(sam.user.id)).toEqual([{ type: 'CourseReminder', title: 'Pick up where you left off', link: `/learn/${course.slug}/lessons/${first.id}` }]);

    // The link opens that lesson for the student.
    const signedIn = await signedInAs(t.app, t.db, 'student');
    await createEnrollment(t.db, { userId: signedIn.user.id, courseId: course.id });
    await signedIn.agent.get(`/learn/${course.slug}/lessons/${first.id}`).expect(200);

    // Again: nothing more for anyone.
    expect((await run()).reminded).toBe(0);
    expect(await mailsTo(sam.user.email)).toHaveLength(1);
    expect(await remindersOf(sam.user.id)).toHaveLength(1);
  });

  it('links each student to the first lesson open to THEM: one who opened the scheduled lesson early goes there', async () => {
    const { course, scheduled, first } = await pottery();
    const early = await student(course.id, 5);
    const plain = await student(course.id, 5);
    await t.db.insertInto('earlyUnlock').values({ userId: early.user.id, lessonId: scheduled.id, pointsSpent: 50 }).execute();
    await run();
    expect((await remindersOf(early.user.id)).map((r) => r.link)).toEqual([`/learn/${course.slug}/lessons/${scheduled.id}`]);
    expect((await remindersOf(plain.user.id)).map((r) => r.link)).toEqual([`/learn/${course.slug}/lessons/${first.id}`]);
  });

  it('a lesson opened but not completed is still "nothing completed"; a completed lesson, a recent, Pending, Cancelled or banned enrollment, a banned account, an account being deleted, a course with nothing open: no mail', async () => {
    const { course, first, second } = await pottery();
    const opened = await student(course.id, 4);
    await t.db.insertInto('lessonProgress').values({ userId: opened.user.id, lessonId: first.id, completed: false }).execute();
    const completed = await student(course.id, 4);
    await t.db.insertInto('lessonProgress').values({ userId: completed.user.id, lessonId: second.id, completed: true }).execute();
    const recent = await student(course.id, 1);
    const pending = await student(course.id, 10, { enrollment: { status: 'Pending' } });
    const cancelled = await student(course.id, 10, { enrollment: { status: 'Cancelled' } });
    const banned = await student(course.id, 10, { enrollment: { banned: true, banType: 'Permanent', banReason: 'rude' } });
    const siteBanned = await student(course.id, 10, { user: { banned: true, banReason: 'spam', banExpires: null } });
    const leaving = await student(course.id, 10, { user: { deletionRequestedAt: new Date(Date.now() - DAY) } });
    const later = await createCourse(t.db);
    const laterChapter = await createChapter(t.db, { courseId: later.id });
    await createLesson(t.db, { chapterId: laterChapter.id, status: 'Scheduled', releaseAt: new Date(Date.now() + 3 * DAY) });
    const waiting = await student(later.id, 10);

    await run();
    expect(await mailsTo(opened.user.email)).toHaveLength(1);
    for (const who of [completed, recent, pending, cancelled, banned, siteBanned, leaving, waiting]) {
      expect(await mailsTo(who.user.email), who.user.email).toEqual([]);
      expect(await remindersOf(who.user.id)).toEqual([]);
      // Not decided yet: a later run reminds them if that changes.
      expect(await flagOf(who.enrollment.id)).toBe(false);
    }
    // The recent one's day comes.
    await t.db.updateTable('enrollment').set({ createdAt: new Date(Date.now() - 3 * DAY - 60_000) }).where('id', '=', recent.enrollment.id).execute();
    await run();
    expect(await mailsTo(recent.user.email)).toHaveLength(1);
  });

  it('someone who turned these mails off (or whose default an admin turned off) gets no mail but is flagged, with the inbox notice only', async () => {
    const { course } = await pottery();
    const off = await student(course.id, 4);
    await t.db.insertInto('notificationPreference').values({ userId: off.user.id, topic: 'CourseReminder', email: false }).execute();
    const keeps = await student(course.id, 4);
    await t.db.insertInto('notificationPreference').values({ userId: keeps.user.id, topic: 'CourseReminder', email: true }).execute();
    const byDefault = await student(course.id, 4);
    await t.db.insertInto('systemConfig').values({ key: 'notifications.mailDefaults', value: JSON.stringify({ CourseReminder: false }) }).execute();

    await run();
    expect(await mailsTo(off.user.email)).toEqual([]);
    expect(await mailsTo(byDefault.user.email)).toEqual([]);
    expect(await mailsTo(keeps.user.email)).toHaveLength(1);
    for (const who of [off, byDefault, keeps]) {
      expect(await flagOf(who.enrollment.id)).toBe(true);
      expect(await remindersOf(who.user.id)).toHaveLength(1);
    }
    // Decided once: turning mail back on later sends nothing for this enrollment.
    await t.db.updateTable('notificationPreference').set({ email: true }).where('userId', '=', off.user.id).execute();
    await run();
    expect(await mailsTo(off.user.email)).toEqual([]);
  });

  it('the setting decides who is due: at 7 days the 4-day student waits and the 8-day one is mailed', async () => {
    const { course } = await pottery();
    const four = await student(course.id, 4);
    const eight = await student(course.id, 8);
    await t.db.insertInto('systemConfig').values({ key: 'learning.followUpAfterDays', value: JSON.stringify(7) }).execute();
    await run();
    expect(await mailsTo(four.user.email)).toEqual([]);
    expect(await flagOf(four.enrollment.id)).toBe(false);
    expect(await mailsTo(eight.user.email)).toHaveLength(1);
    await t.db.updateTable('systemConfig').set({ value: JSON.stringify(3) }).where('key', '=', 'learning.followUpAfterDays').execute();
    await run();
    expect(await mailsTo(four.user.email)).toHaveLength(1);
  });

  it('writes to each person in their language: Spanish and Arabic', async () => {
    const { course, first } = await pottery();
    const sofia = await student(course.id, 4, { language: 'es', user: { firstName: 'Sofía' } });
    const layla = await student(course.id, 4, { language: 'ar', user: { firstName: 'Layla' } });
    await run();
    const [es] = await mailsTo(sofia.user.email);
    expect(es!.subject).toBe('Retoma «Pottery for Beginners» donde lo dejaste');
    expect(es!.text).toContain('Hola, Sofía:');
    expect(es!.text).toContain('Te inscribiste en «Pottery for Beginners» y aún no has completado ninguna lección. Tu primera lección, «Centring the clay», te está esperando.');
    expect(es!.text).toContain('Enviamos este recordatorio una sola vez por curso.');
    expect(es!.text).toContain(`Ábrelo en Edupeak: ${BASE_URL}/learn/${course.slug}/lessons/${first.id}`);
    expect((await remindersOf(sofia.user.id))[0]!.title).toBe('Retoma donde lo dejaste');
    const [ar] = await mailsTo(layla.user.email);
    expect(ar!.subject).toBe('تابع «Pottery for Beginners» من حيث توقفت');
    expect(ar!.text).toContain('نرسل هذا التذكير مرة واحدة لكل دورة.');
  });

  it('two instances at once (pools of their own) remind each enrollment once, in small batches and pages or whole', async () => {
    const { course } = await pottery();
    const learners = await Promise.all(Array.from({ length: 30 }, () => student(course.id, 4)));
    const [x, y] = await Promise.all([followUpMail(a, { batchSize: 7, pageSize: 20 }), followUpMail(b, { batchSize: 7, pageSize: 20 })]);
    expect(x.reminded + y.reminded).toBe(30);
    const more = await Promise.all(Array.from({ length: 10 }, () => student(course.id, 4)));
    const [p, q] = await Promise.all([followUpMail(a), followUpMail(b)]);
    expect(p.reminded + q.reminded).toBe(10);
    await deliverAllMail({ db: t.db, mailer, logger: silentLogger, baseUrl: BASE_URL });
    for (const who of [...learners, ...more]) {
      expect(await mailsTo(who.user.email)).toHaveLength(1);
      expect(await remindersOf(who.user.id)).toHaveLength(1);
    }
    const { rows } = await sql<{ n: number }>`
      select count(*)::int as n from mail_outbox o where o.user_id in (${sql.join([...learners, ...more].map((w) => w.user.id))})`.execute(t.db);
    expect(rows[0]!.n).toBe(40);
  });

  it('is scheduled daily among the server jobs, and runs once per tick when two instances fire for it', async () => {
    const { course } = await pottery();
    const due = await student(course.id, 4);
    const jobOf = (db: Database) =>
      serverJobs({ db, storage: undefined as never, mailer, logger: silentLogger, baseUrl: BASE_URL }).find((j) => j.name === 'follow-up-mail')!;
    expect(jobOf(a).schedule).toBe('20 9 * * *');
    const tick = new Date(Date.UTC(2026, 11, 2, 9, 20));
    const outcomes = await Promise.all([a, b].map((db) => runOncePerTick(db, 'follow-up-mail', tick, jobOf(db).run)));
    expect(outcomes.filter((o) => o.ran)).toHaveLength(1);
    expect(outcomes.find((o) => o.ran)).toEqual({ ran: true, result: { reminded: 1 } });
    await deliverAllMail({ db: t.db, mailer, logger: silentLogger, baseUrl: BASE_URL });
    expect(await mailsTo(due.user.email)).toHaveLength(1);
  });

  it('runs in the same few queries for 5 or 50 due enrollments (no query per enrollment)', async () => {
    const { course } = await pottery();
    // Only this test's enrollments: earlier tests left some listed but never claimable (a course with nothing open).
    await t.db.updateTable('enrollment').set({ status: 'Cancelled' }).where('followUpEmailSent', '=', false).where('courseId', '!=', course.id).execute();
    const counted = async (n: number) => {
      await Promise.all(Array.from({ length: n }, () => student(course.id, 4)));
      const { result, count } = await countQueries(t.db, () => followUpMail(t.db));
      expect(result.reminded).toBe(n);
      return count;
    };
    const five = await counted(5);
    const fifty = await counted(50);
    // The setting, the listing of who is due; then one transaction: begin, the claim, notify's
    // languages, notices, mail choices and outbox rows, commit.
    expect(fifty).toBe(9);
    expect(five).toBe(fifty);
    // Nothing due: the setting and the listing.
    expect((await countQueries(t.db, () => followUpMail(t.db))).count).toBe(2);
    // A backlog larger than a batch: one such transaction per batch (here 20), never one per enrollment.
    await Promise.all(Array.from({ length: 50 }, () => student(course.id, 4)));
    const batched = await countQueries(t.db, () => followUpMail(t.db, { batchSize: 20 }));
    expect(batched.result.reminded).toBe(50);
    expect(batched.count).toBe(2 + 3 * 7);
  });

  it('the admin setting is listed with its default and range, and people can turn the reminders off', async () => {
    const boss = await signedInAs(t.app, t.db, 'admin');
    await addMembership(t.db, boss.user.id, 'SuperAdmin');
    const list = await boss.agent.get('/admin/settings').expect(200);
    expect(list.text).toContain('<code>learning.followUpAfterDays</code>');
    expect(list.text).toContain('Days after enrolling before the follow-up-mail job reminds an Active student who has completed no lesson (once per enrollment).');
    expect((await boss.post('/admin/settings/learning.followUpAfterDays', { value: '61' })).status).toBe(422);
    await boss.post('/admin/settings/learning.followUpAfterDays', { value: '7' }).expect(303);
    expect((await t.db.selectFrom('systemConfig').select('value').where('key', '=', 'learning.followUpAfterDays').executeTakeFirstOrThrow()).value).toBe(7);

    const me = await signedInAs(t.app, t.db, 'student');
    const page = await me.agent.get('/account/notifications').expect(200);
    expect(page.text).toMatch(/value="CourseReminder"[^>]*checked[^>]*> Reminders to start a course/);
    expect(page.text).toContain('One mail a few days after you enroll, if you have not completed a lesson of the course yet.');
  });
});

describe('the demo data', () => {
  const t = useTestDatabase();
  it('leaves the Spanish and the Arabic demo students for the job to remind (enrolled 4 days ago, nothing completed)', async () => {
    await seedDemo(t.db, { env: 'development' });
    await followUpMail(t.db);
    const reminded = await t.db
      .selectFrom('notification')
      .innerJoin('user', 'user.id', 'notification.userId')
      .innerJoin('mailOutbox', 'mailOutbox.notificationId', 'notification.id')
      .select(['user.email', 'notification.title'])
      .where('notification.type', '=', 'CourseReminder')
      .orderBy('user.email')
      .execute();
    expect(reminded).toEqual([
      { email: 'estudiante@example.com', title: 'Retoma donde lo dejaste' },
      { email: 'talib@example.com', title: 'تابع من حيث توقفت' },
    ]);
  });
});
