import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Router } from 'express';
import { publicDir } from '../../http/assets.ts';
import { render, viewsDir } from '../../http/render.ts';
import { pageInfo } from '../../http/table.ts';
import { contrastRatio } from '../../lib/contrast.ts';
import { msg } from '../../i18n/catalogue.ts';
import { translatorOf } from '../../i18n/negotiate.ts';

/**
 * /styleguide: every component of the design system (public/css/app.css) on one page, so new
 * features reuse them. Mounted only outside production (src/app.ts). The colours are read from the
 * stylesheet's custom properties and their contrast computed, so the page cannot drift from the CSS.
 */

/** Text on background pairs the interface uses: each must reach WCAG AA (4.5:1). */
export const TEXT_PAIRS: ReadonlyArray<readonly [string, string, string]> = [
  ['ink', 'paper', msg('Body text')],
  ['muted', 'paper', msg('Secondary text, hints')],
  ['muted', 'tint', msg('Secondary text on panels')],
  ['ink', 'tint', msg('Text on panels, table heads')],
  ['brand', 'paper', msg('Links')],
  ['paper', 'brand', msg('Primary button')],
  ['paper', 'brand-dark', msg('Primary button, hover')],
  ['brand-dark', 'brand-bg', msg('Info flash, draft pill')],
  ['ok', 'ok-bg', msg('Success flash, published pill')],
  ['warn', 'warn-bg', msg('Warning flash, pending pill')],
  ['bad', 'bad-bg', msg('Error flash, failed pill')],
  ['bad', 'paper', msg('Error text')],
  ['paper', 'bad', msg('Danger button')],
];

/** The stylesheet's colour tokens (`--name: #rrggbb;` in :root), in order. */
export function colourTokens(css = readFileSync(path.join(publicDir, 'css/app.css'), 'utf8')): Map<string, string> {
  const root = /:root\s*{([^}]*)}/.exec(css)?.[1] ?? '';
  return new Map([...root.matchAll(/--([\w-]+):\s*(#[0-9a-f]{6})\s*;/gi)].map((m) => [m[1]!, m[2]!.toLowerCase()]));
}

export function textContrasts(tokens = colourTokens()) {
  return TEXT_PAIRS.map(([fg, bg, use]) => {
    const foreground = tokens.get(fg);
    const background = tokens.get(bg);
    if (!foreground || !background) throw new Error(`app.css has no --${foreground ? bg : fg}`);
    const ratio = contrastRatio(foreground, background);
    return { fg, bg, use, foreground, background, ratio: ratio.toFixed(2), passes: ratio >= 4.5 };
  });
}

/** The icon set's names, from the sprite (views/components/_icons.eta). */
export function iconNames(): string[] {
  const sprite = readFileSync(path.join(viewsDir, 'components/_icons.eta'), 'utf8');
  return [...sprite.matchAll(/<symbol id="i-([\w-]+)"/g)].map((m) => m[1]!).filter((name) => name !== 'logo');
}

// Sample people (names are not translated); dates, progress and amounts are formatted in the reader's language.
const SAMPLE_ROWS = [
  { name: 'Amara Okafor', email: 'amara.okafor@example.com', status: 'Active', enrolled: '2026-11-03T12:00:00Z', done: 12, total: 12, amountCents: 4900 },
  { name: 'Dmitri Ivanov', email: 'dmitri@example.com', status: 'Pending', enrolled: '2026-11-21T12:00:00Z', done: 0, total: 12, amountCents: 4900 },
  { name: 'Lucía Fernández', email: 'lucia.fernandez@example.org', status: 'Cancelled', enrolled: '2026-11-27T12:00:00Z', done: 4, total: 12, amountCents: 124950 },
];

export function styleguideRoutes(): Router {
  const router = Router();
  router.get('/', (req, res) => {
    const query = { sort: req.query.sort === 'name' ? 'name' : 'enrolled', dir: req.query.dir === 'asc' ? 'asc' : 'desc' };
    render(res, 'styleguide/index', {
      title: translatorOf(res).t('Style guide'),
      contrasts: textContrasts(),
      tokens: [...colourTokens()],
      icons: iconNames(),
      rows: SAMPLE_ROWS,
      pageInfo: pageInfo('/styleguide', query, SAMPLE_ROWS.length),
      sampleErrors: { email: msg('Enter an email address like name@example.com.') },
    });
  });
  return router;
}
