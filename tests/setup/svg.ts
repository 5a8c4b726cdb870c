import { expect } from 'vitest';

/**
 * Every chart <svg> on a page (views/components/_chart.eta), checked as a screen reader and the CSP
 * need it: role="img", named by aria-labelledby's two ids (a <title> and a <desc> with words in it,
 * each id once on the page), nothing that runs or styles (no <script>, <style>, style= or on*=
 * attribute, no javascript:), every element closed in order, and geometry rounded (no long
 * decimals: bytes on a slow link). Returns how many charts the page has.
 */
export function expectAccessibleCharts(html: string): number {
  const svgs = [...html.matchAll(/<svg class="chart-[\s\S]*?<\/svg>/g)].map((m) => m[0]);
  for (const svg of svgs) {
    const open = /^<svg[^>]*>/.exec(svg)![0];
    expect(open).toContain('role="img"');
    const ids = /aria-labelledby="([^"]+)"/.exec(open)![1]!.split(' ');
    expect(ids).toHaveLength(2);
    for (const id of ids) expect(html.split(`id="${id}"`).length - 1, `one element with id ${id}`).toBe(1);
    expect(svg).toMatch(new RegExp(`<title id="${ids[0]}">[^<]+</title>`));
    expect(svg).toMatch(new RegExp(`<desc id="${ids[1]}">[^<]{10,}</desc>`));
    expect(svg).not.toMatch(/<script|<style|javascript:/i);
    // In the tags only: a title may well read "onerror=", escaped.
    for (const tag of svg.match(/<[a-zA-Z][^>]*>/g)!) expect(tag).not.toMatch(/\s(on[a-z]+|style)=/i);
    expect(unbalanced(svg), svg.slice(0, 200)).toBe('');
    expect(svg).not.toMatch(/\s(?:x|y|x1|x2|y1|y2|cx|cy|width|height|d)="[^"]*\d\.\d{2,}/);
  }
  const allIds = [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
  expect(new Set(allIds).size, 'ids unique on the page').toBe(allIds.length);
  return svgs.length;
}

const TAG = /<(\/?)([a-zA-Z][\w:-]*)((?:\s+[\w:-]+="[^"<>]*")*)\s*(\/?)>/g;

/** What is wrong with the markup's nesting ('' when nothing): every tag well formed (quoted attributes), closed in order. */
function unbalanced(markup: string): string {
  const stack: string[] = [];
  for (const [, closing, name, , selfClosing] of markup.matchAll(TAG)) {
    if (selfClosing) continue;
    if (!closing) {
      stack.push(name!);
      continue;
    }
    const open = stack.pop();
    if (open !== name) return `</${name}> closes <${open ?? 'nothing'}>`;
  }
  // Any "<" left that is not part of a well-formed tag (an attribute without quotes, a stray bracket).
  if (markup.replace(TAG, '').includes('<')) return 'a malformed tag';
  return stack.length ? `<${stack.join('> <')}> left open` : '';
}
