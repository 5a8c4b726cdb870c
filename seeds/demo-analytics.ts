import { DEMO_VIDEO_SECONDS, demoLectureVideo } from './demo-lecture.ts';
import { randomUUID } from 'node:crypto';
import { sql, type Insertable, type Transaction } from 'kysely';
import { pino } from 'pino';
import type { DB, StudentActivity } from '../src/db/types.ts';
import { BADGE_NAMES } from '../src/features/learning/badges.ts';
import { awardCompletedPeriods } from '../src/features/leaderboard/award.ts';
import { setting } from '../src/features/system/settings.ts';
import { describeUserAgent } from '../src/lib/user-agent.ts';
import { queueTranscode } from '../src/features/video/state.ts';
import { createJobQueue } from '../src/queue/boss.ts';
import { newKey, type Storage } from '../src/storage/index.ts';
import { DEMO_ASSIGNMENT } from './demo-assessments.ts';
import {
  APPLICATIONS, DEMO_COURSE_SLUGS, DEMO_LEARNERS, learnerEmail, PLANS, SAM_DAYS, SAM_STREAK_BADGE, SEARCHES, VIDEO_LESSONS,
  type CourseKey, type When, type Who,
} from './demo-analytics-plan.ts';

/**
 * The demo's history, so a newcomer who signs in sees every analytics chart with something in it
 * (seeds/demo-analytics-plan.ts says who did what when): twelve more learners (they sign in with the
 * demo password too) enrolled in the demo teacher's courses over the last 12 weeks, with payments,
 * a part and a full refund, lesson progress that drops off, quiz and assignment results, ratings,
 * their activity and sign-ins, watch time on the lessons with a video; the demo student's days of
 * learning (a five-day streak ending today) and points history; teacher applications in every
 * state; searches; this week's leaderboard, and last week's and last month's awarded.
 *
 * Every row is written as the app writes it: points through the ledger (each balance its ledger's
 * sum), badges with their points, a full refund Refunded with its enrollment Cancelled, activity
 * once a day per lesson (`on conflict do nothing` on the daily keys), a sign-in's LoggedIn on each
 * Active enrollment, each person's active days; past leaderboards by the award job's own code.
 * Dated relative to now. Idempotent: people by email; the rest once, while the demo student has no
 * enrollment in the free course.
 */

const DAY = 86_400_000;
const VIDEO_SECONDS = DEMO_VIDEO_SECONDS; // seeds/demo-lecture.ts
/** An uploaded video's key (storage/variants.ts): only those have renditions. */
const VIDEO_KEY = /^videos\/.+\/[0-9a-f-]{36}\.(?:mp4|webm)$/;
const BROWSER = 'Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0 Mobile Safari/537.36';

export async function seedDemoAnalytics(trx: Transaction<DB>, userIds: Map<string, string>, passwordHash: string, storage?: Storage): Promise<void> {
  const now = Date.now();
  const midnight = (t: number) => t - (((t % DAY) + DAY) % DAY);
  const weekStart = midnight(now) - ((new Date(now).getUTCDay() + 6) % 7) * DAY;
  /** A moment on the day `days` ago (UTC), a few minutes before now's time of day but never on the day before. */
  const onDay = (days: number, minutesBefore: number) => new Date(Math.max(now - days * DAY - minutesBefore * 60_000, midnight(now - days * DAY)));
  const daysIntoWeek = Math.round((midnight(now) - weekStart) / DAY);
  const at = (when: When): Date => {
    if (typeof when === 'number') return new Date(now - when * DAY);
    if ('thisWeek' in when) return new Date(weekStart + when.thisWeek * (now - weekStart));
    if ('lastWeek' in when) return new Date(weekStart - 7 * DAY + when.lastWeek * 7 * DAY);
    const days = when.week === 'this' ? Math.min(when.day, daysIntoWeek) : Math.max(6, daysIntoWeek + 1) + when.day;
    return onDay(days, when.minutesBefore);
  };

  // The learners, by email (their accounts share the demo password's hash).
  const who = new Map<Who, string>([['sam', userIds.get('student@example.com')!]]);
  for (const learner of DEMO_LEARNERS) {
    const email = learnerEmail(learner);
    let user = await trx.selectFrom('user').select('id').where(sql<string>`lower(email)`, '=', email).executeTakeFirst();
    if (!user) {
      user = await trx
        .insertInto('user')
        .values({ firstName: learner.firstName, lastName: learner.lastName, email, emailVerified: true, role: 'role' in learner ? learner.role : 'student', leaderboardOptOut: 'leaderboardOptOut' in learner })
        .returning('id')
        .executeTakeFirstOrThrow();
      await trx.insertInto('account').values({ userId: user.id, accountId: user.id, providerId: 'credential', password: passwordHash }).execute();
    }
    who.set(learner.key, user.id);
  }

  const courseRows = await trx.selectFrom('course').select(['id', 'slug', 'title', 'price']).where('slug', 'in', Object.values(DEMO_COURSE_SLUGS)).execute();
  if (courseRows.length < 3) return; // the courses were removed by hand: nothing to hang a history on
  const lessonRows = await trx
    .selectFrom('lesson as l')
    .innerJoin('chapter as ch', 'ch.id', 'l.chapterId')
    .select(['l.id', 'l.videoKey', 'ch.courseId'])
    .where('ch.courseId', 'in', courseRows.map((c) => c.id))
    .orderBy('ch.position')
    .orderBy('l.position')
    .execute();
  const courses = Object.fromEntries(
    (Object.keys(DEMO_COURSE_SLUGS) as CourseKey[]).map((key) => {
      const row = courseRows.find((c) => c.slug === DEMO_COURSE_SLUGS[key])!;
      return [key, { ...row, lessons: lessonRows.filter((l) => l.courseId === row.id) }];
    }),
  ) as Record<CourseKey, (typeof courseRows)[number] & { lessons: typeof lessonRows }>;

  // The demo video on a few lessons, stored like an upload (one copy per lesson: replacing one
  // lesson's video deletes its file), when there is storage; the watch figures below follow it.
  // Each gets its transcode queued as an upload's is (in this transaction), so the server's video
  // worker makes its small copy and poster within seconds of `npm start`. A lesson seeded before
  // videos were transcoded (its video, no transcode row) is queued too; one queued before is not.
  if (storage) {
    const video = await demoLectureVideo();
    // Only sends (in `trx`): never started, so it opens nothing and has nothing to log.
    const queue = createJobQueue({ db: trx, logger: pino({ level: 'silent' }) });
    const queued = lessonRows.length > 0 ? await trx.selectFrom('videoTranscode').select('videoKey').where('lessonId', 'in', lessonRows.map((l) => l.id)).execute() : [];
    const transcoded = new Set(queued.map((r) => r.videoKey));
    for (const key of Object.keys(VIDEO_LESSONS) as CourseKey[]) {
      for (const n of VIDEO_LESSONS[key]) {
        const lesson = courses[key].lessons[n - 1];
        if (!lesson) continue;
        let sourceBytes = video.buffer.length;
        if (!lesson.videoKey) {
          lesson.videoKey = newKey('videos', video.extension);
          await storage.put(lesson.videoKey, video.buffer, { contentType: video.contentType, contentLength: video.buffer.length });
          await trx.updateTable('lesson').set({ videoKey: lesson.videoKey }).where('id', '=', lesson.id).execute();
        } else {
          if (transcoded.has(lesson.videoKey) || !VIDEO_KEY.test(lesson.videoKey)) continue;
          const stored = await storage.head(lesson.videoKey);
          if (!stored) continue; // its file is gone: nothing to transcode
          sourceBytes = stored.size;
        }
        await queueTranscode(trx, queue, { lessonId: lesson.id, videoKey: lesson.videoKey, sourceBytes });
      }
    }
  }

  const started = await trx.selectFrom('enrollment').select('id').where('userId', '=', who.get('sam')!).where('courseId', '=', courses.web.id).executeTakeFirst();
  if (started) return;

  const quiz = await trx
    .selectFrom('quiz')
    .select(['id', 'title', 'points', 'lessonId'])
    .where('lessonId', 'in', courses.web.lessons.map((l) => l.id))
    .executeTakeFirst();
  const questions = quiz ? await trx.selectFrom('quizQuestion').select(['id', 'options', 'correctAnswer']).where('quizId', '=', quiz.id).orderBy('position').execute() : [];
  const assignment = await trx
    .selectFrom('assignment')
    .select(['id', 'points'])
    .where('lessonId', 'in', courses.web.lessons.map((l) => l.id))
    .where('title', '=', DEMO_ASSIGNMENT.title)
    .executeTakeFirst();
  const admin = userIds.get('admin@example.com')!;
  const badgePoints = await setting(trx, 'learning.badgePoints');

  const enrollments: Array<Insertable<DB['enrollment']> & { id: string; who: Who; course: CourseKey; cancelledAt?: Date }> = [];
  const payments: Array<Insertable<DB['paymentTransaction']>> = [];
  const progress: Array<Insertable<DB['lessonProgress']>> = [];
  const activity: Array<Insertable<StudentActivity>> = [];
  const ledger: Array<{ userId: string; points: number; reason: string; description: string; link: string | null; createdAt: Date }> = [];
  const badges: Array<Insertable<DB['studentBadge']>> = [];
  const watch: Array<Insertable<DB['lessonWatchAnalytics']>> = [];
  const ratings: Array<Insertable<DB['courseRating']>> = [];
  const quizRows: Array<Insertable<DB['quizSubmission']>> = [];
  const handedIn: Array<Insertable<DB['assignmentSubmission']>> = [];
  const view = (enrollmentId: string, lessonId: string, t: Date) =>
    activity.push({ enrollmentId, type: 'ViewedLesson', description: 'Opened a lesson', metadata: JSON.stringify({ lessonId }), createdAt: t });

  for (const [index, plan] of PLANS.entries()) {
    const userId = who.get(plan.who)!;
    const course = courses[plan.course];
    const lesson = (n: number) => course.lessons[n - 1]!;
    const id = randomUUID();
    const enrolledAt = at(plan.enrolled);
    const refundedAt = plan.refund ? at(plan.refund.when) : undefined;
    const full = plan.refund?.cents === 'all';
    activity.push({ enrollmentId: id, type: 'StartedCourse', description: 'Opened the first lesson', metadata: JSON.stringify({ lessonId: lesson(1).id }), createdAt: enrolledAt });
    view(id, lesson(1).id, enrolledAt);
    for (const [n, when] of plan.done) {
      const t = at(when);
      progress.push({ userId, lessonId: lesson(n).id, completed: true, createdAt: t, updatedAt: t });
      view(id, lesson(n).id, new Date(Math.max(enrolledAt.getTime(), t.getTime() - 4 * 60_000)));
      activity.push({ enrollmentId: id, type: 'CompletedLesson', description: 'Completed a lesson', metadata: JSON.stringify({ lessonId: lesson(n).id }), createdAt: t });
    }
    const first = plan.done.map(([, when]) => at(when)).sort((a, b) => a.getTime() - b.getTime())[0];
    if (first) {
      badges.push({ enrollmentId: id, badgeType: 'FirstLessonCompleted', earnedAt: first, metadata: JSON.stringify({ points: badgePoints.FirstLessonCompleted }) });
      ledger.push({ userId, points: badgePoints.FirstLessonCompleted, reason: 'Badge', description: `${BADGE_NAMES.FirstLessonCompleted} in "${course.title}"`, link: '/dashboard', createdAt: first });
    }
    if (quiz && plan.quiz) {
      // As the app scores and credits: the first right answers, the rest wrong; points for a better best only.
      const lessonLink = `/learn/${course.slug}/lessons/${quiz.lessonId}`;
      let best = { score: -1, points: 0, answers: {} as Record<string, number>, right: 0 };
      for (const [score, when] of plan.quiz) {
        const right = Math.round((score * questions.length) / 100);
        const answers = Object.fromEntries(questions.map((q, i) => [q.id, i < right ? q.correctAnswer : (q.correctAnswer + 1) % q.options.length]));
        const points = Math.round((quiz.points * score) / 100);
        if (points > best.points) ledger.push({ userId, points: points - best.points, reason: 'Quiz', description: `"${quiz.title ?? 'Quiz'}" in "${course.title}"`, link: lessonLink, createdAt: at(when) });
        if (score >= best.score) best = { score, points, answers, right };
      }
      const lastTry = at(plan.quiz[plan.quiz.length - 1]![1]);
      quizRows.push({ quizId: quiz.id, userId, answers: JSON.stringify(best.answers), correctAnswers: best.right, totalQuestions: questions.length, score: best.score, pointsEarned: best.points, submittedAt: lastTry, updatedAt: lastTry });
    }
    if (assignment && plan.assignment) {
      const [when, grade, feedback] = plan.assignment;
      const t = at(when);
      handedIn.push({
        assignmentId: assignment.id, userId, link: `https://${plan.who}.example.net/contact.html`, description: 'My contact form: name, email and message, each with a label. It posts to the server without JavaScript.',
        status: grade === null ? 'Pending' : 'Graded', grade, feedback: grade === null ? null : (feedback ?? 'Works without JavaScript, labels in place. Well done.'), submittedAt: t, updatedAt: t,
      });
      activity.push({ enrollmentId: id, type: 'SubmittedAssignment', description: 'Handed in an assignment', metadata: JSON.stringify({ assignmentId: assignment.id }), createdAt: t });
    }
    // Watched: each completed video lesson 70-100 %, the next one (opened, not finished) under half.
    const lastDone = Math.max(0, ...plan.done.map(([n]) => n));
    for (const n of VIDEO_LESSONS[plan.course]) {
      const l = course.lessons[n - 1];
      const finished = plan.done.find(([d]) => d === n);
      const opened = !finished && n === lastDone + 1 && !full;
      if (!l?.videoKey || (!finished && !opened)) continue;
      const rate = finished ? 100 - ((index * 7 + n * 13) % 31) : 15 + ((index * 11 + n) % 30);
      // Opened after the last lesson done (or the start), halfway to now.
      const since = plan.done.length ? at(plan.done[plan.done.length - 1]![1]) : enrolledAt;
      const t = finished ? at(finished[1]) : new Date((since.getTime() + now) / 2);
      watch.push({ lessonId: l.id, userId, watchDuration: Math.round((VIDEO_SECONDS * rate) / 100), totalDuration: VIDEO_SECONDS, completionRate: rate, lastWatchedAt: t, createdAt: t, updatedAt: t });
      if (opened) view(id, l.id, t);
    }
    if (plan.rating) {
      const t = at(plan.done.length ? plan.done[plan.done.length - 1]![1] : plan.enrolled);
      ratings.push({ courseId: course.id, userId, rating: plan.rating[0], comment: plan.rating[1], createdAt: t, updatedAt: t });
    }
    if (course.price > 0) {
      const refunded = plan.refund ? (full ? course.price : (plan.refund.cents as number)) : null;
      payments.push({
        enrollmentId: id, amount: course.price, currency: 'usd', status: full ? 'Refunded' : 'Completed', paymentMethod: 'card', createdAt: enrolledAt,
        refunded: !!plan.refund, refundAmount: refunded, refundReason: plan.refund?.reason ?? null, refundedAt: refundedAt ?? null,
        metadata: plan.refund ? JSON.stringify({ refunds: [{ key: `refund-demo-${id}`, amount: refunded, reason: plan.refund.reason, adminId: admin, stripeRefundId: null, at: refundedAt!.toISOString() }] }) : null,
      });
    }
    enrollments.push({ id, who: plan.who, course: plan.course, userId, courseId: course.id, amount: course.price, status: full ? 'Cancelled' : 'Active', createdAt: enrolledAt, ...(full ? { cancelledAt: refundedAt } : {}) });
  }

  // The demo student: lessons opened on many days (a streak up to today), the seven-day streak badge
  // last week with its seven days, and the 5 points their pending blog post cost.
  const sam = who.get('sam')!;
  const samIn = (course: CourseKey) => enrollments.find((e) => e.who === 'sam' && e.course === course)!;
  for (const [days, count] of SAM_DAYS) {
    for (let i = 0; i < count; i++) {
      const course: CourseKey = days < 55 && i % 2 === 1 ? 'sheets' : 'web';
      const lessons = courses[course].lessons.slice(0, course === 'web' ? 5 : 3);
      view(samIn(course).id, lessons[(days + i) % lessons.length]!.id, onDay(days, 30 + i * 7));
    }
  }
  const streakAt = at(SAM_STREAK_BADGE);
  const streakDay = Math.floor((now - streakAt.getTime()) / DAY);
  for (let d = 0; d < 7; d++) view(samIn('web').id, courses.web.lessons[(d % 3) + 2]!.id, d === 0 ? streakAt : onDay(streakDay + d, 45));
  badges.push({ enrollmentId: samIn('web').id, badgeType: 'SevenDayStreak', earnedAt: streakAt, metadata: JSON.stringify({ points: badgePoints.SevenDayStreak }) });
  ledger.push({ userId: sam, points: badgePoints.SevenDayStreak, reason: 'Badge', description: `${BADGE_NAMES.SevenDayStreak} in "${courses.web.title}"`, link: '/dashboard', createdAt: streakAt });
  const pending = await trx.selectFrom('blog').select(['pointsSpent', 'createdAt', 'title']).where('authorId', '=', sam).where('status', '=', 'Pending').executeTakeFirst();
  if (pending && pending.pointsSpent > 0) {
    ledger.push({ userId: sam, points: -pending.pointsSpent, reason: 'BlogSubmission', description: `"${pending.title}" sent to moderation`, link: null, createdAt: new Date(pending.createdAt) });
  }

  // Sign-ins: one on each day a learner was active, with LoggedIn on each Active enrollment they had then.
  const logins: Array<Insertable<DB['loginHistory']>> = [];
  const described = describeUserAgent(BROWSER);
  const device = JSON.stringify(described);
  const sessions: Array<Insertable<DB['loginSession']>> = [];
  const days = new Map<string, Date>();
  for (const row of activity) {
    const e = enrollments.find((x) => x.id === row.enrollmentId)!;
    const t = row.createdAt as Date;
    const key = `${e.userId} ${midnight(t.getTime())}`;
    if (!days.has(key) || days.get(key)! > t) days.set(key, t);
  }
  for (const [key, first] of days) {
    const userId = key.split(' ')[0]!;
    const t = new Date(Math.max(first.getTime() - 2 * 60_000, midnight(first.getTime())));
    logins.push({ userId, success: true, ipAddress: '203.0.113.7', country: 'KE', userAgent: BROWSER, deviceInfo: device, createdAt: t });
    for (const e of enrollments.filter((x) => x.userId === userId && (x.createdAt as Date) <= t && !(x.cancelledAt && x.cancelledAt <= t))) {
      activity.push({ enrollmentId: e.id, type: 'LoggedIn', description: 'Signed in', metadata: null, createdAt: t });
      // As a sign-in writes them (accounts/service.ts recordSignIn): one per Active enrollment.
      sessions.push({ enrollmentId: e.id, device: described.device, browser: described.browser, country: 'KE', ipAddress: '203.0.113.7', userAgent: BROWSER, loggedInAt: t });
    }
  }

  // Last activity of each enrollment (signing in is not learning).
  for (const e of enrollments) {
    const times = activity.filter((a) => a.enrollmentId === e.id && a.type !== 'LoggedIn').map((a) => (a.createdAt as Date).getTime());
    e.lastActivityAt = new Date(Math.max(...times));
  }

  await trx.insertInto('enrollment').values(enrollments.map(({ who: _w, course: _c, cancelledAt: _x, ...e }) => e)).execute();
  await trx.insertInto('paymentTransaction').values(payments).execute();
  await trx.insertInto('lessonProgress').values(progress).execute();
  await trx.insertInto('studentActivity').values(activity).onConflict((oc) => oc.doNothing()).execute();
  await trx.insertInto('studentBadge').values(badges).execute();
  await trx.insertInto('courseRating').values(ratings).execute();
  if (quizRows.length) await trx.insertInto('quizSubmission').values(quizRows).execute();
  if (handedIn.length) await trx.insertInto('assignmentSubmission').values(handedIn).execute();
  if (watch.length) await trx.insertInto('lessonWatchAnalytics').values(watch).execute();
  await trx.insertInto('loginHistory').values(logins).execute();
  if (sessions.length) await trx.insertInto('loginSession').values(sessions).execute();

  // Teacher applications (one per person), and catalog searches over the 12 weeks.
  await trx
    .insertInto('teacherApplication')
    .values(
      APPLICATIONS.map((a) => ({
        userId: who.get(a.who)!,
        status: a.status,
        applicationData: JSON.stringify({ experience: 'I have taught evening classes for three years.', subjects: a.subjects, sampleLink: null, motivation: 'I want to reach people who cannot come to a classroom.' }),
        rejectionReason: a.reason ?? null,
        reviewedBy: a.reviewed === undefined ? null : admin,
        reviewedAt: a.reviewed === undefined ? null : at(a.reviewed),
        createdAt: at(a.sent),
      })),
    )
    .onConflict((oc) => oc.column('userId').doNothing())
    .execute();
  await trx
    .insertInto('searchAnalytics')
    .values(SEARCHES.map(([query, results, clicked, days], i) => ({ query, resultsCount: results, clickedResult: clicked ? DEMO_COURSE_SLUGS[clicked] : null, userId: i % 3 ? [...who.values()][i % who.size]! : null, createdAt: at(days) })))
    .execute();

  // Points through the ledger; each balance is its ledger's sum.
  await trx.insertInto('pointLedger').values(ledger).execute();
  await trx
    .updateTable('user')
    .set({ points: sql<number>`(select coalesce(sum(l.points), 0)::int from point_ledger l where l.user_id = "user".id)` })
    .where('id', 'in', [...who.values()])
    .execute();
  // Last week's and last month's leaderboards, awarded by the job's own code (its badges, no
  // points, and notices), so /leaderboard shows past winners at once; the job finds them done.
  await awardCompletedPeriods(trx, new Date(now));

  // The days each person used Edupeak (what the presence tracker records as it happens): from the
  // demo's sign-ins and activity, as migration user-active-day fills it from older rows.
  await sql`
    insert into user_active_day (day, user_id)
    select (l.created_at at time zone 'UTC')::date, l.user_id from login_history l where l.success
    union
    select (a.created_at at time zone 'UTC')::date, e.user_id from student_activity a join enrollment e on e.id = a.enrollment_id where a.type <> 'MissedAssignment'
    on conflict do nothing`.execute(trx);

  // The history starts 12 weeks ago: people joined, and the courses were made, before it.
  const firstSeen = new Map<string, number>();
  for (const e of enrollments) firstSeen.set(e.userId, Math.min(firstSeen.get(e.userId) ?? now, (e.createdAt as Date).getTime()));
  for (const a of APPLICATIONS) firstSeen.set(who.get(a.who)!, Math.min(firstSeen.get(who.get(a.who)!) ?? now, at(a.sent).getTime()));
  for (const [userId, t] of firstSeen) await trx.updateTable('user').set({ createdAt: new Date(t - 3 * 3_600_000) }).where('id', '=', userId).execute();
  for (const [email, days] of [['admin@example.com', 120], ['teacher@example.com', 110]] as const) {
    await trx.updateTable('user').set({ createdAt: new Date(now - days * DAY) }).where('id', '=', userIds.get(email)!).execute();
  }
  for (const [i, key] of (['web', 'sheets', 'data'] as const).entries()) {
    await trx.updateTable('course').set({ createdAt: new Date(now - (91 + i) * DAY) }).where('id', '=', courses[key].id).execute();
  }
}
