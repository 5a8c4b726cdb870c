import { describe, expect, it } from 'vitest';
import { formatAmount, formatPrice, parsePrice } from '../../src/lib/money.ts';

describe('money', () => {
  it('a price of nothing reads "Free"; an amount of nothing reads "$0.00"', () => {
    expect(formatPrice(0)).toBe('Free');
    expect(formatPrice(1999)).toBe('$19.99');
    expect(formatAmount(0)).toBe('$0.00');
    expect(formatAmount(1999, 'eur')).toBe('€19.99');
  });

  it('formats the same with its cached formatters, whatever the order of currencies and calls', () => {
    const fresh = (cents: number, currency: string) => new Intl.NumberFormat('en-US', { style: 'currency', currency: currency.toUpperCase() }).format(cents / 100);
    const cases: Array<[number, string]> = [
      [1999, 'usd'],
      [5, 'eur'],
      [123456789, 'usd'],
      [1999, 'USD'],
      [50, 'jpy'],
      [1, 'gbp'],
      [1999, 'eur'],
    ];
    for (let round = 0; round < 2; round++) {
      for (const [cents, currency] of cases) expect(formatAmount(cents, currency)).toBe(fresh(cents, currency));
    }
    expect(formatAmount(123456789)).toBe('$1,234,567.89');
    expect(formatPrice(1999, 'eur')).toBe('€19.99');
    // A malformed currency code is still refused, and caches nothing that would hide the next refusal.
    expect(() => formatAmount(100, 'us')).toThrow(RangeError);
    expect(() => formatAmount(100, 'us')).toThrow(RangeError);
  });

  it('parses what people type in a price field', () => {
    expect(parsePrice('19.99')).toBe(1999);
    expect(parsePrice('19,9')).toBe(1990);
    expect(parsePrice(' 7 ')).toBe(700);
    expect(parsePrice('-1')).toBeUndefined();
    expect(parsePrice('1.999')).toBeUndefined();
  });
});
