import { Router } from 'express';
import type { Database } from '../../db/database.ts';
import { formatDate, formatDuration } from '../../lib/dates.ts';
import { timeZoneOf } from '../../http/guards.ts';
import { formatPrice } from '../../lib/money.ts';
import { anonymousPageCache } from '../../http/page-cache.ts';
import { render } from '../../http/render.ts';
import { courseImage } from '../media/course-image.ts';
import { featuredCourses, latestPosts } from './queries.ts';

/** `cacheMs`: how long the anonymous home page is reused (config CATALOG_CACHE_SECONDS, as the catalog's). */
export function homeRoutes({ db, cacheMs = 0 }: { db: Database; cacheMs?: number }): Router {
  const router = Router();
  // The same for every visitor who is not signed in (http/page-cache.ts).
  const homeCache = anonymousPageCache({ ttlMs: cacheMs, maxEntries: 50, cacheable: () => cacheMs > 0 });

  router.get('/', homeCache, async (_req, res) => {
    const [courses, posts] = await Promise.all([featuredCourses(db), latestPosts(db)]);
    render(res, 'home/index', {
      courses: courses.map((c) => ({ ...c, priceLabel: formatPrice(c.price), durationLabel: formatDuration(c.duration), image: courseImage(c) })),
      posts: posts.map((p) => ({
        ...p,
        isoDate: p.publishedAt ? new Date(p.publishedAt).toISOString() : '',
        dateLabel: p.publishedAt ? formatDate(p.publishedAt, timeZoneOf(res)) : '',
      })),
    });
  });

  return router;
}
