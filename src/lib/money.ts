/** Money is integer cents everywhere; only forms and pages use major units. */

// Building an Intl.NumberFormat costs far more than formatting with one (measured: 25-160 µs against
// 0.3-2 µs on a busy 2-core machine; a catalog page formats a dozen prices): one formatter per currency, made on first use.
const formatters = new Map<string, Intl.NumberFormat>();

function formatterFor(currency: string, locale: string): Intl.NumberFormat {
  const code = currency.toUpperCase();
  // English reads "$19.99" (en-US); Spanish "19,99 US$", Arabic with its own digits: Intl knows each.
  const tag = locale === 'en' ? 'en-US' : locale;
  const key = `${tag}|${code}`;
  let formatter = formatters.get(key);
  if (!formatter) {
    // Throws a RangeError for a malformed code before anything is cached, as before.
    formatter = new Intl.NumberFormat(tag, { style: 'currency', currency: code });
    formatters.set(key, formatter);
  }
  return formatter;
}

/** An amount of money as it reads in a table or a total: "$0.00", "$19.99" (in English). */
export function formatAmount(cents: number, currency = 'usd', locale = 'en'): string {
  return formatterFor(currency, locale).format(cents / 100);
}

/** A course's price: "Free" for nothing, else the amount. */
export function formatPrice(cents: number, currency = 'usd'): string {
  return cents === 0 ? 'Free' : formatAmount(cents, currency);
}

/** "19.99" -> 1999; undefined for anything that is not a non-negative amount with at most 2 decimals. */
export function parsePrice(input: string): number | undefined {
  const match = /^\s*(\d{1,7})(?:[.,](\d{1,2}))?\s*$/.exec(input);
  if (!match) return undefined;
  return Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
}
