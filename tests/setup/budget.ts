import { gzipSync } from 'node:zlib';
import { expect } from 'vitest';

/** DESIGN.md: the HTML of every page fits one round trip on a slow link. */
export const PAGE_BUDGET_BYTES = 14 * 1024;

export function gzippedSize(body: string | Buffer): number {
  return gzipSync(body, { level: 6 }).length;
}

/** Asserts a response's HTML gzips to at most 14 KB; returns the size for reports. */
export function expectWithinPageBudget(res: { text: string; headers: Record<string, string> }): number {
  expect(res.headers['content-type']).toMatch(/text\/html/);
  const size = gzippedSize(res.text);
  expect(size, `page is ${size} bytes gzipped; the budget is ${PAGE_BUDGET_BYTES}`).toBeLessThanOrEqual(PAGE_BUDGET_BYTES);
  return size;
}
