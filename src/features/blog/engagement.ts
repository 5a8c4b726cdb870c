import { sql, type Transaction } from 'kysely';
import type { DB } from '../../db/types.ts';
import { awardBadge } from '../learning/badges.ts';
import { notify } from '../notifications/notify.ts';
import { creditPoints } from '../points/ledger.ts';
import { setting } from '../system/settings.ts';
import { msg } from '../../i18n/catalogue.ts';

/**
 * What the discussion gives back: the author's points for engagement by others, and the
 * DiscussionContributor badge. Both run inside the transaction of the comment or reaction they
 * come from, so they commit with it or not at all.
 */

export interface PostOfDiscussion {
  id: string;
  slug: string;
  title: string;
  authorId: string;
}

export type EngagementKind = 'reaction' | 'comment';

/**
 * Credits the post's author for a reaction or comment by another user, at most once per (post,
 * user, kind): the primary key of blog_engagement_credit decides, also between racing requests,
 * and a removed then re-added reaction never credits again (the row stays). Returns the points.
 */
export async function creditEngagement(trx: Transaction<DB>, post: PostOfDiscussion, userId: string, kind: EngagementKind): Promise<number> {
  if (userId === post.authorId) return 0;
  const points = Math.max(0, Math.trunc(Number((await setting(trx, 'blog.engagementPoints'))[kind]) || 0));
  const credited = await trx
    .insertInto('blogEngagementCredit')
    .values({ blogId: post.id, userId, kind, points })
    .onConflict((oc) => oc.columns(['blogId', 'userId', 'kind']).doNothing())
    .returning('points')
    .executeTakeFirst();
  if (!credited || points === 0) return 0;
  await trx.updateTable('blog').set((eb) => ({ pointsEarned: eb('pointsEarned', '+', points) })).where('id', '=', post.id).execute();
  await creditPoints(trx, {
    userId: post.authorId,
    points,
    reason: 'BlogEngagement',
    description: `A ${kind === 'reaction' ? 'reaction to' : 'comment on'} "${post.title}"`,
    link: `/blog/${post.slug}`,
  });
  await notify(trx, {
    userId: post.authorId,
    type: 'PointsEarned',
    title: msg('{points, plural, one {You earned # point} other {You earned # points}}'),
    message: kind === 'reaction' ? msg('For a reaction to your post "{title}".') : msg('For a comment on your post "{title}".'),
    values: { points, title: post.title },
    link: `/blog/${post.slug}`,
  });
  return points;
}

/**
 * The DiscussionContributor badge, once a user's comments (on all posts) reach the threshold in
 * `blog.discussionContributorComments`.
 *
 * student_badge belongs to an ENROLLMENT (unique per enrollment and badge type), not to a user,
 * and the blog has no course. So the badge goes on the commenter's most recently active Active
 * enrollment (lastActivityAt desc nulls last, then the newest); a user without one gets no badge
 * yet, and the check runs again at their next comment. A user who already holds the badge on any
 * enrollment is not given a second one. The badge carries no points (the learning badges' points
 * are per course); awardBadge writes the "Badge earned" notification.
 */
export async function checkDiscussionContributor(trx: Transaction<DB>, userId: string): Promise<boolean> {
  const threshold = await setting(trx, 'blog.discussionContributorComments');
  const { rows } = await sql<{ comments: number; held: boolean; enrollmentId: string | null; courseTitle: string | null }>`
    select
      (select count(*)::int from blog_comment where author_id = ${userId}) as comments,
      exists (
        select 1 from student_badge b join enrollment e on e.id = b.enrollment_id
        where e.user_id = ${userId} and b.badge_type = 'DiscussionContributor'
      ) as held,
      e.id as "enrollmentId",
      c.title as "courseTitle"
    from (select 1) one
    left join lateral (
      select id, course_id from enrollment
      where user_id = ${userId} and status = 'Active'
      order by last_activity_at desc nulls last, created_at desc
      limit 1
    ) e on true
    left join course c on c.id = e.course_id`.execute(trx);
  const row = rows[0];
  if (!row || row.held || row.comments < threshold || !row.enrollmentId) return false;
  return awardBadge(trx, {
    enrollmentId: row.enrollmentId,
    userId,
    badge: 'DiscussionContributor',
    points: 0,
    courseTitle: row.courseTitle ?? '',
    message: msg('{count, plural, one {For your first comment on the blog.} other {For your # comments on the blog.}}'),
    values: { count: threshold },
  });
}
