import type { CsvCell } from '../../http/csv.ts';
import { barChart, lineChart, type BarChart, type LineChart } from '../../lib/charts/index.ts';
import { formatAmount } from '../../lib/money.ts';
import { msg } from '../../i18n/catalogue.ts';
import type { AssessmentRow, CourseAnalytics, EnrollmentBucket, FunnelRow, RatingRow, RevenueBucket, WatchRow } from './course-queries.ts';
import { BUCKET_HEADINGS, bucketLabel, type Bucket, type DateRange, type RangeKey } from './range.ts';

/**
 * A course's analytics rows (course-queries.ts) as charts: the picture's geometry and its table
 * (src/lib/charts), the sentence that says what it shows, and the same numbers for the CSV (plain
 * numbers there: cents as major units, percentages without the sign, so a spreadsheet can sum them).
 * Pure: no HTTP, no SQL.
 */

export const CHART_IDS = ['enrollments', 'revenue', 'funnel', 'watch', 'quizzes', 'assignments', 'ratings'] as const;
export type ChartId = (typeof CHART_IDS)[number];

export interface ChartView {
  id: ChartId;
  /** Null when there is nothing of the kind (a course without quizzes): `note` says so instead. */
  chart: LineChart | BarChart | null;
  note?: string;
  csv: { head: string[]; rows: CsvCell[][] };
}

const IN_RANGE: Record<RangeKey, string> = { '30d': 'in the last 30 days', '90d': 'in the last 90 days', '12m': 'in the last 12 months', all: 'since the course began' };
const PER: Record<Bucket, string> = { day: 'per day', week: 'per week', month: 'per month' };
const WHEN: Record<Bucket, (label: string) => string> = { day: (l) => `on ${l}`, week: (l) => `in the week of ${l}`, month: (l) => `in ${l}` };

// The y axis has 44 px for its labels: "$1.3K" there, the exact "$1,299.00" in the table.
const compactMoney = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', notation: 'compact', maximumFractionDigits: 1 });
const percent = (value: number) => `${Math.round(value)}%`;
const share = (part: number, whole: number) => (whole > 0 ? Math.round((part * 100) / whole) : 0);
const plural = (n: number, one: string, many = `${one}s`) => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
const quoted = (title: string) => `“${title}”`;
/** Money in the CSV: a number in major units (a string such as "-20.00" would be escaped as a formula by toCsv). */
const major = (cents: number) => cents / 100;

/** The row with the lowest average among those with any data (what a teacher should look at first). */
function lowest<T extends { average: number | null }>(rows: readonly T[], has: (row: T) => boolean): T | undefined {
  return rows.filter((r) => has(r) && r.average !== null).sort((a, b) => (a.average ?? 0) - (b.average ?? 0))[0];
}

type Href = (id: ChartId) => string;

export function enrollmentsChart(rows: readonly EnrollmentBucket[], range: DateRange, href: Href): ChartView {
  const labels = rows.map((r) => bucketLabel(r.bucket, range.bucket));
  const total = rows.reduce((sum, r) => sum + r.enrollments, 0);
  const busiest = rows.reduce<EnrollmentBucket | undefined>((best, r) => (r.enrollments > (best?.enrollments ?? 0) ? r : best), undefined);
  const description = total === 0
    ? `No new enrollments ${IN_RANGE[range.key]}.`
    : `${plural(total, 'new enrollment')} ${IN_RANGE[range.key]}; the most ${WHEN[range.bucket](bucketLabel(busiest!.bucket, range.bucket))} (${busiest!.enrollments}).`;
  return {
    id: 'enrollments',
    chart: lineChart({
      id: 'enrollments',
      title: `Enrollments ${PER[range.bucket]}`,
      description,
      labels,
      series: [{ name: 'Enrollments', values: rows.map((r) => r.enrollments) }],
      bucketHeading: BUCKET_HEADINGS[range.bucket],
      csvHref: href('enrollments'),
    }),
    csv: { head: [BUCKET_HEADINGS[range.bucket], 'Enrollments'], rows: rows.map((r) => [r.bucket, r.enrollments]) },
  };
}

export const REVENUE_RULE = msg('A payment counts in full on the day it was made, a refund (part or whole) on the day it was given; net is gross less refunds.');

export function revenueChart(rows: readonly RevenueBucket[], range: DateRange, href: Href): ChartView {
  const gross = rows.reduce((sum, r) => sum + r.gross, 0);
  const refunds = rows.reduce((sum, r) => sum + r.refunds, 0);
  const description = `Net ${formatAmount(gross - refunds)} ${IN_RANGE[range.key]}: ${formatAmount(gross)} gross less ${formatAmount(refunds)} refunded. ${REVENUE_RULE}`;
  return {
    id: 'revenue',
    chart: lineChart({
      id: 'revenue',
      title: `Revenue ${PER[range.bucket]}`,
      description,
      labels: rows.map((r) => bucketLabel(r.bucket, range.bucket)),
      series: [
        { name: 'Gross', values: rows.map((r) => r.gross) },
        { name: 'Refunds', values: rows.map((r) => r.refunds) },
        { name: 'Net', values: rows.map((r) => r.gross - r.refunds) },
      ],
      format: (cents) => formatAmount(cents),
      axisFormat: (cents) => compactMoney.format(cents / 100),
      minTop: 1000,
      bucketHeading: BUCKET_HEADINGS[range.bucket],
      csvHref: href('revenue'),
    }),
    csv: { head: [BUCKET_HEADINGS[range.bucket], 'Gross (USD)', 'Refunds (USD)', 'Net (USD)'], rows: rows.map((r) => [r.bucket, major(r.gross), major(r.refunds), major(r.gross - r.refunds)]) },
  };
}

/** Where students drop off: the largest fall in the share of completions from one lesson to the next. */
function funnelSentence(rows: readonly FunnelRow[], shares: number[]): string {
  const students = rows[0]!.students;
  const who = `Of the ${plural(students, 'active student')} now (not limited to the date range)`;
  if (shares.every((v) => v === 0)) return `${who}, none has completed a lesson yet.`;
  if (rows.length === 1) return `${who}, ${shares[0]}% completed the only lesson.`;
  let at = -1;
  for (let i = 0; i + 1 < shares.length; i++) if (shares[i]! - shares[i + 1]! > (at < 0 ? 0 : shares[at]! - shares[at + 1]!)) at = i;
  if (at < 0) return `${who}, ${shares[0]}% completed the first lesson and ${shares.at(-1)}% the last: no lesson loses students.`;
  return `${who}, the biggest drop is after lesson ${at + 1}, ${quoted(rows[at]!.title)}: ${shares[at]}% completed it, ${shares[at + 1]}% the next.`;
}

export function funnelChart(rows: readonly FunnelRow[], _range: DateRange, href: Href): ChartView {
  const students = rows[0]?.students ?? 0;
  const shares = rows.map((r) => share(r.completed, r.students));
  const description = rows.length === 0
    ? 'No published lessons yet.'
    : students === 0
      ? 'No active students yet, so nobody has completed a lesson.'
      : funnelSentence(rows, shares);
  const label = (r: FunnelRow, i: number) => `${i + 1}. ${r.title}`;
  return {
    id: 'funnel',
    chart: barChart({
      id: 'funnel',
      title: 'Completion by lesson',
      description,
      items: students === 0 ? [] : rows.map((r, i) => ({ label: label(r, i), value: shares[i]!, extra: [`${r.completed} of ${r.students}`] })),
      max: 100,
      format: percent,
      head: ['Lesson', 'Completed', 'Students'],
      csvHref: href('funnel'),
    }),
    csv: { head: ['Lesson', 'Completed %', 'Completed', 'Active students'], rows: rows.map((r, i) => [label(r, i), shares[i]!, r.completed, r.students]) },
  };
}

export function watchChart(rows: readonly WatchRow[], _range: DateRange, href: Href): ChartView {
  const low = lowest(rows, (r) => r.viewers > 0);
  const description = rows.length === 0
    ? 'No published video lessons yet.'
    : !low
      ? 'No student has watched a video yet.'
      : `How much of each video its viewers watched, on average (now). Lowest: ${quoted(low.title)}, ${percent(low.average!)} (${plural(low.viewers, 'viewer')}).`;
  return {
    id: 'watch',
    chart: barChart({
      id: 'watch',
      title: 'Average watched per video',
      description,
      items: low ? rows.map((r) => ({ label: r.title, value: Math.round(r.average ?? 0), extra: [String(r.viewers)] })) : [],
      max: 100,
      format: percent,
      head: ['Video lesson', 'Watched', 'Viewers'],
      csvHref: href('watch'),
    }),
    csv: { head: ['Video lesson', 'Average watched %', 'Viewers'], rows: rows.map((r) => [r.title, r.average === null ? '' : Math.round(r.average), r.viewers]) },
  };
}

function assessmentChart(id: 'quizzes' | 'assignments', rows: readonly AssessmentRow[], href: Href): ChartView {
  const quiz = id === 'quizzes';
  const countHead = quiz ? 'Submissions' : 'Graded';
  const csv = { head: [quiz ? 'Quiz' : 'Assignment', quiz ? 'Average best score %' : 'Average grade %', countHead], rows: rows.map((r) => [r.title, r.average === null ? '' : Math.round(r.average), r.count]) };
  if (rows.length === 0) return { id, chart: null, note: quiz ? msg('This course has no quizzes.') : msg('This course has no assignments.'), csv };
  const low = lowest(rows, (r) => r.count > 0);
  const what = quiz ? 'The average of the students’ best scores in each quiz (now).' : 'The average grade of each assignment as a share of its points, over graded hand-ins (now).';
  const description = !low
    ? quiz ? 'No student has taken a quiz yet.' : 'No hand-in has been graded yet.'
    : `${what} Lowest: ${quoted(low.title)}, ${percent(low.average!)} (${quiz ? plural(low.count, 'submission') : `${low.count} graded`}).`;
  return {
    id,
    chart: barChart({
      id,
      title: quiz ? 'Quiz averages' : 'Assignment grades',
      description,
      items: low ? rows.map((r) => ({ label: r.title, value: Math.round(r.average ?? 0), extra: [String(r.count)] })) : [],
      max: 100,
      format: percent,
      head: [quiz ? 'Quiz' : 'Assignment', quiz ? 'Average best score' : 'Average grade', countHead],
      csvHref: href(id),
    }),
    csv,
  };
}

export const quizzesChart = (rows: readonly AssessmentRow[], _range: DateRange, href: Href) => assessmentChart('quizzes', rows, href);
export const assignmentsChart = (rows: readonly AssessmentRow[], _range: DateRange, href: Href) => assessmentChart('assignments', rows, href);

export function ratingsChart(rows: readonly RatingRow[], _range: DateRange, href: Href): ChartView {
  const total = rows.reduce((sum, r) => sum + r.ratings, 0);
  const average = rows[0]?.average ?? null;
  const top = rows.find((r) => r.stars === 5)?.ratings ?? 0;
  const stars = (n: number) => (n === 1 ? '1 star' : `${n} stars`);
  const description = total === 0
    ? 'No ratings yet.'
    : `${average!.toFixed(1)} stars on average from ${plural(total, 'rating')} (all time); ${top} gave 5 stars.`;
  return {
    id: 'ratings',
    chart: barChart({
      id: 'ratings',
      title: 'Ratings',
      description,
      items: total === 0 ? [] : rows.map((r) => ({ label: stars(r.stars), value: r.ratings, extra: [`${share(r.ratings, total)}%`] })),
      head: ['Rating', 'Ratings', 'Share'],
      csvHref: href('ratings'),
    }),
    csv: { head: ['Stars', 'Ratings'], rows: rows.map((r) => [r.stars, r.ratings]) },
  };
}

type Builder = (rows: never, range: DateRange, href: Href) => ChartView;

/** Each chart: the query it needs (the same name) and how it is drawn. */
export const CHART_BUILDERS: Record<ChartId, Builder> = {
  enrollments: enrollmentsChart,
  revenue: revenueChart,
  funnel: funnelChart,
  watch: watchChart,
  quizzes: quizzesChart,
  assignments: assignmentsChart,
  ratings: ratingsChart,
};

export function buildChart<K extends ChartId>(id: K, rows: CourseAnalytics[K], range: DateRange, href: Href): ChartView {
  return (CHART_BUILDERS[id] as (rows: CourseAnalytics[K], range: DateRange, href: Href) => ChartView)(rows, range, href);
}

export const isChartId = (value: unknown): value is ChartId => typeof value === 'string' && (CHART_IDS as readonly string[]).includes(value);
