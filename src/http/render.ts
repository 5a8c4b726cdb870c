import { fileURLToPath } from 'node:url';
import type { Request, Response } from 'express';
import { Eta } from 'eta';
import { DEFAULT_TIME_ZONE, utcToZonedInput } from '../lib/dates.ts';
import { localeOf } from '../i18n/negotiate.ts';
import { LOCALES, LOCALE_NAMES } from '../i18n/locales.ts';
import { tag, translatorFor, type Translator } from '../i18n/translator.ts';
import type { AssetManifest } from './assets.ts';
import { dataTable } from './table.ts';
import { takeFlash } from './flash.ts';

/**
 * Eta views. A page extends `layouts/app` (the only file with <html>); a fragment is a partial
 * `_name.eta` that the page includes and that htmx requests get alone.
 */

export const viewsDir = fileURLToPath(new URL('../../views', import.meta.url));

export type ViewRenderer = (view: string, data: Record<string, unknown>) => string;

export function createViewRenderer(options: { assets: AssetManifest; cache: boolean }): ViewRenderer {
  // Every template and partial can say t('…') and th('…') (i18n/translator.ts): the request's
  // translator, which render() puts in the data; `tag` builds th()'s links.
  const eta = new Eta({
    views: viewsDir,
    cache: options.cache,
    autoEscape: true,
    autoTrim: [false, 'nl'],
    functionHeader: 'const t = it.t, th = it.th, tag = it.tag;',
  });
  const english = translatorFor('en');
  const helpers = { asset: (name: string) => options.assets.url(name), dataTable, tag, t: english.t, th: english.th, i18n: english, locale: english.locale, dir: english.dir, languages: LOCALES.map((code) => ({ code, name: LOCALE_NAMES[code] })) };
  return (view, data) => eta.render(view, { ...helpers, ...data });
}

export function isHtmx(req: Request): boolean {
  return req.get('HX-Request') === 'true';
}

/** A page the browser fetches ahead on its own (link prefetching): nobody has looked at it yet. */
export function isPrefetch(req: Request): boolean {
  return /prefetch|prerender/i.test(`${req.get('Sec-Purpose') ?? ''} ${req.get('Purpose') ?? ''}`);
}

function isShownPage(req: Request): boolean {
  if (isHtmx(req)) return false;
  const dest = req.get('Sec-Fetch-Dest');
  if (dest && dest !== 'document') return false;
  return !isPrefetch(req);
}

/** Renders a view with the request's locals (current user, CSRF token, flash ...). */
export function render(res: Response, view: string, data: Record<string, unknown> = {}, status = 200): void {
  const renderView = res.app.locals.renderView as ViewRenderer;
  // Only a page a person is shown takes the pending flash: not a fragment, not an error answer, not
  // a subresource, and not a page the browser fetches ahead on its own (link prefetching).
  const taken = status < 400 && isShownPage(res.req) ? takeFlash(res.req) : undefined;
  const user = res.locals.user as { timeZone?: string; language?: string | null } | undefined;
  // The reader's language (i18n/negotiate.ts); an error answered before it was resolved still gets one.
  const tr = (res.locals.i18n as Translator | undefined) ?? translatorFor(localeOf(res.req, user));
  const i18n = { i18n: tr, t: tr.t, th: tr.th, locale: tr.locale, dir: tr.dir };
  // A flash is stored as its English message and values (http/flash.ts), and shown in the reader's language.
  const flash = taken ? { type: taken.type, message: tr.t(taken.message, taken.values) } : undefined;
  // Dates in views are the reader's: the signed-in user's zone, UTC for visitors (lib/dates.ts).
  const timeZone = user?.timeZone ?? DEFAULT_TIME_ZONE;
  const dates = {
    timeZone,
    formatDate: (value: Date | string) => tr.date(value, timeZone),
    formatDateTime: (value: Date | string) => tr.dateTime(value, timeZone),
    /** The value of <input type="datetime-local"> for a stored instant, on the reader's clock. */
    zonedInput: (value: Date | string | null) => (value ? utcToZonedInput(value, timeZone) : ''),
  };
  // Data saver (res.locals.dataSaver, from Save-Data for those who have not chosen) and the
  // language (Accept-Language, for those who have not chosen) shape pages.
  res.vary('Save-Data');
  res.vary('Accept-Language');
  res.set('Content-Language', tr.locale);
  res.status(status).type('html').send(renderView(view, { ...res.locals, ...i18n, ...(flash ? { flash } : {}), ...data, ...dates }));
}

/** The whole page for a normal request, or only its fragment for htmx. */
export function renderPageOrFragment(
  req: Request,
  res: Response,
  views: { page: string; fragment: string },
  data: Record<string, unknown> = {},
  status = 200,
): void {
  render(res, isHtmx(req) ? views.fragment : views.page, data, status);
}
