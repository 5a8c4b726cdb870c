/** Money is integer cents everywhere; only forms and pages use major units. */

// Building an Intl.NumberFormat costs far more than formatting with one (measured: 25-160 µs against
// 0.3-2 µs on a busy 2-core machine; a catalog page formats a dozen prices): one formatter per currency, made on first use.
const formatters = new Map<string, Intl.NumberFormat>();

function formatterFor(currency: string): Intl.NumberFormat {
  const code = currency.toUpperCase();
  let formatter = formatters.get(code);
  if (!formatter) {
    // Throws a RangeError for a malformed code before anything is cached, as before.
    formatter = new Intl.NumberFormat('en-US', { style: 'currency', currency: code });
    formatters.set(code, formatter);
  }
  return formatter;
}

/** An amount of money as it reads in a table or a total: "$0.00", "$19.99". */
export function formatAmount(cents: number, currency = 'usd'): string {
  return formatterFor(currency).format(cents / 100);
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
