import type { CsvCell } from '../../http/csv.ts';
import { percent } from '../admin/search.ts';
import type { ChartId } from './platform-charts.ts';
import type { PlatformNumbers, TopCourseRow, TopSearchRow } from './platform-queries.ts';

/**
 * A chart of /admin/analytics as CSV (`?format=csv&chart=<id>`): the raw figures rather than the
 * table's formatted ones, for a spreadsheet: periods as their first day (ISO), money as a number in
 * major units, every row the chart has.
 */

export interface CsvTable {
  filename: string;
  header: string[];
  rows: CsvCell[][];
}

/** Money in the CSV: a number in major units (a formatted "-20.00" would be neutralised as a formula). */
const major = (cents: number) => Math.round(cents) / 100;

/** One chart's numbers as CSV: raw figures rather than the table's formatted ones. */
export function platformCsv(id: ChartId, n: Partial<PlatformNumbers>): CsvTable {
  const file = (name: string) => `${id}-${name}.csv`;
  const period = 'period start';
  const series = n.series ?? [];
  const courses = (list: TopCourseRow['list']) => (n.topCourses ?? []).filter((r) => r.list === list);
  const searches = (list: TopSearchRow['list']) => (n.topSearches ?? []).filter((r) => r.list === list);
  switch (id) {
    case 'sign-ups':
      return { filename: file('per-period'), header: [period, 'sign-ups'], rows: series.map((r) => [r.bucket, r.signUps]) };
    case 'active-users':
      return { filename: file('per-period'), header: [period, 'active users'], rows: series.map((r) => [r.bucket, r.activeUsers]) };
    case 'enrollments':
      return { filename: file('per-period'), header: [period, 'enrollments'], rows: series.map((r) => [r.bucket, r.enrollments]) };
    case 'revenue':
      return {
        filename: file('per-period'),
        header: [period, 'gross', 'refunds', 'net', 'currency'],
        rows: series.map((r) => [r.bucket, major(r.gross), major(r.refunds), major(r.gross - r.refunds), (n.summary?.currencies[0] ?? 'usd').toUpperCase()]),
      };
    case 'top-enrolled':
      return { filename: file('courses'), header: ['course id', 'course', 'enrollments'], rows: courses('enrollments').map((r) => [r.id, r.title, r.value]) };
    case 'top-earning':
      return { filename: file('courses'), header: ['course id', 'course', 'net revenue'], rows: courses('revenue').map((r) => [r.id, r.title, major(r.value)]) };
    case 'applications': {
      const s = n.summary!;
      return {
        filename: file('funnel'),
        header: ['stage', 'applications'],
        rows: [
          ['submitted', s.applicationsSubmitted],
          ['pending', s.applicationsPending],
          ['approved', s.applicationsApproved],
          ['rejected', s.applicationsRejected],
        ],
      };
    }
    case 'top-searches':
      return {
        filename: file('queries'),
        header: ['query', 'searches', 'average results', 'clicks', 'click-through rate'],
        rows: searches('top').map((r) => [r.query, r.searches, r.averageResults, r.clicks, percent(r.clicks, r.searches)]),
      };
    case 'zero-searches':
      return { filename: file('queries'), header: ['query', 'searches'], rows: searches('zero').map((r) => [r.query, r.searches]) };
  }
}
