import { existsSync, mkdirSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Express } from 'express';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';

/** Debian's Chromium, driven by playwright-core (never `playwright install`: no network here). */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);

export const screenshotDir = fileURLToPath(new URL('../../test-results/e2e/', import.meta.url));

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    // No background connections: the machine has no network, and the browser must not try.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export async function serve(app: Express): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function screenshotPath(name: string): string {
  mkdirSync(screenshotDir, { recursive: true });
  return path.join(screenshotDir, `${name}.png`);
}

/**
 * Chromium and a real HTTP server over the test app, for one file. Locally without Chromium the
 * file's browser tests are skipped (see `browserTests`); in CI (.ci/run installs it) they always run.
 */
export function useBrowser(app: () => Express) {
  const state: { browser?: Browser; server?: Awaited<ReturnType<typeof serve>> } = {};
  beforeAll(async () => {
    state.server = await serve(app());
    state.browser = await launchBrowser();
  });
  afterAll(async () => {
    await state.browser?.close();
    await state.server?.close();
  });
  return {
    get browser() {
      return state.browser!;
    },
    get url() {
      return state.server!.url;
    },
  };
}

export const skipWithoutBrowser = !hasChromium && !process.env.CI;

/** Signs in through the real form and waits until the browser has landed on `next` (a local path). */
export async function signInThroughForm(page: Page, baseUrl: string, who: { email: string; password: string }, next: string): Promise<void> {
  await page.goto(`${baseUrl}/auth/login?next=${encodeURIComponent(next)}`);
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => url.pathname === next.split('#')[0]);
}

/**
 * Sets a marker on window; the returned check passes only if no page load happened since (the
 * marker survived, the main frame did not navigate, the URL is the same): an htmx swap, not a reload.
 */
export async function markSamePage(page: Page): Promise<() => Promise<void>> {
  await page.evaluate('window.__samePage = true');
  let navigations = 0;
  const count = (frame: unknown) => {
    if (frame === page.mainFrame()) navigations++;
  };
  page.on('framenavigated', count);
  const url = page.url();
  return async function stillSamePage() {
    page.off('framenavigated', count);
    expect(await page.evaluate('window.__samePage')).toBe(true);
    expect(navigations).toBe(0);
    expect(page.url()).toBe(url);
  };
}

/**
 * What went wrong on a page, as it happens: script errors, failed requests, htmx requests answered
 * with 400 or more, and (with `anyErrorStatus`) any other answer of 400 or more. A journey asserts
 * the list is empty at the end of each step.
 */
export function recordProblems(page: Page, options: { anyErrorStatus?: boolean } = {}): string[] {
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => {
    // Chromium fetches the favicon on its own after a page loads; a click that navigates first
    // cancels it (net::ERR_ABORTED). Nothing on the page asked for it and no user sees it fail.
    if (r.url().includes('/static/img/favicon.') && r.failure()?.errorText === 'net::ERR_ABORTED') return;
    problems.push(`failed: ${r.method()} ${r.url()} ${r.failure()?.errorText}`);
  });
  page.on('response', (r) => {
    if (r.status() < 400) return;
    if (r.request().headers()['hx-request']) problems.push(`htmx ${r.request().method()} ${r.url()} answered ${r.status()}`);
    else if (options.anyErrorStatus) problems.push(`${r.request().method()} ${r.url()} answered ${r.status()}`);
  });
  return problems;
}

/** One person's browser window in a journey: its context, its page, what went wrong on it so far, and its text. */
export interface Window {
  context: BrowserContext;
  page: Page;
  problems: string[];
  body: () => Promise<string | null>;
}

/**
 * A fresh context and page at `width` px (900 high), with JavaScript on or off, recording its
 * problems (see `recordProblems`): by default any answer of 400 or more counts, `anyErrorStatus:
 * false` counts only refused htmx requests (for a journey that means to meet a plain 4xx page).
 */
export async function openWindow(browser: Browser, options: { javaScript: boolean; width: number; anyErrorStatus?: boolean }): Promise<Window> {
  const context = await browser.newContext({ javaScriptEnabled: options.javaScript, viewport: { width: options.width, height: 900 } });
  const page = await context.newPage();
  const problems = recordProblems(page, { anyErrorStatus: options.anyErrorStatus ?? true });
  return { context, page, problems, body: () => page.textContent('body') };
}

/** The problems are exactly the answers of 400 or more a step meant to provoke (a refused form, say), and nothing else; then starts the list afresh. */
export function expectProblems(problems: string[], expected: string[] = []): void {
  expect(problems).toEqual(expected);
  problems.length = 0;
}

/** The page is no wider than the window: nothing makes it scroll sideways. */
export async function noSidewaysScroll(page: Page): Promise<void> {
  const [scroll, client] = (await page.evaluate('[document.documentElement.scrollWidth, document.documentElement.clientWidth]')) as [number, number];
  expect(scroll).toBeLessThanOrEqual(client);
}

/** The text of the page's flash message (in main). */
export const flash = (page: Page) => page.locator('main .flash').textContent();
/** The text of the page's h1. */
export const heading = (page: Page) => page.locator('h1').textContent();

/**
 * The rows of a data table (the first `table.data` unless given) as a person reads them: each
 * cell's text as drawn (a line break is a space) under its column's data-label.
 */
export async function rowsOf(page: Page, table = page.locator('table.data').first()): Promise<Array<Record<string, string>>> {
  // Typed by hand: the project compiles without the DOM's types.
  type Cell = { getAttribute(name: string): string | null; innerText: string };
  return table.locator('tbody tr').evaluateAll((rows: Array<{ querySelectorAll(selector: string): ArrayLike<Cell> }>) =>
    rows.map((row) => Object.fromEntries(Array.from(row.querySelectorAll('td')).map((td) => [td.getAttribute('data-label') ?? '', td.innerText.replace(/\s+/g, ' ').trim()]))),
  );
}
