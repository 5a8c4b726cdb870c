import { max, min } from 'd3-array';
import { scaleLinear } from 'd3-scale';
import { line as d3line } from 'd3-shape';
import { msg } from '../../i18n/catalogue.ts';
import type { Translator } from '../../i18n/translator.ts';
import { type ChartBase, formatCount, r1 } from './model.ts';

/**
 * A line chart over equal time buckets (days, weeks or months), one to three series sharing the
 * y axis: the path from d3-shape's line, y ticks from d3-scale's nice linear scale, x ticks at most
 * six bucket labels evenly spread. The series are told apart by class (colour) and by dash, so the
 * chart reads in grey print and for colour-blind readers, and a legend names them.
 */

export interface LineSeriesInput {
  name: string;
  values: readonly number[];
}

export interface LineChartInput {
  id: string;
  title: string;
  description: string;
  /** One label per bucket ("3 Nov"), in order. */
  labels: readonly string[];
  series: readonly LineSeriesInput[];
  /** How y values read on the axis and in the table (counts by default; money for revenue). */
  format?: (value: number) => string;
  /** The y axis's own, shorter format when the table's is too wide for the margin ("$1.2K" for "$1,234.56"). */
  axisFormat?: (value: number) => string;
  /**
   * The scale's top while every value is below it, so an empty or tiny series gets a sensible axis:
   * counts (no `format`) default to 4 and only whole-number ticks ("0.2 enrollments" means nothing);
   * money passes its own (e.g. 1000 cents, so a free course's revenue reads $0 to $10, not $0.0 five times).
   */
  minTop?: number;
  /** The table's first column heading ("Week of"). */
  bucketHeading?: string;
  csvHref?: string;
  /** The reader's language for the default number format and heading (English without it). */
  tr?: Translator;
}

export interface LineChart extends ChartBase {
  kind: 'line';
  plot: { left: number; top: number; right: number; bottom: number };
  yTicks: { y: number; label: string }[];
  xTicks: { x: number; label: string }[];
  series: { name: string; className: string; path: string; dots: { x: number; y: number }[] }[];
}

const PERIOD = msg('Period');
const WIDTH = 360;
const HEIGHT = 180;
const MARGIN = { top: 10, right: 12, bottom: 24, left: 44 };

export function lineChart(input: LineChartInput): LineChart {
  const format = input.format ?? ((value: number) => formatCount(value, input.tr));
  const n = input.labels.length;
  const plot = { left: MARGIN.left, top: MARGIN.top, right: WIDTH - MARGIN.right, bottom: HEIGHT - MARGIN.bottom };
  const highest = max(input.series.flatMap((s) => s.values)) ?? 0;
  // Below zero when a value is (net revenue in a week of refunds and no sales), so no line leaves the plot.
  const lowest = Math.min(0, min(input.series.flatMap((s) => s.values)) ?? 0);
  const counts = input.format === undefined;
  const y = scaleLinear()
    .domain([lowest, Math.max(highest, input.minTop ?? (counts ? 4 : 1))])
    .nice(4)
    .range([plot.bottom, plot.top]);
  const x = scaleLinear()
    .domain([0, Math.max(1, n - 1)])
    .range([plot.left, plot.right]);
  const path = d3line<number>()
    .x((_, i) => r1(x(i)))
    .y((v) => r1(y(v)));
  const tickEvery = Math.max(1, Math.ceil(n / 6));
  const xTicks = input.labels.flatMap((label, i) => (i % tickEvery === 0 ? [{ x: r1(x(i)), label }] : []));
  return {
    kind: 'line',
    id: input.id,
    title: input.title,
    description: input.description,
    width: WIDTH,
    height: HEIGHT,
    csvHref: input.csvHref,
    empty: n === 0,
    plot,
    yTicks: y.ticks(4).filter((v) => !counts || Number.isInteger(v)).map((v) => ({ y: r1(y(v)), label: (input.axisFormat ?? format)(v) })),
    xTicks,
    series: input.series.map((s, i) => ({
      name: s.name,
      className: `chart-s${i + 1}`,
      path: n > 0 ? (path(s.values as number[]) ?? '') : '',
      // A lone bucket has no line to draw: a dot shows it. Dots only while they stay apart.
      dots: n <= 16 ? s.values.map((v, j) => ({ x: r1(x(j)), y: r1(y(v)) })) : [],
    })),
    table: {
      caption: input.title,
      head: [input.bucketHeading ?? (input.tr ? input.tr.t(PERIOD) : PERIOD), ...input.series.map((s) => s.name)],
      rows: input.labels.map((label, i) => [label, ...input.series.map((s) => format(s.values[i] ?? 0))]),
    },
  };
}
