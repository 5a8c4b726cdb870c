import { Router } from 'express';
import type { Database } from '../../db/database.ts';
import { timeZoneOf } from '../../http/guards.ts';
import { translatorOf } from '../../i18n/negotiate.ts';
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
    const tr = translatorOf(res);
    render(res, 'home/index', {
      courses: courses.map((c) => ({ ...c, priceLabel: tr.price(c.price), durationLabel: tr.duration(c.duration), image: courseImage(c) })),
      posts: posts.map((p) => ({
        ...p,
        isoDate: p.publishedAt ? new Date(p.publishedAt).toISOString() : '',
        dateLabel: p.publishedAt ? tr.date(p.publishedAt, timeZoneOf(res)) : '',
      })),
    });
  });

  return router;
}
