import { max } from 'd3-array';
import { scaleBand, scaleLinear } from 'd3-scale';
import type { Translator } from '../../i18n/translator.ts';
import { type ChartBase, clip, formatCount, r1 } from './model.ts';

/**
 * Horizontal bars, one row per item in the given order (a funnel's lessons in course order, the
 * ratings from 5 to 1, the top courses): d3-scale's band scale places the rows and a linear scale
 * sizes the bars. Horizontal, because the labels are long (lesson titles) and a phone is narrow;
 * each bar is labelled with its value, so the chart reads without an axis.
 */

export interface BarItem {
  label: string;
  value: number;
  /** Extra columns for the table (e.g. "12 of 40 students"), after the value. */
  extra?: string[];
  /** Where the item's name links in the table (a course's page). */
  href?: string;
}

export interface BarChartInput {
  id: string;
  title: string;
  description: string;
  items: readonly BarItem[];
  /** The scale's top: 100 for percentages, else the largest value. */
  max?: number;
  format?: (value: number) => string;
  /** The label beside each bar, when the table's format is too wide for the room there ("$1.1K" for "$1,080.00"). */
  labelFormat?: (value: number) => string;
  /** Table headings: the item column, the value column, then one per `extra` cell. */
  head: [string, string, ...string[]];
  csvHref?: string;
  /** The reader's language for the default number format (English without it). */
  tr?: Translator;
}

export interface BarChart extends ChartBase {
  kind: 'bars';
  labelWidth: number;
  bars: { y: number; height: number; width: number; label: string; fullLabel: string; valueLabel: string; valueX: number; textY: number }[];
}

const WIDTH = 360;
// Room for a label of LABEL_CHARS characters at the chart's 11px: a title clipped to 20 measured up
// to 138 units in Chromium's system-ui font on Linux ("Web Development Mas…"); at 22 characters in
// 132 units "Counting stock with a…" lost its first letter past the left edge (design walk, 320 px).
const LABEL_WIDTH = 144;
const LABEL_CHARS = 20;
const ROW = 20;

export function barChart(input: BarChartInput): BarChart {
  const format = input.format ?? ((value: number) => formatCount(value, input.tr));
  const top = input.max ?? (max(input.items, (i) => i.value) || 1);
  const height = Math.max(ROW, input.items.length * ROW) + 4;
  const y = scaleBand<number>()
    .domain(input.items.map((_, i) => i))
    .range([2, height - 2])
    .paddingInner(0.25);
  // Room on the right for the value label.
  const x = scaleLinear().domain([0, top]).range([0, WIDTH - LABEL_WIDTH - 44]).clamp(true);
  return {
    kind: 'bars',
    id: input.id,
    title: input.title,
    description: input.description,
    width: WIDTH,
    height,
    csvHref: input.csvHref,
    empty: input.items.length === 0,
    labelWidth: LABEL_WIDTH,
    bars: input.items.map((item, i) => {
      const width = r1(x(item.value));
      const rowY = y(i) ?? 0;
      return {
        y: r1(rowY),
        height: r1(y.bandwidth()),
        width,
        label: clip(item.label, LABEL_CHARS),
        fullLabel: item.label,
        valueLabel: (input.labelFormat ?? format)(item.value),
        valueX: r1(LABEL_WIDTH + width + 4),
        textY: r1(rowY + y.bandwidth() / 2),
      };
    }),
    table: {
      caption: input.title,
      head: input.head,
      rows: input.items.map((item) => [item.label, format(item.value), ...(item.extra ?? [])]),
      ...(input.items.some((i) => i.href) ? { hrefs: input.items.map((i) => i.href) } : {}),
    },
  };
}
