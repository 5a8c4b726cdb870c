import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RequestHandler } from 'express';

/**
 * Static files under content-hashed names (`/static/css/app.3f2a9c1b7d.css`), so they can be cached
 * for a year: a changed file gets a new name. The manifest is built once at start-up.
 */

const root = fileURLToPath(new URL('../../', import.meta.url));
export const publicDir = path.join(root, 'public');
const require = (p: string) => path.join(root, 'node_modules', p);

// Files served from node_modules under our own origin (no third-party requests, ever).
const vendored: Record<string, string> = {
  'js/htmx.min.js': require('htmx.org/dist/htmx.min.js'),
};

export interface AssetManifest {
  /** Logical name ('css/app.css') -> public URL ('/static/css/app.<hash>.css'). */
  url(name: string): string;
  /** Public URL -> absolute file path, for serving. */
  fileFor(url: string): string | undefined;
  /** Every asset: logical name, public URL and file. */
  entries(): Array<{ name: string; url: string; file: string }>;
}

function walk(dir: string, prefix = ''): Array<[string, string]> {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry): Array<[string, string]> => {
    const logical = prefix ? `${prefix}/${entry.name}` : entry.name;
    const absolute = path.join(dir, entry.name);
    return entry.isDirectory() ? walk(absolute, logical) : [[logical, absolute]];
  });
}

export function buildAssetManifest(dir = publicDir): AssetManifest {
  const byName = new Map<string, string>();
  const byUrl = new Map<string, string>();
  for (const [logical, absolute] of [...walk(dir), ...Object.entries(vendored)]) {
    const hash = createHash('sha256').update(readFileSync(absolute)).digest('hex').slice(0, 10);
    const ext = path.extname(logical);
    const url = `/static/${logical.slice(0, logical.length - ext.length)}.${hash}${ext}`;
    byName.set(logical, url);
    byUrl.set(url, absolute);
  }
  return {
    url(name) {
      const url = byName.get(name);
      if (!url) throw new Error(`unknown asset ${name}`);
      return url;
    },
    fileFor: (url) => byUrl.get(url),
    entries: () => [...byName].map(([name, url]) => ({ name, url, file: byUrl.get(url)! })),
  };
}

const YEAR_SECONDS = 365 * 24 * 60 * 60;

export function serveAssets(manifest: AssetManifest): RequestHandler {
  return (req, res, next) => {
    const file = manifest.fileFor(req.path);
    if (!file || (req.method !== 'GET' && req.method !== 'HEAD')) return next();
    res.setHeader('Cache-Control', `public, max-age=${YEAR_SECONDS}, immutable`);
    res.sendFile(file, { lastModified: false, etag: false, cacheControl: false }, (error) => {
      if (error && !res.headersSent) next(error);
    });
  };
}
