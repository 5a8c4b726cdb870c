import { describe, expect, it } from 'vitest';
import { liftExpiredBans } from '../../src/jobs/lift-expired-bans.ts';
import { releaseScheduledContent } from '../../src/jobs/release-scheduled-content.ts';
import { jobs, runOncePerTick } from '../../src/jobs/schedule.ts';
import { useTestDatabase } from '../setup/database.ts';
import { createChapter, createEnrollment, createLesson, createUser } from '../setup/factories.ts';

const minutes = (n: number) => new Date(Date.now() + n * 60_000);

describe('cron jobs', () => {
  const t = useTestDatabase();

  it('releases scheduled chapters and lessons whose time has come, and only those (never an empty chapter)', async () => {
    const due = await createChapter(t.db, { status: 'Scheduled', releaseAt: minutes(-1) });
    await createLesson(t.db, { chapterId: due.id });
    const empty = await createChapter(t.db, { status: 'Scheduled', releaseAt: minutes(-1) });
    const later = await createChapter(t.db, { status: 'Scheduled', releaseAt: minutes(60) });
    const dueLesson = await createLesson(t.db, { chapterId: later.id, status: 'Scheduled', releaseAt: minutes(-5) });
    const draft = await createLesson(t.db, { chapterId: later.id, status: 'Draft', releaseAt: minutes(-5) });

    await releaseScheduledContent(t.db);

    const status = async (table: 'chapter' | 'lesson', id: string) =>
      (await t.db.selectFrom(table).select('status').where('id', '=', id).executeTakeFirstOrThrow()).status;
    expect(await status('chapter', due.id)).toBe('Published');
    expect(await status('chapter', empty.id)).toBe('Scheduled');
    expect(await status('chapter', later.id)).toBe('Scheduled');
    expect(await status('lesson', dueLesson.id)).toBe('Published');
    expect(await status('lesson', draft.id)).toBe('Draft');
  });

  it('lifts expired site bans and temporary course bans, never permanent ones', async () => {
    const expired = await createUser(t.db, { banned: true, banReason: 'spam', banExpires: minutes(-1) });
    const current = await createUser(t.db, { banned: true, banReason: 'spam', banExpires: minutes(60) });
    const forever = await createUser(t.db, { banned: true, banReason: 'fraud', banExpires: null });
    const temp = await createEnrollment(t.db, { banned: true, banType: 'Temporary', banUntil: minutes(-1), banReason: 'rude' });
    const permanent = await createEnrollment(t.db, { banned: true, banType: 'Permanent', banUntil: minutes(-1), banReason: 'cheating' });

    await liftExpiredBans(t.db);

    const user = (id: string) => t.db.selectFrom('user').select(['banned', 'banReason']).where('id', '=', id).executeTakeFirstOrThrow();
    expect(await user(expired.id)).toEqual({ banned: false, banReason: null });
    expect((await user(current.id)).banned).toBe(true);
    expect((await user(forever.id)).banned).toBe(true);
    const enrollment = (id: string) => t.db.selectFrom('enrollment').select(['banned', 'banType']).where('id', '=', id).executeTakeFirstOrThrow();
    expect(await enrollment(temp.id)).toEqual({ banned: false, banType: null });
    expect(await enrollment(permanent.id)).toEqual({ banned: true, banType: 'Permanent' });
  });

  it('every scheduled job runs inside its tick\'s transaction, as a server runs it', async () => {
    // liftExpiredBans once opened a transaction of its own, which Kysely refuses inside the tick's:
    // on a running server the job failed every minute and no course ban ever expired.
    const temp = await createEnrollment(t.db, { banned: true, banType: 'Temporary', banUntil: minutes(-1), banReason: 'rude' });
    for (const job of jobs) {
      const outcome = await runOncePerTick(t.db, job.name, minutes(0), job.run);
      expect(outcome.ran, job.name).toBe(true);
    }
    const lifted = await t.db.selectFrom('enrollment').select('banned').where('id', '=', temp.id).executeTakeFirstOrThrow();
    expect(lifted.banned).toBe(false);
    const audit = await t.db.selectFrom('activityLog').select('action').where('entityId', '=', temp.id).execute();
    expect(audit.map((a) => a.action)).toEqual(['student_unbanned']);
  });

  it('runs a job on one instance at a time (advisory lock), even for different ticks', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const first = runOncePerTick(t.db, 'test-job', minutes(0), async () => {
      await held;
      return 'first ran';
    });
    await new Promise((r) => setTimeout(r, 100));
    expect(await runOncePerTick(t.db, 'test-job', minutes(1), async () => 'second ran')).toEqual({ ran: false, reason: 'busy' });
    release();
    expect(await first).toEqual({ ran: true, result: 'first ran' });
    expect(await runOncePerTick(t.db, 'test-job', minutes(2), async () => 'third ran')).toEqual({ ran: true, result: 'third ran' });
  });
});

describe('prune job', () => {
  const t = useTestDatabase();

  it('deletes expired sign-ins, tokens and rate-limit windows, and keeps live ones', async () => {
    const { pruneExpired } = await import('../../src/jobs/prune-expired.ts');
    const user = await createUser(t.db);
    const past = new Date(Date.now() - 60_000);
    const future = new Date(Date.now() + 3_600_000);
    await t.db
      .insertInto('session')
      .values([
        { token: 'expired-session', userId: user.id, expiresAt: past },
        { token: 'idle-session', userId: user.id, expiresAt: future, updatedAt: new Date(Date.now() - 8 * 86_400_000) },
        { token: 'live-session', userId: user.id, expiresAt: future },
      ])
      .execute();
    await t.db.insertInto('verification').values([{ identifier: 'a', value: 'x', expiresAt: past }, { identifier: 'b', value: 'y', expiresAt: future }]).execute();
    await t.db.insertInto('rateLimit').values([{ key: 'old', hits: 3, windowEndsAt: past }, { key: 'new', hits: 1, windowEndsAt: future }]).execute();

    await pruneExpired(t.db);

    expect((await t.db.selectFrom('session').select('token').execute()).map((r) => r.token)).toEqual(['live-session']);
    expect((await t.db.selectFrom('verification').select('identifier').execute()).map((r) => r.identifier)).toEqual(['b']);
    expect((await t.db.selectFrom('rateLimit').select('key').execute()).map((r) => r.key)).toEqual(['new']);
  });

  it('deletes read notifications older than notifications.pruneReadAfterDays (never unread ones) and mail sent over 30 days ago', async () => {
    const { pruneExpired } = await import('../../src/jobs/prune-expired.ts');
    const user = await createUser(t.db);
    const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000);
    const note = (title: string, read: boolean, createdAt: Date) => ({ userId: user.id, type: 'PointsEarned' as const, title, message: 'm', read, createdAt });
    const notes = await t.db
      .insertInto('notification')
      .values([note('old read', true, daysAgo(181)), note('old unread', false, daysAgo(400)), note('recent read', true, daysAgo(179)), note('new', false, daysAgo(0))])
      .returning(['id', 'title'])
      .execute();
    const idOf = (title: string) => notes.find((n) => n.title === title)!.id;
    await t.db
      .insertInto('mailOutbox')
      .values([
        { userId: user.id, notificationId: idOf('old unread'), subject: 'sent long ago', sentAt: daysAgo(31) },
        { userId: user.id, notificationId: idOf('new'), subject: 'sent lately', sentAt: daysAgo(29) },
        { userId: user.id, notificationId: idOf('new'), subject: 'never sent', sentAt: null, attempts: 5, createdAt: daysAgo(60) },
      ])
      .execute();

    await pruneExpired(t.db);
    const titles = async () => (await t.db.selectFrom('notification').select('title').where('userId', '=', user.id).orderBy('title').execute()).map((r) => r.title);
    expect(await titles()).toEqual(['new', 'old unread', 'recent read']);
    expect((await t.db.selectFrom('mailOutbox').select('subject').orderBy('subject').execute()).map((r) => r.subject)).toEqual(['never sent', 'sent lately']);

    // An admin's shorter age applies at once.
    await t.db.insertInto('systemConfig').values({ key: 'notifications.pruneReadAfterDays', value: JSON.stringify(30) }).execute();
    await pruneExpired(t.db);
    expect(await titles()).toEqual(['new', 'old unread']);
  });
});
