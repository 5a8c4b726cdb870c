import { sql } from 'kysely';
import type { Database } from '../../src/db/database.ts';
import { currentPeriod, lastCompletedPeriod } from '../../src/features/leaderboard/periods.ts';
import { createAssignmentSubmission, createEnrollment, createLesson, createQuizSubmission, createUser } from '../setup/factories.ts';

/**
 * Issue 19: what the analytics pages, the dashboard's streak and calendar, the points history and
 * the leaderboard draw, added to the design fixture's course (tests/design/fixture.ts). Five more
 * learners joined over the last 75 days and paid (one refunded in part 30 days ago); they stop at
 * different lessons (the funnel falls from lesson to lesson), watched the course's video lesson (a
 * new fourth lesson, so the watch chart has a bar), took the quiz, two handed in the assignment
 * (graded), and each rated the course. The fixture's student has learned on the last four days (a
 * streak) and on scattered days before (the calendar), with points from quizzes and readers this
 * week and earlier; the learners earned points this week (the leaderboard) and three were last
 * week's winners. Every one of them was active on their days (user_active_day, for the admin's
 * active users).
 *
 * Left alone on purpose: the fixture student's first-lesson progress, ratings, badges and
 * notifications (the style guide test completes that lesson and rates the course; the nav test
 * counts the unread notices).
 */

const DAY = 86_400_000;

type Person = { id: string };

/** Points earned at a moment (the ledger row and the balance in one statement, as src/features/points/ledger.ts writes them). */
async function earned(db: Database, userId: string, points: number, reason: 'Quiz' | 'Badge' | 'BlogEngagement', description: string, at: Date) {
  await sql`
    with credited as (update "user" set points = points + ${points} where id = ${userId} returning id)
    insert into point_ledger (user_id, points, reason, description, created_at)
    select id, ${points}, ${reason}, ${description}, ${at} from credited`.execute(db);
}

export async function analyticsRows(
  db: Database,
  n: number,
  f: {
    student: Person;
    own: { id: string };
    course: { id: string };
    later: { id: string };
    lessons: Array<{ id: string }>;
    quiz: { id: string };
    assignment: { id: string };
  },
) {
  const now = Date.now();
  const ago = (days: number, hours = 0) => new Date(now - days * DAY - hours * 3_600_000);
  // Points of this week and this month (both leaderboards), `minutes` before now but never before either began.
  const periodStart = Math.max(currentPeriod('week').start.getTime(), currentPeriod('month').start.getTime());
  const lately = (minutes: number) => new Date(Math.max(now - minutes * 60_000, periodStart));
  // A video lesson at the end of the course: the watch chart's bar (its page is not in the walk).
  const video = await createLesson(db, { chapterId: f.later.id, title: 'Counting stock with a phone camera', videoKey: `videos/design-${n}-stock.webm` });
  const lessons = [...f.lessons, video];

  // [first name, last name, joined days ago, lessons completed, quiz score, assignment grade, stars, watched %, points this week]
  const plan = [
    ['Amara', 'Eze', 75, 4, 90, 95, 5, 100, 40],
    ['Kwame', 'Mensah', 60, 3, 70, 70, 4, 64, 25],
    ['Zainab', 'Bello', 40, 2, 60, null, 4, 35, 18],
    ['Tunde', 'Afolabi', 20, 1, 40, null, 3, 20, 10],
    ['Grace', 'Njoroge', 6, 1, null, null, 2, 10, 0],
  ] as const;
  const learners: Array<{ id: string; enrollmentId: string; activeDays: number[] }> = [];
  for (const [i, [firstName, lastName, joined, reached, score, grade, stars, watched, points]] of plan.entries()) {
    const user = await createUser(db, { firstName, lastName, email: `${firstName.toLowerCase()}.${lastName.toLowerCase()}-${n}@example.test`, createdAt: ago(joined, 1) });
    const enrollment = await createEnrollment(db, { userId: user.id, courseId: f.course.id, status: 'Active', amount: 124950, createdAt: ago(joined) });
    const partRefund = i === 1;
    await db
      .insertInto('paymentTransaction')
      .values({
        enrollmentId: enrollment.id,
        amount: 124950,
        status: 'Completed',
        stripePaymentId: `pi_design_${enrollment.id}`,
        paymentMethod: 'card',
        createdAt: ago(joined),
        ...(partRefund ? { refunded: true, refundAmount: 24950, refundedAt: ago(30), refundReason: 'The second chapter was not out yet.' } : {}),
      })
      .execute();
    // Completed lessons in course order, one every few days after joining; each a day of learning.
    const activeDays: number[] = [];
    for (const [k, lesson] of lessons.slice(0, reached).entries()) {
      const days = Math.max(0, joined - 2 - k * 4);
      activeDays.push(days);
      await db.insertInto('lessonProgress').values({ lessonId: lesson.id, userId: user.id, completed: true, createdAt: ago(days) }).execute();
      await db.insertInto('studentActivity').values({ enrollmentId: enrollment.id, type: 'CompletedLesson', metadata: JSON.stringify({ lessonId: lesson.id }), createdAt: ago(days) }).execute();
    }
    await db.insertInto('lessonWatchAnalytics').values({ lessonId: video.id, userId: user.id, completionRate: watched, watchDuration: Math.round((watched / 100) * 312), totalDuration: 312 }).execute();
    if (score !== null) await createQuizSubmission(db, { quizId: f.quiz.id, userId: user.id, score, correctAnswers: Math.round((score / 100) * 3), totalQuestions: 3, pointsEarned: Math.round(score / 10), submittedAt: ago(joined - 3) });
    if (grade !== null) {
      await createAssignmentSubmission(db, {
        assignmentId: f.assignment.id,
        userId: user.id,
        description: 'Ten items, their prices and a total made with =SUM.',
        status: 'Graded',
        grade,
        feedback: 'The total is a formula: well done.',
        submittedAt: ago(joined - 6),
      });
    }
    await db.insertInto('courseRating').values({ courseId: f.course.id, userId: user.id, rating: stars, comment: stars >= 4 ? 'Short lessons that fit a lunch break.' : null }).execute();
    if (points > 0) await earned(db, user.id, points, 'Quiz', 'Quiz: Check your formulas', lately(20 + i));
    await db.updateTable('enrollment').set({ lastActivityAt: ago(Math.min(...activeDays)) }).where('id', '=', enrollment.id).execute();
    learners.push({ id: user.id, enrollmentId: enrollment.id, activeDays });
  }

  // The fixture student (on UTC, the default zone): the last four days (a streak of 4; fewer than
  // 7, so no streak badge) and scattered days before, some with more than one thing done (darker
  // squares). Each a minute apart, never before its day's midnight: the same days at any hour.
  const studentDays = [0, 1, 2, 3, 9, 10, 16, 23, 24, 38, 52, 66];
  for (const days of studentDays) {
    const times = days % 3 === 0 ? 3 : 1;
    const at = ago(days).getTime();
    for (let k = 0; k < times; k++) {
      await db
        .insertInto('studentActivity')
        .values({ enrollmentId: f.own.id, type: 'ViewedLesson', metadata: JSON.stringify({ lessonId: lessons[k]!.id }), createdAt: new Date(Math.max(at - k * 60_000, at - (at % DAY))) })
        .execute();
    }
  }
  await db.updateTable('enrollment').set({ lastActivityAt: new Date(now) }).where('id', '=', f.own.id).execute();
  await earned(db, f.student.id, 12, 'Quiz', 'Quiz: Check your formulas', ago(40));
  await earned(db, f.student.id, 6, 'BlogEngagement', 'Your blog post: 6 people read “What a price list with formulas taught me about my corner shop”', ago(9));
  await earned(db, f.student.id, 7, 'Quiz', 'Quiz: Check your formulas', lately(10));
  await earned(db, f.student.id, 3, 'BlogEngagement', 'Your blog post: 3 more readers', lately(30));

  // Last week's winners, awarded once (the fixture may run twice on one database).
  const week = lastCompletedPeriod('week');
  const period = await db.insertInto('leaderboardPeriod').values({ period: 'week', periodStart: week.startDay }).onConflict((oc) => oc.doNothing()).returning('period').executeTakeFirst();
  if (period) {
    await db
      .insertInto('leaderboardAward')
      .values([
        { period: 'week', periodStart: week.startDay, rank: 1, userId: learners[0]!.id, points: 55, enrollmentId: learners[0]!.enrollmentId },
        { period: 'week', periodStart: week.startDay, rank: 2, userId: learners[2]!.id, points: 30, enrollmentId: learners[2]!.enrollmentId },
        { period: 'week', periodStart: week.startDay, rank: 3, userId: f.student.id, points: 21, enrollmentId: f.own.id },
      ])
      .execute();
  }

  // The admin's active users: the days each of them used the site (the presence tracker's table).
  const activeDays = [...learners.map((l) => [l.id, [...l.activeDays, 0]] as const), [f.student.id, studentDays] as const];
  await db
    .insertInto('userActiveDay')
    .values(activeDays.flatMap(([userId, days]) => days.map((d) => ({ userId, day: sql<string>`(${ago(d)}::timestamptz at time zone 'UTC')::date` }))))
    .onConflict((oc) => oc.doNothing())
    .execute();

  return {
    users: { topLearner: learners[0]! },
    // Issue 20's design rows (fixture-video.ts) give this lesson a Ready video and captions.
    videoLesson: video,
    paths: {
      courseAnalytics: `/teach/courses/${f.course.id}/analytics`,
      courseAnalytics30d: `/teach/courses/${f.course.id}/analytics?range=30d`,
      courseAnalyticsAll: `/teach/courses/${f.course.id}/analytics?range=all`,
      adminAnalytics: '/admin/analytics',
      adminAnalytics30d: '/admin/analytics?range=30d',
      adminAnalytics12m: '/admin/analytics?range=12m',
      points: '/dashboard/points',
      leaderboard: '/leaderboard',
      leaderboardMonth: '/leaderboard?period=month',
    },
  };
}
