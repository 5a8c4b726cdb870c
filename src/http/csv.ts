import { once } from 'node:events';
import type { Response } from 'express';
import { stringify } from 'csv-stringify/sync';

/**
 * CSV downloads: every table that offers one goes through here.
 *
 * Formula injection (OWASP "CSV Injection"): a cell starting with = + - @, a tab or a carriage
 * return (or their full-width forms) gets a leading single quote (csv-stringify's escape_formulas)
 * and is quoted, so no spreadsheet runs a user's name as a formula.
 */

const FORMULA_START = /^[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/;

export type CsvCell = string | number | boolean | null | undefined;

export const toCsv = (records: ReadonlyArray<ReadonlyArray<CsvCell>>): string =>
  stringify(
    records.map((r) => r.map((c) => (c === null || c === undefined ? '' : c))),
    { escape_formulas: true, quoted_match: FORMULA_START },
  );

/** Headers of a CSV download: a file to save, never a page to render or cache. */
export function startCsv(res: Response, filename: string): void {
  res.status(200);
  res.set({
    'Content-Type': 'text/csv; charset=utf-8',
    'Content-Disposition': `attachment; filename="${filename.replace(/[^A-Za-z0-9._-]/g, '-')}"`,
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
}

/**
 * Streams a CSV: the header, then each batch as soon as it is fetched, waiting for the client when
 * its buffer is full, and stopping when the client has gone. Memory holds one batch, whatever the
 * table's size.
 */
export async function streamCsv(res: Response, filename: string, header: readonly string[], batches: AsyncIterable<ReadonlyArray<ReadonlyArray<CsvCell>>>): Promise<void> {
  startCsv(res, filename);
  const write = async (text: string) => {
    if (!res.write(text)) await once(res, 'drain');
  };
  await write(toCsv([header]));
  for await (const rows of batches) {
    if (res.destroyed) return;
    if (rows.length > 0) await write(toCsv(rows));
  }
  res.end();
}
