import type { CsvCell } from '../../http/csv.ts';
import { barChart, lineChart, type BarChart, type LineChart } from '../../lib/charts/index.ts';
import { msg } from '../../i18n/catalogue.ts';
import { translatorFor, type Translator } from '../../i18n/translator.ts';
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

const english = translatorFor('en');

/** Chart titles by bucket. */
const ENROLLMENTS_TITLE: Record<Bucket, string> = { day: msg('Enrollments per day'), week: msg('Enrollments per week'), month: msg('Enrollments per month') };
const REVENUE_TITLE: Record<Bucket, string> = { day: msg('Revenue per day'), week: msg('Revenue per week'), month: msg('Revenue per month') };

/** The sentences under the charts, one whole message per range (its bucket follows from it: days, weeks or months). */
const NO_ENROLLMENTS: Record<RangeKey, string> = {
  '30d': msg('No new enrollments in the last 30 days.'),
  '90d': msg('No new enrollments in the last 90 days.'),
  '12m': msg('No new enrollments in the last 12 months.'),
  all: msg('No new enrollments since the course began.'),
};
const ENROLLMENTS: Record<RangeKey, string> = {
  '30d': msg('{total, plural, one {# new enrollment} other {# new enrollments}} in the last 30 days; the most on {bucket} ({most, number}).'),
  '90d': msg('{total, plural, one {# new enrollment} other {# new enrollments}} in the last 90 days; the most in the week of {bucket} ({most, number}).'),
  '12m': msg('{total, plural, one {# new enrollment} other {# new enrollments}} in the last 12 months; the most in the week of {bucket} ({most, number}).'),
  all: msg('{total, plural, one {# new enrollment} other {# new enrollments}} since the course began; the most in {bucket} ({most, number}).'),
};
const NET_REVENUE: Record<RangeKey, string> = {
  '30d': msg('Net {net} in the last 30 days: {gross} gross less {refunds} refunded.'),
  '90d': msg('Net {net} in the last 90 days: {gross} gross less {refunds} refunded.'),
  '12m': msg('Net {net} in the last 12 months: {gross} gross less {refunds} refunded.'),
  all: msg('Net {net} since the course began: {gross} gross less {refunds} refunded.'),
};

const ENGLISH_MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const bucketFormats = new Map<string, Intl.DateTimeFormat>();

/**
 * A bucket's label in the reader's language: English as range.ts writes it ("3 Nov", "Nov 2026"),
 * other languages by Intl ("3 nov", "nov 2026"). The bucket is a local date: formatted as UTC.
 */
export function bucketText(bucket: string, kind: Bucket, tr: Translator = english): string {
  if (tr.locale === 'en') return bucketLabel(bucket, kind);
  const key = `${tr.locale}\u0000${kind}`;
  let format = bucketFormats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(tr.locale, kind === 'month' ? { month: 'short', year: 'numeric', timeZone: 'UTC' } : { day: 'numeric', month: 'short', timeZone: 'UTC' });
    bucketFormats.set(key, format);
  }
  const [y, m, d] = bucket.split('-').map(Number) as [number, number, number];
  return ENGLISH_MONTHS[m - 1] ? format.format(new Date(Date.UTC(y, m - 1, d))) : bucket;
}

// The y axis has 44 px for its labels: "$1.3K" there, the exact "$1,299.00" in the table.
const compactMoneyFormats = new Map<string, Intl.NumberFormat>();
function compactMoney(tr: Translator): (cents: number) => string {
  const locale = tr.locale === 'en' ? 'en-US' : tr.locale;
  let format = compactMoneyFormats.get(locale);
  if (!format) {
    format = new Intl.NumberFormat(locale, { style: 'currency', currency: 'USD', notation: 'compact', maximumFractionDigits: 1 });
    compactMoneyFormats.set(locale, format);
  }
  return (cents) => format.format(cents / 100);
}
/** A whole percentage ("50%"), in the reader's digits and sign. */
const percentOf = (tr: Translator) => (value: number) => tr.number(Math.round(value) / 100, { style: 'percent' });
const share = (part: number, whole: number) => (whole > 0 ? Math.round((part * 100) / whole) : 0);
/** Money in the CSV: a number in major units (a string such as "-20.00" would be escaped as a formula by toCsv). */
const major = (cents: number) => cents / 100;
/** CSV headings in the reader's language (plain values stay plain). */
const heads = (tr: Translator, list: readonly string[]) => list.map((h) => tr.t(h));

/** The row with the lowest average among those with any data (what a teacher should look at first). */
function lowest<T extends { average: number | null }>(rows: readonly T[], has: (row: T) => boolean): T | undefined {
  return rows.filter((r) => has(r) && r.average !== null).sort((a, b) => (a.average ?? 0) - (b.average ?? 0))[0];
}

type Href = (id: ChartId) => string;

export function enrollmentsChart(rows: readonly EnrollmentBucket[], range: DateRange, href: Href, tr: Translator = english): ChartView {
  const labels = rows.map((r) => bucketText(r.bucket, range.bucket, tr));
  const total = rows.reduce((sum, r) => sum + r.enrollments, 0);
  const busiest = rows.reduce<EnrollmentBucket | undefined>((best, r) => (r.enrollments > (best?.enrollments ?? 0) ? r : best), undefined);
  const description = total === 0
    ? tr.t(NO_ENROLLMENTS[range.key])
    : tr.t(ENROLLMENTS[range.key], { total, bucket: bucketText(busiest!.bucket, range.bucket, tr), most: busiest!.enrollments });
  return {
    id: 'enrollments',
    chart: lineChart({
      id: 'enrollments',
      title: tr.t(ENROLLMENTS_TITLE[range.bucket]),
      description,
      labels,
      series: [{ name: tr.t(msg('Enrollments')), values: rows.map((r) => r.enrollments) }],
      bucketHeading: tr.t(BUCKET_HEADINGS[range.bucket]),
      csvHref: href('enrollments'),
      tr,
    }),
    csv: { head: heads(tr, [BUCKET_HEADINGS[range.bucket], msg('Enrollments')]), rows: rows.map((r) => [r.bucket, r.enrollments]) },
  };
}

export const REVENUE_RULE = msg('A payment counts in full on the day it was made, a refund (part or whole) on the day it was given; net is gross less refunds.');

export function revenueChart(rows: readonly RevenueBucket[], range: DateRange, href: Href, tr: Translator = english): ChartView {
  const gross = rows.reduce((sum, r) => sum + r.gross, 0);
  const refunds = rows.reduce((sum, r) => sum + r.refunds, 0);
  const money = (cents: number) => tr.money(cents);
  // Two whole sentences: what the range took, then the rule that counts it.
  const description = `${tr.t(NET_REVENUE[range.key], { net: money(gross - refunds), gross: money(gross), refunds: money(refunds) })} ${tr.t(REVENUE_RULE)}`;
  return {
    id: 'revenue',
    chart: lineChart({
      id: 'revenue',
      title: tr.t(REVENUE_TITLE[range.bucket]),
      description,
      labels: rows.map((r) => bucketText(r.bucket, range.bucket, tr)),
      series: [
        { name: tr.t(msg('Gross')), values: rows.map((r) => r.gross) },
        { name: tr.t(msg('Refunds')), values: rows.map((r) => r.refunds) },
        { name: tr.t(msg('Net')), values: rows.map((r) => r.gross - r.refunds) },
      ],
      format: money,
      axisFormat: compactMoney(tr),
      minTop: 1000,
      bucketHeading: tr.t(BUCKET_HEADINGS[range.bucket]),
      csvHref: href('revenue'),
      tr,
    }),
    csv: { head: heads(tr, [BUCKET_HEADINGS[range.bucket], msg('Gross (USD)'), msg('Refunds (USD)'), msg('Net (USD)')]), rows: rows.map((r) => [r.bucket, major(r.gross), major(r.refunds), major(r.gross - r.refunds)]) },
  };
}

/** Where students drop off: the largest fall in the share of completions from one lesson to the next. */
function funnelSentence(rows: readonly FunnelRow[], shares: number[], tr: Translator): string {
  const students = rows[0]!.students;
  const pct = percentOf(tr);
  if (shares.every((v) => v === 0)) {
    return tr.t(msg('{students, plural, one {Of the # active student now (not limited to the date range), none has completed a lesson yet.} other {Of the # active students now (not limited to the date range), none has completed a lesson yet.}}'), { students });
  }
  if (rows.length === 1) {
    return tr.t(msg('{students, plural, one {Of the # active student now (not limited to the date range), {share} completed the only lesson.} other {Of the # active students now (not limited to the date range), {share} completed the only lesson.}}'), { students, share: pct(shares[0]!) });
  }
  let at = -1;
  for (let i = 0; i + 1 < shares.length; i++) if (shares[i]! - shares[i + 1]! > (at < 0 ? 0 : shares[at]! - shares[at + 1]!)) at = i;
  if (at < 0) {
    return tr.t(
      msg('{students, plural, one {Of the # active student now (not limited to the date range), {first} completed the first lesson and {last} the last: no lesson loses students.} other {Of the # active students now (not limited to the date range), {first} completed the first lesson and {last} the last: no lesson loses students.}}'),
      { students, first: pct(shares[0]!), last: pct(shares.at(-1)!) },
    );
  }
  return tr.t(
    msg('{students, plural, one {Of the # active student now (not limited to the date range), the biggest drop is after lesson {lesson, number}, “{title}”: {share} completed it, {next} the next.} other {Of the # active students now (not limited to the date range), the biggest drop is after lesson {lesson, number}, “{title}”: {share} completed it, {next} the next.}}'),
    { students, lesson: at + 1, title: rows[at]!.title, share: pct(shares[at]!), next: pct(shares[at + 1]!) },
  );
}

export function funnelChart(rows: readonly FunnelRow[], _range: DateRange, href: Href, tr: Translator = english): ChartView {
  const students = rows[0]?.students ?? 0;
  const shares = rows.map((r) => share(r.completed, r.students));
  const description = rows.length === 0
    ? tr.t(msg('No published lessons yet.'))
    : students === 0
      ? tr.t(msg('No active students yet, so nobody has completed a lesson.'))
      : funnelSentence(rows, shares, tr);
  const label = (r: FunnelRow, i: number) => tr.t(msg('{number, number}. {title}'), { number: i + 1, title: r.title });
  return {
    id: 'funnel',
    chart: barChart({
      id: 'funnel',
      title: tr.t(msg('Completion by lesson')),
      description,
      items: students === 0 ? [] : rows.map((r, i) => ({ label: label(r, i), value: shares[i]!, extra: [tr.t(msg('{completed, number} of {students, number}'), { completed: r.completed, students: r.students })] })),
      max: 100,
      format: percentOf(tr),
      head: [tr.t(msg('Lesson')), tr.t(msg('Completed')), tr.t(msg('Students'))],
      csvHref: href('funnel'),
      tr,
    }),
    csv: { head: heads(tr, [msg('Lesson'), msg('Completed %'), msg('Completed'), msg('Active students')]), rows: rows.map((r, i) => [label(r, i), shares[i]!, r.completed, r.students]) },
  };
}

export function watchChart(rows: readonly WatchRow[], _range: DateRange, href: Href, tr: Translator = english): ChartView {
  const low = lowest(rows, (r) => r.viewers > 0);
  const pct = percentOf(tr);
  const description = rows.length === 0
    ? tr.t(msg('No published video lessons yet.'))
    : !low
      ? tr.t(msg('No student has watched a video yet.'))
      : tr.t(msg('How much of each video its viewers watched, on average (now). Lowest: “{title}”, {share} ({viewers, plural, one {# viewer} other {# viewers}}).'), { title: low.title, share: pct(low.average!), viewers: low.viewers });
  return {
    id: 'watch',
    chart: barChart({
      id: 'watch',
      title: tr.t(msg('Average watched per video')),
      description,
      items: low ? rows.map((r) => ({ label: r.title, value: Math.round(r.average ?? 0), extra: [tr.number(r.viewers)] })) : [],
      max: 100,
      format: pct,
      head: [tr.t(msg('Video lesson')), tr.t(msg('Watched')), tr.t(msg('Viewers'))],
      csvHref: href('watch'),
      tr,
    }),
    csv: { head: heads(tr, [msg('Video lesson'), msg('Average watched %'), msg('Viewers')]), rows: rows.map((r) => [r.title, r.average === null ? '' : Math.round(r.average), r.viewers]) },
  };
}

function assessmentChart(id: 'quizzes' | 'assignments', rows: readonly AssessmentRow[], href: Href, tr: Translator): ChartView {
  const quiz = id === 'quizzes';
  const pct = percentOf(tr);
  const countHead = quiz ? msg('Submissions') : msg('Graded');
  const csv = {
    head: heads(tr, [quiz ? msg('Quiz') : msg('Assignment'), quiz ? msg('Average best score %') : msg('Average grade %'), countHead]),
    rows: rows.map((r) => [r.title, r.average === null ? '' : Math.round(r.average), r.count]),
  };
  if (rows.length === 0) return { id, chart: null, note: quiz ? msg('This course has no quizzes.') : msg('This course has no assignments.'), csv };
  const low = lowest(rows, (r) => r.count > 0);
  const description = !low
    ? quiz ? tr.t(msg('No student has taken a quiz yet.')) : tr.t(msg('No hand-in has been graded yet.'))
    : quiz
      ? tr.t(msg('The average of the students’ best scores in each quiz (now). Lowest: “{title}”, {share} ({count, plural, one {# submission} other {# submissions}}).'), { title: low.title, share: pct(low.average!), count: low.count })
      : tr.t(msg('The average grade of each assignment as a share of its points, over graded hand-ins (now). Lowest: “{title}”, {share} ({count, number} graded).'), { title: low.title, share: pct(low.average!), count: low.count });
  return {
    id,
    chart: barChart({
      id,
      title: quiz ? tr.t(msg('Quiz averages')) : tr.t(msg('Assignment grades')),
      description,
      items: low ? rows.map((r) => ({ label: r.title, value: Math.round(r.average ?? 0), extra: [tr.number(r.count)] })) : [],
      max: 100,
      format: pct,
      head: [quiz ? tr.t(msg('Quiz')) : tr.t(msg('Assignment')), quiz ? tr.t(msg('Average best score')) : tr.t(msg('Average grade')), tr.t(countHead)],
      csvHref: href(id),
      tr,
    }),
    csv,
  };
}

export const quizzesChart = (rows: readonly AssessmentRow[], _range: DateRange, href: Href, tr: Translator = english) => assessmentChart('quizzes', rows, href, tr);
export const assignmentsChart = (rows: readonly AssessmentRow[], _range: DateRange, href: Href, tr: Translator = english) => assessmentChart('assignments', rows, href, tr);

export function ratingsChart(rows: readonly RatingRow[], _range: DateRange, href: Href, tr: Translator = english): ChartView {
  const total = rows.reduce((sum, r) => sum + r.ratings, 0);
  const average = rows[0]?.average ?? null;
  const top = rows.find((r) => r.stars === 5)?.ratings ?? 0;
  const stars = (n: number) => tr.t(msg('{stars, plural, one {# star} other {# stars}}'), { stars: n });
  const description = total === 0
    ? tr.t(msg('No ratings yet.'))
    : tr.t(msg('{average} stars on average from {total, plural, one {# rating} other {# ratings}} (all time); {top, number} gave 5 stars.'), {
        average: tr.number(average!, { minimumFractionDigits: 1, maximumFractionDigits: 1 }),
        total,
        top,
      });
  return {
    id: 'ratings',
    chart: barChart({
      id: 'ratings',
      title: tr.t(msg('Ratings')),
      description,
      items: total === 0 ? [] : rows.map((r) => ({ label: stars(r.stars), value: r.ratings, extra: [percentOf(tr)(share(r.ratings, total))] })),
      head: [tr.t(msg('Rating')), tr.t(msg('Ratings')), tr.t(msg('Share'))],
      csvHref: href('ratings'),
      tr,
    }),
    csv: { head: heads(tr, [msg('Stars'), msg('Ratings')]), rows: rows.map((r) => [r.stars, r.ratings]) },
  };
}

type Builder = (rows: never, range: DateRange, href: Href, tr?: Translator) => ChartView;

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

/** One chart of the course, its words and numbers in the reader's language (`tr`; English without it). */
export function buildChart<K extends ChartId>(id: K, rows: CourseAnalytics[K], range: DateRange, href: Href, tr: Translator = english): ChartView {
  return (CHART_BUILDERS[id] as (rows: CourseAnalytics[K], range: DateRange, href: Href, tr: Translator) => ChartView)(rows, range, href, tr);
}

export const isChartId = (value: unknown): value is ChartId => typeof value === 'string' && (CHART_IDS as readonly string[]).includes(value);
