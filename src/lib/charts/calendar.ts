import { max } from 'd3-array';
import { scaleQuantize } from 'd3-scale';
import { msg } from '../../i18n/catalogue.ts';
import type { Translator } from '../../i18n/translator.ts';
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
  /** The reader's language for the days, months and the cells' words (English without it). */
  tr?: Translator;
}

export interface CalendarChart extends ChartBase {
  kind: 'calendar';
  cells: { x: number; y: number; level: number; label: string }[];
  monthLabels: { x: number; label: string }[];
  /** The labels of the Monday, Wednesday and Friday rows. */
  weekdayLabels: [string, string, string];
  size: number;
}

const CELL = 12;
const GAP = 2;
const LEFT = 26;
const TOP = 14;
const DAY_NAMES = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const ACTIVITIES_ON = msg('{count, plural, one {# activity on {day}} other {# activities on {day}}}');

/** How a calendar writes days and months: English by hand ("Mon 2 Nov"), other languages by Intl. */
function calendarWords(tr?: Translator) {
  const utc = (iso: string) => {
    const [y, m, d] = iso.split('-').map(Number) as [number, number, number];
    return { y, m, d, date: new Date(Date.UTC(y, m - 1, d)) };
  };
  if (!tr || tr.locale === 'en') {
    return {
      day: (iso: string) => {
        const { m, d, date } = utc(iso);
        return `${DAY_NAMES[(date.getUTCDay() + 6) % 7]} ${d} ${MONTHS[m - 1]}`;
      },
      month: (m: number) => MONTHS[m - 1]!,
      weekdays: ['Mon', 'Wed', 'Fri'] as [string, string, string],
      count: (n: number) => String(n),
      cell: (count: number, day: string) => `${count === 1 ? '1 activity' : `${count} activities`} on ${day}`,
      caption: (title: string) => `${title}: active days`,
      head: ['Day', 'Activities'],
    };
  }
  const dayFormat = new Intl.DateTimeFormat(tr.locale, { weekday: 'short', day: 'numeric', month: 'short', timeZone: 'UTC' });
  const monthFormat = new Intl.DateTimeFormat(tr.locale, { month: 'short', timeZone: 'UTC' });
  const weekdayFormat = new Intl.DateTimeFormat(tr.locale, { weekday: 'short', timeZone: 'UTC' });
  // 2024-01-01 was a Monday.
  const weekday = (offset: number) => weekdayFormat.format(new Date(Date.UTC(2024, 0, 1 + offset)));
  return {
    day: (iso: string) => dayFormat.format(utc(iso).date),
    month: (m: number) => monthFormat.format(new Date(Date.UTC(2024, m - 1, 1))),
    weekdays: [weekday(0), weekday(2), weekday(4)] as [string, string, string],
    count: (n: number) => tr.number(n),
    cell: (count: number, day: string) => tr.t(ACTIVITIES_ON, { count, day }),
    caption: (title: string) => tr.t('{title}: active days', { title }),
    head: [tr.t('Day'), tr.t('Activities')],
  };
}

export function calendarChart(input: CalendarInput): CalendarChart {
  const words = calendarWords(input.tr);
  const busiest = max(input.days, (d) => d.count) ?? 0;
  // From 1 (any activity is at least the lightest shade) to the busiest day.
  const level = scaleQuantize<number>().domain([1, Math.max(2, busiest)]).range([1, 2, 3, 4]);
  const weeks = Math.ceil(input.days.length / 7);
  const monthLabels: { x: number; label: string }[] = [];
  const cells = input.days.map((day, i) => {
    const week = Math.floor(i / 7);
    const x = LEFT + week * (CELL + GAP);
    const [, m, d] = day.date.split('-').map(Number) as [number, number, number];
    if (i % 7 === 0 && (d <= 7 || i === 0)) monthLabels.push({ x, label: words.month(m) });
    return {
      x: r1(x),
      y: r1(TOP + (i % 7) * (CELL + GAP)),
      level: day.count === 0 ? 0 : level(day.count),
      label: words.cell(day.count, words.day(day.date)),
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
    weekdayLabels: words.weekdays,
    table: {
      caption: words.caption(input.title),
      head: words.head,
      rows: active.map((d) => [words.day(d.date), words.count(d.count)]),
    },
  };
}
