import { z } from 'zod';

/**
 * Admin and teacher tables: `?page=`, `?sort=&dir=` and filters in the query string, so every view
 * is a link. Sort columns are a whitelist per table, never raw input into SQL.
 */

export const PER_PAGE = 20;

export function tableQuery<S extends string, F extends z.ZodRawShape>(sortable: readonly [S, ...S[]], defaultSort: S, filters: F) {
  return z.object({
    page: z.coerce.number().int().min(1).max(10_000).catch(1),
    sort: z.enum(sortable).catch(defaultSort),
    dir: z.enum(['asc', 'desc']).catch('desc'),
    ...filters,
  });
}

export interface PageInfo {
  page: number;
  pages: number;
  total: number;
  from: number;
  to: number;
  /** href for another page, keeping every other parameter. */
  href(page: number): string;
  /** href to sort by a column (toggling the direction when it is the current one). */
  sortHref(column: string): string;
  sort: string;
  dir: 'asc' | 'desc';
}

export function pageInfo(path: string, query: Record<string, unknown>, total: number, perPage = PER_PAGE): PageInfo {
  const page = Number(query.page) || 1;
  const pages = Math.max(1, Math.ceil(total / perPage));
  const params = (overrides: Record<string, string | number>) => {
    const search = new URLSearchParams();
    for (const [key, value] of Object.entries({ ...query, ...overrides })) {
      if (value !== undefined && value !== null && value !== '' && !(key === 'page' && value === 1)) search.set(key, String(value));
    }
    const s = search.toString();
    return s ? `${path}?${s}` : path;
  };
  const sort = String(query.sort ?? '');
  const dir = query.dir === 'asc' ? 'asc' : 'desc';
  return {
    page,
    pages,
    total,
    from: total === 0 ? 0 : (page - 1) * perPage + 1,
    to: Math.min(total, page * perPage),
    href: (p) => params({ page: p }),
    sortHref: (column) => params({ sort: column, dir: sort === column && dir === 'desc' ? 'asc' : 'desc', page: 1 }),
    sort,
    dir,
  };
}

/**
 * The one table component (`table.data` in app.css, `views/components/_table_head.eta`). A view
 * names its columns once; the head renders from them (sort links, `aria-sort`) and each cell takes
 * its attributes from `td(key)`: `data-label` (the column's name, shown on phones where each row
 * becomes a card) and the class that keeps numbers and dates on one line.
 */
export interface ColumnSpec {
  label: string;
  /** The `?sort=` value, when the column sorts (needs a PageInfo). */
  sort?: string;
  /** num: right-aligned, one line; date: one line. */
  kind?: 'num' | 'date';
  /** A name for screen readers only (e.g. an actions column); its cells show no label on phones. */
  hideLabel?: boolean;
}

export interface HeadCell {
  label: string;
  className: string;
  hideLabel: boolean;
  href?: string;
  ariaSort?: 'ascending' | 'descending';
}

export interface DataTable {
  head: HeadCell[];
  /** The attributes of a cell of the column `key`, for `<td<%~ t.td('amount') %>>`. */
  td(key: string): string;
}

const escapeAttribute = (value: string) =>
  value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function dataTable(columns: Record<string, ColumnSpec>, pageInfo?: Pick<PageInfo, 'sort' | 'dir' | 'sortHref'>): DataTable {
  const head = Object.values(columns).map((c): HeadCell => {
    const sorted = c.sort !== undefined && pageInfo?.sort === c.sort;
    return {
      label: c.label,
      className: c.kind ?? '',
      hideLabel: c.hideLabel ?? false,
      href: c.sort !== undefined && pageInfo ? pageInfo.sortHref(c.sort) : undefined,
      ariaSort: sorted ? (pageInfo!.dir === 'asc' ? 'ascending' : 'descending') : undefined,
    };
  });
  const cells = new Map(
    Object.entries(columns).map(([key, c]) => [
      key,
      ` data-label="${c.hideLabel ? '' : escapeAttribute(c.label)}"${c.kind ? ` class="${c.kind}"` : ''}`,
    ]),
  );
  return {
    head,
    td(key) {
      const attributes = cells.get(key);
      if (attributes === undefined) throw new Error(`unknown table column ${key}`);
      return attributes;
    },
  };
}
