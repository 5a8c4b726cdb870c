import { Router } from 'express';
import { z } from 'zod';
import type { Database } from '../../db/database.ts';
import { toCsv, startCsv } from '../../http/csv.ts';
import { notFound } from '../../http/errors.ts';
import { timeZoneOf } from '../../http/guards.ts';
import { render } from '../../http/render.ts';
import { translatorOf } from '../../i18n/negotiate.ts';
import { msg } from '../../i18n/catalogue.ts';
import { loadCourse } from '../teaching/load.ts';
import { buildChart, CHART_IDS, isChartId, REVENUE_RULE, type ChartId } from './course-charts.ts';
import { loadCourseAnalytics } from './course-queries.ts';
import { RANGES, RANGE_LABELS, rangeQuery, resolveRange, type RangeKey } from './range.ts';

/**
 * GET /teach/courses/:courseId/analytics?range=30d|90d|12m|all, mounted inside /teach (teachers and
 * admins; the course's loader answers 404 for a course the teacher does not manage). One page of
 * charts, or one chart's numbers as CSV with `&format=csv&chart=<id>` (an unknown chart is 404).
 * A bad range falls back to the default (rangeQuery).
 */

interface Course {
  id: string;
  title: string;
  slug: string;
}

const csvQuery = z.object({
  format: z.enum(['csv']).optional().catch(undefined),
  chart: z.string().max(40).optional().catch(undefined),
});

const csvHref = (range: RangeKey) => (id: ChartId) => `?range=${range}&format=csv&chart=${id}`;

export function courseAnalyticsRoutes(deps: { db: Database }): Router {
  const { db } = deps;
  const router = Router();
  router.param('courseId', loadCourse(db));

  router.get('/courses/:courseId/analytics', async (req, res) => {
    const course = res.locals.course as Course;
    const { range: key } = rangeQuery.parse(req.query);
    const { format, chart } = csvQuery.parse(req.query);
    const range = resolveRange(key, timeZoneOf(res));
    const scope = { courseId: course.id, range };
    const href = csvHref(key);

    if (format === 'csv') {
      if (!isChartId(chart)) throw notFound(msg('There is no such chart.'));
      const data = await loadCourseAnalytics(db, scope, [chart]);
      const view = buildChart(chart, data[chart], range, href, translatorOf(res));
      startCsv(res, `${course.slug}-${chart}-${key}.csv`);
      res.send(toCsv([view.csv.head, ...view.csv.rows]));
      return;
    }

    const data = await loadCourseAnalytics(db, scope);
    const charts = Object.fromEntries(CHART_IDS.map((id) => [id, buildChart(id, data[id], range, href, translatorOf(res))]));
    render(res, 'teach/analytics', {
      title: translatorOf(res).t('Analytics · {course}', { course: course.title }),
      course,
      range,
      ranges: RANGES.map((k) => ({ key: k, label: RANGE_LABELS[k], current: k === key })),
      charts,
      revenueRule: REVENUE_RULE,
      active: data.active[0] ?? { students: 0, last7: 0, last30: 0 },
    });
  });

  return router;
}
