import { describe, expect, it } from 'vitest';
import { compactMoney, platformCharts } from '../../src/features/analytics/platform-charts.ts';
import type { PlatformNumbers } from '../../src/features/analytics/platform-queries.ts';
import { resolveRange } from '../../src/features/analytics/range.ts';
import { barChart, lineChart } from '../../src/lib/charts/index.ts';

/** The chart additions /admin/analytics needed (axis and bar label formats, below-zero lines, linked rows) and its sentences. */

describe('chart additions for money', () => {
  it('a line chart reads money on its axis in short and in the table to the cent, and goes below zero when a value does', () => {
    const money = (cents: number) => `$${(cents / 100).toFixed(2)}`;
    const chart = lineChart({
      id: 'revenue',
      title: 'Revenue',
      description: 'd',
      labels: ['2 Nov', '9 Nov', '16 Nov'],
      series: [
        { name: 'Gross', values: [150_000, 0, 0] },
        { name: 'Net', values: [150_000, -20_000, 0] },
      ],
      format: money,
      axisFormat: compactMoney('usd'),
    });
    expect(chart.table.rows[1]).toEqual(['9 Nov', '$0.00', '$-200.00']);
    expect(chart.yTicks.map((t) => t.label)).toContain('$0');
    expect(chart.yTicks[0]!.label).toMatch(/^-\$/);
    expect(chart.yTicks.at(-1)!.label).toBe('$1.5K');
    for (const dot of chart.series.flatMap((s) => s.dots)) {
      expect(dot.y).toBeGreaterThanOrEqual(chart.plot.top);
      expect(dot.y).toBeLessThanOrEqual(chart.plot.bottom);
    }
    // Counts only: the axis starts at zero as before.
    expect(lineChart({ id: 'c', title: 'c', description: 'd', labels: ['a', 'b'], series: [{ name: 'c', values: [0, 3] }] }).yTicks[0]!.label).toBe('0');
  });

  it('bars: a short label beside the bar, the full amount in the table, and rows that link', () => {
    const chart = barChart({
      id: 'top',
      title: 'Top',
      description: 'd',
      items: [
        { label: 'Algebra', value: 108_000, href: '/teach/courses/1/analytics' },
        { label: 'Biology', value: 999, href: '/teach/courses/2/analytics' },
      ],
      format: (cents) => `$${(cents / 100).toFixed(2)}`,
      labelFormat: compactMoney('usd'),
      head: ['Course', 'Net revenue'],
    });
    expect(chart.bars.map((b) => b.valueLabel)).toEqual(['$1.1K', '$9.99']);
    expect(chart.table.rows).toEqual([
      ['Algebra', '$1080.00'],
      ['Biology', '$9.99'],
    ]);
    expect(chart.table.hrefs).toEqual(['/teach/courses/1/analytics', '/teach/courses/2/analytics']);
    // Without links the table has none.
    expect(barChart({ id: 'b', title: 'b', description: 'd', items: [{ label: 'x', value: 1 }], head: ['a', 'b'] }).table.hrefs).toBeUndefined();
  });

  it('compact money: about six characters, cents only for small odd amounts', () => {
    const short = compactMoney('usd');
    expect([0, 999, 5000, 25_000, 99_950, 108_000, 123_456_700, -20_000].map(short)).toEqual(['$0', '$9.99', '$50', '$250', '$1K', '$1.1K', '$1.2M', '-$200']);
  });
});

describe('the sentences under the charts', () => {
  const empty: PlatformNumbers = {
    series: [
      { bucket: '2026-11-02', signUps: 3, activeUsers: 4, enrollments: 1, gross: 5000, refunds: 0 },
      { bucket: '2026-11-09', signUps: 7, activeUsers: 2, enrollments: 0, gross: 0, refunds: 1500 },
    ],
    topCourses: [],
    summary: { applicationsSubmitted: 0, applicationsPending: 0, applicationsApproved: 0, applicationsRejected: 0, searches: 0, searchesClicked: 0, searchesWithoutResults: 0, currencies: ['eur', 'usd'] },
    topSearches: [],
  };
  const ctx = { range: resolveRange('90d', 'UTC'), csvBase: '/admin/analytics?range=90d', currency: 'eur', courseHref: (id: string) => `/c/${id}` };

  it('say the key fact: totals, the busiest period, and several currencies when there are', () => {
    const charts = platformCharts(empty, ctx);
    expect(charts.signUps.description).toBe('10 people signed up in the last 90 days, most in the week of 9 Nov (7).');
    expect(charts.activeUsers.description).toMatch(/each person counts once a week\. Latest week: 2; most in the week of 2 Nov \(4\)\.$/);
    expect(charts.enrollments.description).toBe('1 enrollment in the last 90 days, most in the week of 2 Nov (1). Checkouts never paid are not counted.');
    expect(charts.revenue.description).toContain('Net €35.00 in the last 90 days: €50.00 taken less €15.00 refunded.');
    expect(charts.revenue.description).toContain('Payments were made in 2 currencies (EUR, USD); their amounts are added together as EUR.');
    expect(charts.topEnrolled.empty).toBe(true);
    expect(charts.topEnrolled.description).toBe('No enrollments in the last 90 days.');
    expect(charts.applications.description).toBe('No teacher applications in the last 90 days.');
    expect(platformCharts(empty, { ...ctx, range: resolveRange('all', 'UTC') }).signUps.description).toMatch(/^10 people signed up so far, most in Nov 2026 \(7\)\.$/);
  });
});
