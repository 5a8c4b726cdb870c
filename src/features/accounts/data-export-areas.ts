import { sql } from 'kysely';
import { jsonArrayFrom, jsonObjectFrom } from 'kysely/helpers/postgres';
import type { Database } from '../../db/database.ts';

/**
 * The queries behind "download my data" (data-export.ts): ONE query per area, each reading only
 * rows that belong to the person (`user_id = $1`, or through their own enrollment), whatever the
 * number of courses, posts or sign-ins. Nested lists (a post's tags, an enrollment's badges, a help
 * request's messages) come from json_agg subqueries inside that one query, never a query per row.
 *
 * What is deliberately left out, everywhere: password hashes (account.password), session and
 * verification tokens, OAuth tokens (account: only the provider's name and when it was linked),
 * Stripe session ids and payment metadata (it names the admin who refunded), the correct option of
 * a quiz question, and anything that names another person (a reviewer's, grader's or admin's id,
 * the comment a reply answers, another person's comment text). Ids of other people's rows are not
 * exported either: a post or course is named by its public title and slug.
 *
 * The account and learning areas are here; posts, comments and the rest in data-export-community.ts.
 */

type Db = Database;

/** The profile, sign-in methods (provider names and dates only), billing address, mail choices, workspaces. */
export function profileArea(db: Db, userId: string) {
  return db
    .selectFrom('user as u')
    .where('u.id', '=', userId)
    .select((eb) => [
      'u.id',
      'u.email',
      'u.emailVerified',
      'u.firstName',
      'u.lastName',
      'u.username',
      'u.phoneNumber',
      'u.designation',
      'u.bio',
      'u.socialWebsite',
      'u.socialGithub',
      'u.socialFacebook',
      'u.socialTwitter',
      'u.socialLinkedin',
      'u.image',
      'u.role',
      'u.points',
      'u.timeZone',
      'u.language',
      'u.dataSaver',
      'u.leaderboardOptOut',
      'u.banned',
      'u.banReason',
      'u.banExpires',
      'u.stripeCustomerId',
      'u.deletionRequestedAt',
      'u.createdAt',
      'u.updatedAt',
      // Only which ways in exist and since when: never account.password or any token.
      jsonArrayFrom(eb.selectFrom('account as a').select(['a.providerId', 'a.createdAt as linkedAt']).whereRef('a.userId', '=', 'u.id').orderBy('a.createdAt')).as('signInMethods'),
      jsonObjectFrom(
        eb
          .selectFrom('billingAddress as b')
          .select([
            'b.firstName',
            'b.lastName',
            'b.companyName',
            'b.email',
            'b.phoneNumber',
            'b.addressLine1',
            'b.addressLine2',
            'b.city',
            'b.state',
            'b.postalCode',
            'b.country',
            'b.vatNumber',
            'b.notes',
            'b.updatedAt',
          ])
          .whereRef('b.userId', '=', 'u.id'),
      ).as('billingAddress'),
      jsonArrayFrom(eb.selectFrom('notificationPreference as np').select(['np.topic', 'np.email', 'np.updatedAt']).whereRef('np.userId', '=', 'u.id').orderBy('np.topic')).as('mailChoices'),
      jsonArrayFrom(
        eb
          .selectFrom('membership as m')
          .innerJoin('workspace as w', 'w.id', 'm.workspaceId')
          .select(['w.name as workspace', 'm.role', 'm.createdAt as joinedAt'])
          .whereRef('m.userId', '=', 'u.id')
          .orderBy('m.createdAt'),
      ).as('workspaces'),
    ])
    .executeTakeFirst();
}

export function enrollmentsArea(db: Db, userId: string) {
  return db
    .selectFrom('enrollment as e')
    .innerJoin('course as c', 'c.id', 'e.courseId')
    .where('e.userId', '=', userId)
    .select((eb) => [
      'e.id',
      'c.title as course',
      'c.slug as courseSlug',
      'e.status',
      'e.amount as amountCents',
      'e.createdAt as enrolledAt',
      'e.lastActivityAt',
      'e.updatedAt',
      'e.tags',
      'e.banned',
      'e.banType',
      'e.banReason',
      'e.banUntil',
      jsonArrayFrom(eb.selectFrom('studentBadge as sb').select(['sb.badgeType', 'sb.earnedAt']).whereRef('sb.enrollmentId', '=', 'e.id').orderBy('sb.earnedAt')).as('badges'),
    ])
    .orderBy('e.createdAt')
    .execute();
}

/** Lessons done, videos watched, lessons opened early with points, and the learning activity log. */
export function progressArea(db: Db, userId: string) {
  return db
    .selectNoFrom((eb) => [
      jsonArrayFrom(
        eb
          .selectFrom('lessonProgress as lp')
          .innerJoin('lesson as l', 'l.id', 'lp.lessonId')
          .innerJoin('chapter as ch', 'ch.id', 'l.chapterId')
          .innerJoin('course as c', 'c.id', 'ch.courseId')
          .select(['c.title as course', 'ch.title as chapter', 'l.title as lesson', 'lp.completed', 'lp.createdAt', 'lp.updatedAt'])
          .where('lp.userId', '=', userId)
          .orderBy('lp.createdAt'),
      ).as('lessons'),
      jsonArrayFrom(
        eb
          .selectFrom('lessonWatchAnalytics as w')
          .innerJoin('lesson as l', 'l.id', 'w.lessonId')
          .innerJoin('chapter as ch', 'ch.id', 'l.chapterId')
          .innerJoin('course as c', 'c.id', 'ch.courseId')
          .select(['c.title as course', 'l.title as lesson', 'w.watchDuration as watchedSeconds', 'w.totalDuration as videoSeconds', 'w.completionRate as percentWatched', 'w.lastWatchedAt'])
          .where('w.userId', '=', userId)
          .orderBy('w.lastWatchedAt'),
      ).as('videos'),
      jsonArrayFrom(
        eb
          .selectFrom('earlyUnlock as u')
          .leftJoin('lesson as l', 'l.id', 'u.lessonId')
          .leftJoin('chapter as ch', (join) => join.on((j) => j.or([j('ch.id', '=', j.ref('u.chapterId')), j('ch.id', '=', j.ref('l.chapterId'))])))
          .leftJoin('course as c', 'c.id', 'ch.courseId')
          .select(['c.title as course', 'ch.title as chapter', 'l.title as lesson', 'u.pointsSpent', 'u.unlockedAt'])
          .where('u.userId', '=', userId)
          .orderBy('u.unlockedAt'),
      ).as('earlyUnlocks'),
      jsonArrayFrom(
        eb
          .selectFrom('studentActivity as a')
          .innerJoin('enrollment as e', 'e.id', 'a.enrollmentId')
          .innerJoin('course as c', 'c.id', 'e.courseId')
          .select(['c.title as course', 'a.type', 'a.description', 'a.createdAt'])
          .where('e.userId', '=', userId)
          .orderBy('a.createdAt'),
      ).as('activity'),
    ])
    .executeTakeFirstOrThrow();
}

/** Assignment hand-ins with their grade and the teacher's feedback (the grader is not named). */
export function submissionsArea(db: Db, userId: string) {
  return db
    .selectFrom('assignmentSubmission as s')
    .innerJoin('assignment as a', 'a.id', 's.assignmentId')
    .innerJoin('lesson as l', 'l.id', 'a.lessonId')
    .innerJoin('chapter as ch', 'ch.id', 'l.chapterId')
    .innerJoin('course as c', 'c.id', 'ch.courseId')
    .where('s.userId', '=', userId)
    .select([
      's.id',
      'c.title as course',
      'l.title as lesson',
      'a.title as assignment',
      'a.points as assignmentPoints',
      's.description',
      's.link',
      's.fileKey',
      's.status',
      's.grade',
      's.feedback',
      's.submissionCount',
      's.submittedAt',
      's.updatedAt',
    ])
    .orderBy('s.submittedAt')
    .execute();
}

/**
 * Quiz results: per question, the option the person chose and whether it was right. Whether it was
 * right is decided in SQL, so the index of the right option never leaves the database (as in
 * assessments/learner.ts).
 */
export function quizAnswersArea(db: Db, userId: string) {
  return db
    .selectFrom('quizSubmission as s')
    .innerJoin('quiz as q', 'q.id', 's.quizId')
    .innerJoin('lesson as l', 'l.id', 'q.lessonId')
    .innerJoin('chapter as ch', 'ch.id', 'l.chapterId')
    .innerJoin('course as c', 'c.id', 'ch.courseId')
    .where('s.userId', '=', userId)
    .select((eb) => [
      's.id',
      'c.title as course',
      'l.title as lesson',
      'q.title as quiz',
      's.score',
      's.correctAnswers',
      's.totalQuestions',
      's.pointsEarned',
      's.submittedAt',
      jsonArrayFrom(
        eb
          .selectFrom('quizQuestion as qq')
          .select([
            'qq.question',
            'qq.options',
            sql<string | null>`case when s.answers ->> qq.id::text ~ '^[0-9]{1,2}$' then qq.options[(s.answers ->> qq.id::text)::int + 1] end`.as('yourAnswer'),
            sql<boolean>`coalesce(s.answers ->> qq.id::text = qq.correct_answer::text, false)`.as('answeredRight'),
          ])
          .whereRef('qq.quizId', '=', 's.quizId')
          .orderBy('qq.position'),
      ).as('answers'),
    ])
    .orderBy('s.submittedAt')
    .execute();
}

/**
 * Payments through the person's own enrollments. No card data exists to leave out (Stripe takes
 * it; Edupeak never sees it); the Stripe checkout session id and the metadata (which names the
 * refunding admin) are left out too. Payments of a deleted account (anonymised) belong to no one.
 */
export function paymentsArea(db: Db, userId: string) {
  return db
    .selectFrom('paymentTransaction as p')
    .innerJoin('enrollment as e', 'e.id', 'p.enrollmentId')
    .innerJoin('course as c', 'c.id', 'e.courseId')
    .where('e.userId', '=', userId)
    .select([
      'p.id',
      'c.title as course',
      'p.amount as amountCents',
      'p.currency',
      'p.status',
      'p.paymentMethod',
      'p.stripePaymentId as stripePaymentReference',
      'p.refunded',
      'p.refundAmount as refundedCents',
      'p.refundReason',
      'p.refundedAt',
      'p.createdAt',
      'p.updatedAt',
    ])
    .orderBy('p.createdAt')
    .execute();
}

export function certificatesArea(db: Db, userId: string) {
  return db
    .selectFrom('enrollment as e')
    .innerJoin('course as c', 'c.id', 'e.courseId')
    .where('e.userId', '=', userId)
    .where((eb) => eb.or([eb('e.certificateEarned', '=', true), eb('e.certificateIssuedAt', 'is not', null)]))
    .select(['e.id', 'c.title as course', 'c.slug as courseSlug', 'e.certificateIssuedAt as issuedAt', 'e.certificateRevoked as revoked', 'e.certificateRevokedAt as revokedAt', 'e.certificateKey'])
    .orderBy('e.certificateIssuedAt')
    .execute();
}

/** Sign-ins (successful and failed), the devices signed in now, and the sign-ins counted per course. */
export function loginHistoryArea(db: Db, userId: string) {
  return db
    .selectNoFrom((eb) => [
      jsonArrayFrom(
        eb
          .selectFrom('loginHistory as h')
          .select(['h.createdAt', 'h.success', 'h.failureReason', 'h.ipAddress', 'h.userAgent', 'h.deviceInfo', 'h.city', 'h.country'])
          .where('h.userId', '=', userId)
          .orderBy('h.createdAt'),
      ).as('signIns'),
      // Never the session's token; whether an admin opened it (viewing as you) but not which admin.
      jsonArrayFrom(
        eb
          .selectFrom('session as s')
          .select(['s.createdAt as signedInAt', 's.updatedAt as lastActiveAt', 's.expiresAt', 's.ipAddress', 's.userAgent', sql<boolean>`s.impersonated_by is not null`.as('openedByAnAdminViewingAsYou')])
          .where('s.userId', '=', userId)
          .orderBy('s.createdAt'),
      ).as('devices'),
      jsonArrayFrom(
        eb
          .selectFrom('loginSession as ls')
          .innerJoin('enrollment as e', 'e.id', 'ls.enrollmentId')
          .innerJoin('course as c', 'c.id', 'e.courseId')
          .select(['c.title as course', 'ls.loggedInAt', 'ls.ipAddress', 'ls.userAgent', 'ls.browser', 'ls.device', 'ls.country'])
          .where('e.userId', '=', userId)
          .orderBy('ls.loggedInAt'),
      ).as('courseVisits'),
    ])
    .executeTakeFirstOrThrow();
}

/** The counts the /account/data page shows: one query, whatever the numbers. */
export function dataSummary(db: Db, userId: string) {
  const count = (query: ReturnType<typeof sql>) => sql<number>`(${query})::int`;
  return db
    .selectNoFrom([
      count(sql`select count(*) from enrollment where user_id = ${userId}`).as('enrollments'),
      count(sql`select count(*) from lesson_progress where user_id = ${userId} and completed`).as('lessonsCompleted'),
      count(sql`select count(*) from assignment_submission where user_id = ${userId}`).as('submissions'),
      count(sql`select count(*) from quiz_submission where user_id = ${userId}`).as('quizAnswers'),
      count(sql`select count(*) from blog where author_id = ${userId}`).as('posts'),
      count(sql`select count(*) from blog_comment where author_id = ${userId}`).as('comments'),
      count(sql`select count(*) from payment_transaction p join enrollment e on e.id = p.enrollment_id where e.user_id = ${userId}`).as('payments'),
      count(sql`select count(*) from enrollment where user_id = ${userId} and (certificate_earned or certificate_issued_at is not null)`).as('certificates'),
      count(sql`select count(*) from login_history where user_id = ${userId}`).as('signIns'),
    ])
    .executeTakeFirstOrThrow();
}
