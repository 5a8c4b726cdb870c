import { Router } from 'express';
import type { Database } from '../../db/database.ts';
import { formatDate, formatDuration } from '../../lib/dates.ts';
import { timeZoneOf } from '../../http/guards.ts';
import { formatPrice } from '../../lib/money.ts';
import { render } from '../../http/render.ts';
import { courseImage } from '../media/course-image.ts';
import { featuredCourses, latestPosts } from './queries.ts';

export function homeRoutes({ db }: { db: Database }): Router {
  const router = Router();

  router.get('/', async (_req, res) => {
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
