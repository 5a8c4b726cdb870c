import { barChart, lineChart, type BarChart, type LineChart } from '../../lib/charts/index.ts';
import { msg } from '../../i18n/catalogue.ts';
import { translatorFor, type MessageValues, type Translator } from '../../i18n/translator.ts';
import type { PlatformNumbers, SeriesRow, TopCourseRow } from './platform-queries.ts';
import { bucketText } from './course-charts.ts';
import { BUCKET_HEADINGS, type Bucket, type DateRange, type RangeKey } from './range.ts';

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

const english = translatorFor('en');

/**
 * Money in the little room of an axis or beside a bar (about six characters): "$0", "$9.99", "$250",
 * "$1.2K", in the reader's language (`tr`; English without it). The table under the chart has it to the cent.
 */
export function compactMoney(currency: string, tr: Translator = english): (cents: number) => string {
  const locale = tr.locale === 'en' ? 'en-US' : tr.locale;
  const whole = new Intl.NumberFormat(locale, { style: 'currency', currency, minimumFractionDigits: 0, maximumFractionDigits: 0 });
  const compact = new Intl.NumberFormat(locale, { style: 'currency', currency, notation: 'compact', minimumFractionDigits: 0, maximumFractionDigits: 1 });
  return (cents) => {
    if (Math.abs(cents) < 10_000 && cents % 100 !== 0) return tr.money(cents, currency);
    // Whole units from here: 999.50 is "$1K", not the wide "$1,000".
    const rounded = Math.round(cents / 100);
    return Math.abs(rounded) >= 1000 ? compact.format(rounded) : whole.format(rounded);
  };
}

/** The busiest bucket of a series (the earliest of equals): its label in the reader's language and its count; undefined when all are zero. */
function busiest(series: SeriesRow[], value: (r: SeriesRow) => number, range: DateRange, tr: Translator): { bucket: string; most: number } | undefined {
  let best: SeriesRow | undefined;
  for (const row of series) if (value(row) > 0 && (!best || value(row) > value(best))) best = row;
  return best ? { bucket: bucketText(best.bucket, range.bucket, tr), most: value(best) } : undefined;
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
  /** The reader's language for titles, series, headings, stages and the sentences under the charts (English when not given). */
  tr?: Translator;
}

/** A catalogue message in the reader's language. */
const say = (ctx: ChartContext, message: string, values?: MessageValues) => (ctx.tr ?? english).t(message, values);
const trOf = (ctx: ChartContext) => ctx.tr ?? english;
/** A share to one decimal ("33.3%"), in the reader's digits and sign. */
const percentOf = (tr: Translator) => (part: number, whole: number) =>
  tr.number(whole === 0 ? 0 : Math.round((part / whole) * 1000) / 1000, { style: 'percent', maximumFractionDigits: 1 });

/**
 * The sentences under the charts, one whole message per range (its bucket follows from it: days for
 * 30 days, weeks for 90 days and 12 months, months for all time), or per bucket.
 */
const SIGN_UPS: Record<RangeKey, string> = {
  '30d': msg('{count, plural, one {# person} other {# people}} signed up in the last 30 days.'),
  '90d': msg('{count, plural, one {# person} other {# people}} signed up in the last 90 days.'),
  '12m': msg('{count, plural, one {# person} other {# people}} signed up in the last 12 months.'),
  all: msg('{count, plural, one {# person} other {# people}} signed up so far.'),
};
const SIGN_UPS_MOST: Record<RangeKey, string> = {
  '30d': msg('{count, plural, one {# person} other {# people}} signed up in the last 30 days, most in {bucket} ({most, number}).'),
  '90d': msg('{count, plural, one {# person} other {# people}} signed up in the last 90 days, most in the week of {bucket} ({most, number}).'),
  '12m': msg('{count, plural, one {# person} other {# people}} signed up in the last 12 months, most in the week of {bucket} ({most, number}).'),
  all: msg('{count, plural, one {# person} other {# people}} signed up so far, most in {bucket} ({most, number}).'),
};
const ACTIVE_USERS: Record<Bucket, string> = {
  day: msg('People who used Edupeak signed in on a day of the day (days in UTC); each person counts once a day.'),
  week: msg('People who used Edupeak signed in on a day of the week (days in UTC); each person counts once a week.'),
  month: msg('People who used Edupeak signed in on a day of the month (days in UTC); each person counts once a month.'),
};
const LATEST: Record<Bucket, string> = {
  day: msg('Latest day: {latest, number}.'),
  week: msg('Latest week: {latest, number}.'),
  month: msg('Latest month: {latest, number}.'),
};
const LATEST_MOST: Record<Bucket, string> = {
  day: msg('Latest day: {latest, number}; most in {bucket} ({most, number}).'),
  week: msg('Latest week: {latest, number}; most in the week of {bucket} ({most, number}).'),
  month: msg('Latest month: {latest, number}; most in {bucket} ({most, number}).'),
};
const ENROLLMENTS: Record<RangeKey, string> = {
  '30d': msg('{count, plural, one {# enrollment} other {# enrollments}} in the last 30 days.'),
  '90d': msg('{count, plural, one {# enrollment} other {# enrollments}} in the last 90 days.'),
  '12m': msg('{count, plural, one {# enrollment} other {# enrollments}} in the last 12 months.'),
  all: msg('{count, plural, one {# enrollment} other {# enrollments}} so far.'),
};
const ENROLLMENTS_MOST: Record<RangeKey, string> = {
  '30d': msg('{count, plural, one {# enrollment} other {# enrollments}} in the last 30 days, most in {bucket} ({most, number}).'),
  '90d': msg('{count, plural, one {# enrollment} other {# enrollments}} in the last 90 days, most in the week of {bucket} ({most, number}).'),
  '12m': msg('{count, plural, one {# enrollment} other {# enrollments}} in the last 12 months, most in the week of {bucket} ({most, number}).'),
  all: msg('{count, plural, one {# enrollment} other {# enrollments}} so far, most in {bucket} ({most, number}).'),
};
const UNPAID = msg('Checkouts never paid are not counted.');
const NET_REVENUE: Record<RangeKey, string> = {
  '30d': msg('Net {net} in the last 30 days: {gross} taken less {refunds} refunded.'),
  '90d': msg('Net {net} in the last 90 days: {gross} taken less {refunds} refunded.'),
  '12m': msg('Net {net} in the last 12 months: {gross} taken less {refunds} refunded.'),
  all: msg('Net {net} so far: {gross} taken less {refunds} refunded.'),
};
const REVENUE_RULE = msg('A payment counts when it was made, a refund when it was given.');
const CURRENCIES = msg('Payments were made in {count, plural, one {# currency} other {# currencies}} ({currencies}); their amounts are added together as {currency}.');
const TOP_ENROLLED: Record<RangeKey, string> = {
  '30d': msg('{title} had the most enrollments in the last 30 days: {count, number}.'),
  '90d': msg('{title} had the most enrollments in the last 90 days: {count, number}.'),
  '12m': msg('{title} had the most enrollments in the last 12 months: {count, number}.'),
  all: msg('{title} had the most enrollments so far: {count, number}.'),
};
const NO_ENROLLMENTS: Record<RangeKey, string> = {
  '30d': msg('No enrollments in the last 30 days.'),
  '90d': msg('No enrollments in the last 90 days.'),
  '12m': msg('No enrollments in the last 12 months.'),
  all: msg('No enrollments so far.'),
};
const TOP_EARNING: Record<RangeKey, string> = {
  '30d': msg('{title} earned the most in the last 30 days: {amount} net of refunds.'),
  '90d': msg('{title} earned the most in the last 90 days: {amount} net of refunds.'),
  '12m': msg('{title} earned the most in the last 12 months: {amount} net of refunds.'),
  all: msg('{title} earned the most so far: {amount} net of refunds.'),
};
const NO_MONEY: Record<RangeKey, string> = {
  '30d': msg('No course took money in the last 30 days.'),
  '90d': msg('No course took money in the last 90 days.'),
  '12m': msg('No course took money in the last 12 months.'),
  all: msg('No course took money so far.'),
};
const APPLICATIONS: Record<RangeKey, string> = {
  '30d': msg('{count, plural, one {# application} other {# applications}} in the last 30 days: {approved, number} approved, {rejected, number} rejected, {pending, number} still waiting.'),
  '90d': msg('{count, plural, one {# application} other {# applications}} in the last 90 days: {approved, number} approved, {rejected, number} rejected, {pending, number} still waiting.'),
  '12m': msg('{count, plural, one {# application} other {# applications}} in the last 12 months: {approved, number} approved, {rejected, number} rejected, {pending, number} still waiting.'),
  all: msg('{count, plural, one {# application} other {# applications}} so far: {approved, number} approved, {rejected, number} rejected, {pending, number} still waiting.'),
};
const NO_APPLICATIONS: Record<RangeKey, string> = {
  '30d': msg('No teacher applications in the last 30 days.'),
  '90d': msg('No teacher applications in the last 90 days.'),
  '12m': msg('No teacher applications in the last 12 months.'),
  all: msg('No teacher applications so far.'),
};
const SEARCHES: Record<RangeKey, string> = {
  '30d': msg('{count, plural, one {# search} other {# searches}} in the last 30 days; {share} led to a result being opened. Most searched: “{query}” ({top, number}).'),
  '90d': msg('{count, plural, one {# search} other {# searches}} in the last 90 days; {share} led to a result being opened. Most searched: “{query}” ({top, number}).'),
  '12m': msg('{count, plural, one {# search} other {# searches}} in the last 12 months; {share} led to a result being opened. Most searched: “{query}” ({top, number}).'),
  all: msg('{count, plural, one {# search} other {# searches}} so far; {share} led to a result being opened. Most searched: “{query}” ({top, number}).'),
};
const NO_SEARCHES: Record<RangeKey, string> = {
  '30d': msg('Nobody searched in the last 30 days.'),
  '90d': msg('Nobody searched in the last 90 days.'),
  '12m': msg('Nobody searched in the last 12 months.'),
  all: msg('Nobody searched so far.'),
};
const ZERO_SEARCHES: Record<RangeKey, string> = {
  '30d': msg('{count, plural, one {# search} other {# searches}} found nothing in the last 30 days; most wanted: “{query}” ({top, number}).'),
  '90d': msg('{count, plural, one {# search} other {# searches}} found nothing in the last 90 days; most wanted: “{query}” ({top, number}).'),
  '12m': msg('{count, plural, one {# search} other {# searches}} found nothing in the last 12 months; most wanted: “{query}” ({top, number}).'),
  all: msg('{count, plural, one {# search} other {# searches}} found nothing so far; most wanted: “{query}” ({top, number}).'),
};
const ALL_FOUND: Record<RangeKey, string> = {
  '30d': msg('Every search in the last 30 days found something.'),
  '90d': msg('Every search in the last 90 days found something.'),
  '12m': msg('Every search in the last 12 months found something.'),
  all: msg('Every search so far found something.'),
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
  const { key, bucket: per } = ctx.range;
  const signUps = sum(series.map((r) => r.signUps));
  const enrollments = sum(series.map((r) => r.enrollments));
  const gross = sum(series.map((r) => r.gross));
  const refunds = sum(series.map((r) => r.refunds));
  const money = (cents: number) => tr.money(cents, ctx.currency);
  const currencyNote =
    n.summary.currencies.length > 1
      ? ` ${tr.t(CURRENCIES, { count: n.summary.currencies.length, currencies: n.summary.currencies.join(', ').toUpperCase(), currency: ctx.currency.toUpperCase() })}`
      : '';
  const mostSignUps = busiest(series, (r) => r.signUps, ctx.range, tr);
  const mostActive = busiest(series, (r) => r.activeUsers, ctx.range, tr);
  const mostEnrolled = busiest(series, (r) => r.enrollments, ctx.range, tr);
  const latest = series.at(-1)?.activeUsers ?? 0;
  return {
    signUps: countLine(
      'sign-ups',
      say(ctx, msg('Sign-ups')),
      mostSignUps ? tr.t(SIGN_UPS_MOST[key], { count: signUps, ...mostSignUps }) : tr.t(SIGN_UPS[key], { count: signUps }),
      series,
      (r) => r.signUps,
      ctx,
    ),
    activeUsers: countLine(
      'active-users',
      say(ctx, msg('Active users')),
      // Two whole sentences: who counts, then the latest and the busiest bucket.
      `${tr.t(ACTIVE_USERS[per])} ${mostActive ? tr.t(LATEST_MOST[per], { latest, ...mostActive }) : tr.t(LATEST[per], { latest })}`,
      series,
      (r) => r.activeUsers,
      ctx,
    ),
    enrollments: countLine(
      'enrollments',
      say(ctx, msg('Enrollments')),
      // Two whole sentences: the count and its busiest bucket, then what is left out.
      `${mostEnrolled ? tr.t(ENROLLMENTS_MOST[key], { count: enrollments, ...mostEnrolled }) : tr.t(ENROLLMENTS[key], { count: enrollments })} ${tr.t(UNPAID)}`,
      series,
      (r) => r.enrollments,
      ctx,
    ),
    revenue: lineChart({
      id: 'revenue',
      title: say(ctx, msg('Revenue')),
      // What the range took, the rule that counts it, and (when there are several) the currencies.
      description: `${tr.t(NET_REVENUE[key], { net: money(gross - refunds), gross: money(gross), refunds: money(refunds) })} ${tr.t(REVENUE_RULE)}${currencyNote}`,
      labels: series.map((r) => bucketText(r.bucket, per, tr)),
      series: [
        { name: say(ctx, msg('Gross')), values: series.map((r) => r.gross) },
        { name: say(ctx, msg('Refunds')), values: series.map((r) => r.refunds) },
        { name: say(ctx, msg('Net')), values: series.map((r) => r.gross - r.refunds) },
      ],
      format: money,
      axisFormat: compactMoney(ctx.currency, tr),
      minTop: 1000,
      bucketHeading: say(ctx, BUCKET_HEADINGS[per]),
      csvHref: `${ctx.csvBase}&format=csv&chart=revenue`,
      tr,
    }),
  };
}

function courseCharts(rows: TopCourseRow[], ctx: ChartContext) {
  const enrolled = rows.filter((r) => r.list === 'enrollments');
  const earning = rows.filter((r) => r.list === 'revenue');
  const tr = trOf(ctx);
  const { key } = ctx.range;
  const money = (cents: number) => tr.money(cents, ctx.currency);
  return {
    topEnrolled: barChart({
      id: 'top-enrolled',
      title: say(ctx, msg('Top courses by enrollments')),
      description: enrolled[0] ? tr.t(TOP_ENROLLED[key], { title: enrolled[0].title, count: enrolled[0].value }) : tr.t(NO_ENROLLMENTS[key]),
      items: enrolled.map((r) => ({ label: r.title, value: r.value, href: ctx.courseHref(r.id) })),
      head: [say(ctx, msg('Course')), say(ctx, msg('Enrollments'))],
      csvHref: `${ctx.csvBase}&format=csv&chart=top-enrolled`,
      tr,
    }),
    topEarning: barChart({
      id: 'top-earning',
      title: say(ctx, msg('Top courses by net revenue')),
      description: earning[0] ? tr.t(TOP_EARNING[key], { title: earning[0].title, amount: money(earning[0].value) }) : tr.t(NO_MONEY[key]),
      items: earning.map((r) => ({ label: r.title, value: r.value, href: ctx.courseHref(r.id) })),
      format: money,
      labelFormat: compactMoney(ctx.currency, tr),
      head: [say(ctx, msg('Course')), say(ctx, msg('Net revenue'))],
      csvHref: `${ctx.csvBase}&format=csv&chart=top-earning`,
      tr,
    }),
  };
}

function applicationsChart(n: PlatformNumbers, ctx: ChartContext): BarChart {
  const s = n.summary;
  const tr = trOf(ctx);
  const pct = percentOf(tr);
  const { key } = ctx.range;
  return barChart({
    id: 'applications',
    title: say(ctx, msg('Teacher applications')),
    description:
      s.applicationsSubmitted === 0
        ? tr.t(NO_APPLICATIONS[key])
        : tr.t(APPLICATIONS[key], { count: s.applicationsSubmitted, approved: s.applicationsApproved, rejected: s.applicationsRejected, pending: s.applicationsPending }),
    items:
      s.applicationsSubmitted === 0
        ? []
        : [
            // A stage, not the submission date a grading column calls "Submitted": a message of its own.
            { label: tr.t(msg('{stage, select, submitted {Submitted} other {{stage}}}'), { stage: 'submitted' }), value: s.applicationsSubmitted },
            { label: say(ctx, msg('Pending')), value: s.applicationsPending, extra: [pct(s.applicationsPending, s.applicationsSubmitted)] },
            { label: say(ctx, msg('Approved')), value: s.applicationsApproved, extra: [pct(s.applicationsApproved, s.applicationsSubmitted)] },
            { label: say(ctx, msg('Rejected')), value: s.applicationsRejected, extra: [pct(s.applicationsRejected, s.applicationsSubmitted)] },
          ],
    head: [say(ctx, msg('Stage')), say(ctx, msg('Applications')), say(ctx, msg('Of submitted'))],
    csvHref: `${ctx.csvBase}&format=csv&chart=applications`,
    tr,
  });
}

function searchCharts(n: PlatformNumbers, ctx: ChartContext) {
  const s = n.summary;
  const tr = trOf(ctx);
  const pct = percentOf(tr);
  const { key } = ctx.range;
  const top = n.topSearches.filter((r) => r.list === 'top');
  const zero = n.topSearches.filter((r) => r.list === 'zero');
  return {
    topSearches: barChart({
      id: 'top-searches',
      title: say(ctx, msg('Top searches')),
      description: top[0]
        ? tr.t(SEARCHES[key], { count: s.searches, share: pct(s.searchesClicked, s.searches), query: top[0].query, top: top[0].searches })
        : tr.t(NO_SEARCHES[key]),
      items: top.map((r) => ({ label: r.query, value: r.searches, extra: [tr.number(r.averageResults), pct(r.clicks, r.searches)] })),
      head: [say(ctx, msg('Query')), say(ctx, msg('Searches')), say(ctx, msg('Average results')), say(ctx, msg('Click-through'))],
      csvHref: `${ctx.csvBase}&format=csv&chart=top-searches`,
      tr,
    }),
    zeroSearches: barChart({
      id: 'zero-searches',
      title: say(ctx, msg('Searches that found nothing')),
      description: zero[0]
        ? tr.t(ZERO_SEARCHES[key], { count: s.searchesWithoutResults, query: zero[0].query, top: zero[0].searches })
        : tr.t(ALL_FOUND[key]),
      items: zero.map((r) => ({ label: r.query, value: r.searches })),
      head: [say(ctx, msg('Query')), say(ctx, msg('Searches'))],
      csvHref: `${ctx.csvBase}&format=csv&chart=zero-searches`,
      tr,
    }),
  };
}

/** The page's charts, their words and numbers in the reader's language (`ctx.tr`; English without it). */
export function platformCharts(n: PlatformNumbers, ctx: ChartContext): PlatformCharts {
  return { ...seriesCharts(n, ctx), ...courseCharts(n.topCourses, ctx), applications: applicationsChart(n, ctx), ...searchCharts(n, ctx) };
}
