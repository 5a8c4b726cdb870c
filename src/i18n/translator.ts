import { formatBytes, scaleBytes } from '../lib/bytes.ts';
import { DEFAULT_TIME_ZONE, formatDate, formatDateTime } from '../lib/dates.ts';
import { formatAmount } from '../lib/money.ts';
import { catalogueOf, compile } from './catalogue.ts';
import { DEFAULT_LOCALE, DIRECTIONS, isLocale, type Locale } from './locales.ts';

/** Values for a message's {placeholders}: text and numbers; dates for {at, date, medium}. */
export type MessageValues = Record<string, string | number | Date | null | undefined>;
/** A rich message's tags (<a>…</a>): each gets its content, already HTML-escaped, and returns HTML. */
export type MessageTags = Record<string, (content: string) => string>;

export interface Translator {
  readonly locale: Locale;
  readonly dir: 'ltr' | 'rtl';
  /** The message in this language, as text (escape it in HTML: `<%= t('…') %>`). */
  t(message: string, values?: MessageValues): string;
  /**
   * The message as HTML, for a sentence with markup inside it (`<%~ th('Read <a>the guide</a>.', {}, { a: tag('a', { href }) }) %>`):
   * the values are escaped, and each tag's content is rendered by its function. Never split a sentence around a link instead.
   */
  th(message: string, values?: MessageValues, tags?: MessageTags): string;
  /** "27 Nov 2026" in English, "27 nov 2026" in Spanish, in the reader's zone. */
  date(value: Date | string, timeZone?: string): string;
  dateTime(value: Date | string, timeZone?: string): string;
  number(value: number, options?: Intl.NumberFormatOptions): string;
  /** Integer cents as money: "$19.99", "19,99 US$". */
  money(cents: number, currency?: string): string;
  /** A course's price: "Free" (translated) for nothing, else the amount. */
  price(cents: number, currency?: string): string;
  /** "12.4 MB", with this language's digits and separators. */
  bytes(bytes: number): string;
  /** A length in minutes: "45 min", "1 h 30 min" (lib/dates.ts formatDuration), in this language. */
  duration(minutes: number): string;
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (value: unknown): string => String(value).replace(/[&<>"']/g, (c) => ESCAPES[c]!);

/** A tag renderer for th(): `tag('a', { href: '/help' })` gives `<a href="/help">…</a>`, attributes escaped. */
export function tag(name: string, attributes: Record<string, string | number | boolean | undefined> = {}): (content: string) => string {
  const attrs = Object.entries(attributes)
    .filter(([, v]) => v !== undefined && v !== false)
    .map(([k, v]) => (v === true ? ` ${k}` : ` ${k}="${escapeHtml(v)}"`))
    .join('');
  return (content) => `<${name}${attrs}>${content}</${name}>`;
}

// Where a message or its values are wrong (a translation names a placeholder the code does not
// pass), the page still renders: the message's own text, and one warning per message.
const warned = new Set<string>();
let warn: (message: string, error: unknown) => void = (message, error) => {
  if (warned.has(message)) return;
  warned.add(message);
  process.emitWarning(`i18n: could not format "${message}": ${(error as Error).message}`);
};
export function onFormatError(handler: (message: string, error: unknown) => void): void {
  warn = handler;
}

const hasSyntax = (text: string) => /[{}<']/.test(text);

function makeTranslator(locale: Locale): Translator {
  const catalogue = catalogueOf(locale);
  const numberFormats = new Map<string, Intl.NumberFormat>();
  const numberFormat = (options?: Intl.NumberFormatOptions) => {
    const key = JSON.stringify(options ?? {});
    let f = numberFormats.get(key);
    if (!f) numberFormats.set(key, (f = new Intl.NumberFormat(locale, options)));
    return f;
  };
  const t: Translator['t'] = (message, values) => {
    const text = catalogue.get(message) ?? message;
    // Most messages are plain sentences: no parse, no format.
    if (!values && !hasSyntax(text)) return text;
    try {
      return String(compile(locale, text, false).format(values as Record<string, string | number | Date>));
    } catch (error) {
      warn(message, error);
      return text;
    }
  };
  const th: Translator['th'] = (message, values = {}, tags = {}) => {
    const text = catalogue.get(message) ?? message;
    const escaped: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(values)) escaped[k] = typeof v === 'string' ? escapeHtml(v) : v;
    for (const [k, render] of Object.entries(tags)) escaped[k] = (chunks: unknown[]) => render(chunks.join(''));
    try {
      const out = compile(locale, text, true).format(escaped as Record<string, string>);
      return Array.isArray(out) ? out.join('') : String(out);
    } catch (error) {
      warn(message, error);
      return escapeHtml(text);
    }
  };
  return {
    locale,
    dir: DIRECTIONS[locale],
    t,
    th,
    date: (value, timeZone = DEFAULT_TIME_ZONE) => formatDate(value, timeZone, locale),
    dateTime: (value, timeZone = DEFAULT_TIME_ZONE) => formatDateTime(value, timeZone, locale),
    number: (value, options) => numberFormat(options).format(value),
    money: (cents, currency = 'usd') => formatAmount(cents, currency, locale),
    price: (cents, currency = 'usd') => (cents === 0 ? t('Free') : formatAmount(cents, currency, locale)),
    bytes: (bytes) => (locale === DEFAULT_LOCALE ? formatBytes(bytes) : localBytes(bytes, numberFormat, t)),
    duration: (minutes) => {
      const hours = Math.floor(minutes / 60);
      const rest = minutes % 60;
      if (hours === 0) return t('{minutes} min', { minutes: rest });
      return rest === 0 ? t('{hours} h', { hours }) : t('{hours} h {minutes} min', { hours, minutes: rest });
    },
  };
}

function localBytes(bytes: number, numberFormat: (o?: Intl.NumberFormatOptions) => Intl.NumberFormat, t: Translator['t']): string {
  if (bytes < 1000) return t('{count, plural, one {# byte} other {# bytes}}', { count: bytes });
  const { value, unit, digits } = scaleBytes(bytes);
  return `${numberFormat({ minimumFractionDigits: digits, maximumFractionDigits: digits }).format(value)} ${unit}`;
}

const translators = new Map<Locale, Translator>();

/** The translator for a language (one per language, kept): English for anything not shipped. */
export function translatorFor(locale: string | null | undefined): Translator {
  const l: Locale = isLocale(locale) ? locale : DEFAULT_LOCALE;
  let tr = translators.get(l);
  if (!tr) translators.set(l, (tr = makeTranslator(l)));
  return tr;
}
