import { z } from 'zod';
import { nextDay, zonedToUtc } from '../../lib/dates.ts';

/** Query-string filters shared by the admin tables; a bad value is dropped, never an error. */

const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/)
  .refine((v) => !Number.isNaN(new Date(`${v}T00:00:00Z`).getTime()))
  .optional()
  .catch(undefined);

export const dateRange = { from: day, to: day };
export const textFilter = z.string().trim().max(100).optional().catch(undefined);

/**
 * [`from` at midnight, the day after `to` at midnight): whole days, inclusive, on the admin's clock
 * (their time zone: a day in Tokyo starts at 15:00 UTC the evening before).
 */
export function dayBounds(from: string | undefined, to: string | undefined, timeZone: string): { start?: Date; end?: Date } {
  const start = from ? zonedToUtc(from, timeZone) : undefined;
  const end = to ? zonedToUtc(nextDay(to), timeZone) : undefined;
  return { ...(start ? { start } : {}), ...(end ? { end } : {}) };
}
