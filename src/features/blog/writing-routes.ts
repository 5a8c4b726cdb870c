import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Config } from '../../config.ts';
import type { Database } from '../../db/database.ts';
import { auditOf } from '../../http/audit-context.ts';
import { HttpError, notFound } from '../../http/errors.ts';
import { setFlash } from '../../http/flash.ts';
import { fieldErrors, typedValues, type FieldErrors } from '../../http/forms.ts';
import { currentUser } from '../../http/guards.ts';
import { hitRateLimit, RATE_LIMITS } from '../../http/rate-limit.ts';
import { render } from '../../http/render.ts';
import { pageInfo, PER_PAGE, tableQuery } from '../../http/table.ts';
import type { Logger } from '../../logger.ts';
import type { Storage } from '../../storage/index.ts';
import { discardUpload, receiveUpload, type ReceivedUpload } from '../../uploads/receive.ts';
import { uploadTempDir } from '../../uploads/temp-dir.ts';
import { deletePost, missingPointsMessage, submitPost } from './moderation.ts';
import {
  coverImage,
  createPost,
  deleteCover,
  formOptions,
  ownPost,
  pointsInfo,
  stateOf,
  storeCover,
  updatePost,
  type OwnPost,
  type SaveResult,
} from './writing.ts';
import { POST_FIELDS, postIdParam, postInput, postInputFor } from './writing-schemas.ts';
import { msg } from '../../i18n/catalogue.ts';
import { translatorOf } from '../../i18n/negotiate.ts';

/**
 * The author's side of the blog (issue 15):
 *   GET, POST /blog/new                       write a post (verified users; mounted behind requireVerified)
 *   GET, POST /blog/posts/:postId/edit        the author's own post only (404 for anyone else)
 *   POST      /blog/posts/:postId/submit      send a draft to moderation (costs points)
 *   POST      /blog/posts/:postId/delete      the author's draft, Pending or Rejected post
 *   GET       /account/posts                  the author's posts and their state
 * The form is multipart (it carries the cover): the CSRF token rides in the action's query string.
 */

export interface WritingDeps {
  db: Database;
  storage: Storage;
  config: Pick<Config, 'uploadMaxBytes' | 'dataDir'>;
  logger: Logger;
}

/** A cover is an image: however large uploads may be, one over this is refused. */
const COVER_MAX_BYTES = 20 * 1024 * 1024;
/** The Markdown arrives as a multipart field: 100,000 characters of up to 4 bytes each, with room. */
const FIELD_MAX_BYTES = 512 * 1024;

/** Counts a post or a send against the author's hourly allowance; 429 with the wait when it is spent. */
async function enforcePostingLimit(db: Database, res: Response, userId: string): Promise<void> {
  const hit = await hitRateLimit(db, RATE_LIMITS.blogPost, userId);
  if (hit.allowed) return;
  res.set('Retry-After', String(hit.retryAfterSeconds));
  const seconds = hit.retryAfterSeconds;
  throw new HttpError(
    429,
    msg('You have written or sent {limit} posts in the last hour. {unit, select, second {{n, plural, one {Please wait # second} other {Please wait # seconds}}} other {{n, plural, one {Please wait # minute} other {Please wait # minutes}}}} and try again; your drafts stay saved.'),
    { limit: RATE_LIMITS.blogPost.limit, ...(seconds < 60 ? { unit: 'second', n: seconds } : { unit: 'minute', n: Math.ceil(seconds / 60) }) },
  );
}

const SENT_MESSAGE = msg(
  '{charged, plural, =0 {Sent to moderation: an admin reviews it before it appears on the blog.} one {Sent to moderation: an admin reviews it before it appears on the blog. # point was spent.} other {Sent to moderation: an admin reviews it before it appears on the blog. # points were spent.}}',
);

type FormState = { values: Record<string, string>; errors: FieldErrors };

export function writingRoutes(deps: WritingDeps): { newPost: Router; posts: Router; account: Router } {
  const { db, storage, config, logger } = deps;
  const tempDir = uploadTempDir(config);

  async function formPage(res: Response, view: 'blog/new' | 'blog/edit', post: OwnPost | null, form: FormState, status = 200) {
    const user = currentUser(res)!;
    const [options, points] = await Promise.all([formOptions(db, post?.courseId ?? null), pointsInfo(db, user.id)]);
    render(
      res,
      view,
      {
        title: post ? translatorOf(res).t('Edit: {title}', { title: post.title }) : translatorOf(res).t('Write a post'),
        post: post ? { ...post, state: stateOf(post), cover: coverImage(post.coverImageKey) } : null,
        values: form.values,
        errors: form.errors,
        ...options,
        ...points,
      },
      status,
    );
  }

  /** The cover sent with the form (undefined: none chosen), or a message for its field. */
  async function receiveCover(req: Request, res: Response): Promise<{ upload?: ReceivedUpload; error?: string }> {
    try {
      const upload = await receiveUpload(req, res, {
        field: 'cover',
        tempDir,
        maxBytes: Math.min(COVER_MAX_BYTES, config.uploadMaxBytes),
        accept: ['jpeg', 'png', 'webp'],
        fieldSize: FIELD_MAX_BYTES,
      });
      return upload ? { upload } : {};
    } catch (error) {
      // In the reader's language now: the message has values (the size limit, the accepted types).
      if (error instanceof HttpError && (error.status === 422 || error.status === 413)) return { error: translatorOf(res).t(error.message, error.values) };
      throw error;
    }
  }

  /**
   * The shared part of new and edit: receive, validate, store the cover, then save. Answers 422
   * with the form (what was typed kept) for anything refused; the stored cover is deleted then.
   */
  async function save(
    req: Request,
    res: Response,
    post: OwnPost | null,
    write: (input: z.infer<typeof postInput>, cover: string | undefined) => Promise<SaveResult>,
    limited = false,
  ): Promise<void> {
    const view = post ? 'blog/edit' : 'blog/new';
    const { upload, error: coverError } = await receiveCover(req, res);
    const values = typedValues(req.body, POST_FIELDS);
    const refuse = (errors: FieldErrors, status = 422) => formPage(res, view, post, { values, errors }, status);
    let coverKey: string | undefined;
    try {
      const parsed = postInputFor(translatorOf(res)).safeParse(req.body ?? {});
      const errors: FieldErrors = parsed.success ? {} : fieldErrors(parsed.error);
      if (coverError) errors.cover = coverError;
      if (!parsed.success || coverError) {
        if (upload && !errors.cover) errors.cover = msg('Choose the cover image again (files are not kept when the form comes back).');
        return await refuse(errors);
      }
      // Counted once the form is valid: fixing a typo never uses up the allowance.
      if (limited) await enforcePostingLimit(db, res, currentUser(res)!.id);
      if (upload) {
        try {
          coverKey = await storeCover(storage, upload.path);
        } catch (error) {
          if (error instanceof HttpError && error.status === 422) return await refuse({ cover: translatorOf(res).t(error.message, error.values) });
          throw error;
        }
      }
      const result = await write(parsed.data, coverKey);
      if (!result.ok) {
        await deleteCover(storage, coverKey, logger);
        coverKey = undefined;
        if (result.status === 404) throw notFound();
        // A refusal with values (too few points) is shown in the reader's language here.
        const errors = result.values && result.errors._form ? { ...result.errors, _form: translatorOf(res).t(result.errors._form, result.values) } : result.errors;
        return await refuse(upload ? { ...errors, cover: msg('Choose the cover image again (files are not kept when the form comes back).') } : errors, result.status);
      }
      coverKey = undefined; // the post holds it now
      await deleteCover(storage, result.replacedCover, logger);
      if (result.sent) setFlash(req, 'success', SENT_MESSAGE, { charged: result.charged });
      else setFlash(req, 'success', post ? msg('Saved.') : msg('Draft saved. Only you can see it; send it to moderation when it is ready.'));
      res.redirect(303, result.sent || post ? '/account/posts' : `/blog/posts/${result.post.id}/edit`);
    } catch (error) {
      await deleteCover(storage, coverKey, logger);
      throw error;
    } finally {
      await discardUpload(upload);
    }
  }

  // --- /blog/new ---------------------------------------------------------------------------
  const newPost = Router();
  newPost.get('/', (_req, res) => formPage(res, 'blog/new', null, { values: {}, errors: {} }));
  newPost.post('/', async (req, res) => {
    const user = currentUser(res)!;
    await save(req, res, null, (input, cover) => createPost(db, auditOf(req, res), user.id, input, cover ?? null), true);
  });

  // --- /blog/posts/:postId/... -------------------------------------------------------------
  const posts = Router();

  async function loadOwn(req: Request, res: Response): Promise<OwnPost> {
    const params = postIdParam.safeParse(req.params);
    if (!params.success) throw notFound();
    const post = await ownPost(db, params.data.postId, currentUser(res)!.id);
    if (!post) throw notFound();
    return post;
  }

  posts.get('/:postId/edit', async (req, res) => {
    const post = await loadOwn(req, res);
    const values = {
      title: post.title,
      content: post.contentMarkdown ?? '',
      excerpt: post.excerpt ?? '',
      seoTitle: post.seoTitle ?? '',
      seoDescription: post.seoDescription ?? '',
      categoryId: post.categoryId ?? '',
      courseId: post.courseId ?? '',
      tags: post.tags ?? '',
    };
    await formPage(res, 'blog/edit', post, { values, errors: {} });
  });

  posts.post('/:postId/edit', async (req, res) => {
    const post = await loadOwn(req, res);
    const user = currentUser(res)!;
    await save(req, res, post, (input, cover) =>
      updatePost(db, auditOf(req, res), post.id, user.id, input, cover ?? (input.removeCover ? 'remove' : undefined)),
    );
  });

  posts.post('/:postId/submit', async (req, res) => {
    const params = postIdParam.safeParse(req.params);
    if (!params.success) throw notFound();
    const user = currentUser(res)!;
    await enforcePostingLimit(db, res, user.id);
    const result = await submitPost(db, auditOf(req, res), params.data.postId, user.id);
    if (!result.ok) {
      if (result.status === 404) throw notFound();
      const tr = translatorOf(res);
      return myPostsPage(req, res, result.status === 402 ? missingPointsMessage(result.missing ?? 1, tr) : tr.t(result.message, result.values), result.status === 402 ? 422 : 409);
    }
    setFlash(req, 'success', SENT_MESSAGE, { charged: result.charged });
    res.redirect(303, '/account/posts');
  });

  posts.post('/:postId/delete', async (req, res) => {
    const params = postIdParam.safeParse(req.params);
    if (!params.success) throw notFound();
    const result = await deletePost(db, auditOf(req, res), params.data.postId, currentUser(res)!.id);
    if (!result.ok) {
      if (result.status === 404) throw notFound();
      return myPostsPage(req, res, translatorOf(res).t(result.message), 409);
    }
    await deleteCover(storage, result.coverImageKey, logger);
    setFlash(
      req,
      'success',
      msg('{refunded, plural, =0 {Deleted "{title}".} one {Deleted "{title}". # point was refunded.} other {Deleted "{title}". # points were refunded.}}'),
      { title: result.post.title, refunded: result.refunded },
    );
    res.redirect(303, '/account/posts');
  });

  // --- /account/posts ----------------------------------------------------------------------
  const query = tableQuery(['updatedAt', 'createdAt', 'title'] as const, 'updatedAt', {});

  async function myPostsPage(req: Request, res: Response, problem?: string, status = 200) {
    const user = currentUser(res)!;
    const q = query.parse(req.query);
    const base = db.selectFrom('blog').where('authorId', '=', user.id);
    const [{ total }, rows, points] = await Promise.all([
      base.select((eb) => eb.fn.countAll<string>().as('total')).executeTakeFirstOrThrow(),
      base
        .select(['id', 'title', 'slug', 'status', 'isDraft', 'rejectionReason', 'updatedAt', 'publishedAt', 'pointsSpent', 'commentCount', 'likeCount'])
        .orderBy(q.sort, q.dir)
        .orderBy('id')
        .limit(PER_PAGE)
        .offset((q.page - 1) * PER_PAGE)
        .execute(),
      pointsInfo(db, user.id),
    ]);
    render(
      res,
      'account/posts',
      {
        title: translatorOf(res).t('Your posts'),
        rows: rows.map((r) => ({ ...r, state: stateOf(r) })),
        pageInfo: pageInfo('/account/posts', q, Number(total)),
        problem,
        ...points,
      },
      status,
    );
  }

  const account = Router();
  account.get('/posts', (req, res) => myPostsPage(req, res));

  return { newPost, posts, account };
}
