import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Database } from '../../db/database.ts';
import { cookieValue } from '../../http/cookies.ts';
import { notFound } from '../../http/errors.ts';
import { currentUser, publicRouter } from '../../http/guards.ts';
import { anonymousPageCache } from '../../http/page-cache.ts';
import { isHtmx, render } from '../../http/render.ts';
import { pageInfo } from '../../http/table.ts';
import { loadDiscussion } from './discussion.ts';
import { atomFeed } from './feed.ts';
import { BLOG_PER_PAGE, blogCategories, countView, feedPosts, isPublic, postBySlug, searchPosts, tagName, tagsOf, visibleTo, type PostPage } from './reading-queries.ts';
import { coverImage, stateOf } from './writing.ts';
import { msg } from '../../i18n/catalogue.ts';
import { translatorOf } from '../../i18n/negotiate.ts';
import type { Translator } from '../../i18n/translator.ts';

/**
 * Reading the blog (issue 15): GET /blog (the list), /blog/feed.xml (Atom), /blog/:slug (a post).
 * Mounted public at /blog AFTER the writing (/blog/new, /blog/posts) and discussion routers.
 */

declare module 'express-session' {
  interface SessionData {
    /** Posts this session has been counted as a viewer of (viewCount + 1 once each). */
    viewedPosts?: string[];
  }
}

export interface ReadingDeps {
  db: Database;
  baseUrl: string;
  /** How long an anonymous visitor's /blog and feed are reused (as the catalog's). */
  cacheMs?: number;
  /** Secure cookies (production). */
  secureCookies?: boolean;
}

/**
 * Where a visitor who is not signed in keeps the posts already counted: a browser-session cookie
 * (no stored session for a visitor who only reads: tests/security/anonymous-sessions.test.ts),
 * the first 12 hex digits of each post id, the last VIEWED_KEPT. Tampering with it only changes
 * what deleting it would: one more view counted for that browser.
 */
const VIEWS_COOKIE = 'edupeak.blogviews';
const VIEWED_KEPT = 40;
const shortId = (id: string) => id.replace(/-/g, '').slice(0, 12);
// Crawlers and link previews are not readers.
const ROBOT = /bot|crawl|spider|slurp|preview|facebookexternalhit|embedly|curl|wget|python-requests/i;

const slugLike = z.string().trim().toLowerCase().max(200).regex(/^[\p{L}\p{N}-]+$/u);

const listQuery = z.object({
  q: z.string().trim().max(1000).catch('').default(''),
  category: slugLike.optional().catch(undefined),
  tag: slugLike.optional().catch(undefined),
  page: z.coerce.number().int().min(1).max(1000).catch(1).default(1),
});

const slugParam = z.string().min(1).max(300);
const commentsPage = z.coerce.number().int().min(1).max(100_000).catch(1);

/** A page a person is shown (not htmx, not a prefetch, not a subresource, not HEAD): what counts as a view. */
function isSeenByPerson(req: Request): boolean {
  if (req.method !== 'GET' || isHtmx(req)) return false;
  const dest = req.get('Sec-Fetch-Dest');
  if (dest && dest !== 'document') return false;
  if (ROBOT.test(req.get('User-Agent') ?? '')) return false;
  return !/prefetch|prerender/i.test(`${req.get('Sec-Purpose') ?? ''} ${req.get('Purpose') ?? ''}`);
}

/**
 * Whether this viewer's session has not been counted for the post yet; marks it counted. A
 * signed-in reader's list is in their session; a visitor's in a cookie (VIEWS_COOKIE).
 */
function firstViewInSession(req: Request, res: Response, postId: string, signedIn: boolean, secure: boolean): boolean {
  if (signedIn) {
    const viewed = req.session.viewedPosts ?? [];
    if (viewed.includes(postId)) return false;
    req.session.viewedPosts = [...viewed, postId].slice(-200);
    return true;
  }
  const viewed = (cookieValue(req, VIEWS_COOKIE) ?? '').split('.').filter((v) => /^[0-9a-f]{12}$/.test(v));
  const id = shortId(postId);
  if (viewed.includes(id)) return false;
  res.cookie(VIEWS_COOKIE, [...viewed, id].slice(-VIEWED_KEPT).join('.'), { httpOnly: true, sameSite: 'lax', secure, path: '/blog' });
  return true;
}

const nameOf = (p: { authorFirstName: string; authorLastName: string | null }) => [p.authorFirstName, p.authorLastName].filter(Boolean).join(' ');
const isoOf = (d: Date | string | null) => (d ? new Date(d).toISOString() : '');

/** What the author (or an admin) is told above a post that is not on the blog. */
function stateNotice(post: PostPage, viewerIsAuthor: boolean, tr: Translator) {
  const state = stateOf(post);
  const values = { state: state.key, who: viewerIsAuthor ? 'author' : 'other' };
  // One message per state and reader: two sentences, each whole.
  const text = tr.t(
    '{state, select, draft {This post is a draft.} pending {This post is waiting for moderation.} rejected {This post was not approved.} unpublished {This post was taken off the blog.} other {}} {who, select, author {Only you and the admins can see it.} other {Only its author and the admins can see it.}}',
    values,
  ).trim();
  return { ...state, label: tr.t(state.label), text, reason: state.key === 'rejected' ? post.rejectionReason : null };
}

export function readingRoutes({ db, baseUrl, cacheMs = 0, secureCookies = false }: ReadingDeps): Router {
  const router = publicRouter(Router());
  // The list without words and the feed are the same for every anonymous visitor for a few seconds.
  const listCache = anonymousPageCache({
    ttlMs: cacheMs,
    maxEntries: 200,
    cacheable: (req) => cacheMs > 0 && (typeof req.query.q !== 'string' || req.query.q.trim() === ''),
  });

  router.get('/', listCache, async (req, res) => {
    const f = listQuery.parse(req.query);
    const [{ rows, total }, categories, tag] = await Promise.all([searchPosts(db, f), blogCategories(db), f.tag ? tagName(db, f.tag) : Promise.resolve(undefined)]);
    const tags = await tagsOf(
      db,
      rows.map((r) => r.id),
    );
    const category = categories.find((c) => c.slug === f.category);
    const filters = { q: f.q, category: f.category, tag: f.tag, page: f.page };
    const tr = translatorOf(res);
    const heading = tag ? tr.t('Posts tagged {tag}', { tag }) : category ? tr.t('Posts in {category}', { category: category.name }) : tr.t('Blog');
    render(res, 'blog/index', {
      title: f.q ? tr.t('Blog posts matching "{words}"', { words: f.q.slice(0, 60) }) : heading,
      description: tr.t('Posts from the Edupeak community: study tips, course notes and stories.'),
      feed: { title: tr.t('Edupeak blog'), href: '/blog/feed.xml' },
      heading,
      posts: rows.map((p) => ({
        ...p,
        authorName: nameOf(p),
        isoDate: isoOf(p.publishedAt),
        cover: coverImage(p.coverImageKey),
        tags: tags.get(p.id) ?? [],
      })),
      total,
      filters: f,
      tagLabel: tag ?? f.tag,
      categories,
      clearTagHref: pageInfo('/blog', { ...filters, tag: undefined, page: 1 }, total).href(1),
      pageInfo: pageInfo('/blog', filters, total, BLOG_PER_PAGE),
    });
  });

  router.get('/feed.xml', listCache, async (_req, res) => {
    const posts = await feedPosts(db);
    res.vary('Accept-Language');
    res.type('application/atom+xml; charset=utf-8').send(atomFeed(baseUrl, posts, new Date(), translatorOf(res)));
  });

  router.get('/:slug', async (req, res) => {
    const parsed = slugParam.safeParse(req.params.slug);
    if (!parsed.success) throw notFound();
    const user = currentUser(res);
    const post = await postBySlug(db, parsed.data);
    if (!post || !visibleTo(post, user)) throw notFound(msg('We could not find that post.'));
    const open = isPublic(post);
    const viewer = user && { id: user.id, role: user.role };
    const [tags, discussion] = await Promise.all([
      tagsOf(db, [post.id]),
      // The discussion is for posts on the blog; an author's draft has none yet.
      open ? loadDiscussion(db, { postId: post.id, viewer, page: commentsPage.parse(req.query.comments) }) : Promise.resolve(undefined),
    ]);

    // viewCount: once per viewer session, never the author's own views, only pages a person is shown.
    if (open && user?.id !== post.authorId && isSeenByPerson(req) && firstViewInSession(req, res, post.id, !!user, secureCookies)) {
      await countView(db, post.id);
    }

    const cover = coverImage(post.coverImageKey);
    const url = `${baseUrl}/blog/${encodeURIComponent(post.slug)}`;
    const title = post.seoTitle || post.title;
    const description = post.seoDescription || post.excerpt || '';
    const meta: { property?: string; name?: string; content: string }[] = [
      { property: 'og:type', content: 'article' },
      { property: 'og:title', content: title },
      { property: 'og:url', content: url },
      { property: 'og:site_name', content: 'Edupeak' },
    ];
    if (description) meta.push({ property: 'og:description', content: description });
    if (open && post.coverImageKey) meta.push({ property: 'og:image', content: `${baseUrl}/media/${post.coverImageKey}` });
    if (open && post.publishedAt) meta.push({ property: 'article:published_time', content: isoOf(post.publishedAt) });
    if (!open) meta.push({ name: 'robots', content: 'noindex' });

    render(res, 'blog/post', {
      title,
      ...(description ? { description } : {}),
      meta,
      post: {
        ...post,
        authorName: nameOf(post),
        isoDate: isoOf(post.publishedAt),
        cover,
        tags: tags.get(post.id) ?? [],
        canEdit: user?.id === post.authorId,
      },
      banner: open ? undefined : stateNotice(post, user?.id === post.authorId, translatorOf(res)),
      discussion,
    });
  });

  return router;
}
