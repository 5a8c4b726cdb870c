/**
 * The languages Edupeak ships. English is the source language: every message in the code and the
 * templates is written in English and is its own key (see catalogue.ts); the other languages are
 * catalogues under locales/<language>/, checked complete by tests/i18n/catalogue.test.ts.
 */
export const LOCALES = ['en', 'es', 'ar'] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'en';

/** Each language's name in itself: the switcher shows "Español" to someone who cannot read "Spanish". */
export const LOCALE_NAMES: Record<Locale, string> = { en: 'English', es: 'Español', ar: 'العربية' };

/** Writing direction: Arabic pages are `dir="rtl"`, and the CSS (logical properties) mirrors. */
export const DIRECTIONS: Record<Locale, 'ltr' | 'rtl'> = { en: 'ltr', es: 'ltr', ar: 'rtl' };

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}
