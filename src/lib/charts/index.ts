export { barChart, type BarChart, type BarChartInput, type BarItem } from './bars.ts';
export { calendarChart, type CalendarChart, type CalendarDay, type CalendarInput } from './calendar.ts';
export { lineChart, type LineChart, type LineChartInput, type LineSeriesInput } from './line.ts';
export { type ChartTable, formatCount } from './model.ts';
