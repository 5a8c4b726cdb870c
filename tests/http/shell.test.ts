import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { buildAssetManifest } from '../../src/http/assets.ts';
import { useTestApp } from '../setup/app.ts';
import { gzippedSize } from '../setup/budget.ts';

describe('app shell', () => {
  const t = useTestApp();
  const assets = buildAssetManifest();

  it('sends a CSP of our origin only, with no inline script or style', async () => {
    const res = await t.request().get('/').expect(200);
    const csp = res.headers['content-security-policy'];
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:/);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-powered-by']).toBeUndefined();
  });

  it('the layout has lang, landmarks, a skip link, one stylesheet, and no htmx on a page that does not use it', async () => {
    const res = await t.request().get('/').expect(200);
    expect(res.text).toMatch(/<html lang="en" dir="ltr">/);
    expect(res.text).toContain('<a class="skip-link" href="#main">');
    expect(res.text).toMatch(/<header[\s>]/);
    expect(res.text).toMatch(/<main id="main"/);
    expect(res.text).toMatch(/<footer[\s>]/);
    expect(res.text).toContain('name="viewport"');
    expect(res.text.match(/rel="stylesheet"/g)).toHaveLength(1);
    // htmx is loaded only by the pages that use it (tests/design/budget.test.ts checks where).
    expect(res.text).not.toContain('htmx.min');
    expect(res.text).not.toMatch(/<script>(?!<\/script>)|<style|style="/);
    expect(res.text).not.toMatch(/(src|href)="(https?:)?\/\//);
  });

  it('serves static files under content-hashed names, cached for a year', async () => {
    const url = assets.url('css/app.css');
    expect(url).toMatch(/^\/static\/css\/app\.[0-9a-f]{10}\.css$/);
    const res = await t.request().get(url).expect(200);
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(res.headers['content-type']).toMatch(/text\/css/);
    await t.request().get('/static/css/app.css').expect(404);
    await t.request().get('/static/css/app.0000000000.css').expect(404);
  });

  it('serves htmx 2 from our own origin', async () => {
    const res = await t.request().get(assets.url('js/htmx.min.js')).expect(200);
    expect(res.headers['content-type']).toMatch(/javascript/);
    expect(res.text).toContain('2.0.');
  });

  it('compresses pages', async () => {
    const res = await t.request().get('/').set('Accept-Encoding', 'gzip').expect(200);
    expect(res.headers['content-encoding']).toBe('gzip');
  });

  it('keeps CSS within 10 KB gzipped and our own JavaScript within 3 KB', () => {
    let css = 0;
    let ownJs = 0;
    for (const { name, file } of assets.entries()) {
      if (name.endsWith('.css')) css += gzippedSize(readFileSync(file));
      if (name.endsWith('.js') && name !== 'js/htmx.min.js') ownJs += gzippedSize(readFileSync(file));
    }
    expect(css).toBeLessThanOrEqual(10 * 1024);
    expect(ownJs).toBeLessThanOrEqual(3 * 1024);
  });
});
