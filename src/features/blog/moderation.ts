import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../../db/database.ts';
import type { DB } from '../../db/types.ts';
import { recordActivity, type AuditContext } from '../audit/activity.ts';
import { notify } from '../notifications/notify.ts';
import { creditPoints, spendPoints } from '../points/ledger.ts';
import { setting } from '../system/settings.ts';
import { msg } from '../../i18n/catalogue.ts';
import { translatorFor, type MessageValues, type Translator } from '../../i18n/translator.ts';

/**
 * The blog post's state machine, the ONLY writer of blog.status, isDraft, pointsSpent, publishedAt
 * and rejectedAt (and of the points a post costs its author).
 *
 *   draft            isDraft = true, status 'Pending' (the column's default); not in the queue, never charged
 *   Pending          isDraft = false, status 'Pending': waits for an admin
 *   Published        approved and on the blog (publishedAt set); the spec's Approved then Published in one click
 *   Approved         approved but taken off the blog by an admin (unpublished); publishPost puts it back
 *   Rejected         rejectedAt, rejectionReason; the charge refunded
 *
 * Points, the one rule: a post is charged `blog.pointsRequired` (read at that moment, kept in
 * pointsRequired) ONCE, when a draft is first sent to moderation, with a conditional UPDATE on
 * user.points (never below zero, also under 50 parallel sends); pointsSpent records the charge.
 * - Rejection refunds pointsSpent and sets it to 0.
 * - Sending a Rejected post back (after an edit) charges NOTHING: the issue says an edit of a
 *   Rejected post goes back to moderation "without charging again". pointsSpent stays 0, so a
 *   second rejection refunds nothing: points can never be refunded twice.
 * - An edited Published (or unpublished Approved) post goes back to Pending without a charge; it
 *   keeps its pointsSpent, and keeps its first publishedAt when approved again.
 * - Deleting a Pending post refunds its pointsSpent (the author withdrew it before a decision);
 *   deleting a draft or a Rejected post refunds nothing (there is nothing left to refund).
 *
 * Each function is one transaction that locks the post row (SELECT ... FOR UPDATE) and refuses a
 * decision that no longer applies with 409 (a second admin clicking at the same time). The
 * author's notice (BlogApproved, BlogRejected) and its mail, when they want it, are queued by
 * notify() in the decision's transaction and sent after commit.
 */

export interface PostRef {
  id: string;
  title: string;
  slug: string;
  author: { id: string; email: string; firstName: string };
}
export type Decision = { ok: true; post: PostRef } | { ok: false; status: 404 | 409 | 422; message: string };
export type SubmitResult = { ok: true; charged: number } | { ok: false; status: 402 | 404 | 409; message: string; values?: MessageValues; missing?: number };

type Db = Kysely<DB>;

interface LockedPost {
  id: string;
  title: string;
  slug: string;
  status: 'Pending' | 'Approved' | 'Published' | 'Rejected';
  isDraft: boolean;
  isFeatured: boolean;
  pointsSpent: number;
  authorId: string;
  email: string;
  firstName: string;
}

/** The post, locked for the rest of the transaction, with its author's name and address. */
async function lockPost(trx: Db, postId: string): Promise<LockedPost | undefined> {
  if (!isUuid(postId)) return undefined;
  const { rows } = await sql<LockedPost>`
    select b.id, b.title, b.slug, b.status, b.is_draft as "isDraft", b.is_featured as "isFeatured",
      b.points_spent as "pointsSpent", b.author_id as "authorId", u.email, u.first_name as "firstName"
    from blog b join "user" u on u.id = b.author_id
    where b.id = ${postId}
    for update of b`.execute(trx);
  return rows[0];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const isUuid = (value: string) => UUID.test(value);

const refOf = (post: LockedPost): PostRef => ({
  id: post.id,
  title: post.title,
  slug: post.slug,
  author: { id: post.authorId, email: post.email, firstName: post.firstName },
});

/** What the post is now, for a refusal (a whole catalogue message, shown through t()). */
function stateMessage(post: LockedPost): string {
  if (post.isDraft) return msg('This post is a draft, not waiting for moderation.');
  switch (post.status) {
    case 'Pending':
      return msg('This post is waiting for moderation.');
    case 'Published':
      return msg('This post was already approved and is published.');
    case 'Approved':
      return msg('This post was already approved (and is unpublished).');
    case 'Rejected':
      return msg('This post was already rejected.');
  }
}

const NOT_FOUND = { ok: false, status: 404, message: msg('No such post.') } as const;
const conflict = (post: LockedPost) => ({ ok: false as const, status: 409 as const, message: stateMessage(post) });

/** Charges `cost` points if the user has them (the points ledger: one conditional UPDATE, never below zero). */
async function charge(trx: Db, userId: string, cost: number, title: string): Promise<{ ok: true } | { ok: false; missing: number }> {
  if (await spendPoints(trx, { userId, points: cost, reason: 'BlogSubmission', description: `"${title}" sent to moderation` })) return { ok: true };
  const user = await trx.selectFrom('user').select('points').where('id', '=', userId).executeTakeFirst();
  return { ok: false, missing: Math.max(1, cost - (user?.points ?? 0)) };
}

async function refund(trx: Db, userId: string, points: number, title: string, why: string): Promise<void> {
  await creditPoints(trx, { userId, points, reason: 'BlogRefund', description: `"${title}" ${why}` });
}

/** The message for an author short of points; its value is `{ count: missing }`. */
export const MISSING_POINTS = msg('{count, plural, one {You need # more point: complete lessons and earn badges to get them.} other {You need # more points: complete lessons and earn badges to get them.}}');
export const missingPointsMessage = (missing: number, tr: Translator = translatorFor('en')) => tr.t(MISSING_POINTS, { count: missing });

/**
 * Sends the author's post to moderation inside the caller's transaction (the edit saves its
 * fields and resubmits in one transaction). A draft is charged; a Rejected, Published or Approved
 * post goes back without a charge; a Pending post is refused with 409.
 */
export async function submitWithin(trx: Transaction<DB>, audit: AuditContext, postId: string, authorId: string): Promise<SubmitResult> {
  const post = await lockPost(trx, postId);
  if (!post || post.authorId !== authorId) return NOT_FOUND;
  if (post.status === 'Pending' && !post.isDraft) return { ok: false, status: 409, message: msg('This post is already waiting for moderation.') };
  let charged = 0;
  if (post.isDraft) {
    const cost = Math.max(0, Math.trunc(Number(await setting(trx, 'blog.pointsRequired')) || 0));
    const paid = await charge(trx, authorId, cost, post.title);
    if (!paid.ok) return { ok: false, status: 402, message: MISSING_POINTS, values: { count: paid.missing }, missing: paid.missing };
    charged = cost;
    await trx
      .updateTable('blog')
      .set({ isDraft: false, status: 'Pending', pointsRequired: cost, pointsSpent: cost, updatedAt: new Date() })
      .where('id', '=', post.id)
      .execute();
  } else {
    // Rejected (refunded, not charged again), Published or Approved (paid already): back in the queue.
    await trx.updateTable('blog').set({ status: 'Pending', isFeatured: false, updatedAt: new Date() }).where('id', '=', post.id).execute();
  }
  await recordActivity(trx, audit, {
    action: 'blog_submitted',
    entityType: 'blog',
    entityId: post.id,
    metadata: { charged, from: post.isDraft ? 'draft' : post.status },
  });
  return { ok: true, charged };
}

/** Author sends a draft / rejected / edited post to moderation (see the rules at the top). */
export function submitPost(db: Database, audit: AuditContext, postId: string, authorId: string): Promise<SubmitResult> {
  return db.transaction().execute((trx) => submitWithin(trx, audit, postId, authorId));
}

/** Pending -> Published (publishedAt = now(), or the first one for an edited post); BlogApproved notification; audit. */
export function approvePost(db: Database, audit: AuditContext, postId: string): Promise<Decision> {
  return db.transaction().execute(async (trx): Promise<Decision> => {
    const post = await lockPost(trx, postId);
    if (!post) return NOT_FOUND;
    if (post.isDraft || post.status !== 'Pending') return conflict(post);
    await trx
      .updateTable('blog')
      .set({ status: 'Published', publishedAt: sql<Date>`coalesce(published_at, now())`, updatedAt: new Date() })
      .where('id', '=', post.id)
      .execute();
    await notify(trx, {
      userId: post.authorId,
      type: 'BlogApproved',
      title: msg('Your post is published'),
      message: msg('"{title}" was approved and is on the blog now.'),
      values: { title: post.title },
      link: `/blog/${post.slug}`,
      mailSubject: msg('Published: {title}'),
    });
    await recordActivity(trx, audit, { action: 'blog_approved', entityType: 'blog', entityId: post.id });
    return { ok: true, post: refOf(post) };
  });
}

/** Pending -> Rejected with a reason; this submission's charge refunded; BlogRejected notification; audit. */
export function rejectPost(db: Database, audit: AuditContext, postId: string, reason: string): Promise<Decision> {
  const why = reason.trim();
  return db.transaction().execute(async (trx): Promise<Decision> => {
    if (!why) return { ok: false, status: 422, message: msg('Give the author a reason.') };
    if (why.length > 1000) return { ok: false, status: 422, message: msg('Keep the reason under 1000 characters.') };
    const post = await lockPost(trx, postId);
    if (!post) return NOT_FOUND;
    if (post.isDraft || post.status !== 'Pending') return conflict(post);
    await trx
      .updateTable('blog')
      .set({ status: 'Rejected', rejectedAt: new Date(), rejectionReason: why, pointsSpent: 0, updatedAt: new Date() })
      .where('id', '=', post.id)
      .execute();
    await refund(trx, post.authorId, post.pointsSpent, post.title, 'was not published: points returned');
    await notify(trx, {
      userId: post.authorId,
      type: 'BlogRejected',
      title: msg('Your post was not accepted'),
      message: msg(
        '{points, plural, =0 {"{title}" was not accepted for the blog. Reason: {reason} Edit it to send it back (no charge).} one {"{title}" was not accepted for the blog. Reason: {reason} Your # point was refunded. Edit it to send it back (no charge).} other {"{title}" was not accepted for the blog. Reason: {reason} Your # points were refunded. Edit it to send it back (no charge).}}',
      ),
      values: { title: post.title, reason: why, points: post.pointsSpent },
      link: `/blog/posts/${post.id}/edit`,
      mailSubject: msg('Not accepted: {title}'),
    });
    await recordActivity(trx, audit, {
      action: 'blog_rejected',
      entityType: 'blog',
      entityId: post.id,
      metadata: { reason: why, refunded: post.pointsSpent },
    });
    return { ok: true, post: refOf(post) };
  });
}

/** Approved (unpublished) -> Published again, keeping its first publishedAt. */
export function publishPost(db: Database, audit: AuditContext, postId: string): Promise<Decision> {
  return db.transaction().execute(async (trx): Promise<Decision> => {
    const post = await lockPost(trx, postId);
    if (!post) return NOT_FOUND;
    if (post.isDraft || post.status !== 'Approved') {
      return post.status === 'Published' && !post.isDraft
        ? { ok: false, status: 409, message: msg('This post is already published.') }
        : conflict(post);
    }
    await trx
      .updateTable('blog')
      .set({ status: 'Published', publishedAt: sql<Date>`coalesce(published_at, now())`, updatedAt: new Date() })
      .where('id', '=', post.id)
      .execute();
    // No action of its own in the audit union: an approval again, marked as a republication.
    await recordActivity(trx, audit, { action: 'blog_approved', entityType: 'blog', entityId: post.id, metadata: { republished: true } });
    return { ok: true, post: refOf(post) };
  });
}

/** Published -> Approved (off the blog; not the author's fault: no refund), unfeatured; audit. */
export function unpublishPost(db: Database, audit: AuditContext, postId: string): Promise<Decision> {
  return db.transaction().execute(async (trx): Promise<Decision> => {
    const post = await lockPost(trx, postId);
    if (!post) return NOT_FOUND;
    if (post.isDraft || post.status !== 'Published') {
      return post.status === 'Approved' && !post.isDraft ? { ok: false, status: 409, message: msg('This post is already unpublished.') } : conflict(post);
    }
    await trx.updateTable('blog').set({ status: 'Approved', isFeatured: false, updatedAt: new Date() }).where('id', '=', post.id).execute();
    await recordActivity(trx, audit, { action: 'blog_unpublished', entityType: 'blog', entityId: post.id });
    return { ok: true, post: refOf(post) };
  });
}

/** Features or unfeatures a Published post; the same state again is a 409. */
export function setFeatured(db: Database, audit: AuditContext, postId: string, featured: boolean): Promise<Decision> {
  return db.transaction().execute(async (trx): Promise<Decision> => {
    const post = await lockPost(trx, postId);
    if (!post) return NOT_FOUND;
    if (post.isDraft || post.status !== 'Published') return { ok: false, status: 409, message: msg('Only a published post can be featured.') };
    if (post.isFeatured === featured) {
      return { ok: false, status: 409, message: featured ? msg('This post is already featured.') : msg('This post is not featured.') };
    }
    await trx.updateTable('blog').set({ isFeatured: featured, updatedAt: new Date() }).where('id', '=', post.id).execute();
    await recordActivity(trx, audit, { action: featured ? 'blog_featured' : 'blog_unfeatured', entityType: 'blog', entityId: post.id });
    return { ok: true, post: refOf(post) };
  });
}

/**
 * The author deletes their own draft, Pending or Rejected post (404 for anyone else's; a Published
 * or unpublished post is refused with 409: it has readers' comments). A Pending post's charge is
 * refunded. Returns the cover key so the route deletes the file after commit.
 */
export function deletePost(
  db: Database,
  audit: AuditContext,
  postId: string,
  authorId: string,
): Promise<{ ok: true; post: PostRef; refunded: number; coverImageKey: string | null } | { ok: false; status: 404 | 409; message: string }> {
  return db.transaction().execute(async (trx) => {
    const post = await lockPost(trx, postId);
    if (!post || post.authorId !== authorId) return NOT_FOUND;
    if (!post.isDraft && (post.status === 'Published' || post.status === 'Approved')) {
      return { ok: false as const, status: 409 as const, message: msg('A published post cannot be deleted by its author; ask an admin.') };
    }
    const refunded = !post.isDraft && post.status === 'Pending' ? post.pointsSpent : 0;
    const deleted = await trx.deleteFrom('blog').where('id', '=', post.id).returning('coverImageKey').executeTakeFirstOrThrow();
    await refund(trx, post.authorId, refunded, post.title, 'deleted before moderation: points returned');
    await recordActivity(trx, audit, {
      action: 'blog_deleted',
      entityType: 'blog',
      entityId: post.id,
      metadata: { title: post.title, refunded },
    });
    return { ok: true as const, post: refOf(post), refunded, coverImageKey: deleted.coverImageKey };
  });
}
