import { barChart, formatCount, lineChart, type BarChart, type LineChart } from '../../lib/charts/index.ts';
import { formatAmount } from '../../lib/money.ts';
import { msg } from '../../i18n/catalogue.ts';
import { translatorFor, type Translator } from '../../i18n/translator.ts';
import { percent } from '../admin/search.ts';
import type { PlatformNumbers, SeriesRow, TopCourseRow } from './platform-queries.ts';
import { BUCKET_HEADINGS, bucketLabel, type DateRange } from './range.ts';

/**
 * /admin/analytics' charts from its numbers (platform-queries.ts): each with an id (its CSV is
 * `?chart=<id>&format=csv`), a title, a sentence that says the key fact, and the numbers as a table
 * (the chart component) and as CSV (platform-csv.ts).
 */

export const CHART_IDS = [
  'sign-ups',
  'active-users',
  'enrollments',
  'revenue',
  'top-enrolled',
  'top-earning',
  'applications',
  'top-searches',
  'zero-searches',
] as const;
export type ChartId = (typeof CHART_IDS)[number];

/** The numbers each chart needs: the CSV of one chart runs only its own statement. */
export const CHART_SOURCES: Record<ChartId, readonly (keyof PlatformNumbers)[]> = {
  'sign-ups': ['series'],
  'active-users': ['series'],
  enrollments: ['series'],
  // The currency column.
  revenue: ['series', 'summary'],
  'top-enrolled': ['topCourses'],
  'top-earning': ['topCourses'],
  applications: ['summary'],
  'top-searches': ['topSearches'],
  'zero-searches': ['topSearches'],
};

/** "in the last 90 days", "so far": how a sentence names the range. */
export const rangePhrase = (range: DateRange): string => (range.key === 'all' ? 'so far' : `in the ${range.label.toLowerCase()}`);

const plural = (n: number, one: string, many = `${one}s`) => `${formatCount(n)} ${n === 1 ? one : many}`;
const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);

/**
 * Money in the little room of an axis or beside a bar (about six characters): "$0", "$9.99", "$250",
 * "$1.2K". The table under the chart has it to the cent.
 */
export function compactMoney(currency: string): (cents: number) => string {
  const whole = new Intl.NumberFormat('en-US', { style: 'currency', currency, minimumFractionDigits: 0, maximumFractionDigits: 0 });
  const compact = new Intl.NumberFormat('en-US', { style: 'currency', currency, notation: 'compact', minimumFractionDigits: 0, maximumFractionDigits: 1 });
  return (cents) => {
    if (Math.abs(cents) < 10_000 && cents % 100 !== 0) return formatAmount(cents, currency);
    // Whole units from here: 999.50 is "$1K", not the wide "$1,000".
    const rounded = Math.round(cents / 100);
    return Math.abs(rounded) >= 1000 ? compact.format(rounded) : whole.format(rounded);
  };
}

/** "the week of 3 Nov", "3 Nov", "Nov 2026": a bucket in a sentence. */
function bucketPhrase(bucket: string, range: DateRange): string {
  const label = bucketLabel(bucket, range.bucket);
  return range.bucket === 'week' ? `the week of ${label}` : label;
}

/** The busiest bucket of a series, as ", most in the week of 3 Nov (12)" (the earliest of equals); '' when all are zero. */
function busiest(series: SeriesRow[], value: (r: SeriesRow) => number, range: DateRange, lead = ', '): string {
  let best: SeriesRow | undefined;
  for (const row of series) if (value(row) > 0 && (!best || value(row) > value(best))) best = row;
  return best ? `${lead}most in ${bucketPhrase(best.bucket, range)} (${formatCount(value(best))})` : '';
}

export interface PlatformCharts {
  signUps: LineChart;
  activeUsers: LineChart;
  enrollments: LineChart;
  revenue: LineChart;
  topEnrolled: BarChart;
  topEarning: BarChart;
  applications: BarChart;
  topSearches: BarChart;
  zeroSearches: BarChart;
}

export interface ChartContext {
  range: DateRange;
  /** The page's path and range, for CSV links: `${base}&format=csv&chart=<id>`. */
  csvBase: string;
  /** The currency amounts are shown in (the payments' one). */
  currency: string;
  /** Where a course's name links in a table (its analytics page). */
  courseHref: (courseId: string) => string;
  /** The reader's language for titles, series, headings and stages (English when not given). */
  tr?: Translator;
}

const english = translatorFor('en');
/** A catalogue message in the reader's language. */
const say = (ctx: ChartContext, message: string) => (ctx.tr ?? english).t(message);

function countLine(id: ChartId, title: string, description: string, series: SeriesRow[], value: (r: SeriesRow) => number, ctx: ChartContext): LineChart {
  return lineChart({
    id,
    title,
    description,
    labels: series.map((r) => bucketLabel(r.bucket, ctx.range.bucket)),
    series: [{ name: title, values: series.map(value) }],
    bucketHeading: say(ctx, BUCKET_HEADINGS[ctx.range.bucket]),
    csvHref: `${ctx.csvBase}&format=csv&chart=${id}`,
  });
}

function seriesCharts(n: PlatformNumbers, ctx: ChartContext) {
  const { series } = n;
  const when = rangePhrase(ctx.range);
  const per = ctx.range.bucket;
  const signUps = sum(series.map((r) => r.signUps));
  const enrollments = sum(series.map((r) => r.enrollments));
  const gross = sum(series.map((r) => r.gross));
  const refunds = sum(series.map((r) => r.refunds));
  const money = (cents: number) => formatAmount(cents, ctx.currency);
  const currencyNote =
    n.summary.currencies.length > 1
      ? ` Payments were made in ${n.summary.currencies.length} currencies (${n.summary.currencies.join(', ').toUpperCase()}); their amounts are added together as ${ctx.currency.toUpperCase()}.`
      : '';
  return {
    signUps: countLine('sign-ups', say(ctx, msg('Sign-ups')), `${plural(signUps, 'person', 'people')} signed up ${when}${busiest(series, (r) => r.signUps, ctx.range)}.`, series, (r) => r.signUps, ctx),
    activeUsers: countLine(
      'active-users',
      say(ctx, msg('Active users')),
      `People who used Edupeak signed in on a day of the ${per} (days in UTC); each person counts once a ${per}. ` +
        `Latest ${per}: ${formatCount(series.at(-1)?.activeUsers ?? 0)}${busiest(series, (r) => r.activeUsers, ctx.range, '; ')}.`,
      series,
      (r) => r.activeUsers,
      ctx,
    ),
    enrollments: countLine(
      'enrollments',
      say(ctx, msg('Enrollments')),
      `${plural(enrollments, 'enrollment')} ${when}${busiest(series, (r) => r.enrollments, ctx.range)}. Checkouts never paid are not counted.`,
      series,
      (r) => r.enrollments,
      ctx,
    ),
    revenue: lineChart({
      id: 'revenue',
      title: say(ctx, msg('Revenue')),
      description:
        `Net ${money(gross - refunds)} ${when}: ${money(gross)} taken less ${money(refunds)} refunded. ` +
        `A payment counts when it was made, a refund when it was given.${currencyNote}`,
      labels: series.map((r) => bucketLabel(r.bucket, ctx.range.bucket)),
      series: [
        { name: say(ctx, msg('Gross')), values: series.map((r) => r.gross) },
        { name: say(ctx, msg('Refunds')), values: series.map((r) => r.refunds) },
        { name: say(ctx, msg('Net')), values: series.map((r) => r.gross - r.refunds) },
      ],
      format: money,
      axisFormat: compactMoney(ctx.currency),
      minTop: 1000,
      bucketHeading: say(ctx, BUCKET_HEADINGS[ctx.range.bucket]),
      csvHref: `${ctx.csvBase}&format=csv&chart=revenue`,
    }),
  };
}

function courseCharts(rows: TopCourseRow[], ctx: ChartContext) {
  const enrolled = rows.filter((r) => r.list === 'enrollments');
  const earning = rows.filter((r) => r.list === 'revenue');
  const when = rangePhrase(ctx.range);
  const money = (cents: number) => formatAmount(cents, ctx.currency);
  return {
    topEnrolled: barChart({
      id: 'top-enrolled',
      title: say(ctx, msg('Top courses by enrollments')),
      description: enrolled[0]
        ? `${enrolled[0].title} had the most enrollments ${when}: ${formatCount(enrolled[0].value)}.`
        : `No enrollments ${when}.`,
      items: enrolled.map((r) => ({ label: r.title, value: r.value, href: ctx.courseHref(r.id) })),
      head: [say(ctx, msg('Course')), say(ctx, msg('Enrollments'))],
      csvHref: `${ctx.csvBase}&format=csv&chart=top-enrolled`,
    }),
    topEarning: barChart({
      id: 'top-earning',
      title: say(ctx, msg('Top courses by net revenue')),
      description: earning[0]
        ? `${earning[0].title} earned the most ${when}: ${money(earning[0].value)} net of refunds.`
        : `No course took money ${when}.`,
      items: earning.map((r) => ({ label: r.title, value: r.value, href: ctx.courseHref(r.id) })),
      format: money,
      labelFormat: compactMoney(ctx.currency),
      head: [say(ctx, msg('Course')), say(ctx, msg('Net revenue'))],
      csvHref: `${ctx.csvBase}&format=csv&chart=top-earning`,
    }),
  };
}

function applicationsChart(n: PlatformNumbers, ctx: ChartContext): BarChart {
  const s = n.summary;
  const when = rangePhrase(ctx.range);
  return barChart({
    id: 'applications',
    title: say(ctx, msg('Teacher applications')),
    description:
      s.applicationsSubmitted === 0
        ? `No teacher applications ${when}.`
        : `${plural(s.applicationsSubmitted, 'application')} ${when}: ${formatCount(s.applicationsApproved)} approved, ${formatCount(s.applicationsRejected)} rejected, ${formatCount(s.applicationsPending)} still waiting.`,
    items:
      s.applicationsSubmitted === 0
        ? []
        : [
            { label: say(ctx, msg('Submitted')), value: s.applicationsSubmitted },
            { label: say(ctx, msg('Pending')), value: s.applicationsPending, extra: [percent(s.applicationsPending, s.applicationsSubmitted)] },
            { label: say(ctx, msg('Approved')), value: s.applicationsApproved, extra: [percent(s.applicationsApproved, s.applicationsSubmitted)] },
            { label: say(ctx, msg('Rejected')), value: s.applicationsRejected, extra: [percent(s.applicationsRejected, s.applicationsSubmitted)] },
          ],
    head: [say(ctx, msg('Stage')), say(ctx, msg('Applications')), say(ctx, msg('Of submitted'))],
    csvHref: `${ctx.csvBase}&format=csv&chart=applications`,
  });
}

function searchCharts(n: PlatformNumbers, ctx: ChartContext) {
  const s = n.summary;
  const when = rangePhrase(ctx.range);
  const top = n.topSearches.filter((r) => r.list === 'top');
  const zero = n.topSearches.filter((r) => r.list === 'zero');
  return {
    topSearches: barChart({
      id: 'top-searches',
      title: say(ctx, msg('Top searches')),
      description: top[0]
        ? `${plural(s.searches, 'search', 'searches')} ${when}; ${percent(s.searchesClicked, s.searches)} led to a result being opened. Most searched: “${top[0].query}” (${formatCount(top[0].searches)}).`
        : `Nobody searched ${when}.`,
      items: top.map((r) => ({ label: r.query, value: r.searches, extra: [String(r.averageResults), percent(r.clicks, r.searches)] })),
      head: [say(ctx, msg('Query')), say(ctx, msg('Searches')), say(ctx, msg('Average results')), say(ctx, msg('Click-through'))],
      csvHref: `${ctx.csvBase}&format=csv&chart=top-searches`,
    }),
    zeroSearches: barChart({
      id: 'zero-searches',
      title: say(ctx, msg('Searches that found nothing')),
      description: zero[0]
        ? `${plural(s.searchesWithoutResults, 'search', 'searches')} found nothing ${when}; most wanted: “${zero[0].query}” (${formatCount(zero[0].searches)}).`
        : `Every search ${when} found something.`,
      items: zero.map((r) => ({ label: r.query, value: r.searches })),
      head: [say(ctx, msg('Query')), say(ctx, msg('Searches'))],
      csvHref: `${ctx.csvBase}&format=csv&chart=zero-searches`,
    }),
  };
}

export function platformCharts(n: PlatformNumbers, ctx: ChartContext): PlatformCharts {
  return { ...seriesCharts(n, ctx), ...courseCharts(n.topCourses, ctx), applications: applicationsChart(n, ctx), ...searchCharts(n, ctx) };
}
