import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Router } from 'express';
import { publicDir } from '../../http/assets.ts';
import { render, viewsDir } from '../../http/render.ts';
import { pageInfo } from '../../http/table.ts';
import { contrastRatio } from '../../lib/contrast.ts';

/**
 * /styleguide: every component of the design system (public/css/app.css) on one page, so new
 * features reuse them. Mounted only outside production (src/app.ts). The colours are read from the
 * stylesheet's custom properties and their contrast computed, so the page cannot drift from the CSS.
 */

/** Text on background pairs the interface uses: each must reach WCAG AA (4.5:1). */
export const TEXT_PAIRS: ReadonlyArray<readonly [string, string, string]> = [
  ['ink', 'paper', 'Body text'],
  ['muted', 'paper', 'Secondary text, hints'],
  ['muted', 'tint', 'Secondary text on panels'],
  ['ink', 'tint', 'Text on panels, table heads'],
  ['brand', 'paper', 'Links'],
  ['paper', 'brand', 'Primary button'],
  ['paper', 'brand-dark', 'Primary button, hover'],
  ['brand-dark', 'brand-bg', 'Info flash, draft pill'],
  ['ok', 'ok-bg', 'Success flash, published pill'],
  ['warn', 'warn-bg', 'Warning flash, pending pill'],
  ['bad', 'bad-bg', 'Error flash, failed pill'],
  ['bad', 'paper', 'Error text'],
  ['paper', 'bad', 'Danger button'],
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

const SAMPLE_ROWS = [
  { name: 'Amara Okafor', email: 'amara.okafor@example.com', status: 'Active', enrolled: '3 Nov 2026', progress: '12 / 12 (100%)', amount: '$49.00' },
  { name: 'Dmitri Ivanov', email: 'dmitri@example.com', status: 'Pending', enrolled: '21 Nov 2026', progress: '0 / 12 (0%)', amount: '$49.00' },
  { name: 'Lucía Fernández', email: 'lucia.fernandez@example.org', status: 'Cancelled', enrolled: '27 Nov 2026', progress: '4 / 12 (33%)', amount: '$1,249.50' },
];

export function styleguideRoutes(): Router {
  const router = Router();
  router.get('/', (req, res) => {
    const query = { sort: req.query.sort === 'name' ? 'name' : 'enrolled', dir: req.query.dir === 'asc' ? 'asc' : 'desc' };
    render(res, 'styleguide/index', {
      title: 'Style guide',
      contrasts: textContrasts(),
      tokens: [...colourTokens()],
      icons: iconNames(),
      rows: SAMPLE_ROWS,
      pageInfo: pageInfo('/styleguide', query, SAMPLE_ROWS.length),
      sampleErrors: { email: 'Enter an email address like name@example.com.' },
    });
  });
  return router;
}
