import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Database } from '../../db/database.ts';
import { auditOf } from '../../http/audit-context.ts';
import { HttpError, notFound } from '../../http/errors.ts';
import { setFlash } from '../../http/flash.ts';
import { currentUser, requireUser, type CurrentUser } from '../../http/guards.ts';
import { enforceRateLimit, RATE_LIMITS, RateLimitedError } from '../../http/rate-limit.ts';
import { isHtmx, render } from '../../http/render.ts';
import { addComment, COMMENT_MAX_LENGTH, deleteComment, publishedPost, toggleUpvote } from './comments.ts';
import { commentUrl, loadDiscussion, pageOfThread, REACTION_TYPES } from './discussion.ts';
import type { PostOfDiscussion } from './engagement.ts';
import { linkify } from './linkify.ts';
import { react } from './reactions.ts';
import { msg } from '../../i18n/catalogue.ts';
import { translatorOf } from '../../i18n/negotiate.ts';

/**
 * The discussion under a post (issue 15): comments, replies, upvotes and reactions. Mounted at
 * /blog BEFORE the public reading routes; every route carries its own guard (requireUser), as the
 * guard walk accepts. Each htmx route answers its fragment (Vary: HX-Request) and everything works
 * as plain forms (303 back to the post at the right anchor).
 *
 * A refused htmx form answers 422 with its fragment and message (htmx swaps 422, not 429): so a
 * rate limit is 429 without JavaScript and 422 (with the same message) for htmx.
 */

export interface DiscussionDeps {
  db: Database;
}

const slugParam = z.string().min(1).max(300);
const idParam = z.uuid();
const pageField = z.coerce.number().int().min(1).max(100_000).catch(1);

const commentInput = z.object({
  content: z
    .string({ message: msg('Write your comment first.') })
    .trim()
    .min(1, msg('Write your comment first.'))
    // The limit written out (a catalogue key is a literal): COMMENT_MAX_LENGTH.
    .max(COMMENT_MAX_LENGTH, msg('Keep your comment under 5000 characters.')),
  parentId: z
    .union([z.literal(''), z.uuid()])
    .optional()
    .transform((v) => v || undefined),
});
const reactionInput = z.object({ type: z.enum(REACTION_TYPES) });

const nameOf = (user: CurrentUser) => [user.firstName, user.lastName].filter(Boolean).join(' ');
const viewerOf = (user: CurrentUser) => ({ id: user.id, role: user.role });
const postView = (post: PostOfDiscussion) => ({ id: post.id, slug: post.slug, authorId: post.authorId, title: post.title });

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success) throw notFound();
  return result.data;
}

export function discussionRoutes({ db }: DiscussionDeps): Router {
  const router = Router();

  async function renderComments(res: Response, post: PostOfDiscussion, page: number, extras: Record<string, unknown> = {}, status = 200) {
    const user = currentUser(res)!;
    const discussion = await loadDiscussion(db, { postId: post.id, viewer: viewerOf(user), page });
    render(res, 'blog/_comments', { discussion, post: postView(post), ...extras }, status);
  }

  /** The reply form: alone for htmx (in place of the Reply link), else a page with the comment quoted. */
  async function replyPage(req: Request, res: Response, post: PostOfDiscussion, parentId: string | undefined, form?: { parentId?: string | undefined; content: string; error: string }, status = 200) {
    res.vary('HX-Request');
    let parent: { id: string; authorName: string; html: string } | undefined;
    if (parentId) {
      const row = await db
        .selectFrom('blogComment')
        .innerJoin('user', 'user.id', 'blogComment.authorId')
        .select(['blogComment.id', 'blogComment.content', 'user.firstName', 'user.lastName'])
        .where('blogComment.id', '=', parentId)
        .where('blogComment.blogId', '=', post.id)
        .executeTakeFirst();
      if (row) parent = { id: row.id, authorName: [row.firstName, row.lastName].filter(Boolean).join(' '), html: linkify(row.content) };
      else if (!form) throw notFound();
    }
    if (isHtmx(req)) {
      if (form) res.set({ 'HX-Retarget': `#comment-form-${parentId ?? 'new'}`, 'HX-Reswap': 'outerHTML' });
      return render(res, 'blog/_comment_form', { post: postView(post), parentId: parent?.id ?? parentId ?? '', form, autofocus: true }, status);
    }
    const tr = translatorOf(res);
    render(res, 'blog/reply', { title: parent ? tr.t('Reply to {name}', { name: parent.authorName }) : tr.t('Your comment'), post: postView(post), parent, form }, status);
  }

  router.get('/comments/:commentId/reply', requireUser, async (req, res) => {
    const commentId = parse(idParam, req.params.commentId);
    const found = await db.selectFrom('blogComment').innerJoin('blog', 'blog.id', 'blogComment.blogId').select('blog.slug').where('blogComment.id', '=', commentId).executeTakeFirst();
    if (!found) throw notFound();
    await replyPage(req, res, await publishedPost(db, found.slug), commentId);
  });

  router.post('/:slug/comments', requireUser, async (req, res) => {
    const user = currentUser(res)!;
    const post = await publishedPost(db, parse(slugParam, req.params.slug));
    const body = (req.body ?? {}) as Record<string, unknown>;
    // A tampered parentId (not an id at all) is a missing page; a valid one that is gone is a 422 below.
    if (body.parentId !== undefined && body.parentId !== '' && !idParam.safeParse(body.parentId).success) throw notFound();
    const parentId = typeof body.parentId === 'string' && body.parentId ? body.parentId : undefined;
    const typed = typeof body.content === 'string' ? body.content : '';
    const refuse = (error: string, status: number) => replyPage(req, res, post, parentId, { parentId, content: typed, error }, status);
    const parsed = commentInput.safeParse(body);
    if (!parsed.success) return refuse(parsed.error.issues[0]?.message ?? msg('Please check your comment.'), 422);
    try {
      await enforceRateLimit(db, RATE_LIMITS.blogComment, user.id);
    } catch (error) {
      if (!(error instanceof RateLimitedError)) throw error;
      res.set('Retry-After', String(error.retryAfterSeconds));
      const seconds = error.retryAfterSeconds;
      const wait = seconds < 60 ? { unit: 'second', n: seconds } : { unit: 'minute', n: Math.ceil(seconds / 60) };
      return refuse(translatorOf(res).t('You are commenting very fast. {unit, select, second {{n, plural, one {Please wait # second} other {Please wait # seconds}}} other {{n, plural, one {Please wait # minute} other {Please wait # minutes}}}} and try again.', wait), isHtmx(req) ? 422 : 429);
    }
    let added;
    try {
      added = await addComment(db, { post, authorId: user.id, authorName: nameOf(user), content: parsed.data.content, parentId: parsed.data.parentId });
    } catch (error) {
      if (error instanceof HttpError && error.status === 422) return refuse(translatorOf(res).t(error.message, error.values), 422);
      throw error;
    }
    const page = parsed.data.parentId ? await pageOfThread(db, post.id, added.rootId) : 1;
    res.vary('HX-Request');
    if (isHtmx(req)) return renderComments(res, post, page);
    setFlash(req, 'success', parsed.data.parentId ? msg('Your reply is posted.') : msg('Your comment is posted.'));
    res.redirect(303, commentUrl(post.slug, page, added.id));
  });

  router.post('/comments/:commentId/delete', requireUser, async (req, res) => {
    const user = currentUser(res)!;
    const commentId = parse(idParam, req.params.commentId);
    const page = pageField.parse((req.body as Record<string, unknown> | undefined)?.page);
    const deleted = await deleteComment(db, auditOf(req, res), { commentId, actor: viewerOf(user) });
    const message = msg('{replies, plural, =0 {The comment is deleted.} one {The comment and # reply are deleted.} other {The comment and # replies are deleted.}}');
    const values = { replies: Math.max(0, deleted.removed - 1) };
    res.vary('HX-Request');
    if (isHtmx(req)) {
      const post = await db.selectFrom('blog').select(['id', 'slug', 'title', 'authorId']).where('id', '=', deleted.postId).executeTakeFirstOrThrow();
      return renderComments(res, post, page, { notice: translatorOf(res).t(message, values) });
    }
    setFlash(req, 'success', message, values);
    res.redirect(303, commentUrl(deleted.slug, page));
  });

  router.post('/comments/:commentId/upvote', requireUser, async (req, res) => {
    const user = currentUser(res)!;
    const commentId = parse(idParam, req.params.commentId);
    const result = await toggleUpvote(db, { commentId, userId: user.id });
    res.vary('HX-Request');
    if (isHtmx(req)) {
      return render(res, 'blog/_upvote', { c: { id: commentId, canUpvote: true, upvotedByViewer: result.upvoted, upvotes: result.upvotes } });
    }
    res.redirect(303, `/blog/${result.slug}#comment-${commentId}`);
  });

  router.post('/:slug/reactions', requireUser, async (req, res) => {
    const user = currentUser(res)!;
    const post = await publishedPost(db, parse(slugParam, req.params.slug));
    const parsed = reactionInput.safeParse(req.body ?? {});
    res.vary('HX-Request');
    const bar = async (extras: Record<string, unknown>, status: number) => {
      const discussion = await loadDiscussion(db, { postId: post.id, viewer: viewerOf(user), page: 1 });
      render(res, 'blog/_reactions', { discussion, post: postView(post), ...extras }, status);
    };
    if (!parsed.success) {
      if (isHtmx(req)) return bar({ reactionError: msg('Choose Like, Love, Insightful or Funny.') }, 422);
      throw new HttpError(422, msg('Choose Like, Love, Insightful or Funny.'));
    }
    try {
      await enforceRateLimit(db, RATE_LIMITS.blogReaction, user.id);
    } catch (error) {
      if (!(error instanceof RateLimitedError)) throw error;
      res.set('Retry-After', String(error.retryAfterSeconds));
      if (isHtmx(req)) return bar({ reactionError: error.message }, 422);
      throw error;
    }
    await react(db, { post, userId: user.id, userName: nameOf(user), type: parsed.data.type });
    if (isHtmx(req)) return bar({}, 200);
    res.redirect(303, `/blog/${post.slug}#reactions`);
  });

  return router;
}
