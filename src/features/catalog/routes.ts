import { Router } from 'express';
import { z } from 'zod';
import type { Database } from '../../db/database.ts';
import { notFound } from '../../http/errors.ts';
import { msg } from '../../i18n/catalogue.ts';
import { anonymousPageCache } from '../../http/page-cache.ts';
import { currentUser, publicRouter } from '../../http/guards.ts';
import { render } from '../../http/render.ts';
import { pageInfo } from '../../http/table.ts';
import { translatorOf } from '../../i18n/negotiate.ts';
import type { Translator } from '../../i18n/translator.ts';
import { canLearn, canManage, isBanInForce } from '../access/course-policy.ts';
import { courseImage } from '../media/course-image.ts';
import { cancellationOf } from '../enrollments/cancellation.ts';
import { LEVELS } from '../teaching/schemas.ts';
import { courseForVisitor, curriculum, ratingComments, ratingSummary, REVIEWS_PER_PAGE } from './course-queries.ts';

// The page of written reviews on a course page (`?reviews=2`); anything odd is the first page.
const reviewsQuery = z.coerce.number().int().min(1).max(10_000).catch(1);
import { CATALOG_PER_PAGE, CATALOG_SORTS, catalogCategories, searchCatalog } from './queries.ts';
import { MAX_QUERY_LENGTH, searchWords } from './search.ts';
import { correctSpelling } from './spelling.ts';

/** /courses: the catalog with search, and each course's page. */

const catalogQuery = z.object({
  q: z.string().trim().max(1000).catch('').default(''),
  category: z.string().trim().max(60).optional().catch(undefined),
  level: z.enum(LEVELS).optional().catch(undefined),
  price: z.enum(['free', 'paid']).optional().catch(undefined),
  sort: z.enum(CATALOG_SORTS).catch('relevance').default('relevance'),
  page: z.coerce.number().int().min(1).max(1000).catch(1).default(1),
  // "Search instead for <what was typed>": no spelling correction.
  exact: z.literal('1').optional().catch(undefined),
});

const fromSearch = z.uuid().optional().catch(undefined);

/** A course with its price and length in the reader's language (tr: the request's translator). */
export const withLabels =
  (tr: Translator) =>
  <T extends { id: string; title: string; category: string; fileKey: string | null; price: number; duration: number; teacherFirstName: string; teacherLastName: string | null }>(
    c: T,
  ) => ({
    ...c,
    priceLabel: tr.price(c.price),
    durationLabel: tr.duration(c.duration),
    image: courseImage(c),
  });

/** `cacheMs`: how long an anonymous visitor's catalog page is reused (config CATALOG_CACHE_SECONDS); a course published shows within it. */
export function catalogRoutes({ db, cacheMs = 0 }: { db: Database; cacheMs?: number }): Router {
  const router = publicRouter(Router());
  // The anonymous catalog is the same for everyone for a few seconds (http/page-cache.ts); a search
  // is not cached: each one is recorded (search_analytics) and its page links its own record.
  const catalogCache = anonymousPageCache({
    ttlMs: cacheMs,
    maxEntries: 500,
    cacheable: (req) => cacheMs > 0 && (typeof req.query.q !== 'string' || req.query.q.trim() === ''),
  });

  router.get('/courses', catalogCache, async (req, res) => {
    const f = catalogQuery.parse(req.query);
    // A word that matches nothing is corrected against the catalog's words ("pyton" -> "python"),
    // in one query beside the categories; the search then runs with the corrected words.
    const words = f.exact ? [] : searchWords(f.q);
    const [correction, categories] = await Promise.all([correctSpelling(db, words), catalogCategories(db)]);
    const { rows, total, sort } = await searchCatalog(db, { ...f, q: correction?.query ?? f.q, category: f.category || undefined });
    // Said only when the corrected words find something; otherwise the page says nothing matched.
    const corrected = correction && total > 0 ? correction.query : undefined;
    // Every search is recorded (queries, result counts, and later the result followed).
    let searchId: string | undefined;
    if (f.q) {
      const row = await db
        .insertInto('searchAnalytics')
        .values({
          query: f.q.slice(0, MAX_QUERY_LENGTH),
          resultsCount: total,
          userId: currentUser(res)?.id ?? null,
          ipAddress: req.ip ?? null,
          userAgent: req.get('user-agent')?.slice(0, 500) ?? null,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      searchId = row.id;
    }
    const tr = translatorOf(res);
    const filters = { q: f.q, category: f.category, level: f.level, price: f.price, sort: f.sort === 'relevance' ? undefined : f.sort, exact: f.exact, page: f.page };
    render(res, 'catalog/index', {
      title: f.q ? tr.t('Courses matching "{query}"', { query: f.q.slice(0, 60) }) : tr.t('Courses'),
      courses: rows.map(withLabels(tr)),
      total,
      filters: f,
      sort,
      categories,
      levels: LEVELS,
      searchId,
      corrected,
      // The same search (filters and sort kept, first page) with the words as typed.
      exactHref: corrected ? pageInfo('/courses', { ...filters, exact: '1', page: 1 }, total).href(1) : undefined,
      pageInfo: pageInfo('/courses', filters, total, CATALOG_PER_PAGE),
    });
  });

  router.get('/courses/:slug', async (req, res) => {
    const user = currentUser(res);
    const found = await courseForVisitor(db, String(req.params.slug), user);
    if (!found) throw notFound(msg('We could not find that course.'));
    const { course, enrollment, role } = found;
    const from = fromSearch.parse(req.query.from);
    const viewer = user ? { userId: user.id, manages: canManage(role) } : undefined;
    const reviewsPage = reviewsQuery.parse(req.query.reviews);
    const [chapters, rating, reviews] = await Promise.all([
      curriculum(db, course.id, viewer),
      ratingSummary(db, course.id),
      ratingComments(db, course.id, reviewsPage),
      // Following a search result: that search row learns which result was chosen.
      from
        ? db.updateTable('searchAnalytics').set({ clickedResult: course.id }).where('id', '=', from).where('clickedResult', 'is', null).execute()
        : Promise.resolve(),
    ]);
    // A student whose enrollment was cancelled is told so above the enroll button.
    const cancellation = enrollment?.status === 'Cancelled' ? await cancellationOf(db, enrollment.id) : undefined;
    render(res, 'catalog/course', {
      title: course.title,
      description: course.smallDescription,
      course: withLabels(translatorOf(res))(course),
      chapters,
      lessonCount: chapters.reduce((n, c) => n + c.lessons.length, 0),
      rating,
      reviews,
      reviewsPage: { page: reviewsPage, pages: Math.max(1, Math.ceil(reviews.total / REVIEWS_PER_PAGE)) },
      enrollment,
      cancellation,
      // Cancelled and suspended: enrolling again is refused, so the notice does not offer it.
      suspended: enrollment ? isBanInForce(enrollment) : false,
      role,
      canLearn: canLearn(role, course),
      checkoutCancelled: req.query.checkout === 'cancelled',
    });
  });

  return router;
}
