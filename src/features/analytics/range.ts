import { sql, type RawBuilder } from 'kysely';
import { z } from 'zod';
import { msg } from '../../i18n/catalogue.ts';

/**
 * The date range of an analytics page, from the query string (`?range=30d|90d|12m|all`, so every
 * view is a link), and the time buckets its charts are drawn in: days for 30 days, weeks for 90 days
 * and 12 months, months for all time. Buckets are cut in the viewer's time zone, in SQL
 * (generate_series), so a chart has a point for every bucket, zero where nothing happened.
 */

export const RANGES = ['30d', '90d', '12m', 'all'] as const;
export type RangeKey = (typeof RANGES)[number];
export type Bucket = 'day' | 'week' | 'month';

export const RANGE_LABELS: Record<RangeKey, string> = {
  '30d': msg('Last 30 days'),
  '90d': msg('Last 90 days'),
  '12m': msg('Last 12 months'),
  all: msg('All time'),
};

/** A bad or missing value falls back to the default rather than failing the page. */
export const rangeQuery = z.object({ range: z.enum(RANGES).catch('90d') });

export interface DateRange {
  key: RangeKey;
  label: string;
  bucket: Bucket;
  /** The first instant counted, or null for all time. */
  from: Date | null;
  /** Now: the end of the range. */
  to: Date;
  timeZone: string;
}

const DAY = 86_400_000;

export function resolveRange(key: RangeKey, timeZone: string, now = new Date()): DateRange {
  const from = key === '30d' ? new Date(now.getTime() - 30 * DAY) : key === '90d' ? new Date(now.getTime() - 90 * DAY) : key === '12m' ? new Date(now.getTime() - 365 * DAY) : null;
  return { key, label: RANGE_LABELS[key], bucket: key === '30d' ? 'day' : key === 'all' ? 'month' : 'week', from, to: now, timeZone };
}

/** `column >= from` (or true for all time): the range filter an index on the column serves. */
export function inRangeSql(column: RawBuilder<unknown> | ReturnType<typeof sql.ref>, range: DateRange): RawBuilder<boolean> {
  return range.from ? sql<boolean>`${column} >= ${range.from}` : sql<boolean>`true`;
}

/** The bucket a timestamp falls in, as a local date ('YYYY-MM-DD' of the bucket's first day). */
export function bucketOfSql(column: RawBuilder<unknown> | ReturnType<typeof sql.ref>, range: DateRange): RawBuilder<string> {
  return sql<string>`to_char(date_trunc(${range.bucket}, ${column} at time zone ${range.timeZone}), 'YYYY-MM-DD')`;
}

/**
 * Every bucket of the range as rows `(bucket text)`, oldest first, for a `left join` of counts. All
 * time starts at `earliest` (a scalar subquery of the data's first timestamp), at most ten years back.
 */
export function bucketsSql(range: DateRange, earliest: RawBuilder<Date | null>): RawBuilder<{ bucket: string }> {
  const start = range.from
    ? sql`${range.from}::timestamptz`
    : sql`greatest(coalesce(${earliest}, now()), now() - interval '10 years')`;
  return sql<{ bucket: string }>`
    select to_char(b, 'YYYY-MM-DD') as bucket
    from generate_series(
      date_trunc(${range.bucket}, ${start} at time zone ${range.timeZone}),
      date_trunc(${range.bucket}, ${range.to}::timestamptz at time zone ${range.timeZone}),
      ${`1 ${range.bucket}`}::interval
    ) as b`;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** A bucket's label on an axis and in a table: "3 Nov" for days and weeks, "Nov 2026" for months. */
export function bucketLabel(bucket: string, kind: Bucket): string {
  const [y, m, d] = bucket.split('-').map(Number) as [number, number, number];
  return kind === 'month' ? `${MONTHS[m - 1]} ${y}` : `${d} ${MONTHS[m - 1]}`;
}

/** The first column's heading for a bucket kind. */
export const BUCKET_HEADINGS: Record<Bucket, string> = { day: msg('Day'), week: msg('Week of'), month: msg('Month') };
