import { z } from 'zod';

/** Query-string filters shared by the admin tables; a bad value is dropped, never an error. */

const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/)
  .refine((v) => !Number.isNaN(new Date(`${v}T00:00:00Z`).getTime()))
  .optional()
  .catch(undefined);

export const dateRange = { from: day, to: day };
export const textFilter = z.string().trim().max(100).optional().catch(undefined);

/** [from 00:00 UTC, the day after `to` 00:00 UTC): whole days, inclusive. */
export function dayBounds(from?: string, to?: string): { start?: Date; end?: Date } {
  return {
    ...(from ? { start: new Date(`${from}T00:00:00Z`) } : {}),
    ...(to ? { end: new Date(new Date(`${to}T00:00:00Z`).getTime() + 86_400_000) } : {}),
  };
}
