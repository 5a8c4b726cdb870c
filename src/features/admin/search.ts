import { Router } from 'express';
import { sql } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../db/database.ts';
import { render } from '../../http/render.ts';
import { translatorOf } from '../../i18n/negotiate.ts';
import type { Translator } from '../../i18n/translator.ts';
import { PER_PAGE, pageInfo, tableQuery, type PageInfo } from '../../http/table.ts';
import { truncate } from './logs.ts';
import { contextOf, defineAdminTable, sendTableCsv, type AdminTable } from './table.ts';
import { msg } from '../../i18n/catalogue.ts';

/**
 * /admin/search: what people look for in the catalog (search_analytics: the catalog writes a row
 * per search and sets `clicked_result` when a result is followed). For the last 7, 30 or 90 days
 * (`?days=`): the totals and the click-through rate (the share of searches whose results were
 * followed), the top queries (the same words in any case or spacing are one query) with their
 * count, average results and own click-through rate, and the queries that found nothing (what
 * people want and do not find). Both lists are aggregated in SQL, 20 a page (`page=`, `zpage=`),
 * at most TOP_PAGES pages on screen; `?format=csv&table=top|zero` is the whole list.
 */

const PATH = '/admin/search';
export const PERIODS = [7, 30, 90] as const;
/** Pages of a list on screen: the top 1000 queries; the CSV has every one. */
const TOP_PAGES = 50;
const listPage = z.coerce.number().int().min(1).max(TOP_PAGES).catch(1);

const query = tableQuery(['searches', 'results', 'ctr'] as const, 'searches', {
  days: z.coerce
    .number()
    .refine((d) => (PERIODS as readonly number[]).includes(d))
    .catch(30),
  zpage: listPage,
  table: z.enum(['top', 'zero']).catch('top'),
}).extend({ page: listPage });
type Query = z.infer<typeof query>;

/** The normalised query: what counts as "the same search" (also on /admin/analytics; alias the table `s`). */
export const normalised = sql<string>`lower(btrim(s.query))`;

function inPeriod(db: Database, q: Query) {
  return db.selectFrom('searchAnalytics as s').where('s.createdAt', '>=', sql<Date>`now() - make_interval(days => ${q.days})`);
}

export interface Overview {
  searches: number;
  clicked: number;
  zeroResults: number;
  topTotal: number;
  zeroTotal: number;
}

/** The period's totals, and how many distinct queries each list has, in one pass over the period. */
async function overview(db: Database, q: Query): Promise<Overview> {
  return inPeriod(db, q)
    .select([
      sql<number>`count(*)::int`.as('searches'),
      sql<number>`count(s.clicked_result)::int`.as('clicked'),
      sql<number>`(count(*) filter (where s.results_count = 0))::int`.as('zeroResults'),
      sql<number>`count(distinct ${normalised})::int`.as('topTotal'),
      sql<number>`(count(distinct ${normalised}) filter (where s.results_count = 0))::int`.as('zeroTotal'),
    ])
    .executeTakeFirstOrThrow();
}

const TOP_SORT = {
  searches: sql`count(*)`,
  results: sql`avg(s.results_count)`,
  ctr: sql`count(s.clicked_result)::float / count(*)`,
} as const;

function topRows(db: Database, q: Query, window: { limit: number; offset: number }) {
  return inPeriod(db, q)
    .select([
      normalised.as('query'),
      sql<number>`count(*)::int`.as('searches'),
      sql<number>`round(avg(s.results_count), 1)::float`.as('averageResults'),
      sql<number>`count(s.clicked_result)::int`.as('clicks'),
      sql<Date>`max(s.created_at)`.as('lastAt'),
    ])
    .groupBy(normalised)
    .orderBy(TOP_SORT[q.sort], q.dir)
    // Ties in the query's own order, which is unique per line: pages never overlap.
    .orderBy(normalised)
    .limit(window.limit)
    .offset(window.offset)
    .execute();
}
type TopRow = Awaited<ReturnType<typeof topRows>>[number];

function zeroRows(db: Database, q: Query, window: { limit: number; offset: number }) {
  return inPeriod(db, q)
    .where('s.resultsCount', '=', 0)
    .select([normalised.as('query'), sql<number>`count(*)::int`.as('searches'), sql<Date>`max(s.created_at)`.as('lastAt')])
    .groupBy(normalised)
    .orderBy(sql`count(*)`, 'desc')
    .orderBy(sql`max(s.created_at)`, 'desc')
    .orderBy(normalised)
    .limit(window.limit)
    .offset(window.offset)
    .execute();
}
type ZeroRow = Awaited<ReturnType<typeof zeroRows>>[number];

/** A share as people read it: "12.5%" (none of nothing is "0%"). */
export const percent = (part: number, whole: number): string => `${whole === 0 ? 0 : Math.round((part / whole) * 1000) / 10}%`;

/** The same share in the reader's language ("12,5 %", "١٢٫٥٪"). */
const localPercent = (part: number, whole: number, tr: Translator): string => tr.number(whole === 0 ? 0 : Math.round((part / whole) * 1000) / 1000, { style: 'percent', maximumFractionDigits: 1 });

/** The CSVs (src/features/admin/table.ts streams them in batches); the page counts come from the overview. */
function tables(db: Database): { top: AdminTable<Query, TopRow>; zero: AdminTable<Query, ZeroRow> } {
  return {
    top: defineAdminTable<Query, TopRow>({
      path: PATH,
      query,
      count: async (q) => (await overview(db, q)).topTotal,
      rows: (q, _ctx, window) => topRows(db, q, window),
      csv: {
        filename: 'top-searches.csv',
        columns: [
          [msg('query'), (r) => r.query],
          [msg('searches'), (r) => r.searches],
          [msg('average results'), (r) => r.averageResults],
          [msg('clicks'), (r) => r.clicks],
          [msg('click-through rate'), (r) => percent(r.clicks, r.searches)],
          [msg('last searched'), (r) => new Date(r.lastAt).toISOString()],
        ],
      },
    }),
    zero: defineAdminTable<Query, ZeroRow>({
      path: PATH,
      query,
      count: async (q) => (await overview(db, q)).zeroTotal,
      rows: (q, _ctx, window) => zeroRows(db, q, window),
      csv: {
        filename: 'searches-without-results.csv',
        columns: [
          [msg('query'), (r) => r.query],
          [msg('searches'), (r) => r.searches],
          [msg('last searched'), (r) => new Date(r.lastAt).toISOString()],
        ],
      },
    }),
  };
}

/** Page info for one of the page's two lists: its own page parameter, the other list's kept. */
function listInfo(q: Query, key: 'page' | 'zpage', total: number, csvTable: 'top' | 'zero'): PageInfo & { csvHref: string } {
  const shown = Math.min(total, TOP_PAGES * PER_PAGE);
  const params = { days: q.days, sort: q.sort, dir: q.dir, page: q.page, zpage: q.zpage };
  const info = pageInfo(PATH, { ...params, page: q[key] }, shown);
  const href = (p: number) => {
    const search = new URLSearchParams();
    const all: Record<string, string | number> = { ...params, [key]: p };
    for (const [k, v] of Object.entries(all)) if (!((k === 'page' || k === 'zpage') && v === 1) && !(k === 'days' && v === 30)) search.set(k, String(v));
    const s = search.toString();
    return s ? `${PATH}?${s}` : PATH;
  };
  // The real total is said; the pages stop at the cap (the view says so, and the CSV has them all).
  return { ...info, total, href, csvHref: `${PATH}?days=${q.days}&sort=${q.sort}&dir=${q.dir}&format=csv&table=${csvTable}` };
}

export function searchAdminRoutes({ db }: { db: Database }): Router {
  const router = Router();
  const lists = tables(db);

  router.get('/', async (req, res) => {
    const q = query.parse(req.query);
    if (req.query.format === 'csv') {
      return q.table === 'zero' ? sendTableCsv(res, lists.zero, q, contextOf(res)) : sendTableCsv(res, lists.top, q, contextOf(res));
    }
    const window = (page: number) => ({ limit: PER_PAGE, offset: (page - 1) * PER_PAGE });
    const [totals, top, zero] = await Promise.all([overview(db, q), topRows(db, q, window(q.page)), zeroRows(db, q, window(q.zpage))]);
    const tr = translatorOf(res);
    const share = (part: number, whole: number) => localPercent(part, whole, tr);
    render(res, 'admin/search', {
      title: tr.t('Search'),
      filter: q,
      periods: PERIODS,
      totals: { ...totals, ctr: share(totals.clicked, totals.searches), zeroShare: share(totals.zeroResults, totals.searches) },
      top: top.map((r) => ({ ...r, query: truncate(r.query, 80), ctr: share(r.clicks, r.searches), averageResults: tr.number(r.averageResults) })),
      zero: zero.map((r) => ({ ...r, query: truncate(r.query, 80) })),
      topInfo: listInfo(q, 'page', totals.topTotal, 'top'),
      zeroInfo: listInfo(q, 'zpage', totals.zeroTotal, 'zero'),
      shownAtMost: TOP_PAGES * PER_PAGE,
    });
  });

  return router;
}
