import { max } from 'd3-array';
import { scaleQuantize } from 'd3-scale';
import { type ChartBase, r1 } from './model.ts';

/**
 * A contribution-style activity calendar: one column per week (Monday first), one cell per day,
 * shaded in five levels by d3-scale's quantize scale over the busiest day. Each cell carries its
 * own <title> ("3 activities on Mon 2 Nov"), and the table lists the active days.
 */

export interface CalendarDay {
  /** The day, 'YYYY-MM-DD', in the reader's time zone. */
  date: string;
  count: number;
}

export interface CalendarInput {
  id: string;
  title: string;
  description: string;
  /** Every day shown, oldest first, starting on a Monday; missing days count 0. */
  days: readonly CalendarDay[];
  csvHref?: string;
}

export interface CalendarChart extends ChartBase {
  kind: 'calendar';
  cells: { x: number; y: number; level: number; label: string }[];
  monthLabels: { x: number; label: string }[];
  size: number;
}

const CELL = 12;
const GAP = 2;
const LEFT = 26;
const TOP = 14;
const DAY_NAMES = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function dayLabel(iso: string): string {
  const [y, m, d] = iso.split('-').map(Number) as [number, number, number];
  const weekday = DAY_NAMES[(new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7];
  return `${weekday} ${d} ${MONTHS[m - 1]}`;
}

export function calendarChart(input: CalendarInput): CalendarChart {
  const busiest = max(input.days, (d) => d.count) ?? 0;
  // From 1 (any activity is at least the lightest shade) to the busiest day.
  const level = scaleQuantize<number>().domain([1, Math.max(2, busiest)]).range([1, 2, 3, 4]);
  const weeks = Math.ceil(input.days.length / 7);
  const monthLabels: { x: number; label: string }[] = [];
  const cells = input.days.map((day, i) => {
    const week = Math.floor(i / 7);
    const x = LEFT + week * (CELL + GAP);
    const [, m, d] = day.date.split('-').map(Number) as [number, number, number];
    if (i % 7 === 0 && (d <= 7 || i === 0)) monthLabels.push({ x, label: MONTHS[m - 1]! });
    return {
      x: r1(x),
      y: r1(TOP + (i % 7) * (CELL + GAP)),
      level: day.count === 0 ? 0 : level(day.count),
      label: `${day.count === 1 ? '1 activity' : `${day.count} activities`} on ${dayLabel(day.date)}`,
    };
  });
  const active = input.days.filter((d) => d.count > 0);
  return {
    kind: 'calendar',
    id: input.id,
    title: input.title,
    description: input.description,
    width: LEFT + weeks * (CELL + GAP),
    height: TOP + 7 * (CELL + GAP),
    empty: false,
    csvHref: input.csvHref,
    size: CELL,
    cells,
    monthLabels,
    table: {
      caption: `${input.title}: active days`,
      head: ['Day', 'Activities'],
      rows: active.map((d) => [dayLabel(d.date), String(d.count)]),
    },
  };
}
