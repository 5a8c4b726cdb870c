import { describe, expect, it } from 'vitest';
import { formatAmount, formatPrice, parsePrice } from '../../src/lib/money.ts';

describe('money', () => {
  it('a price of nothing reads "Free"; an amount of nothing reads "$0.00"', () => {
    expect(formatPrice(0)).toBe('Free');
    expect(formatPrice(1999)).toBe('$19.99');
    expect(formatAmount(0)).toBe('$0.00');
    expect(formatAmount(1999, 'eur')).toBe('€19.99');
  });

  it('parses what people type in a price field', () => {
    expect(parsePrice('19.99')).toBe(1999);
    expect(parsePrice('19,9')).toBe(1990);
    expect(parsePrice(' 7 ')).toBe(700);
    expect(parsePrice('-1')).toBeUndefined();
    expect(parsePrice('1.999')).toBeUndefined();
  });
});
