import { describe, expect, it } from 'vitest';
import { barChart, calendarChart, lineChart } from '../../src/lib/charts/index.ts';

describe('server-rendered charts', () => {
  it('a line chart: one path per series through every bucket, nice y ticks from zero, the numbers as a table', () => {
    const chart = lineChart({
      id: 'enrollments',
      title: 'Enrollments per week',
      description: 'Enrollments rose from 1 to 7.',
      labels: ['3 Nov', '10 Nov', '17 Nov'],
      series: [{ name: 'Enrollments', values: [1, 7, 4] }],
      bucketHeading: 'Week of',
    });
    expect(chart.empty).toBe(false);
    expect(chart.series[0]!.path).toMatch(/^M[\d.]+,[\d.]+L[\d.]+,[\d.]+L[\d.]+,[\d.]+$/);
    expect(chart.yTicks[0]!.label).toBe('0');
    expect(chart.yTicks.at(-1)!.label).toBe('8');
    // The highest point is drawn at the top tick (8 is the nice top, 7 just under it).
    expect(chart.series[0]!.dots[1]!.y).toBeGreaterThan(chart.plot.top);
    expect(chart.table).toEqual({ caption: 'Enrollments per week', head: ['Week of', 'Enrollments'], rows: [['3 Nov', '1'], ['10 Nov', '7'], ['17 Nov', '4']] });
  });

  it('a line chart of zeros gets a readable axis: whole-number ticks for counts, the money its minimum top', () => {
    const counts = lineChart({ id: 'c', title: 'c', description: 'd', labels: ['a', 'b'], series: [{ name: 'x', values: [0, 1] }] });
    expect(counts.yTicks.map((t) => t.label)).toEqual(['0', '1', '2', '3', '4']);
    const money = lineChart({
      id: 'm', title: 'm', description: 'd', labels: ['a', 'b'], series: [{ name: 'x', values: [0, 0] }],
      format: (c) => `$${(c / 100).toFixed(2)}`, axisFormat: (c) => `$${c / 100}`, minTop: 1000,
    });
    expect(money.yTicks.map((t) => t.label)).toEqual(['$0', '$2', '$4', '$6', '$8', '$10']);
  });

  it('a line chart with nothing in it says so (no frame without data)', () => {
    expect(lineChart({ id: 'x', title: 'x', description: 'No data yet.', labels: [], series: [{ name: 'x', values: [] }] }).empty).toBe(true);
  });

  it('bars: widths proportional to the scale, long labels clipped in the picture and whole in the table', () => {
    const chart = barChart({
      id: 'funnel',
      title: 'Completion by lesson',
      description: 'd',
      items: [
        { label: 'Welcome', value: 100, extra: ['4 of 4'] },
        { label: 'A very long lesson title that does not fit', value: 50, extra: ['2 of 4'] },
      ],
      max: 100,
      format: (v) => `${v}%`,
      head: ['Lesson', 'Completed', 'Students'],
    });
    expect(chart.bars[1]!.width).toBeCloseTo(chart.bars[0]!.width / 2, 0);
    expect(chart.bars[1]!.label.endsWith('…')).toBe(true);
    // Short enough to stay inside the label column at 11px (20 characters measured up to 138 of its 144 units).
    expect(chart.bars[1]!.label.length).toBeLessThanOrEqual(20);
    expect(chart.table.rows[1]).toEqual(['A very long lesson title that does not fit', '50%', '2 of 4']);
  });

  it('a calendar: seven rows a week, shaded by level, each day titled', () => {
    const days = Array.from({ length: 14 }, (_, i) => ({ date: `2026-11-${String(i + 2).padStart(2, '0')}`, count: i === 3 ? 4 : i === 4 ? 1 : 0 }));
    const chart = calendarChart({ id: 'cal', title: 'Activity', description: 'd', days });
    expect(chart.cells).toHaveLength(14);
    expect(chart.cells[7]!.x).toBeGreaterThan(chart.cells[6]!.x);
    expect(chart.cells[3]!.level).toBe(4);
    expect(chart.cells[4]!.level).toBe(1);
    expect(chart.cells[0]!.level).toBe(0);
    expect(chart.cells[3]!.label).toBe('4 activities on Thu 5 Nov');
    expect(chart.table.rows).toEqual([['Thu 5 Nov', '4'], ['Fri 6 Nov', '1']]);
  });
});
