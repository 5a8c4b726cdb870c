import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../../src/db/database.ts';
import { publishDueAnnouncements, publishNow, queueUrgentMail } from '../../src/features/announcements/service.ts';
import { systemAudit } from '../../src/features/audit/activity.ts';
import { deliverAllMail } from '../../src/features/notifications/outbox.ts';
import { publishAnnouncements } from '../../src/jobs/publish-announcements.ts';
import { jobs, runOncePerTick } from '../../src/jobs/schedule.ts';
import type { MailMessage } from '../../src/mail/mailer.ts';
import { silentLogger } from '../setup/app.ts';
import { createAnnouncement } from '../setup/announcement-factories.ts';
import { useTestDatabase } from '../setup/database.ts';
import { createCourse, createEnrollment, createUser } from '../setup/factories.ts';

/**
 * The publish-announcements job and urgent mail: exactly once across instances, expiry, one
 * outbox row per audience member who wants it, and delivery that never mails anyone twice.
 */

const t = useTestDatabase();
// Two app instances: each its own pool on the one database, as two processes would.
let a: Database;
let b: Database;
beforeAll(() => {
  a = createDatabase({ connectionString: t.url, max: 3 });
  b = createDatabase({ connectionString: t.url, max: 3 });
});
afterAll(async () => {
  await Promise.all([a.destroy(), b.destroy()]);
});

const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000);
let minute = 0;
/** A fresh scheduled tick for each run (ticks already claimed are skipped, as they should be). */
const nextTick = () => new Date(Date.UTC(2026, 10, 27, 12, minute++));

/** A course with `n` Active students; returns the course and the students. */
async function courseWithStudents(n: number) {
  const course = await createCourse(t.db);
  const students = [];
  for (let i = 0; i < n; i++) {
    const s = await createUser(t.db);
    await createEnrollment(t.db, { userId: s.id, courseId: course.id, status: 'Active' });
    students.push(s);
  }
  return { course, students };
}

const outboxOf = (announcementId: string) =>
  t.db.selectFrom('mailOutbox').select(['userId', 'sentAt', 'attempts']).where('announcementId', '=', announcementId).execute();
const rowOf = (id: string) => t.db.selectFrom('announcement').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const auditOf = async (id: string) =>
  (await t.db.selectFrom('activityLog').select(['action', 'userId']).where('entityId', '=', id).orderBy('createdAt').execute()).map((r) => r.action);

function countingMailer() {
  const sent: MailMessage[] = [];
  return { sent, send: async (m: MailMessage) => void sent.push(m) };
}

describe('the publish-announcements job', () => {
  it('is scheduled every minute among the jobs runOncePerTick runs', () => {
    expect(jobs.find((j) => j.name === 'publish-announcements')).toMatchObject({ schedule: '* * * * *' });
  });

  it('two instances running the same tick at once publish a due urgent announcement once and queue one mail per student', async () => {
    const { course, students } = await courseWithStudents(4);
    const due = await createAnnouncement(t.db, { targetRole: 'CourseStudents', targetCourseId: course.id, status: 'Scheduled', scheduledAt: ago(1), publishedAt: null, isUrgent: true });
    const notYet = await createAnnouncement(t.db, { targetRole: 'CourseStudents', targetCourseId: course.id, status: 'Scheduled', scheduledAt: ago(-60), publishedAt: null, isUrgent: true });

    const tick = nextTick();
    const outcomes = await Promise.all([a, b].map((db) => runOncePerTick(db, 'publish-announcements', tick, publishAnnouncements)));
    expect(outcomes.filter((o) => o.ran)).toHaveLength(1);

    const row = await rowOf(due.id);
    expect(row.status).toBe('Published');
    expect(row.publishedAt).not.toBeNull();
    expect((await rowOf(notYet.id)).status).toBe('Scheduled');
    expect(await auditOf(due.id)).toEqual(['announcement_published']);
    const queued = await outboxOf(due.id);
    expect(queued.map((q) => q.userId).sort()).toEqual(students.map((s) => s.id).sort());

    // Later ticks (on either instance) find nothing more to do: no second publish, no second mail.
    for (const db of [a, b]) await runOncePerTick(db, 'publish-announcements', nextTick(), publishAnnouncements);
    expect((await rowOf(due.id)).publishedAt!.getTime()).toBe(row.publishedAt!.getTime());
    expect(await outboxOf(due.id)).toHaveLength(4);
    expect(await auditOf(due.id)).toEqual(['announcement_published']);
  });

  it('without the tick guard too, two concurrent runs publish each due announcement once (the row lock decides)', async () => {
    const { course } = await courseWithStudents(2);
    const due = await createAnnouncement(t.db, { targetRole: 'CourseStudents', targetCourseId: course.id, status: 'Scheduled', scheduledAt: ago(1), publishedAt: null, isUrgent: true });
    const results = await Promise.all([publishDueAnnouncements(a), publishDueAnnouncements(b)]);
    expect(results.reduce((n, r) => n + r.published, 0)).toBe(1);
    expect(await auditOf(due.id)).toEqual(['announcement_published']);
    expect(await outboxOf(due.id)).toHaveLength(2);
  });

  it('expires Published announcements whose end came; a Scheduled one whose end passed first is Expired without mailing anyone', async () => {
    const { course } = await courseWithStudents(2);
    const live = await createAnnouncement(t.db, { targetRole: 'CourseStudents', targetCourseId: course.id, expiresAt: ago(1) });
    const staysLive = await createAnnouncement(t.db, { targetRole: 'CourseStudents', targetCourseId: course.id, expiresAt: ago(-60) });
    const missed = await createAnnouncement(t.db, {
      targetRole: 'CourseStudents',
      targetCourseId: course.id,
      status: 'Scheduled',
      scheduledAt: ago(10),
      expiresAt: ago(5),
      publishedAt: null,
      isUrgent: true,
    });
    await runOncePerTick(a, 'publish-announcements', nextTick(), publishAnnouncements);
    expect((await rowOf(live.id)).status).toBe('Expired');
    expect((await rowOf(staysLive.id)).status).toBe('Published');
    expect((await rowOf(missed.id)).status).toBe('Expired');
    expect(await outboxOf(missed.id)).toEqual([]);
    expect(await auditOf(live.id)).toEqual(['announcement_expired']);
  });
});

describe('urgent mail', () => {
  it('skips a member who turned urgent announcement mail off; queuing again (publish twice, job twice) adds no one', async () => {
    const { course, students } = await courseWithStudents(3);
    const [quiet, ...others] = students;
    await t.db.insertInto('notificationPreference').values({ userId: quiet!.id, topic: 'UrgentAnnouncement', email: false }).execute();
    const draft = await createAnnouncement(t.db, { targetRole: 'CourseStudents', targetCourseId: course.id, status: 'Draft', publishedAt: null, isUrgent: true });
    const writer = systemAudit(draft.createdById);
    const scope = { kind: 'course' as const, courseId: course.id };

    const [first, second] = await Promise.all([publishNow(t.db, writer, scope, draft.id), publishNow(t.db, writer, scope, draft.id)]);
    expect([first.ok, second.ok].sort()).toEqual([false, true]);
    expect(await queueUrgentMail(t.db, draft.id)).toBe(0);
    await runOncePerTick(a, 'publish-announcements', nextTick(), publishAnnouncements);

    const queued = await outboxOf(draft.id);
    expect(queued.map((q) => q.userId).sort()).toEqual(others.map((s) => s.id).sort());
    expect(await auditOf(draft.id)).toEqual(['announcement_published']);
  });

  it('the default applies to those who never chose; an admin turning the default off mails no one', async () => {
    const { course } = await courseWithStudents(2);
    await t.db
      .insertInto('systemConfig')
      .values({ key: 'notifications.mailDefaults', value: JSON.stringify({ UrgentAnnouncement: false }) })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: JSON.stringify({ UrgentAnnouncement: false }) }))
      .execute();
    try {
      const urgent = await createAnnouncement(t.db, { targetRole: 'CourseStudents', targetCourseId: course.id, isUrgent: true });
      expect(await queueUrgentMail(t.db, urgent.id)).toBe(0);
    } finally {
      await t.db.deleteFrom('systemConfig').where('key', '=', 'notifications.mailDefaults').execute();
    }
  });

  it('the queued mails arrive, one per person, and delivering again sends nothing more', async () => {
    await t.db.deleteFrom('mailOutbox').execute();
    const { course, students } = await courseWithStudents(60);
    const urgent = await createAnnouncement(t.db, {
      title: 'Campus closed today',
      bodyMarkdown: 'Stay home.',
      targetRole: 'CourseStudents',
      targetCourseId: course.id,
      status: 'Scheduled',
      scheduledAt: ago(1),
      publishedAt: null,
      isUrgent: true,
    });
    await runOncePerTick(a, 'publish-announcements', nextTick(), publishAnnouncements);
    const mailer = countingMailer();
    const deps = { db: t.db, mailer, logger: silentLogger, baseUrl: 'http://edupeak.test' };
    // 60 mails: two batches of at most 50.
    expect(await deliverAllMail(deps)).toEqual({ sent: 60, failed: 0 });
    expect(await deliverAllMail(deps)).toEqual({ sent: 0, failed: 0 });
    expect(mailer.sent.map((m) => m.to).sort()).toEqual(students.map((s) => s.email).sort());
    const mail = mailer.sent[0]!;
    expect(mail.subject).toBe('Urgent: Campus closed today');
    expect(mail.text).toContain('Stay home.');
    expect(mail.text).toContain(`http://edupeak.test/announcements/${urgent.id}`);
  });

  it('a crash after claiming a batch (claimed, never sent) never mails those people twice; the rest go out', async () => {
    await t.db.deleteFrom('mailOutbox').execute();
    const { course } = await courseWithStudents(5);
    const urgent = await createAnnouncement(t.db, { targetRole: 'CourseStudents', targetCourseId: course.id, isUrgent: true });
    await queueUrgentMail(t.db, urgent.id);
    // What deliverMail's first statement does, committed; then the process dies before sending.
    const claimed = await sql<{ user_id: string }>`
      update mail_outbox set sent_at = now(), attempts = attempts + 1
      where id in (select id from mail_outbox where sent_at is null order by created_at limit 2 for update skip locked)
      returning user_id`.execute(t.db.withoutPlugins());
    expect(claimed.rows).toHaveLength(2);

    const mailer = countingMailer();
    const deps = { db: t.db, mailer, logger: silentLogger, baseUrl: 'http://edupeak.test' };
    await Promise.all([deliverAllMail(deps), deliverAllMail({ ...deps, db: a }), deliverAllMail({ ...deps, db: b })]);
    const emails = mailer.sent.map((m) => m.to);
    expect(emails).toHaveLength(3);
    expect(new Set(emails).size).toBe(3);
    const claimedEmails = await t.db.selectFrom('user').select('email').where('id', 'in', claimed.rows.map((r) => r.user_id)).execute();
    for (const { email } of claimedEmails) expect(emails).not.toContain(email);
    expect((await outboxOf(urgent.id)).every((q) => q.sentAt !== null && q.attempts === 1)).toBe(true);
  });
});
