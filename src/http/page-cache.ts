import type { Request, RequestHandler, Response } from 'express';
import { SESSION_COOKIE } from './session.ts';

/**
 * A few seconds of in-process memory for pages that are the same for every anonymous visitor (the
 * catalog). Measured (bench/results): rendering /courses costs its four queries and a template; an
 * answer from here costs neither.
 *
 * Safe by construction: only a GET, only for a visitor with no session cookie at all (so never a
 * signed-in user, never a pending flash message, never a CSRF token: anonymous pages carry none),
 * only a 200 answer that sets no cookie. The key is the whole URL (path and query string),
 * whether htmx asked (`HX-Request`, on which every answer varies) and whether data saver is on
 * (`Save-Data`, res.locals.dataSaver: video/data-saver.ts). Entries live `ttlMs`; at most
 * `maxEntries` are kept, the least recently used going first, so odd query strings cannot grow it.
 * Each instance has its own: a change shows everywhere within `ttlMs`.
 */

export interface PageCacheOptions {
  ttlMs: number;
  maxEntries: number;
  /** Whether this request may be answered from, and stored in, the cache (beyond the rules above). */
  cacheable?: (req: Request) => boolean;
  /** The clock (tests move it). */
  now?: () => number;
}

interface Entry {
  body: string;
  contentType: string;
  expires: number;
}

export class PageCache {
  private readonly entries = new Map<string, Entry>();
  constructor(private readonly options: Pick<PageCacheOptions, 'ttlMs' | 'maxEntries' | 'now'>) {}

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  get(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (entry.expires <= this.now()) return undefined;
    // Map keeps insertion order: re-inserting makes this the most recently used.
    this.entries.set(key, entry);
    return entry;
  }

  set(key: string, body: string, contentType: string): void {
    this.entries.delete(key);
    this.entries.set(key, { body, contentType, expires: this.now() + this.options.ttlMs });
    while (this.entries.size > this.options.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
  }
}

const SESSION_COOKIE_PATTERN = new RegExp(`(?:^|;\\s*)${SESSION_COOKIE.replace('.', '\\.')}=`);

/** No session of any kind: no cookie session (signed in, a flash, a stored token), no signed-in user. */
export function isAnonymous(req: Request, res: Response): boolean {
  if (res.locals.user || res.locals.csrfToken) return false;
  if (req.session?.flash) return false;
  return !SESSION_COOKIE_PATTERN.test(req.get('cookie') ?? '');
}

export function anonymousPageCache(options: PageCacheOptions): RequestHandler & { cache: PageCache } {
  const cache = new PageCache(options);
  const handler: RequestHandler = (req, res, next) => {
    if (req.method !== 'GET' || !isAnonymous(req, res) || (options.cacheable && !options.cacheable(req))) return next();
    // Data saver (Save-Data) changes the HTML (small images): each variant is its own entry.
    // So does the language (Accept-Language or the visitor's choice): each language its own entry.
    const key = `${req.get('HX-Request') === 'true' ? 'hx' : 'page'} ${res.locals.dataSaver ? 'saver' : 'full'} ${String(res.locals.locale ?? 'en')} ${req.originalUrl}`;
    const hit = cache.get(key);
    if (hit) {
      res.vary('Save-Data');
      res.vary('Accept-Language');
      res.set('Content-Language', String(res.locals.locale ?? 'en'));
      res.status(200).type(hit.contentType).send(hit.body);
      return;
    }
    const send = res.send.bind(res);
    res.send = ((body: unknown) => {
      if (res.statusCode === 200 && typeof body === 'string' && !res.getHeader('set-cookie')) {
        cache.set(key, body, String(res.getHeader('content-type') ?? 'text/html; charset=utf-8'));
      }
      return send(body);
    }) as Response['send'];
    next();
  };
  return Object.assign(handler, { cache });
}
