import type { Request, RequestHandler, Response } from 'express';
import { cookieValue } from '../http/cookies.ts';
import { DEFAULT_LOCALE, isLocale, LOCALES, type Locale } from './locales.ts';
import { translatorFor, type Translator } from './translator.ts';

/** A visitor's choice from the footer's switcher (a signed-in person's is user.language). */
export const LANGUAGE_COOKIE = 'edupeak.lang';

/**
 * The language of this request: the signed-in person's choice (user.language), else the
 * visitor's choice (the cookie the footer's switcher sets), else the browser's Accept-Language
 * among the languages we ship ("es-MX" reads Spanish), else English.
 */
export function localeOf(req: Request, user?: { language?: string | null }): Locale {
  if (isLocale(user?.language)) return user.language;
  const chosen = cookieValue(req, LANGUAGE_COOKIE);
  if (isLocale(chosen)) return chosen;
  if (!req.get('Accept-Language')) return DEFAULT_LOCALE;
  const accepted = req.acceptsLanguages(...LOCALES);
  return isLocale(accepted) ? accepted : DEFAULT_LOCALE;
}

/**
 * Puts the request's translator in res.locals (after loadCurrentUser): `locale`, `dir`, and `t`,
 * `th`, `i18n` for every view (layouts, partials, htmx fragments, error pages). Every answer that
 * depends on it varies on Accept-Language (render.ts and the anonymous page cache, which keys on
 * the language).
 */
export const resolveLocale: RequestHandler = (req, res, next) => {
  const tr = translatorFor(localeOf(req, res.locals.user as { language?: string | null } | undefined));
  res.locals.locale = tr.locale;
  res.locals.dir = tr.dir;
  res.locals.i18n = tr;
  res.locals.t = tr.t;
  res.locals.th = tr.th;
  // Where the footer's switcher returns to (a page, never a form's POST target).
  res.locals.currentPath = req.method === 'GET' && req.get('HX-Request') !== 'true' ? req.originalUrl : '/';
  next();
};

/** The request's translator (English before resolveLocale has run: an early error page). */
export function translatorOf(res: Response): Translator {
  return (res.locals.i18n as Translator | undefined) ?? translatorFor(DEFAULT_LOCALE);
}
