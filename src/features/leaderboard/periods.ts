import type { Translator } from '../../i18n/translator.ts';
/**
 * Leaderboard periods, in UTC for everyone (a ranking cannot start at each reader's midnight): an
 * ISO week from Monday 00:00 UTC, a calendar month from the 1st 00:00 UTC. Pure date arithmetic.
 */

export const PERIODS = ['week', 'month'] as const;
export type Period = (typeof PERIODS)[number];

export interface PeriodSpan {
  period: Period;
  /** The first instant counted. */
  start: Date;
  /** The first instant no longer counted (the next period's start; for the current one, later than now). */
  end: Date;
  /** The start's day, 'YYYY-MM-DD': leaderboard_period.period_start. */
  startDay: string;
}

const DAY = 86_400_000;

const day = (at: Date) => at.toISOString().slice(0, 10);

function span(period: Period, start: Date, end: Date): PeriodSpan {
  return { period, start, end, startDay: day(start) };
}

/** The period `now` falls in. */
export function currentPeriod(period: Period, now: Date = new Date()): PeriodSpan {
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth();
  if (period === 'month') return span(period, new Date(Date.UTC(y, m, 1)), new Date(Date.UTC(y, m + 1, 1)));
  const midnight = Date.UTC(y, m, now.getUTCDate());
  // getUTCDay: 0 is Sunday; Monday is the first day of an ISO week.
  const monday = midnight - ((now.getUTCDay() + 6) % 7) * DAY;
  return span(period, new Date(monday), new Date(monday + 7 * DAY));
}

/** The last period that is over at `now`: what the award job awards. */
export function lastCompletedPeriod(period: Period, now: Date = new Date()): PeriodSpan {
  const current = currentPeriod(period, now);
  return currentPeriod(period, new Date(current.start.getTime() - 1));
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const FULL_MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/**
 * How a period reads in a sentence: "the week of 2 Nov 2026", "November 2026"; in the reader's
 * language when given their translator ("la semana del 2 nov 2026", "noviembre de 2026").
 */
export function periodLabel(p: Pick<PeriodSpan, 'period' | 'start'>, tr?: Translator): string {
  const d = p.start;
  if (tr && tr.locale !== 'en') {
    return p.period === 'month'
      ? new Intl.DateTimeFormat(tr.locale, { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(d)
      : tr.t('the week of {date}', { date: tr.date(d, 'UTC') });
  }
  return p.period === 'month'
    ? `${FULL_MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`
    : `the week of ${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
}
