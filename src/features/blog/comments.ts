import { sql } from 'kysely';
import type { Database } from '../../db/database.ts';
import { HttpError, notFound } from '../../http/errors.ts';
import { recordActivity, type AuditContext } from '../audit/activity.ts';
import { notify, type Notice } from '../notifications/notify.ts';
import { checkDiscussionContributor, creditEngagement, type PostOfDiscussion } from './engagement.ts';
import { msg } from '../../i18n/catalogue.ts';

/**
 * Comments on Published posts: add (threaded), delete (with the replies under it), upvote.
 *
 * Counters stay exact under concurrency because every change to them is made in SQL
 * (`comment_count = comment_count + 1`) in the transaction of the row it counts, and the post's
 * row is locked first (adding updates it at once, deleting locks it), so a reply never slips under
 * a comment being deleted: both orders serialise on the post. Upvotes lock their comment the same way.
 */

/** Replies nest three levels deep (top level = 1). */
export const MAX_DEPTH = 3;

export const COMMENT_MAX_LENGTH = 5000;

export interface AddedComment {
  id: string;
  /** The top-level comment of its thread (the comment itself when top level). */
  rootId: string;
  depth: number;
}

/**
 * The Published post for a slug (comments, reactions): 404 when missing or not Published.
 */
export async function publishedPost(db: Database, slug: string): Promise<PostOfDiscussion> {
  const post = await db
    .selectFrom('blog')
    .select(['id', 'slug', 'title', 'authorId'])
    .where('slug', '=', slug)
    .where('status', '=', 'Published')
    .where('isDraft', '=', false)
    .executeTakeFirst();
  if (!post) throw notFound();
  return post;
}

/** A comment's ancestors, nearest first (parent, grandparent ...), with their authors. */
async function ancestorsOf(db: Database, commentId: string, postId: string) {
  const { rows } = await sql<{ id: string; authorId: string; parentId: string | null; level: number }>`
    with recursive chain as (
      select id, author_id, parent_id, 0 as level from blog_comment where id = ${commentId} and blog_id = ${postId}
      union all
      select c.id, c.author_id, c.parent_id, chain.level + 1 from blog_comment c join chain on c.id = chain.parent_id
      where chain.level < 10
    )
    select id, author_id as "authorId", parent_id as "parentId", level from chain order by level`.execute(db);
  return rows;
}

/**
 * A comment by `authorId` on a Published post, as a reply when `parentId` names a comment of that
 * post. A reply to a third-level comment is stored beside it, under the same second-level parent
 * (so it shows at the third level: "deeper replies attach to the third level"); the person replied
 * to is still the one notified. Notifies the post's author and the replied-to comment's author
 * (one notification per person, never about one's own comment), credits the post's author once
 * per commenter, and checks the DiscussionContributor badge.
 */
export async function addComment(
  db: Database,
  input: { post: PostOfDiscussion; authorId: string; authorName: string; content: string; parentId?: string | undefined },
): Promise<AddedComment> {
  const { post, authorId } = input;
  return db.transaction().execute(async (trx) => {
    // First: the post's row (counter and lock); it may have been unpublished meanwhile.
    const counted = await trx
      .updateTable('blog')
      .set((eb) => ({ commentCount: eb('commentCount', '+', 1) }))
      .where('id', '=', post.id)
      .where('status', '=', 'Published')
      .returning('id')
      .executeTakeFirst();
    if (!counted) throw notFound();

    let parentId: string | null = null;
    let depth = 1;
    let rootId: string | undefined;
    let repliedTo: string | undefined;
    if (input.parentId) {
      const chain = await ancestorsOf(trx, input.parentId, post.id);
      if (!chain.length) throw new HttpError(422, msg('The comment you replied to is no longer there.'));
      const parentDepth = chain.length;
      repliedTo = chain[0]!.authorId;
      rootId = chain[chain.length - 1]!.id;
      // chain[k] is at depth parentDepth - k; attach at most at MAX_DEPTH.
      const attachTo = parentDepth >= MAX_DEPTH ? chain[parentDepth - (MAX_DEPTH - 1)]! : chain[0]!;
      parentId = attachTo.id;
      depth = Math.min(parentDepth + 1, MAX_DEPTH);
    }

    const comment = await trx
      .insertInto('blogComment')
      .values({ blogId: post.id, authorId, parentId, content: input.content })
      .returning('id')
      .executeTakeFirstOrThrow();

    const link = `/blog/${post.slug}#comment-${comment.id}`;
    const notified = new Set<string>([authorId]);
    const notifications: Notice[] = [];
    if (!notified.has(post.authorId)) {
      notified.add(post.authorId);
      notifications.push({
        userId: post.authorId,
        type: 'CommentReceived',
        title: msg('New comment on your post'),
        message: msg('{name} commented on "{title}".'),
        values: { name: input.authorName, title: post.title },
        link,
      });
    }
    if (repliedTo && !notified.has(repliedTo)) {
      notified.add(repliedTo);
      notifications.push({
        userId: repliedTo,
        type: 'CommentReceived',
        title: msg('New reply to your comment'),
        message: msg('{name} replied to your comment on "{title}".'),
        values: { name: input.authorName, title: post.title },
        link,
      });
    }
    await notify(trx, notifications);

    await creditEngagement(trx, post, authorId, 'comment');
    await checkDiscussionContributor(trx, authorId);
    return { id: comment.id, rootId: rootId ?? comment.id, depth };
  });
}

/**
 * Deletes a comment and every reply under it, by its author or an admin (404 for anyone else, as
 * for a comment that does not exist), and takes them off the post's commentCount in the same
 * transaction. Audited. Returns the post's slug and how many comments went.
 */
export async function deleteComment(
  db: Database,
  audit: AuditContext,
  input: { commentId: string; actor: { id: string; role: string } },
): Promise<{ slug: string; postId: string; removed: number }> {
  return db.transaction().execute(async (trx) => {
    const found = await trx
      .selectFrom('blogComment')
      .innerJoin('blog', 'blog.id', 'blogComment.blogId')
      .select(['blogComment.authorId', 'blog.id as postId', 'blog.slug'])
      .where('blogComment.id', '=', input.commentId)
      .executeTakeFirst();
    if (!found || (found.authorId !== input.actor.id && input.actor.role !== 'admin')) throw notFound();
    // The post's row first, as adding a comment takes it: the subtree below is then complete.
    await trx.selectFrom('blog').select('id').where('id', '=', found.postId).forUpdate().execute();
    const { rows } = await sql<{ id: string }>`
      with recursive subtree as (
        select id from blog_comment where id = ${input.commentId}
        union all
        select c.id from blog_comment c join subtree s on c.parent_id = s.id
      )
      delete from blog_comment where id in (select id from subtree) returning id`.execute(trx);
    // Deleted meanwhile by a concurrent request: nothing to count, nothing to say.
    if (!rows.length) throw notFound();
    await trx
      .updateTable('blog')
      .set((eb) => ({ commentCount: sql<number>`greatest(${eb.ref('commentCount')} - ${rows.length}, 0)` }))
      .where('id', '=', found.postId)
      .execute();
    await recordActivity(trx, audit, {
      action: 'blog_comment_deleted',
      entityType: 'blog_comment',
      entityId: input.commentId,
      metadata: { postId: found.postId, removed: rows.length, byAuthor: found.authorId === input.actor.id },
    });
    return { slug: found.slug, postId: found.postId, removed: rows.length };
  });
}

/**
 * Toggles `userId`'s upvote on a comment of a Published post: one row per user and comment
 * (blog_comment_upvote), `upvotes` changed in the same transaction under the comment's lock, so
 * it always equals the rows. Not on one's own comment (422).
 */
export async function toggleUpvote(
  db: Database,
  input: { commentId: string; userId: string },
): Promise<{ upvoted: boolean; upvotes: number; slug: string; authorId: string }> {
  return db.transaction().execute(async (trx) => {
    const comment = await trx
      .selectFrom('blogComment')
      .innerJoin('blog', 'blog.id', 'blogComment.blogId')
      .select(['blogComment.authorId', 'blog.slug'])
      .where('blogComment.id', '=', input.commentId)
      .where('blog.status', '=', 'Published')
      .forNoKeyUpdate('blogComment')
      .executeTakeFirst();
    if (!comment) throw notFound();
    if (comment.authorId === input.userId) throw new HttpError(422, msg('You cannot upvote your own comment.'));
    const removed = await trx
      .deleteFrom('blogCommentUpvote')
      .where('commentId', '=', input.commentId)
      .where('userId', '=', input.userId)
      .returning('userId')
      .executeTakeFirst();
    if (!removed) await trx.insertInto('blogCommentUpvote').values({ commentId: input.commentId, userId: input.userId }).execute();
    const { upvotes } = await trx
      .updateTable('blogComment')
      .set((eb) => ({ upvotes: removed ? sql<number>`greatest(${eb.ref('upvotes')} - 1, 0)` : eb('upvotes', '+', 1) }))
      .where('id', '=', input.commentId)
      .returning('upvotes')
      .executeTakeFirstOrThrow();
    return { upvoted: !removed, upvotes, slug: comment.slug, authorId: comment.authorId };
  });
}
