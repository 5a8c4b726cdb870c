import type { BrowserContextOptions, Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { designFixture } from '../design/fixture.ts';
import { useTestApp } from '../setup/app.ts';
import { skipWithoutBrowser, useBrowser } from '../setup/browser.ts';

/**
 * Issue 21: the stylesheet is written with logical properties (margin-inline-start, text-align:
 * start, border-inline-start …), so an Arabic page (<html lang="ar" dir="rtl">) mirrors: the brand
 * and the nav start at the right, the main text starts at the right, a table's first column is the
 * rightmost, and the page still never scrolls sideways on a 360 px phone. English is unchanged.
 * And prefers-reduced-motion: with it, nothing on a page transitions or animates.
 */

/** Where things sit, measured in the page (a string: the project compiles without DOM types). */
const GEOMETRY = `(() => {
  const box = (sel) => { const el = document.querySelector(sel); if (!el) return null; const r = el.getBoundingClientRect(); return { left: r.left, right: r.right }; };
  const h1 = document.querySelector('main h1');
  const ths = [...document.querySelectorAll('table.data thead th')].map((th) => th.getBoundingClientRect());
  return {
    width: document.documentElement.clientWidth,
    scrollWidth: document.documentElement.scrollWidth,
    dir: getComputedStyle(document.body).direction,
    brand: box('.brand'),
    links: box('.nav-links'),
    main: box('main'),
    h1: h1 ? (() => { const range = document.createRange(); range.selectNodeContents(h1); const r = range.getClientRects()[0]; return { left: r.left, right: r.right }; })() : null,
    h1Align: h1 ? getComputedStyle(h1).textAlign : null,
    firstTh: ths[0] ? { left: ths[0].left, right: ths[0].right } : null,
    lastTh: ths.length > 1 ? { left: ths[ths.length - 1].left, right: ths[ths.length - 1].right } : null,
  };
})()`;

interface Geometry {
  width: number;
  scrollWidth: number;
  dir: string;
  brand: { left: number; right: number } | null;
  links: { left: number; right: number } | null;
  main: { left: number; right: number };
  h1: { left: number; right: number } | null;
  h1Align: string | null;
  firstTh: { left: number; right: number } | null;
  lastTh: { left: number; right: number } | null;
}

describe.skipIf(skipWithoutBrowser)('right to left in Arabic, and reduced motion', () => {
  const t = useTestApp();
  const b = useBrowser(() => t.app);
  let teacher: BrowserContextOptions['storageState'];
  let paths: Awaited<ReturnType<typeof designFixture>>['paths'];

  beforeAll(async () => {
    const f = await designFixture(t.db);
    paths = f.paths;
    const context = await b.browser.newContext();
    const page = await context.newPage();
    await page.goto(b.url + '/auth/login');
    await page.locator('#f-email').fill(f.teacher.email);
    await page.locator('#f-password').fill(f.teacher.password);
    await page.locator('main form button[type="submit"]').click();
    await page.locator('header a[href="/account"]').waitFor({ timeout: 15_000 });
    teacher = await context.storageState();
    await context.close();
  });

  async function measure(page: Page, path: string): Promise<Geometry> {
    const res = await page.goto(b.url + path);
    expect(res?.status(), path).toBe(200);
    return (await page.evaluate(GEOMETRY)) as Geometry;
  }

  for (const width of [360, 1280]) {
    it(`at ${width} px: Arabic mirrors (brand, nav, text and a table's first column at the right), English does not`, { timeout: 60_000 }, async () => {
      for (const language of ['ar', 'en'] as const) {
        const rtl = language === 'ar';
        const context = await b.browser.newContext({ viewport: { width, height: 800 }, locale: language, storageState: teacher });
        const page = await context.newPage();
        for (const path of ['/courses', paths.students, '/teach']) {
          const g = await measure(page, path);
          const what = `${language} ${path} at ${width}px`;
          expect(await page.getAttribute('html', 'dir'), what).toBe(rtl ? 'rtl' : 'ltr');
          expect(g.dir, what).toBe(rtl ? 'rtl' : 'ltr');
          expect(g.scrollWidth, `${what}: no sideways scrolling`).toBeLessThanOrEqual(g.width);
          // The brand starts the header: at the right edge of the content in Arabic, the left in English.
          const edge = 16 + 1; // the .wrap's padding, and a pixel of rounding
          if (rtl) expect(g.width - g.brand!.right, `${what}: brand at the right`).toBeLessThanOrEqual(Math.max(edge, (g.width - 70 * 16) / 2 + edge));
          else expect(g.brand!.left, `${what}: brand at the left`).toBeLessThanOrEqual(Math.max(edge, (g.width - 70 * 16) / 2 + edge));
          // The nav's links follow the brand: to its left in Arabic (or under it on a phone, starting at the right).
          if (g.links!.right <= g.brand!.left + 1 || g.links!.left >= g.brand!.right - 1) {
            expect(rtl ? g.links!.right <= g.brand!.left + 1 : g.links!.left >= g.brand!.right - 1, `${what}: links after the brand`).toBe(true);
          }
          // The heading's text starts at the right in Arabic.
          expect(g.h1Align, what).toBe('start');
          if (rtl) expect(g.main.right - g.h1!.right, `${what}: heading at the right`).toBeLessThanOrEqual(edge + 1);
          else expect(g.h1!.left - g.main.left, `${what}: heading at the left`).toBeLessThanOrEqual(edge + 1);
        }
        // A table at desktop width (on a phone it is a list of cards): its first column is the rightmost in Arabic.
        if (width === 1280) {
          const g = await measure(page, paths.students);
          expect(g.firstTh && g.lastTh, 'the students table').toBeTruthy();
          if (rtl) expect(g.firstTh!.left).toBeGreaterThan(g.lastTh!.right - 1);
          else expect(g.firstTh!.right).toBeLessThan(g.lastTh!.left + 1);
          // The back link's arrow (← the course) points the way back: to the right in Arabic.
          const arrow = await page.evaluate("getComputedStyle(document.querySelector('main .arrow')).transform");
          expect(arrow, `${language} back arrow`).toBe(rtl ? 'matrix(-1, 0, 0, 1, 0, 0)' : 'none');
        }
        await context.close();
      }
    });
  }

  it('the skip link appears at the start edge: top right in Arabic', { timeout: 30_000 }, async () => {
    for (const language of ['ar', 'en'] as const) {
      const context = await b.browser.newContext({ viewport: { width: 360, height: 800 }, locale: language });
      const page = await context.newPage();
      await page.goto(b.url + '/courses');
      await page.keyboard.press('Tab');
      const r = (await page.locator('.skip-link').boundingBox())!;
      expect(r.y, language).toBeGreaterThanOrEqual(0);
      if (language === 'ar') expect(360 - (r.x + r.width)).toBeLessThan(20);
      else expect(r.x).toBeLessThan(20);
      await context.close();
    }
  });

  it('prefers-reduced-motion: reduce turns transitions and animations off; without it the htmx indicator fades', { timeout: 60_000 }, async () => {
    // Every element of a few pages, and an htmx indicator mid-request (the stylesheet's one transition).
    const MOTION = `(() => {
      const probe = document.createElement('span');
      probe.className = 'htmx-request htmx-indicator';
      probe.textContent = '…';
      document.body.append(probe);
      const moving = [];
      for (const el of document.querySelectorAll('*')) {
        for (const pseudo of [null, '::before', '::after']) {
          const s = getComputedStyle(el, pseudo);
          const longest = (v) => Math.max(...v.split(',').map((x) => parseFloat(x) || 0));
          if (longest(s.transitionDuration) > 0 || (s.animationName !== 'none' && longest(s.animationDuration) > 0)) moving.push(el.tagName.toLowerCase() + '.' + (el.getAttribute('class') || '') + (pseudo || ''));
        }
      }
      const smooth = getComputedStyle(document.documentElement).scrollBehavior;
      probe.remove();
      return { moving, smooth };
    })()`;
    for (const reduce of [true, false]) {
      const context = await b.browser.newContext({ viewport: { width: 1280, height: 800 }, storageState: teacher });
      const page = await context.newPage();
      await page.emulateMedia({ reducedMotion: reduce ? 'reduce' : 'no-preference' });
      for (const path of ['/courses', paths.editor, paths.lesson.replace(/^\/learn\/[^/]+\/lessons\//, '/teach/lessons/')]) {
        await page.goto(b.url + path);
        const { moving, smooth } = (await page.evaluate(MOTION)) as { moving: string[]; smooth: string };
        if (reduce) {
          expect(moving, `${path} with reduced motion`).toEqual([]);
          expect(smooth).toBe('auto');
        } else {
          expect(moving, `${path}: the check sees the indicator's fade`).toContain('span.htmx-request htmx-indicator');
        }
      }
      await context.close();
    }
  });
});
