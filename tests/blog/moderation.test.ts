import { describe, expect, it } from 'vitest';
import { systemAudit } from '../../src/features/audit/activity.ts';
import {
  MISSING_POINTS,
  missingPointsMessage,
  approvePost,
  deletePost,
  publishPost,
  rejectPost,
  setFeatured,
  submitPost,
  unpublishPost,
} from '../../src/features/blog/moderation.ts';
import { useTestDatabase } from '../setup/database.ts';
import { createAdmin, createPost, createUser } from '../setup/factories.ts';

const t = useTestDatabase();

const pointsOf = async (userId: string) => (await t.db.selectFrom('user').select('points').where('id', '=', userId).executeTakeFirstOrThrow()).points;
const postOf = (id: string) =>
  t.db
    .selectFrom('blog')
    .select(['status', 'isDraft', 'isFeatured', 'pointsSpent', 'pointsRequired', 'publishedAt', 'rejectedAt', 'rejectionReason'])
    .where('id', '=', id)
    .executeTakeFirst();
const actionsOn = async (id: string) =>
  (await t.db.selectFrom('activityLog').select('action').where('entityId', '=', id).orderBy('createdAt').execute()).map((r) => r.action);
const notificationsOf = (userId: string) =>
  t.db.selectFrom('notification').select(['type', 'title', 'message', 'link']).where('userId', '=', userId).orderBy('createdAt').execute();

async function setup(points = 20) {
  const author = await createUser(t.db, { points, firstName: 'Ann' });
  const admin = await createAdmin(t.db);
  const draft = await createPost(t.db, { authorId: author.id, status: 'Pending', isDraft: true, title: 'Growing tomatoes' });
  return { author, admin, draft, audit: systemAudit(admin.id), own: systemAudit(author.id) };
}

describe('the blog state machine', () => {
  it('a draft sent to moderation is charged the price once, recorded in pointsSpent and pointsRequired', async () => {
    const { author, draft, own } = await setup(20);
    expect(await submitPost(t.db, own, draft.id, author.id)).toEqual({ ok: true, charged: 5 });
    expect(await pointsOf(author.id)).toBe(15);
    expect(await postOf(draft.id)).toMatchObject({ status: 'Pending', isDraft: false, pointsSpent: 5, pointsRequired: 5 });
    // Sent again while it waits: refused, no second charge.
    expect(await submitPost(t.db, own, draft.id, author.id)).toMatchObject({ ok: false, status: 409 });
    expect(await pointsOf(author.id)).toBe(15);
    expect(await actionsOn(draft.id)).toEqual(['blog_submitted']);
  });

  it('the price comes from system_config at the moment of sending', async () => {
    const { author, draft, own } = await setup(20);
    await t.db.insertInto('systemConfig').values({ key: 'blog.pointsRequired', value: JSON.stringify(8) }).execute();
    try {
      expect(await submitPost(t.db, own, draft.id, author.id)).toEqual({ ok: true, charged: 8 });
      expect(await postOf(draft.id)).toMatchObject({ pointsSpent: 8, pointsRequired: 8 });
      expect(await pointsOf(author.id)).toBe(12);
    } finally {
      await t.db.deleteFrom('systemConfig').where('key', '=', 'blog.pointsRequired').execute();
    }
  });

  it('too few points: 402 with how many are missing and how to earn them; nothing changes', async () => {
    const { author, draft, own } = await setup(3);
    expect(await submitPost(t.db, own, draft.id, author.id)).toEqual({
      ok: false,
      status: 402,
      missing: 2,
      message: MISSING_POINTS,
      values: { count: 2 },
    });
    expect(missingPointsMessage(2)).toBe('You need 2 more points: complete lessons and earn badges to get them.');
    expect(await pointsOf(author.id)).toBe(3);
    expect(await postOf(draft.id)).toMatchObject({ status: 'Pending', isDraft: true, pointsSpent: 0 });
  });

  it("someone else's post, or no post at all, is a 404", async () => {
    const { draft } = await setup();
    const other = await createUser(t.db, { points: 50 });
    expect(await submitPost(t.db, systemAudit(other.id), draft.id, other.id)).toMatchObject({ ok: false, status: 404 });
    expect(await submitPost(t.db, systemAudit(other.id), 'not-a-uuid', other.id)).toMatchObject({ ok: false, status: 404 });
    expect(await approvePost(t.db, systemAudit(other.id), '00000000-0000-4000-8000-000000000000')).toMatchObject({ ok: false, status: 404 });
    expect(await pointsOf(other.id)).toBe(50);
  });

  it('50 parallel sends with points for 3 posts make exactly 3 Pending posts, never below zero', async () => {
    const author = await createUser(t.db, { points: 15 });
    const drafts = await Promise.all(Array.from({ length: 50 }, () => createPost(t.db, { authorId: author.id, status: 'Pending', isDraft: true })));
    const results = await Promise.all(drafts.map((d) => submitPost(t.db, systemAudit(author.id), d.id, author.id)));
    expect(results.filter((r) => r.ok)).toHaveLength(3);
    expect(results.filter((r) => !r.ok && r.status === 402)).toHaveLength(47);
    expect(await pointsOf(author.id)).toBe(0);
    const pending = await t.db.selectFrom('blog').select('pointsSpent').where('authorId', '=', author.id).where('isDraft', '=', false).execute();
    expect(pending.map((p) => p.pointsSpent)).toEqual([5, 5, 5]);
  });

  it('approve publishes once with publishedAt, notifies the author and is audited; a second approval is refused', async () => {
    const { author, draft, audit, own } = await setup();
    expect(await approvePost(t.db, audit, draft.id)).toMatchObject({ ok: false, status: 409, message: 'This post is a draft, not waiting for moderation.' });
    await submitPost(t.db, own, draft.id, author.id);
    const decision = await approvePost(t.db, audit, draft.id);
    expect(decision).toEqual({
      ok: true,
      post: { id: draft.id, title: 'Growing tomatoes', slug: draft.slug, author: { id: author.id, email: author.email, firstName: 'Ann' } },
    });
    const post = await postOf(draft.id);
    expect(post).toMatchObject({ status: 'Published', isDraft: false });
    expect(post!.publishedAt).toBeInstanceOf(Date);
    expect(await approvePost(t.db, audit, draft.id)).toEqual({ ok: false, status: 409, message: 'This post was already approved and is published.' });
    expect(await rejectPost(t.db, audit, draft.id, 'Too late')).toMatchObject({ ok: false, status: 409 });
    expect(await notificationsOf(author.id)).toEqual([
      { type: 'BlogApproved', title: 'Your post is published', message: '"Growing tomatoes" was approved and is on the blog now.', link: `/blog/${draft.slug}` },
    ]);
    expect(await actionsOn(draft.id)).toEqual(['blog_submitted', 'blog_approved']);
  });

  it('20 admins approving and rejecting at once: exactly one decision, one notification, one refund at most', async () => {
    const { author, draft, own } = await setup(5);
    await submitPost(t.db, own, draft.id, author.id);
    const admins = await Promise.all(Array.from({ length: 4 }, () => createAdmin(t.db)));
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        i % 2 ? approvePost(t.db, systemAudit(admins[i % 4]!.id), draft.id) : rejectPost(t.db, systemAudit(admins[i % 4]!.id), draft.id, 'No'),
      ),
    );
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok && r.status === 409)).toHaveLength(19);
    const notes = await notificationsOf(author.id);
    expect(notes).toHaveLength(1);
    expect(await pointsOf(author.id)).toBe(notes[0]!.type === 'BlogRejected' ? 5 : 0);
  });

  it('reject refunds the charge and records the reason; a resubmission is free and a second rejection refunds nothing', async () => {
    const { author, draft, audit, own } = await setup(5);
    await submitPost(t.db, own, draft.id, author.id);
    expect(await pointsOf(author.id)).toBe(0);
    expect(await rejectPost(t.db, audit, draft.id, '  ')).toEqual({ ok: false, status: 422, message: 'Give the author a reason.' });
    expect((await rejectPost(t.db, audit, draft.id, 'Needs sources')).ok).toBe(true);
    const rejected = await postOf(draft.id);
    expect(rejected).toMatchObject({ status: 'Rejected', rejectionReason: 'Needs sources', pointsSpent: 0 });
    expect(rejected!.rejectedAt).toBeInstanceOf(Date);
    expect(await pointsOf(author.id)).toBe(5);
    const [note] = await notificationsOf(author.id);
    expect(note).toMatchObject({ type: 'BlogRejected', link: `/blog/posts/${draft.id}/edit` });
    expect(note!.message).toContain('Needs sources');
    expect(note!.message).toContain('5 points were refunded');

    // Back to moderation after an edit: no charge, even with the points at hand.
    expect(await submitPost(t.db, own, draft.id, author.id)).toEqual({ ok: true, charged: 0 });
    expect(await pointsOf(author.id)).toBe(5);
    expect(await postOf(draft.id)).toMatchObject({ status: 'Pending', pointsSpent: 0 });
    expect((await rejectPost(t.db, audit, draft.id, 'Still no sources')).ok).toBe(true);
    expect(await pointsOf(author.id)).toBe(5);
    expect(await actionsOn(draft.id)).toEqual(['blog_submitted', 'blog_rejected', 'blog_submitted', 'blog_rejected']);
  });

  it('unpublish takes a post off the blog (no refund), publish puts it back with its first publishedAt; feature only when published', async () => {
    const { author, draft, audit, own } = await setup(5);
    await submitPost(t.db, own, draft.id, author.id);
    await approvePost(t.db, audit, draft.id);
    const first = (await postOf(draft.id))!.publishedAt;
    expect((await setFeatured(t.db, audit, draft.id, true)).ok).toBe(true);
    expect(await setFeatured(t.db, audit, draft.id, true)).toEqual({ ok: false, status: 409, message: 'This post is already featured.' });
    expect(await publishPost(t.db, audit, draft.id)).toEqual({ ok: false, status: 409, message: 'This post is already published.' });

    expect((await unpublishPost(t.db, audit, draft.id)).ok).toBe(true);
    expect(await postOf(draft.id)).toMatchObject({ status: 'Approved', isFeatured: false, pointsSpent: 5 });
    expect(await pointsOf(author.id)).toBe(0);
    expect(await unpublishPost(t.db, audit, draft.id)).toEqual({ ok: false, status: 409, message: 'This post is already unpublished.' });
    expect(await setFeatured(t.db, audit, draft.id, true)).toEqual({ ok: false, status: 409, message: 'Only a published post can be featured.' });

    expect((await publishPost(t.db, audit, draft.id)).ok).toBe(true);
    expect((await postOf(draft.id))!.publishedAt).toEqual(first);
    expect(await actionsOn(draft.id)).toEqual(['blog_submitted', 'blog_approved', 'blog_featured', 'blog_unpublished', 'blog_approved']);
  });

  it('an edited published post goes back to Pending without a charge and keeps its first publishedAt when approved again', async () => {
    const { author, audit, own } = await setup(0);
    const post = await createPost(t.db, { authorId: author.id, pointsSpent: 5, isFeatured: true });
    const first = (await postOf(post.id))!.publishedAt;
    expect(await submitPost(t.db, own, post.id, author.id)).toEqual({ ok: true, charged: 0 });
    expect(await postOf(post.id)).toMatchObject({ status: 'Pending', isFeatured: false, pointsSpent: 5 });
    await approvePost(t.db, audit, post.id);
    expect((await postOf(post.id))!.publishedAt).toEqual(first);
  });

  it('the author deletes a draft, a Pending post (refunded) or a Rejected post, never a published one nor another author\'s', async () => {
    const { author, draft, own, audit } = await setup(10);
    const other = await createUser(t.db);
    expect(await deletePost(t.db, systemAudit(other.id), draft.id, other.id)).toMatchObject({ ok: false, status: 404 });
    await submitPost(t.db, own, draft.id, author.id);
    expect(await pointsOf(author.id)).toBe(5);
    expect(await deletePost(t.db, own, draft.id, author.id)).toMatchObject({ ok: true, refunded: 5 });
    expect(await pointsOf(author.id)).toBe(10);
    expect(await postOf(draft.id)).toBeUndefined();

    const published = await createPost(t.db, { authorId: author.id });
    expect(await deletePost(t.db, own, published.id, author.id)).toMatchObject({ ok: false, status: 409 });
    const rejected = await createPost(t.db, { authorId: author.id, status: 'Pending', isDraft: true });
    await submitPost(t.db, own, rejected.id, author.id);
    await rejectPost(t.db, audit, rejected.id, 'No');
    expect(await deletePost(t.db, own, rejected.id, author.id)).toMatchObject({ ok: true, refunded: 0 });
    expect(await pointsOf(author.id)).toBe(10);
    expect(await actionsOn(draft.id)).toEqual(['blog_submitted', 'blog_deleted']);
  });
});
