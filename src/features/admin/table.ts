import type { Request, Response } from 'express';
import { sql, type SelectQueryBuilder } from 'kysely';
import type { z } from 'zod';
import { streamCsv, type CsvCell } from '../../http/csv.ts';
import { currentUser, timeZoneOf, type CurrentUser } from '../../http/guards.ts';
import { pageInfo, PER_PAGE, type PageInfo } from '../../http/table.ts';
import { translatorOf } from '../../i18n/negotiate.ts';

/**
 * The one admin table: filters, sort and page in the query string (every view is a link), a page
 * of rows and its total in a fixed number of queries, and the same rows as CSV with `?format=csv`,
 * streamed in batches so a table of any size never sits in memory. A table declares what it is
 * once (`defineAdminTable`); its route calls `serveAdminTable` and renders the page it is given.
 * The view draws it with the table component (`it.dataTable`, views/components/_table_head.eta)
 * and `views/admin/_table_tools.eta` (count and CSV link).
 *
 * Rules for `rows`: order by the sort column and then a unique column (the id), so a page and the
 * CSV's batches never skip or repeat a row; aggregate in SQL (never a query per row).
 */

export interface TableQueryBase {
  page: number;
  sort: string;
  dir: 'asc' | 'desc';
}

/** What a table's queries may know of the request: who asks and on which clock. */
export interface TableContext {
  user: CurrentUser;
  timeZone: string;
}

export interface AdminTable<Q extends TableQueryBase, Row> {
  /** Where the table lives (links keep its filters): '/admin/users'. */
  path: string;
  /** The query string's schema: a bad value falls back (`.catch`), never an error. */
  query: z.ZodType<Q>;
  perPage?: number;
  count(q: Q, ctx: TableContext): Promise<number>;
  rows(q: Q, ctx: TableContext, window: { limit: number; offset: number }): Promise<Row[]>;
  csv: {
    filename: string;
    /** [header, value] per CSV column: plain values (the view's labels are for people). */
    columns: ReadonlyArray<readonly [string, (row: Row, ctx: TableContext) => CsvCell]>;
  };
}

/** How many rows a table's filtered query selects: `count: (q, ctx) => countOf(filtered(db, q, ctx.timeZone))`. */
export async function countOf(query: SelectQueryBuilder<any, any, any>): Promise<number> {
  const row = (await query.select(sql<number>`count(*)::int`.as('total')).executeTakeFirstOrThrow()) as { total: number };
  return row.total;
}

export const defineAdminTable = <Q extends TableQueryBase, Row>(table: AdminTable<Q, Row>): AdminTable<Q, Row> => table;

/** Rows per CSV batch: one query each. */
export const CSV_BATCH = 1000;

export interface TablePage<Q, Row> {
  rows: Row[];
  filter: Q;
  pageInfo: PageInfo & { csvHref: string };
}

/** The query of a table from a request's query string (or another: a refused form's Referer). */
export const tableQueryOf = <Q extends TableQueryBase>(table: Pick<AdminTable<Q, never>, 'query'>, source: unknown): Q => table.query.parse(source ?? {});

export function contextOf(res: Response): TableContext {
  return { user: currentUser(res)!, timeZone: timeZoneOf(res) };
}

/** One page of the table (two queries: the total and the rows, in parallel). */
export async function loadTablePage<Q extends TableQueryBase, Row>(table: AdminTable<Q, Row>, q: Q, ctx: TableContext): Promise<TablePage<Q, Row>> {
  const perPage = table.perPage ?? PER_PAGE;
  const [total, rows] = await Promise.all([table.count(q, ctx), table.rows(q, ctx, { limit: perPage, offset: (q.page - 1) * perPage })]);
  const info = pageInfo(table.path, q as unknown as Record<string, unknown>, total, perPage);
  const { page: _page, ...filters } = q as Record<string, unknown>;
  const csvHref = pageInfo(table.path, { ...filters, format: 'csv' }, 0).href(1);
  return { rows, filter: q, pageInfo: { ...info, csvHref } };
}

/** Every row the filters select, as CSV, in batches of CSV_BATCH. */
export async function sendTableCsv<Q extends TableQueryBase, Row>(res: Response, table: AdminTable<Q, Row>, q: Q, ctx: TableContext): Promise<void> {
  async function* batches() {
    for (let offset = 0; ; offset += CSV_BATCH) {
      const rows = await table.rows(q, ctx, { limit: CSV_BATCH, offset });
      yield rows.map((row) => table.csv.columns.map(([, value]) => value(row, ctx)));
      if (rows.length < CSV_BATCH) return;
    }
  }
  // A header marked msg('…') is written in the admin's language; the values stay plain.
  const tr = translatorOf(res);
  await streamCsv(res, table.csv.filename, table.csv.columns.map(([header]) => tr.t(header)), batches());
}

/**
 * GET handler body for a table: `?format=csv` streams the CSV; otherwise `renderPage` gets the
 * page's rows, filters and page info (with `csvHref`).
 */
export async function serveAdminTable<Q extends TableQueryBase, Row>(
  req: Request,
  res: Response,
  table: AdminTable<Q, Row>,
  renderPage: (page: TablePage<Q, Row>) => void | Promise<void>,
): Promise<void> {
  const q = tableQueryOf(table, req.query);
  const ctx = contextOf(res);
  if (req.query.format === 'csv') return sendTableCsv(res, table, q, ctx);
  await renderPage(await loadTablePage(table, q, ctx));
}
