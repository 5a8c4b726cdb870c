import { describe, expect, it } from 'vitest';
import { IN_OTHER_LANGUAGES, useAxeWalk } from '../design/axe.ts';
import { skipWithoutBrowser } from '../setup/browser.ts';

/** The axe walk on a desktop (tests/design/axe.ts says what it checks), Arabic on a phone, and a check that the checks work. */
describe.skipIf(skipWithoutBrowser)('axe-core: WCAG 2.1 A and AA on every page type, every role, at 1280 px', () => {
  const axe = useAxeWalk();

  it('every page type at 1280 px', { timeout: 600_000 }, async () => {
    expect(await axe.walkRoles({ width: 1280 })).toEqual([]);
  });

  it('a dozen page types and the refused forms in Arabic at 360 px', { timeout: 300_000 }, async () => {
    expect(await axe.walkRoles({ width: 360, locale: 'ar', only: IN_OTHER_LANGUAGES })).toEqual([]);
  });

  it('the checks catch what they look for: an unlabelled field, faint text, a table without caption, a chart without its numbers', async () => {
    const context = await axe.browser().newContext({ viewport: { width: 360, height: 800 } });
    const page = await context.newPage();
    await page.setContent(
      '<!doctype html><html lang="en"><head><title>Bad</title></head><body><main><h1>Bad</h1>' +
        '<input type="text"><p style="color:#bbb;background:#fff">faint</p>' +
        '<table><tr><th>a</th></tr><tr><td>1</td></tr></table>' +
        '<figure class="chart" id="c"><svg role="img"><title>T</title><desc>D</desc><g class="chart-series"><path d="M0 0"/></g></svg></figure>' +
        '</main></body></html>',
    );
    const found = (await axe.problemsOf(page)).map((p) => p.split(' ')[0]);
    await context.close();
    expect(found).toEqual(expect.arrayContaining(['color-contrast', 'label', 'table-caption:', 'chart-numbers:']));
  });
});
