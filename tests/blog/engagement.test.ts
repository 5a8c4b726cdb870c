import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from '../setup/app.ts';
import { createComment, createEnrollment, createPost } from '../setup/factories.ts';
import { signedInAs, type SignedIn } from '../setup/users.ts';

const t = useTestApp();

const notificationsOf = (userId: string, type?: 'CommentReceived' | 'ReactionReceived' | 'PointsEarned') => {
  let q = t.db.selectFrom('notification').select(['type', 'title', 'message', 'link']).where('userId', '=', userId);
  if (type) q = q.where('type', '=', type);
  return q.orderBy('createdAt').execute();
};
const pointsOf = async (userId: string) => (await t.db.selectFrom('user').select('points').where('id', '=', userId).executeTakeFirstOrThrow()).points;
const earnedOf = async (postId: string) => (await t.db.selectFrom('blog').select('pointsEarned').where('id', '=', postId).executeTakeFirstOrThrow()).pointsEarned;
const idOf = (res: { headers: Record<string, string> }) => /#comment-([0-9a-f-]{36})$/.exec(res.headers.location ?? '')?.[1] ?? '';

describe('notifications of comments and reactions', () => {
  let author: SignedIn;
  let bea: SignedIn;
  let carl: SignedIn;
  let post: { id: string; slug: string };

  beforeAll(async () => {
    author = await signedInAs(t.app, t.db, 'student', { firstName: 'Ann' });
    bea = await signedInAs(t.app, t.db, 'student', { firstName: 'Bea', lastName: 'Brown' });
    carl = await signedInAs(t.app, t.db, 'student', { firstName: 'Carl', lastName: null });
    post = await createPost(t.db, { authorId: author.user.id, title: 'Tomatoes' });
  });

  it('a comment notifies the post author; a reply the replied-to author too, once each, never oneself', async () => {
    const top = idOf(await bea.post(`/blog/${post.slug}/comments`, { content: 'Great' }).expect(303));
    expect(await notificationsOf(author.user.id, 'CommentReceived')).toEqual([
      { type: 'CommentReceived', title: 'New comment on your post', message: 'Bea Brown commented on "Tomatoes".', link: `/blog/${post.slug}#comment-${top}` },
    ]);
    const reply = idOf(await carl.post(`/blog/${post.slug}/comments`, { content: 'Agreed', parentId: top }).expect(303));
    expect(await notificationsOf(author.user.id, 'CommentReceived')).toHaveLength(2);
    expect(await notificationsOf(bea.user.id, 'CommentReceived')).toEqual([
      { type: 'CommentReceived', title: 'New reply to your comment', message: 'Carl replied to your comment on "Tomatoes".', link: `/blog/${post.slug}#comment-${reply}` },
    ]);
    // The author replies to Bea: Bea only. Bea replies to her own comment: the author only.
    await author.post(`/blog/${post.slug}/comments`, { content: 'Thanks', parentId: top }).expect(303);
    expect(await notificationsOf(bea.user.id, 'CommentReceived')).toHaveLength(2);
    expect(await notificationsOf(author.user.id, 'CommentReceived')).toHaveLength(2);
    await bea.post(`/blog/${post.slug}/comments`, { content: 'Also', parentId: top }).expect(303);
    expect(await notificationsOf(bea.user.id, 'CommentReceived')).toHaveLength(2);
    expect(await notificationsOf(author.user.id, 'CommentReceived')).toHaveLength(3);
    // The author's comment on their own post, and a reply to it: nobody.
    const own = idOf(await author.post(`/blog/${post.slug}/comments`, { content: 'Mine' }).expect(303));
    await author.post(`/blog/${post.slug}/comments`, { content: 'Mine again', parentId: own }).expect(303);
    expect(await notificationsOf(author.user.id, 'CommentReceived')).toHaveLength(3);
  });

  it('ReactionReceived at most once per post per hour, never for the author\'s own reaction', async () => {
    const p = await createPost(t.db, { authorId: author.user.id, title: 'Peppers' });
    await author.post(`/blog/${p.slug}/reactions`, { type: 'Like' }).expect(303);
    const link = `/blog/${p.slug}#reactions`;
    const forPost = async () => (await notificationsOf(author.user.id, 'ReactionReceived')).filter((n) => n.link === link);
    expect(await forPost()).toHaveLength(0);
    const others = await Promise.all(Array.from({ length: 10 }, () => signedInAs(t.app, t.db, 'student')));
    await Promise.all(others.map((o) => o.post(`/blog/${p.slug}/reactions`, { type: 'Love' }).expect(303)));
    expect(await forPost()).toHaveLength(1);
    // Another post has its own hour.
    const q = await createPost(t.db, { authorId: author.user.id });
    await bea.post(`/blog/${q.slug}/reactions`, { type: 'Like' }).expect(303);
    expect(await forPost()).toHaveLength(1);
    // An hour later, the next reaction tells the author again.
    await sql`update notification set created_at = now() - interval '61 minutes' where user_id = ${author.user.id} and link = ${link}`.execute(t.db);
    await bea.post(`/blog/${p.slug}/reactions`, { type: 'Funny' }).expect(303);
    expect(await forPost()).toHaveLength(2);
    expect((await forPost())[1]!.message).toBe('Bea Brown reacted to "Peppers" (Funny).');
  });
});

describe('engagement points', () => {
  let author: SignedIn;
  let bea: SignedIn;

  beforeAll(async () => {
    author = await signedInAs(t.app, t.db, 'student');
    bea = await signedInAs(t.app, t.db, 'student');
  });

  it('the author earns points for a comment and a reaction by another user, once per user, post and kind', async () => {
    const post = await createPost(t.db, { authorId: author.user.id, title: 'Beans' });
    const before = await pointsOf(author.user.id);
    await bea.post(`/blog/${post.slug}/comments`, { content: 'One' }).expect(303);
    expect(await pointsOf(author.user.id)).toBe(before + 2);
    expect(await earnedOf(post.id)).toBe(2);
    await bea.post(`/blog/${post.slug}/comments`, { content: 'Two' }).expect(303);
    expect(await pointsOf(author.user.id)).toBe(before + 2);
    await bea.post(`/blog/${post.slug}/reactions`, { type: 'Like' }).expect(303);
    expect(await pointsOf(author.user.id)).toBe(before + 3);
    // Removing, re-adding and changing the reaction never credits again.
    await bea.post(`/blog/${post.slug}/reactions`, { type: 'Like' }).expect(303);
    await bea.post(`/blog/${post.slug}/reactions`, { type: 'Love' }).expect(303);
    await bea.post(`/blog/${post.slug}/reactions`, { type: 'Funny' }).expect(303);
    expect(await pointsOf(author.user.id)).toBe(before + 3);
    expect(await earnedOf(post.id)).toBe(3);
    const earned = (await notificationsOf(author.user.id, 'PointsEarned')).filter((n) => n.link === `/blog/${post.slug}`);
    expect(earned.map((n) => [n.title, n.message])).toEqual([
      ['You earned 2 points', 'For a comment on your post "Beans".'],
      ['You earned 1 point', 'For a reaction to your post "Beans".'],
    ]);
    // The same user on another post is new engagement.
    const other = await createPost(t.db, { authorId: author.user.id });
    await bea.post(`/blog/${other.slug}/reactions`, { type: 'Like' }).expect(303);
    expect(await pointsOf(author.user.id)).toBe(before + 4);
  });

  it('nothing for the author\'s own comments and reactions', async () => {
    const post = await createPost(t.db, { authorId: author.user.id });
    const before = await pointsOf(author.user.id);
    await author.post(`/blog/${post.slug}/comments`, { content: 'Mine' }).expect(303);
    await author.post(`/blog/${post.slug}/reactions`, { type: 'Love' }).expect(303);
    expect(await pointsOf(author.user.id)).toBe(before);
    expect(await earnedOf(post.id)).toBe(0);
  });

  it('credited once under a race (one user, ten comments at once) and with the values in system_config', async () => {
    await t.db.insertInto('systemConfig').values({ key: 'blog.engagementPoints', value: JSON.stringify({ comment: 7 }) }).execute();
    try {
      const post = await createPost(t.db, { authorId: author.user.id });
      const before = await pointsOf(author.user.id);
      const res = await Promise.all(Array.from({ length: 10 }, (_, i) => bea.post(`/blog/${post.slug}/comments`, { content: `c${i}` })));
      expect(res.map((r) => r.status)).toEqual(Array(10).fill(303));
      expect(await pointsOf(author.user.id)).toBe(before + 7);
      expect(await earnedOf(post.id)).toBe(7);
      await bea.post(`/blog/${post.slug}/reactions`, { type: 'Like' }).expect(303);
      expect(await pointsOf(author.user.id)).toBe(before + 8); // reaction keeps its default of 1
    } finally {
      await t.db.deleteFrom('systemConfig').where('key', '=', 'blog.engagementPoints').execute();
    }
  });
});

describe('the DiscussionContributor badge', () => {
  const badgesOf = (userId: string) =>
    t.db
      .selectFrom('studentBadge')
      .innerJoin('enrollment', 'enrollment.id', 'studentBadge.enrollmentId')
      .select(['studentBadge.enrollmentId', 'studentBadge.badgeType'])
      .where('enrollment.userId', '=', userId)
      .where('badgeType', '=', 'DiscussionContributor')
      .execute();

  it('comes with the tenth comment, on the most recently active Active enrollment, once', async () => {
    const user = await signedInAs(t.app, t.db, 'student');
    const day = (n: number) => new Date(Date.now() - n * 86_400_000);
    await createEnrollment(t.db, { userId: user.user.id, status: 'Active', lastActivityAt: day(5) });
    const recent = await createEnrollment(t.db, { userId: user.user.id, status: 'Active', lastActivityAt: day(1) });
    await createEnrollment(t.db, { userId: user.user.id, status: 'Cancelled', lastActivityAt: new Date() });
    const post = await createPost(t.db);
    for (let i = 0; i < 8; i++) await createComment(t.db, { blogId: post.id, authorId: user.user.id });
    await user.post(`/blog/${post.slug}/comments`, { content: 'ninth' }).expect(303);
    expect(await badgesOf(user.user.id)).toEqual([]);
    await user.post(`/blog/${post.slug}/comments`, { content: 'tenth' }).expect(303);
    expect(await badgesOf(user.user.id)).toEqual([{ enrollmentId: recent.id, badgeType: 'DiscussionContributor' }]);
    const notes = (await notificationsOf(user.user.id, 'PointsEarned')).filter((n) => n.title === 'Badge earned: Discussion contributor');
    expect(notes).toEqual([{ type: 'PointsEarned', title: 'Badge earned: Discussion contributor', message: 'For your 10 comments on the blog.', link: '/dashboard' }]);
    await Promise.all([1, 2, 3].map((i) => user.post(`/blog/${post.slug}/comments`, { content: `more ${i}` }).expect(303)));
    expect(await badgesOf(user.user.id)).toHaveLength(1);
  });

  it('waits for an Active enrollment: none yet without one, awarded at the next comment after enrolling', async () => {
    const user = await signedInAs(t.app, t.db, 'student');
    const post = await createPost(t.db);
    for (let i = 0; i < 10; i++) await createComment(t.db, { blogId: post.id, authorId: user.user.id });
    await user.post(`/blog/${post.slug}/comments`, { content: 'eleventh' }).expect(303);
    expect(await badgesOf(user.user.id)).toEqual([]);
    const enrollment = await createEnrollment(t.db, { userId: user.user.id, status: 'Active' });
    await user.post(`/blog/${post.slug}/comments`, { content: 'twelfth' }).expect(303);
    expect(await badgesOf(user.user.id)).toEqual([{ enrollmentId: enrollment.id, badgeType: 'DiscussionContributor' }]);
  });

  it('follows the threshold in system_config', async () => {
    await t.db.insertInto('systemConfig').values({ key: 'blog.discussionContributorComments', value: JSON.stringify(2) }).execute();
    try {
      const user = await signedInAs(t.app, t.db, 'student');
      await createEnrollment(t.db, { userId: user.user.id, status: 'Active' });
      const post = await createPost(t.db);
      await user.post(`/blog/${post.slug}/comments`, { content: 'one' }).expect(303);
      expect(await badgesOf(user.user.id)).toHaveLength(0);
      await user.post(`/blog/${post.slug}/comments`, { content: 'two' }).expect(303);
      expect(await badgesOf(user.user.id)).toHaveLength(1);
    } finally {
      await t.db.deleteFrom('systemConfig').where('key', '=', 'blog.discussionContributorComments').execute();
    }
  });
});
