import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Activitytype } from '../../src/db/types.ts';
import { activityCalendar, learningDays } from '../../src/features/learning/streak.ts';
import { zonedToUtc } from '../../src/lib/dates.ts';
import { useTestDatabase } from '../setup/database.ts';
import { createEnrollment, createUser } from '../setup/factories.ts';

/**
 * The streak and the activity calendar (features/learning/streak.ts) on a small fixture, at fixed
 * moments: days are the student's own (their time zone), learning is STREAK_ACTIVITY only.
 */

const t = useTestDatabase();

/** A wall-clock time in a zone as the instant it names. */
const at = (local: string, zone: string) => zonedToUtc(local, zone)!;

async function student(timeZone: string) {
  const user = await createUser(t.db, { timeZone });
  // Two courses: learning in either counts.
  const enrollments = [await createEnrollment(t.db, { userId: user.id }), await createEnrollment(t.db, { userId: user.id })];
  return { user, enrollments };
}

async function activity(enrollmentId: string, createdAt: Date, type: Activitytype = 'CompletedLesson') {
  // ViewedLesson is once per lesson and day: a fresh lesson id keeps rows apart.
  await t.db.insertInto('studentActivity').values({ enrollmentId, type, createdAt, metadata: JSON.stringify({ lessonId: randomUUID() }) }).execute();
}

describe('the learning streak', () => {
  it('runs across a month boundary: 30 Oct, 31 Oct, 1 Nov, 2 Nov is a 4-day streak, on any enrollment', async () => {
    const zone = 'UTC';
    const { user, enrollments } = await student(zone);
    await activity(enrollments[0]!.id, at('2026-10-30T09:00', zone));
    await activity(enrollments[1]!.id, at('2026-10-31T20:00', zone), 'ViewedLesson');
    await activity(enrollments[0]!.id, at('2026-11-01T07:15', zone), 'DownloadedFile');
    await activity(enrollments[1]!.id, at('2026-11-02T12:00', zone), 'SubmittedAssignment');
    const days = await learningDays(t.db, user.id, zone, at('2026-11-02T18:00', zone));
    expect(days).toMatchObject({ current: 4, longestInCalendar: 4, activeToday: true, today: '2026-11-02' });
  });

  it("counts a late-evening activity on the student's own day (America/New_York), and today without learning keeps yesterday's streak", async () => {
    const zone = 'America/New_York';
    const { user, enrollments } = await student(zone);
    await activity(enrollments[0]!.id, at('2026-11-02T10:00', zone));
    // 23:30 in New York is 04:30 UTC the next day: in UTC this would leave a gap on 3 Nov.
    const late = at('2026-11-03T23:30', zone);
    expect(late.toISOString()).toBe('2026-11-04T04:30:00.000Z');
    await activity(enrollments[0]!.id, late);
    const days = await learningDays(t.db, user.id, zone, at('2026-11-04T12:00', zone));
    // Today (4 Nov) has nothing yet: the streak of 2 and 3 Nov still stands.
    expect(days).toMatchObject({ current: 2, activeToday: false, today: '2026-11-04' });
    const cell = (date: string) => days.days.find((d) => d.date === date)?.count;
    expect([cell('2026-11-02'), cell('2026-11-03'), cell('2026-11-04')]).toEqual([1, 1, 0]);
  });

  it('a missed day breaks it; two days without learning end it', async () => {
    const zone = 'Europe/Berlin';
    const { user, enrollments } = await student(zone);
    for (const day of ['2026-11-01', '2026-11-02', '2026-11-03', '2026-11-05', '2026-11-06']) await activity(enrollments[0]!.id, at(`${day}T08:00`, zone));
    expect(await learningDays(t.db, user.id, zone, at('2026-11-06T21:00', zone))).toMatchObject({ current: 2, longestInCalendar: 3, activeToday: true });
    expect(await learningDays(t.db, user.id, zone, at('2026-11-07T21:00', zone))).toMatchObject({ current: 2, activeToday: false });
    expect(await learningDays(t.db, user.id, zone, at('2026-11-08T00:30', zone))).toMatchObject({ current: 0, longestInCalendar: 3 });
  });

  it('signing in (LoggedIn) and missed work are not learning; other students do not count', async () => {
    const zone = 'UTC';
    const { user, enrollments } = await student(zone);
    for (const day of ['2026-11-01', '2026-11-02', '2026-11-03']) {
      await activity(enrollments[0]!.id, at(`${day}T08:00`, zone), 'LoggedIn');
      await activity(enrollments[1]!.id, at(`${day}T09:00`, zone), 'MissedAssignment');
    }
    const other = await student(zone);
    for (const day of ['2026-11-01', '2026-11-02', '2026-11-03']) await activity(other.enrollments[0]!.id, at(`${day}T10:00`, zone));
    const days = await learningDays(t.db, user.id, zone, at('2026-11-03T12:00', zone));
    expect(days).toMatchObject({ current: 0, longestInCalendar: 0, activeToday: false });
    expect(days.days.every((d) => d.count === 0)).toBe(true);
    expect((await learningDays(t.db, other.user.id, zone, at('2026-11-03T12:00', zone))).current).toBe(3);
  });

  it('a run longer than the calendar counts whole for the streak, and only its days inside the 12 weeks for the longest', async () => {
    const zone = 'UTC';
    const { user, enrollments } = await student(zone);
    // 100 days in a row up to Wednesday 4 Nov 2026.
    const end = at('2026-11-04T10:00', zone).getTime();
    for (let i = 0; i < 100; i++) await activity(enrollments[i % 2]!.id, new Date(end - i * 86_400_000));
    const days = await learningDays(t.db, user.id, zone, at('2026-11-04T22:00', zone));
    expect(days.current).toBe(100);
    // The calendar starts on Monday 17 Aug (11 weeks before Monday 2 Nov) and ends today, Wednesday 4 Nov.
    expect(days.longestInCalendar).toBe(77 + 3);
  });
});

describe('the activity calendar', () => {
  it('is 12 whole weeks from a Monday to today (days to come left out), each cell the day’s learning count', async () => {
    const zone = 'Asia/Tokyo';
    const { user, enrollments } = await student(zone);
    // Three on Tuesday 3 Nov, one on Monday 17 Aug (the first cell), one the day before it (not shown).
    for (const time of ['08:00', '12:00', '23:59']) await activity(enrollments[0]!.id, at(`2026-11-03T${time}`, zone));
    await activity(enrollments[1]!.id, at('2026-08-17T00:01', zone));
    await activity(enrollments[1]!.id, at('2026-08-16T23:59', zone));
    await activity(enrollments[1]!.id, at('2026-11-02T10:00', zone), 'LoggedIn');
    const days = await learningDays(t.db, user.id, zone, at('2026-11-04T09:00', zone));
    expect(days.days[0]).toEqual({ date: '2026-08-17', count: 1 });
    expect(days.days.at(-1)).toEqual({ date: '2026-11-04', count: 0 });
    // 11 whole weeks and Monday to Wednesday of this one.
    expect(days.days).toHaveLength(11 * 7 + 3);
    expect(days.days.filter((d) => d.count > 0)).toEqual([
      { date: '2026-08-17', count: 1 },
      { date: '2026-11-03', count: 3 },
    ]);

    const chart = activityCalendar(days);
    expect(chart.kind).toBe('calendar');
    expect(chart.cells).toHaveLength(80);
    // 12 columns: the last one is this week's three days.
    expect(chart.width).toBe(26 + 12 * 14);
    expect(chart.cells.find((c) => c.label === '3 activities on Tue 3 Nov')?.level).toBe(4);
    expect(chart.cells.filter((c) => c.level === 0)).toHaveLength(78);
    expect(chart.description).toBe('You learned on 2 days (4 activities) in the last 12 weeks: one square per day, Monday to Sunday, each darker the more you did.');
    expect(chart.table.rows).toEqual([
      ['Mon 17 Aug', '1'],
      ['Tue 3 Nov', '3'],
    ]);
  });

  it('shows on a Sunday the whole current week, and an empty history as zeros', async () => {
    const { user } = await student('UTC');
    const days = await learningDays(t.db, user.id, 'UTC', at('2026-11-08T23:00', 'UTC'));
    expect(days.days).toHaveLength(84);
    expect(days.days[0]!.date).toBe('2026-08-17');
    expect(days).toMatchObject({ current: 0, longestInCalendar: 0, activeToday: false });
    expect(activityCalendar(days).description).toMatch(/^No learning in the last 12 weeks/);
  });
});
