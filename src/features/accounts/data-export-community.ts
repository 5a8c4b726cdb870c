import { sql } from 'kysely';
import { jsonArrayFrom } from 'kysely/helpers/postgres';
import type { Database } from '../../db/database.ts';

/**
 * The export's community and account-side areas (posts, comments, reactions, ratings, points,
 * notifications, help requests, live help calls, teaching, searches): one query each, only the
 * person's own rows, under the same rules as data-export-areas.ts (nothing that names or
 * identifies another person).
 */

type Db = Database;
export function postsArea(db: Db, userId: string) {
  return db
    .selectFrom('blog as b')
    .leftJoin('blogCategory as bc', 'bc.id', 'b.categoryId')
    .leftJoin('course as c', 'c.id', 'b.courseId')
    .where('b.authorId', '=', userId)
    .select((eb) => [
      'b.id',
      'b.title',
      'b.slug',
      'b.status',
      'b.isDraft',
      'bc.name as category',
      'c.title as course',
      'b.excerpt',
      'b.contentMarkdown',
      'b.content as contentHtml',
      'b.coverImageKey',
      'b.seoTitle',
      'b.seoDescription',
      'b.readingTime as readingMinutes',
      'b.pointsSpent',
      'b.pointsEarned',
      'b.viewCount',
      'b.likeCount',
      'b.commentCount',
      'b.rejectionReason',
      'b.rejectedAt',
      'b.publishedAt',
      'b.createdAt',
      'b.updatedAt',
      jsonArrayFrom(eb.selectFrom('blogTag as t').select('t.name').whereRef('t.blogId', '=', 'b.id').orderBy('t.name')).as('tags'),
    ])
    .orderBy('b.createdAt')
    .execute();
}

/** The person's own comments only: not the thread around them, nor whose comment a reply answers. */
export function commentsArea(db: Db, userId: string) {
  return db
    .selectFrom('blogComment as bc')
    .innerJoin('blog as b', 'b.id', 'bc.blogId')
    .where('bc.authorId', '=', userId)
    .select([
      'bc.id',
      'b.title as post',
      'b.slug as postSlug',
      sql<boolean>`bc.parent_id is not null`.as('isReply'),
      'bc.content',
      'bc.upvotes',
      'bc.createdAt',
      'bc.updatedAt',
    ])
    .orderBy('bc.createdAt')
    .execute();
}

/** Reactions to posts and upvotes of comments: which post, which reaction, when (not the upvoted comment's text). */
export function reactionsArea(db: Db, userId: string) {
  return db
    .selectNoFrom((eb) => [
      jsonArrayFrom(
        eb.selectFrom('blogReaction as r').innerJoin('blog as b', 'b.id', 'r.blogId').select(['b.title as post', 'b.slug as postSlug', 'r.type', 'r.createdAt']).where('r.userId', '=', userId).orderBy('r.createdAt'),
      ).as('postReactions'),
      jsonArrayFrom(
        eb
          .selectFrom('blogCommentUpvote as u')
          .innerJoin('blogComment as bc', 'bc.id', 'u.commentId')
          .innerJoin('blog as b', 'b.id', 'bc.blogId')
          .select(['b.title as post', 'b.slug as postSlug', 'u.createdAt'])
          .where('u.userId', '=', userId)
          .orderBy('u.createdAt'),
      ).as('commentUpvotes'),
    ])
    .executeTakeFirstOrThrow();
}

export function ratingsArea(db: Db, userId: string) {
  return db
    .selectFrom('courseRating as r')
    .innerJoin('course as c', 'c.id', 'r.courseId')
    .where('r.userId', '=', userId)
    .select(['c.title as course', 'c.slug as courseSlug', 'r.rating', 'r.comment', 'r.createdAt', 'r.updatedAt'])
    .orderBy('r.createdAt')
    .execute();
}

export function notificationsArea(db: Db, userId: string) {
  return db.selectFrom('notification').select(['type', 'title', 'message', 'link', 'read', 'createdAt']).where('userId', '=', userId).orderBy('createdAt').execute();
}

/** Points earned and spent, and leaderboard places. */
export function pointsArea(db: Db, userId: string) {
  return db
    .selectNoFrom((eb) => [
      jsonArrayFrom(eb.selectFrom('pointLedger as p').select(['p.points', 'p.reason', 'p.description', 'p.createdAt']).where('p.userId', '=', userId).orderBy('p.createdAt')).as('ledger'),
      jsonArrayFrom(
        eb.selectFrom('leaderboardAward as a').select(['a.period', 'a.periodStart', 'a.rank', 'a.points']).where('a.userId', '=', userId).orderBy('a.periodStart'),
      ).as('leaderboardPlaces'),
    ])
    .executeTakeFirstOrThrow();
}

/** The person's help requests with their whole thread: the team's replies are addressed to them, but no admin is named. */
export function helpRequestsArea(db: Db, userId: string) {
  return db
    .selectFrom('helpRequest as h')
    .where('h.userId', '=', userId)
    .select((eb) => [
      'h.id',
      'h.subject',
      'h.message',
      'h.status',
      'h.response',
      'h.respondedAt',
      'h.userReply',
      'h.userRepliedAt',
      'h.createdAt',
      'h.updatedAt',
      jsonArrayFrom(
        eb
          .selectFrom('helpRequestMessage as m')
          .select([sql<string>`case when m.author_id = h.user_id then 'you' else m.author_role end`.as('from'), 'm.body', 'm.createdAt'])
          .whereRef('m.helpRequestId', '=', 'h.id')
          .orderBy('m.createdAt'),
      ).as('messages'),
    ])
    .orderBy('h.createdAt')
    .execute();
}

export function searchesArea(db: Db, userId: string) {
  return db.selectFrom('searchAnalytics').select(['query', 'resultsCount', 'clickedResult', 'ipAddress', 'userAgent', 'createdAt']).where('userId', '=', userId).orderBy('createdAt').execute();
}

/** Applications to teach (not who reviewed them), calls for live help, and the courses the person teaches. */
export function teachingArea(db: Db, userId: string) {
  return db
    .selectNoFrom((eb) => [
      jsonArrayFrom(
        eb
          .selectFrom('teacherApplication as a')
          .select(['a.applicationData', 'a.status', 'a.rejectionReason', 'a.createdAt', 'a.reviewedAt'])
          .where('a.userId', '=', userId)
          .orderBy('a.createdAt'),
      ).as('applications'),
      jsonArrayFrom(
        eb.selectFrom('course as c').select(['c.title', 'c.slug', 'c.status', 'c.price as priceCents', 'c.createdAt', 'c.updatedAt']).where('c.userId', '=', userId).orderBy('c.createdAt'),
      ).as('coursesYouTeach'),
    ])
    .executeTakeFirstOrThrow();
}

export function supportCallsArea(db: Db, userId: string) {
  return db
    .selectFrom('supportCallRequest as r')
    .innerJoin('supportCall as sc', 'sc.id', 'r.supportCallId')
    .innerJoin('course as c', 'c.id', 'sc.courseId')
    .where('r.userId', '=', userId)
    .select(['c.title as course', 'sc.title as call', 'r.supportType', 'r.status', 'r.position', 'r.rejectionReason', 'r.createdAt', 'r.joinedAt'])
    .orderBy('r.createdAt')
    .execute();
}
