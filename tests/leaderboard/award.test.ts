import { describe, expect, it } from 'vitest';
import { awardCompletedPeriods } from '../../src/features/leaderboard/award.ts';
import { currentPeriod, lastCompletedPeriod } from '../../src/features/leaderboard/periods.ts';
import type { PointsReason } from '../../src/features/points/ledger.ts';
import { awardLeaderboards } from '../../src/jobs/award-leaderboards.ts';
import { jobs, runOncePerTick } from '../../src/jobs/schedule.ts';
import { useTestDatabase } from '../setup/database.ts';
import { createCourse, createEnrollment, createTeacher, createUser } from '../setup/factories.ts';

/**
 * The award-leaderboards job: the last completed week and month, each awarded exactly once (also
 * when two runs race), ranked by points earned with ties broken deterministically, a badge (no
 * points) on the right enrollment, a notice for every winner.
 */

const t = useTestDatabase();
const utc = (iso: string) => new Date(`${iso}Z`);

async function earned(userId: string, points: number, at: string, reason: PointsReason = 'Quiz') {
  await t.db.insertInto('pointLedger').values({ userId, points, reason, description: `${reason} points`, createdAt: utc(at) }).execute();
}

const awards = (period: string, start: string) =>
  t.db
    .selectFrom('leaderboardAward')
    .select(['rank', 'userId', 'points', 'enrollmentId'])
    .where('period', '=', period)
    .where('periodStart', '=', start as unknown as Date)
    .orderBy('rank')
    .execute();

const noticesOf = (userId: string) => t.db.selectFrom('notification').select(['title', 'message', 'link']).where('userId', '=', userId).orderBy('createdAt').execute();

describe('periods (UTC)', () => {
  it('weeks start on Monday 00:00 UTC, months on the 1st; the last completed one is the one before', () => {
    const now = utc('2026-11-01T23:30:00'); // a Sunday
    expect(currentPeriod('week', now)).toMatchObject({ start: utc('2026-10-26T00:00:00'), end: utc('2026-11-02T00:00:00'), startDay: '2026-10-26' });
    expect(lastCompletedPeriod('week', now)).toMatchObject({ start: utc('2026-10-19T00:00:00'), end: utc('2026-10-26T00:00:00') });
    expect(currentPeriod('week', utc('2026-11-02T00:00:00')).startDay).toBe('2026-11-02');
    expect(lastCompletedPeriod('month', now)).toMatchObject({ start: utc('2026-10-01T00:00:00'), end: utc('2026-11-01T00:00:00'), startDay: '2026-10-01' });
    expect(lastCompletedPeriod('month', utc('2027-01-15T12:00:00')).startDay).toBe('2026-12-01');
  });
});

describe('awarding the leaderboards', () => {
  it('ranks the week’s students by points earned (ties: who got there first, then id), opted-out included, teachers, banned users and unearned points not', async () => {
    await t.db.insertInto('systemConfig').values({ key: 'leaderboard.winners', value: JSON.stringify(5) }).execute();
    const optedOut = await createUser(t.db, { firstName: 'Olga', leaderboardOptOut: true });
    const early = await createUser(t.db, { firstName: 'Bea' });
    const late = await createUser(t.db, { firstName: 'Abe' });
    const [tieX, tieY] = [await createUser(t.db), await createUser(t.db)].sort((a, b) => (a.id < b.id ? -1 : 1)) as [Awaited<ReturnType<typeof createUser>>, Awaited<ReturnType<typeof createUser>>];
    const teacher = await createTeacher(t.db);
    const banned = await createUser(t.db, { banned: true, banReason: 'spam' });
    const unearned = await createUser(t.db);
    const outside = await createUser(t.db);

    // The week of Monday 2 Nov 2026.
    await earned(optedOut.id, 50, '2026-11-03T10:00:00');
    await earned(early.id, 20, '2026-11-02T00:00:00');
    await earned(early.id, 10, '2026-11-04T09:00:00', 'BlogEngagement');
    await earned(late.id, 25, '2026-11-03T08:00:00', 'Badge');
    await earned(late.id, 5, '2026-11-04T10:00:00');
    await earned(tieX.id, 20, '2026-11-05T12:00:00');
    await earned(tieY.id, 20, '2026-11-05T12:00:00');
    await earned(teacher.id, 100, '2026-11-03T10:00:00');
    await earned(banned.id, 100, '2026-11-03T10:00:00');
    for (const reason of ['Opening', 'BlogRefund'] as const) await earned(unearned.id, 200, '2026-11-03T10:00:00', reason);
    await earned(outside.id, 300, '2026-11-01T23:59:59');
    await earned(outside.id, 300, '2026-11-09T00:00:00');

    // A's latest enrollment gets the badge; B's only one has it already; X has none at all.
    const course = await createCourse(t.db, { title: 'Algebra' });
    await createEnrollment(t.db, { userId: late.id, lastActivityAt: utc('2026-10-01T00:00:00') });
    const recent = await createEnrollment(t.db, { userId: late.id, courseId: course.id, lastActivityAt: utc('2026-11-04T00:00:00') });
    await createEnrollment(t.db, { userId: late.id, status: 'Cancelled', lastActivityAt: utc('2026-11-08T00:00:00') });
    const badged = await createEnrollment(t.db, { userId: early.id });
    await t.db.insertInto('studentBadge').values({ enrollmentId: badged.id, badgeType: 'WeeklyTopPerformer' }).execute();
    const optedOutEnrollment = await createEnrollment(t.db, { userId: optedOut.id });
    const tieYEnrollment = await createEnrollment(t.db, { userId: tieY.id });

    const outcome = await awardCompletedPeriods(t.db, utc('2026-11-11T10:00:00'));
    expect(outcome).toEqual([
      { period: 'week', startDay: '2026-11-02', awarded: true, winners: 5 },
      { period: 'month', startDay: '2026-10-01', awarded: true, winners: 0 },
    ]);
    expect(await awards('week', '2026-11-02')).toEqual([
      { rank: 1, userId: optedOut.id, points: 50, enrollmentId: optedOutEnrollment.id },
      { rank: 2, userId: early.id, points: 30, enrollmentId: null },
      { rank: 3, userId: late.id, points: 30, enrollmentId: recent.id },
      { rank: 4, userId: tieX.id, points: 20, enrollmentId: null },
      { rank: 5, userId: tieY.id, points: 20, enrollmentId: tieYEnrollment.id },
    ]);

    // The badge on the chosen enrollment, without points; a notice for everyone placed.
    const badges = await t.db.selectFrom('studentBadge').select(['enrollmentId', 'badgeType', 'metadata']).where('badgeType', '=', 'WeeklyTopPerformer').orderBy('enrollmentId').execute();
    expect(badges.map((b) => b.enrollmentId).sort()).toEqual([badged.id, optedOutEnrollment.id, recent.id, tieYEnrollment.id].sort());
    expect((await t.db.selectFrom('user').select('points').where('id', '=', late.id).executeTakeFirstOrThrow()).points).toBe(0);
    expect(await t.db.selectFrom('pointLedger').select('id').where('userId', '=', late.id).where('reason', '=', 'Badge').where('createdAt', '>', utc('2026-11-10T00:00:00')).execute()).toEqual([]);
    expect(await noticesOf(late.id)).toEqual([
      { title: 'Badge earned: Top performer of the week', message: 'You came 3rd on the leaderboard for the week of 2 Nov 2026, with 30 points earned.', link: '/dashboard' },
    ]);
    expect(await noticesOf(early.id)).toEqual([
      { title: 'Top performer of the week: 2nd place', message: 'You came 2nd on the leaderboard for the week of 2 Nov 2026, with 30 points earned.', link: '/leaderboard' },
    ]);
    expect(await noticesOf(tieX.id)).toHaveLength(1);
    for (const nobody of [teacher, banned, unearned, outside]) expect(await noticesOf(nobody.id)).toEqual([]);

    // Run again (the next hour): nothing more.
    expect((await awardCompletedPeriods(t.db, utc('2026-11-11T11:05:00'))).map((o) => o.awarded)).toEqual([false, false]);
    expect(await awards('week', '2026-11-02')).toHaveLength(5);
    expect(await noticesOf(late.id)).toHaveLength(1);
  });

  it('awards the month too, with its own badge, and only the last completed period (never older ones)', async () => {
    const january = await createUser(t.db);
    const december = await createUser(t.db);
    const november = await createUser(t.db);
    await earned(november.id, 15, '2026-11-20T10:00:00');
    await earned(december.id, 40, '2026-12-23T23:59:59');
    await earned(january.id, 99, '2027-01-02T10:00:00');
    const enrollment = await createEnrollment(t.db, { userId: december.id });

    const outcome = await awardCompletedPeriods(t.db, utc('2027-01-02T12:00:00'));
    expect(outcome).toEqual([
      { period: 'week', startDay: '2026-12-21', awarded: true, winners: 1 },
      { period: 'month', startDay: '2026-12-01', awarded: true, winners: 1 },
    ]);
    expect(await awards('month', '2026-12-01')).toEqual([{ rank: 1, userId: december.id, points: 40, enrollmentId: enrollment.id }]);
    expect(await awards('week', '2026-12-21')).toEqual([{ rank: 1, userId: december.id, points: 40, enrollmentId: enrollment.id }]);
    // November was never awarded: after "downtime" only the last completed month is.
    expect(await awards('month', '2026-11-01')).toEqual([]);
    const badges = await t.db.selectFrom('studentBadge').select('badgeType').where('enrollmentId', '=', enrollment.id).orderBy('badgeType').execute();
    expect(badges.map((b) => b.badgeType)).toEqual(['MonthlyTopPerformer', 'WeeklyTopPerformer']);
    expect((await noticesOf(december.id)).map((n) => n.message)).toEqual(
      expect.arrayContaining(['You came 1st on the leaderboard for December 2026, with 40 points earned.']),
    );
  });

  it('awards a period exactly once when two runs race', async () => {
    const winner = await createUser(t.db);
    const second = await createUser(t.db);
    await earned(winner.id, 12, '2027-01-05T10:00:00');
    await earned(second.id, 11, '2027-01-05T10:00:00');
    const enrollment = await createEnrollment(t.db, { userId: winner.id });
    const now = utc('2027-01-12T09:00:00');
    const outcomes = await Promise.all([awardCompletedPeriods(t.db, now), awardCompletedPeriods(t.db, now)]);
    const weekRuns = outcomes.map((o) => o.find((p) => p.period === 'week')!);
    expect(weekRuns.map((o) => o.awarded).sort()).toEqual([false, true]);
    expect(await awards('week', '2027-01-04')).toEqual([
      { rank: 1, userId: winner.id, points: 12, enrollmentId: enrollment.id },
      { rank: 2, userId: second.id, points: 11, enrollmentId: null },
    ]);
    expect(await noticesOf(winner.id)).toHaveLength(1);
    expect(await noticesOf(second.id)).toHaveLength(1);
  });

  it('runs as the scheduled job (in the tick’s transaction), once across two instances firing together', async () => {
    const job = jobs.find((j) => j.name === 'award-leaderboards')!;
    expect(job).toMatchObject({ schedule: '5 * * * *', run: awardLeaderboards });
    // Two instances whose clocks name different ticks: the advisory lock or the period row stops the second.
    const student = await createUser(t.db);
    await earned(student.id, 3, '2027-01-13T10:00:00');
    const run = (db: Parameters<typeof awardCompletedPeriods>[0]) => awardCompletedPeriods(db, utc('2027-01-19T00:05:00'));
    const [a, b] = await Promise.all([runOncePerTick(t.db, job.name, utc('2027-01-19T00:05:00'), run), runOncePerTick(t.db, job.name, utc('2027-01-19T00:05:01'), run)]);
    const awardedWeeks = [a, b].flatMap((o) => (o.ran ? o.result.filter((p) => p.period === 'week' && p.awarded) : []));
    expect(awardedWeeks).toHaveLength(1);
    expect(await awards('week', '2027-01-11')).toEqual([{ rank: 1, userId: student.id, points: 3, enrollmentId: null }]);
    expect(await noticesOf(student.id)).toHaveLength(1);
  });
});
