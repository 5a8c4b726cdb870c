/**
 * Server-rendered SVG charts: pure functions turn numbers into geometry (d3-scale for scales and
 * ticks, d3-shape for paths, d3-array for extents), and the components in views/components/_chart_*.eta
 * draw it. No chart JavaScript reaches the browser; colours come from app.css classes (the CSP allows
 * no inline style), so charts follow the theme and print.
 *
 * Every chart carries a title and a text description (role="img" with <title> and <desc>) and the
 * same numbers as a table (`table`), which the component puts beside the picture.
 *
 * The words and numbers a chart writes itself (axis ticks, the table's cells, a calendar's days) are in
 * the reader's language when the caller passes its translator (`tr`); English without one. Titles,
 * descriptions and headings are the caller's, already translated.
 */

import type { Translator } from '../../i18n/translator.ts';

/** The numbers behind a chart, as the table beside it (and its CSV) shows them. */
export interface ChartTable {
  caption: string;
  head: string[];
  /** Cells already formatted for reading; the first cell of each row names the row. */
  rows: string[][];
  /** A link for each row's first cell, when the rows are things with a page (courses). */
  hrefs?: (string | undefined)[];
}

export interface ChartBase {
  /** Unique on the page: the ids of <title> and <desc> derive from it. */
  id: string;
  title: string;
  /** What the chart shows, in words: the accessible description (a sentence or two). */
  description: string;
  width: number;
  height: number;
  table: ChartTable;
  /** A link to the same numbers as CSV, when the page offers one. */
  csvHref?: string;
  /** Nothing to draw: the component says so in words instead of an empty frame. */
  empty: boolean;
}

/** SVG numbers with at most one decimal: a chart of 50 points stays a few hundred bytes. */
export function r1(value: number): number {
  return Math.round(value * 10) / 10;
}

/** A label shortened to fit beside a bar (the table beside the chart has it whole). */
export function clip(label: string, max: number): string {
  return label.length <= max ? label : `${label.slice(0, Math.max(1, max - 1)).trimEnd()}…`;
}

const englishCount = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

/** Default number formatting for axes and tables: the reader's digits and separators when given their translator. */
export const formatCount = (value: number, tr?: Translator): string => (tr ? tr.number(value, { maximumFractionDigits: 1 }) : englishCount.format(value));
