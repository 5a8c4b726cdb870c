import { Router } from 'express';
import { z } from 'zod';
import type { Database } from '../../db/database.ts';
import { toCsv, startCsv } from '../../http/csv.ts';
import { notFound } from '../../http/errors.ts';
import { timeZoneOf } from '../../http/guards.ts';
import { render } from '../../http/render.ts';
import { msg } from '../../i18n/catalogue.ts';
import { translatorOf } from '../../i18n/negotiate.ts';
import { percent } from '../admin/search.ts';
import { CHART_IDS, CHART_SOURCES, platformCharts } from './platform-charts.ts';
import { platformCsv } from './platform-csv.ts';
import { platformNumbers, platformQueries, type PlatformNumbers } from './platform-queries.ts';
import { RANGE_LABELS, RANGES, rangeQuery, resolveRange } from './range.ts';

/**
 * GET /admin/analytics (mounted in the admin router, behind its guard): the platform's growth,
 * revenue, top courses, teacher applications and search, for `?range=30d|90d|12m|all` (90 days by
 * default; anything else falls back to it). `?format=csv&chart=<id>` answers one chart's numbers as a
 * CSV download, running only that chart's statement; an unknown chart is a 404.
 */

const PATH = '/admin/analytics';

/** `format=csv` asks for a download; `chart` must then name one of the page's charts (anything else is a 404). */
const csvQuery = z.object({ format: z.literal('csv').optional().catch(undefined), chart: z.enum(CHART_IDS).optional().catch(undefined) });

export function platformAnalyticsRoutes({ db }: { db: Database }): Router {
  const router = Router();

  router.get('/', async (req, res) => {
    const { range: key } = rangeQuery.parse(req.query);
    const range = resolveRange(key, timeZoneOf(res));
    const csv = csvQuery.parse(req.query);
    if (csv.format) {
      const id = csv.chart;
      if (!id) throw notFound(msg('There is no such chart.'));
      const numbers: Partial<PlatformNumbers> = {};
      await Promise.all(CHART_SOURCES[id].map(async (source) => Object.assign(numbers, { [source]: await platformQueries[source](db, range) })));
      const table = platformCsv(id, numbers);
      startCsv(res, table.filename.replace('.csv', `-${range.key}.csv`));
      res.send(toCsv([table.header, ...table.rows]));
      return;
    }

    const numbers = await platformNumbers(db, range);
    const currency = numbers.summary.currencies[0] ?? 'usd';
    const charts = platformCharts(numbers, {
      range,
      csvBase: `${PATH}?range=${range.key}`,
      currency,
      courseHref: (courseId) => `/teach/courses/${courseId}/analytics`,
      tr: translatorOf(res),
    });
    const s = numbers.summary;
    render(res, 'admin/analytics', {
      title: translatorOf(res).t('Analytics'),
      range,
      ranges: RANGES.map((k) => ({ key: k, label: RANGE_LABELS[k], href: k === '90d' ? PATH : `${PATH}?range=${k}` })),
      search: { searches: s.searches, clicked: s.searchesClicked, ctr: percent(s.searchesClicked, s.searches) },
      charts,
    });
  });

  return router;
}
