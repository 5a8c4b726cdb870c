import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../../seeds/demo.ts';
import { DEMO_COURSE_SLUGS } from '../../seeds/demo-analytics-plan.ts';
import { STREAK_ACTIVITY } from '../../src/features/learning/badges.ts';
import { EARNED_REASONS } from '../../src/features/points/ledger.ts';
import { createDiskStorage, type Storage } from '../../src/storage/index.ts';
import { useTestDatabase } from '../setup/database.ts';

type Db = Parameters<typeof seedDemo>[0];
const rows = async <T,>(db: Db, query: ReturnType<typeof sql<T>>) => (await query.execute(db)).rows;
const DAY = 86_400_000;
const learning = sql.join(STREAK_ACTIVITY.map((t) => sql.lit(t)));
const earned = sql.join(EARNED_REASONS.map((r) => sql.lit(r)));
/** Monday 00:00 UTC of this week, as the leaderboards cut weeks. */
const weekStart = () => {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) - ((now.getUTCDay() + 6) % 7) * DAY);
};

describe('the demo data gives every analytics chart something to show', () => {
  const t = useTestDatabase();
  let storage: Storage;
  beforeAll(async () => {
    storage = createDiskStorage(path.join(mkdtempSync(path.join(os.tmpdir(), 'edupeak-seed-')), 'uploads'));
    const started = performance.now();
    await seedDemo(t.db, { env: 'development', storage });
    console.info(`demo seed with its analytics history: ${Math.round(performance.now() - started)} ms`);
  });

  it("the free course's funnel drops off: 12 Active students start, 2 reach the last lesson, none has finished", async () => {
    const funnel = await rows<{ position: number; completed: number }>(t.db, sql`
      select row_number() over (order by ch.position, l.position)::int as position,
        (select count(*)::int from lesson_progress p join enrollment e on e.user_id = p.user_id and e.course_id = c.id and e.status = 'Active'
         where p.lesson_id = l.id and p.completed) as completed
      from course c join chapter ch on ch.course_id = c.id join lesson l on l.chapter_id = ch.id
      where c.slug = ${DEMO_COURSE_SLUGS.web} order by ch.position, l.position`);
    expect(funnel.map((r) => r.completed)).toEqual([12, 11, 9, 7, 5, 3, 2]);
    const finished = await rows<{ n: number }>(t.db, sql`
      select count(*)::int as n from enrollment e
      where (select count(*) from lesson_progress p join lesson l on l.id = p.lesson_id join chapter ch on ch.id = l.chapter_id where ch.course_id = e.course_id and p.user_id = e.user_id and p.completed)
          = (select count(*) from lesson l join chapter ch on ch.id = l.chapter_id where ch.course_id = e.course_id)`);
    expect(finished[0]!.n).toBe(0);
  });

  it('enrollments and payments spread over the last 12 weeks, with one part refund and one full refund (its enrollment Cancelled)', async () => {
    const weeks = await rows<{ n: number; oldest: Date }>(t.db, sql`
      select count(distinct date_trunc('week', created_at))::int as n, min(created_at) as oldest from enrollment`);
    expect(weeks[0]!.n).toBeGreaterThanOrEqual(10);
    expect(new Date(weeks[0]!.oldest).getTime()).toBeGreaterThan(Date.now() - 13 * 7 * DAY);
    const refunds = await rows<{ status: string; part: boolean; enrollment: string }>(t.db, sql`
      select p.status::text, p.refund_amount < p.amount as part, e.status::text as enrollment
      from payment_transaction p join enrollment e on e.id = p.enrollment_id where p.refunded order by p.status`);
    expect(refunds).toEqual([
      { status: 'Completed', part: true, enrollment: 'Active' },
      { status: 'Refunded', part: false, enrollment: 'Cancelled' },
    ]);
    const unpaid = await rows<{ n: number }>(t.db, sql`
      select count(*)::int as n from enrollment e where e.amount > 0 and not exists (select 1 from payment_transaction p where p.enrollment_id = e.id and p.amount = e.amount)`);
    expect(unpaid[0]!.n).toBe(0);
  });

  it('has ratings from 1 to 5, quiz results scored from their answers, graded and waiting assignments', async () => {
    const stars = await rows<{ rating: number }>(t.db, sql`
      select distinct r.rating from course_rating r join course c on c.id = r.course_id where c.slug = ${DEMO_COURSE_SLUGS.web} order by 1`);
    expect(stars.map((r) => r.rating)).toEqual([1, 2, 3, 4, 5]);
    const quiz = await rows<{ n: number; wrong: number; failed: number }>(t.db, sql`
      select count(*)::int as n,
        count(*) filter (where s.correct_answers <> (select count(*) from quiz_question q where q.quiz_id = s.quiz_id and (s.answers->>q.id::text)::int = q.correct_answer)
          or s.score <> round(100.0 * s.correct_answers / s.total_questions))::int as wrong,
        count(*) filter (where s.score < 60)::int as failed
      from quiz_submission s`);
    expect(quiz[0]).toEqual({ n: 12, wrong: 0, failed: 1 });
    const graded = await rows<{ status: string; n: number }>(t.db, sql`select status::text, count(*)::int as n from assignment_submission group by 1 order by 1`);
    expect(graded).toEqual([
      { status: 'Graded', n: 5 },
      { status: 'Pending', n: 2 },
    ]);
  });

  it('gives the demo student many days of learning, a streak up to today, and a points history that adds up to the balance', async () => {
    const days = await rows<{ day: string }>(t.db, sql`
      select distinct to_char(a.created_at at time zone 'UTC', 'YYYY-MM-DD') as day
      from student_activity a join enrollment e on e.id = a.enrollment_id join "user" u on u.id = e.user_id
      where u.email = 'student@example.com' and a.type in (${learning}) and a.created_at > now() - interval '84 days'`);
    expect(days.length).toBeGreaterThanOrEqual(30);
    const active = new Set(days.map((d) => d.day));
    // A five-day streak on any day of the week: today and the four days before, not the fifth.
    const day = (d: number) => new Date(Date.now() - d * DAY).toISOString().slice(0, 10);
    expect([0, 1, 2, 3, 4, 5].map((d) => active.has(day(d)))).toEqual([true, true, true, true, true, false]);
    const history = await rows<{ reason: string; n: number }>(t.db, sql`
      select l.reason, count(*)::int as n from point_ledger l join "user" u on u.id = l.user_id where u.email = 'student@example.com' group by 1 order by 1`);
    expect(history.map((h) => h.reason)).toEqual(['Badge', 'BlogSubmission', 'Quiz']);
  });

  it('keeps every balance equal to its ledger, and dates no activity before its enrollment or in the future', async () => {
    const off = await rows<{ email: string }>(t.db, sql`
      select u.email from "user" u where u.points <> coalesce((select sum(points) from point_ledger l where l.user_id = u.id), 0)`);
    expect(off).toEqual([]);
    const early = await rows<{ n: number }>(t.db, sql`
      select count(*)::int as n from student_activity a join enrollment e on e.id = a.enrollment_id where a.created_at < e.created_at`);
    expect(early[0]!.n).toBe(0);
    for (const [table, column] of [['student_activity', 'created_at'], ['enrollment', 'created_at'], ['point_ledger', 'created_at'], ['login_history', 'created_at'], ['payment_transaction', 'refunded_at']]) {
      const future = await rows<{ n: number }>(t.db, sql`select count(*)::int as n from ${sql.table(table!)} where ${sql.ref(column!)} > now()`);
      expect(future[0]!.n, table).toBe(0);
    }
  });

  it("has this week's leaderboard (several students, a tie) and last week's awarded, the demo student first with the badge", async () => {
    const thisWeek = await rows<{ points: number }>(t.db, sql`
      select sum(l.points)::int as points from point_ledger l join "user" u on u.id = l.user_id
      where u.role = 'student' and l.reason in (${earned}) and l.created_at >= ${weekStart()} group by l.user_id order by 1 desc`);
    expect(thisWeek.length).toBeGreaterThanOrEqual(5);
    expect(new Set(thisWeek.map((r) => r.points)).size).toBeLessThan(thisWeek.length); // a tie
    const lastWeekStart = new Date(weekStart().getTime() - 7 * DAY);
    const awards = await rows<{ rank: number; email: string; points: number; earned: number; badge: boolean }>(t.db, sql`
      select a.rank, u.email, a.points,
        (select sum(l.points)::int from point_ledger l where l.user_id = a.user_id and l.reason in (${earned}) and l.created_at >= ${lastWeekStart} and l.created_at < ${weekStart()}) as earned,
        exists (select 1 from student_badge b where b.enrollment_id = a.enrollment_id and b.badge_type = 'WeeklyTopPerformer') as badge
      from leaderboard_award a join "user" u on u.id = a.user_id
      where a.period = 'week' and a.period_start = ${lastWeekStart.toISOString().slice(0, 10)}::date order by a.rank`);
    expect(awards.map((a) => a.rank)).toEqual([1, 2, 3]);
    expect(awards[0]!.email).toBe('student@example.com');
    for (const a of awards) expect(a).toMatchObject({ points: a.earned, badge: true });
    // Ranked as the job ranks: more points first (a tie for second and third goes to who got there first).
    expect(awards.map((a) => a.points)).toEqual([...awards.map((a) => a.points)].sort((x, y) => y - x));
  });

  it("records each person's active days (user_active_day), for the admin's active users over the 12 weeks", async () => {
    const weeks = await rows<{ n: number; people: number }>(t.db, sql`
      select count(distinct date_trunc('week', day))::int as n, count(distinct user_id)::int as people from user_active_day where day > current_date - 84`);
    expect(weeks[0]!.n).toBeGreaterThanOrEqual(11);
    expect(weeks[0]!.people).toBeGreaterThanOrEqual(13);
    const missing = await rows<{ n: number }>(t.db, sql`
      select count(*)::int as n from login_history l where l.success
        and not exists (select 1 from user_active_day d where d.user_id = l.user_id and d.day = (l.created_at at time zone 'UTC')::date)`);
    expect(missing[0]!.n).toBe(0);
  });

  it('has teacher applications in every state, the approved applicant a teacher, and searches that found nothing or were clicked', async () => {
    const applications = await rows<{ status: string; role: string }>(t.db, sql`
      select a.status::text, u.role::text from teacher_application a join "user" u on u.id = a.user_id order by a.status::text, u.email`);
    expect(applications).toEqual([
      { status: 'Approved', role: 'teacher' },
      { status: 'Pending', role: 'student' },
      { status: 'Pending', role: 'student' },
      { status: 'Rejected', role: 'student' },
    ]);
    const searches = await rows<{ zero: number; clicked: number }>(t.db, sql`
      select count(*) filter (where results_count = 0)::int as zero, count(clicked_result)::int as clicked
      from search_analytics where created_at > now() - interval '90 days' and created_at < now() - interval '30 days'`);
    expect(searches[0]!.zero).toBeGreaterThan(0);
    expect(searches[0]!.clicked).toBeGreaterThan(0);
  });

  it('stores the demo video for a few lessons and records watching only on them', async () => {
    const videos = await rows<{ videoKey: string }>(t.db, sql`select video_key as "videoKey" from lesson where video_key is not null`);
    expect(videos).toHaveLength(6);
    // ffmpeg (installed wherever the suite runs) makes the demo lecture: an MP4 with sound.
    for (const v of videos) expect((await storage.head(v.videoKey))?.contentType).toBe('video/mp4');
    const watched = await rows<{ n: number; elsewhere: number }>(t.db, sql`
      select count(*)::int as n, count(*) filter (where l.video_key is null or w.completion_rate not between 0 and 100)::int as elsewhere
      from lesson_watch_analytics w join lesson l on l.id = w.lesson_id`);
    expect(watched[0]!.n).toBeGreaterThan(20);
    expect(watched[0]!.elsewhere).toBe(0);
  });
});
