import { barChart, lineChart, type BarChart, type LineChart } from '../../lib/charts/index.ts';
import { formatAmount } from '../../lib/money.ts';
import { msg } from '../../i18n/catalogue.ts';
import { translatorFor, type MessageValues, type Translator } from '../../i18n/translator.ts';
import { percent } from '../admin/search.ts';
import type { PlatformNumbers, SeriesRow, TopCourseRow } from './platform-queries.ts';
import { bucketText } from './course-charts.ts';
import { BUCKET_HEADINGS, type DateRange } from './range.ts';

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

/** The busiest bucket of a series (the earliest of equals) as a sentence's values; undefined when all are zero. */
function busiest(series: SeriesRow[], value: (r: SeriesRow) => number, range: DateRange, tr: Translator): { kind: string; bucket: string; most: number } | undefined {
  let best: SeriesRow | undefined;
  for (const row of series) if (value(row) > 0 && (!best || value(row) > value(best))) best = row;
  return best ? { kind: range.bucket, bucket: bucketText(best.bucket, range.bucket, tr), most: value(best) } : undefined;
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
const say = (ctx: ChartContext, message: string, values?: MessageValues) => (ctx.tr ?? english).t(message, values);
const trOf = (ctx: ChartContext) => ctx.tr ?? english;

/**
 * The sentences under the charts, each one whole message: the range is a select in it
 * (`range`: last30, last90, last12m or all), the busiest bucket another (`kind`: day, week, month).
 */
const RANGE_KEYS: Record<DateRange['key'], string> = { '30d': 'last30', '90d': 'last90', '12m': 'last12m', all: 'all' };
const SAY = {
  signUps: msg('{count, plural, one {# person} other {# people}} signed up {range, select, last30 {in the last 30 days} last90 {in the last 90 days} last12m {in the last 12 months} other {so far}}.'),
  signUpsMost: msg('{count, plural, one {# person} other {# people}} signed up {range, select, last30 {in the last 30 days} last90 {in the last 90 days} last12m {in the last 12 months} other {so far}}, {kind, select, week {most in the week of {bucket} ({most, number})} other {most in {bucket} ({most, number})}}.'),
  activeUsers: msg('{per, select, day {People who used Edupeak signed in on a day of the day (days in UTC); each person counts once a day.} week {People who used Edupeak signed in on a day of the week (days in UTC); each person counts once a week.} other {People who used Edupeak signed in on a day of the month (days in UTC); each person counts once a month.}}'),
  latest: msg('{kind, select, day {Latest day: {latest, number}.} week {Latest week: {latest, number}.} other {Latest month: {latest, number}.}}'),
  latestMost: msg('{kind, select, day {Latest day: {latest, number}; most in {bucket} ({most, number}).} week {Latest week: {latest, number}; most in the week of {bucket} ({most, number}).} other {Latest month: {latest, number}; most in {bucket} ({most, number}).}}'),
  enrollments: msg('{count, plural, one {# enrollment} other {# enrollments}} {range, select, last30 {in the last 30 days} last90 {in the last 90 days} last12m {in the last 12 months} other {so far}}.'),
  enrollmentsMost: msg('{count, plural, one {# enrollment} other {# enrollments}} {range, select, last30 {in the last 30 days} last90 {in the last 90 days} last12m {in the last 12 months} other {so far}}, {kind, select, week {most in the week of {bucket} ({most, number})} other {most in {bucket} ({most, number})}}.'),
  unpaid: msg('Checkouts never paid are not counted.'),
  revenue: msg('Net {net} {range, select, last30 {in the last 30 days} last90 {in the last 90 days} last12m {in the last 12 months} other {so far}}: {gross} taken less {refunds} refunded.'),
  revenueRule: msg('A payment counts when it was made, a refund when it was given.'),
  currencies: msg('Payments were made in {count, number} currencies ({currencies}); their amounts are added together as {currency}.'),
  topEnrolled: msg('{title} had the most enrollments {range, select, last30 {in the last 30 days} last90 {in the last 90 days} last12m {in the last 12 months} other {so far}}: {count, number}.'),
  noEnrollments: msg('No enrollments {range, select, last30 {in the last 30 days} last90 {in the last 90 days} last12m {in the last 12 months} other {so far}}.'),
  topEarning: msg('{title} earned the most {range, select, last30 {in the last 30 days} last90 {in the last 90 days} last12m {in the last 12 months} other {so far}}: {amount} net of refunds.'),
  noMoney: msg('No course took money {range, select, last30 {in the last 30 days} last90 {in the last 90 days} last12m {in the last 12 months} other {so far}}.'),
  applications: msg('{count, plural, one {# application} other {# applications}} {range, select, last30 {in the last 30 days} last90 {in the last 90 days} last12m {in the last 12 months} other {so far}}: {approved, number} approved, {rejected, number} rejected, {pending, number} still waiting.'),
  noApplications: msg('No teacher applications {range, select, last30 {in the last 30 days} last90 {in the last 90 days} last12m {in the last 12 months} other {so far}}.'),
  searches: msg('{count, plural, one {# search} other {# searches}} {range, select, last30 {in the last 30 days} last90 {in the last 90 days} last12m {in the last 12 months} other {so far}}; {share} led to a result being opened. Most searched: “{query}” ({top, number}).'),
  noSearches: msg('Nobody searched {range, select, last30 {in the last 30 days} last90 {in the last 90 days} last12m {in the last 12 months} other {so far}}.'),
  zeroSearches: msg('{count, plural, one {# search} other {# searches}} found nothing {range, select, last30 {in the last 30 days} last90 {in the last 90 days} last12m {in the last 12 months} other {so far}}; most wanted: “{query}” ({top, number}).'),
  allFound: msg('Every search {range, select, last30 {in the last 30 days} last90 {in the last 90 days} last12m {in the last 12 months} other {so far}} found something.'),
};

function countLine(id: ChartId, title: string, description: string, series: SeriesRow[], value: (r: SeriesRow) => number, ctx: ChartContext): LineChart {
  return lineChart({
    id,
    title,
    description,
    labels: series.map((r) => bucketText(r.bucket, ctx.range.bucket, trOf(ctx))),
    series: [{ name: title, values: series.map(value) }],
    bucketHeading: say(ctx, BUCKET_HEADINGS[ctx.range.bucket]),
    csvHref: `${ctx.csvBase}&format=csv&chart=${id}`,
    tr: trOf(ctx),
  });
}

function seriesCharts(n: PlatformNumbers, ctx: ChartContext) {
  const { series } = n;
  const tr = trOf(ctx);
  const range = RANGE_KEYS[ctx.range.key];
  const per = ctx.range.bucket;
  const signUps = sum(series.map((r) => r.signUps));
  const enrollments = sum(series.map((r) => r.enrollments));
  const gross = sum(series.map((r) => r.gross));
  const refunds = sum(series.map((r) => r.refunds));
  const money = (cents: number) => tr.money(cents, ctx.currency);
  const currencyNote =
    n.summary.currencies.length > 1
      ? ` ${say(ctx, SAY.currencies, { count: n.summary.currencies.length, currencies: n.summary.currencies.join(', ').toUpperCase(), currency: ctx.currency.toUpperCase() })}`
      : '';
  const mostSignUps = busiest(series, (r) => r.signUps, ctx.range, tr);
  const mostActive = busiest(series, (r) => r.activeUsers, ctx.range, tr);
  const mostEnrolled = busiest(series, (r) => r.enrollments, ctx.range, tr);
  const latest = series.at(-1)?.activeUsers ?? 0;
  return {
    signUps: countLine('sign-ups', say(ctx, msg('Sign-ups')), mostSignUps ? say(ctx, SAY.signUpsMost, { count: signUps, range, ...mostSignUps }) : say(ctx, SAY.signUps, { count: signUps, range }), series, (r) => r.signUps, ctx),
    activeUsers: countLine(
      'active-users',
      say(ctx, msg('Active users')),
      // Two whole sentences: who counts, then the latest and busiest buckets.
      `${say(ctx, SAY.activeUsers, { per })} ${mostActive ? say(ctx, SAY.latestMost, { latest, ...mostActive }) : say(ctx, SAY.latest, { kind: per, latest })}`,
      series,
      (r) => r.activeUsers,
      ctx,
    ),
    enrollments: countLine(
      'enrollments',
      say(ctx, msg('Enrollments')),
      `${mostEnrolled ? say(ctx, SAY.enrollmentsMost, { count: enrollments, range, ...mostEnrolled }) : say(ctx, SAY.enrollments, { count: enrollments, range })} ${say(ctx, SAY.unpaid)}`,
      series,
      (r) => r.enrollments,
      ctx,
    ),
    revenue: lineChart({
      id: 'revenue',
      title: say(ctx, msg('Revenue')),
      description:
        `${say(ctx, SAY.revenue, { net: money(gross - refunds), gross: money(gross), refunds: money(refunds), range })} ${say(ctx, SAY.revenueRule)}${currencyNote}`,
      labels: series.map((r) => bucketText(r.bucket, ctx.range.bucket, tr)),
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
      tr,
    }),
  };
}

function courseCharts(rows: TopCourseRow[], ctx: ChartContext) {
  const enrolled = rows.filter((r) => r.list === 'enrollments');
  const earning = rows.filter((r) => r.list === 'revenue');
  const tr = trOf(ctx);
  const range = RANGE_KEYS[ctx.range.key];
  const money = (cents: number) => tr.money(cents, ctx.currency);
  return {
    topEnrolled: barChart({
      id: 'top-enrolled',
      title: say(ctx, msg('Top courses by enrollments')),
      description: enrolled[0]
        ? say(ctx, SAY.topEnrolled, { title: enrolled[0].title, count: enrolled[0].value, range })
        : say(ctx, SAY.noEnrollments, { range }),
      items: enrolled.map((r) => ({ label: r.title, value: r.value, href: ctx.courseHref(r.id) })),
      head: [say(ctx, msg('Course')), say(ctx, msg('Enrollments'))],
      csvHref: `${ctx.csvBase}&format=csv&chart=top-enrolled`,
      tr,
    }),
    topEarning: barChart({
      id: 'top-earning',
      title: say(ctx, msg('Top courses by net revenue')),
      description: earning[0]
        ? say(ctx, SAY.topEarning, { title: earning[0].title, amount: money(earning[0].value), range })
        : say(ctx, SAY.noMoney, { range }),
      items: earning.map((r) => ({ label: r.title, value: r.value, href: ctx.courseHref(r.id) })),
      format: money,
      labelFormat: compactMoney(ctx.currency),
      head: [say(ctx, msg('Course')), say(ctx, msg('Net revenue'))],
      csvHref: `${ctx.csvBase}&format=csv&chart=top-earning`,
      tr,
    }),
  };
}

function applicationsChart(n: PlatformNumbers, ctx: ChartContext): BarChart {
  const s = n.summary;
  const range = RANGE_KEYS[ctx.range.key];
  return barChart({
    id: 'applications',
    title: say(ctx, msg('Teacher applications')),
    description:
      s.applicationsSubmitted === 0
        ? say(ctx, SAY.noApplications, { range })
        : say(ctx, SAY.applications, { count: s.applicationsSubmitted, range, approved: s.applicationsApproved, rejected: s.applicationsRejected, pending: s.applicationsPending }),
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
    tr: trOf(ctx),
  });
}

function searchCharts(n: PlatformNumbers, ctx: ChartContext) {
  const s = n.summary;
  const range = RANGE_KEYS[ctx.range.key];
  const top = n.topSearches.filter((r) => r.list === 'top');
  const zero = n.topSearches.filter((r) => r.list === 'zero');
  return {
    topSearches: barChart({
      id: 'top-searches',
      title: say(ctx, msg('Top searches')),
      description: top[0]
        ? say(ctx, SAY.searches, { count: s.searches, range, share: percent(s.searchesClicked, s.searches), query: top[0].query, top: top[0].searches })
        : say(ctx, SAY.noSearches, { range }),
      items: top.map((r) => ({ label: r.query, value: r.searches, extra: [String(r.averageResults), percent(r.clicks, r.searches)] })),
      head: [say(ctx, msg('Query')), say(ctx, msg('Searches')), say(ctx, msg('Average results')), say(ctx, msg('Click-through'))],
      csvHref: `${ctx.csvBase}&format=csv&chart=top-searches`,
      tr: trOf(ctx),
    }),
    zeroSearches: barChart({
      id: 'zero-searches',
      title: say(ctx, msg('Searches that found nothing')),
      description: zero[0]
        ? say(ctx, SAY.zeroSearches, { count: s.searchesWithoutResults, range, query: zero[0].query, top: zero[0].searches })
        : say(ctx, SAY.allFound, { range }),
      items: zero.map((r) => ({ label: r.query, value: r.searches })),
      head: [say(ctx, msg('Query')), say(ctx, msg('Searches'))],
      csvHref: `${ctx.csvBase}&format=csv&chart=zero-searches`,
      tr: trOf(ctx),
    }),
  };
}

export function platformCharts(n: PlatformNumbers, ctx: ChartContext): PlatformCharts {
  return { ...seriesCharts(n, ctx), ...courseCharts(n.topCourses, ctx), applications: applicationsChart(n, ctx), ...searchCharts(n, ctx) };
}
