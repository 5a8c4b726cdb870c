import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { IntlMessageFormat } from 'intl-messageformat';
import { DEFAULT_LOCALE, LOCALES, type Locale } from './locales.ts';

/**
 * The message catalogue. Messages are ICU MessageFormat (plurals, selects, numbers), written in
 * English where they are used, and the English text is the key (gettext's and FormatJS's way):
 * templates stay readable, and there is no key to invent or to keep in step with its English.
 * Each other language has `locales/<language>/<area>.json`, flat objects from the English message
 * to its translation, read once at start-up (all areas of a language merged).
 *
 * A message missing from a catalogue falls back to English, so a page never fails for want of a
 * translation; tests/i18n/catalogue.test.ts fails the build instead.
 */

export const localesDir = fileURLToPath(new URL('../../locales', import.meta.url));

export type Catalogue = ReadonlyMap<string, string>;

/** Every `locales/<locale>/*.json` merged; English has none (its messages are their own keys). */
export function readCatalogue(locale: Locale, dir = localesDir): Map<string, string> {
  const messages = new Map<string, string>();
  if (locale === DEFAULT_LOCALE) return messages;
  let files: string[] = [];
  try {
    files = readdirSync(path.join(dir, locale)).filter((f) => f.endsWith('.json')).sort();
  } catch {
    return messages;
  }
  for (const file of files) {
    const entries = JSON.parse(readFileSync(path.join(dir, locale, file), 'utf8')) as Record<string, unknown>;
    for (const [source, translation] of Object.entries(entries)) {
      if (typeof translation === 'string' && translation !== '') messages.set(source, translation);
    }
  }
  return messages;
}

const catalogues = new Map<Locale, Catalogue>(LOCALES.map((locale) => [locale, readCatalogue(locale)]));

export function catalogueOf(locale: Locale): Catalogue {
  return catalogues.get(locale)!;
}

/**
 * Marks a message for the catalogue where it is defined but translated elsewhere (a zod message,
 * an error thrown by a service, a flash): `msg('Choose a course.')` is the string itself, and the
 * place that shows it passes it through `t()`. The catalogue test reads `msg('...')` as well as
 * `t('...')`, so such a message cannot be missed by a translation.
 */
export const msg = (message: string): string => message;

const compiled = new Map<string, IntlMessageFormat>();

/** One compiled format per language, message and mode, made on first use and kept. */
export function compile(locale: Locale, message: string, rich: boolean): IntlMessageFormat {
  const key = `${locale}\u0000${rich ? 1 : 0}\u0000${message}`;
  let format = compiled.get(key);
  if (!format) {
    // Plain messages (t) read `<` as text; rich ones (th) read <a>…</a> as tags the caller renders.
    format = new IntlMessageFormat(message, locale, undefined, { ignoreTag: !rich });
    compiled.set(key, format);
  }
  return format;
}
