import { afterEach, beforeEach, expect } from 'vitest';
import { onFormatError } from '../../src/i18n/translator.ts';

/**
 * Fails each test of the file in which a message could not be formatted (a placeholder without its
 * value, a broken translation): the translator falls back to the English text then, which a test
 * looking for Spanish or Arabic words might not notice.
 */
export function expectNoFormatErrors(): void {
  const broken: string[] = [];
  beforeEach(() => {
    broken.length = 0;
    onFormatError((message, error) => broken.push(`${message}: ${(error as Error).message}`));
  });
  afterEach(() => {
    onFormatError(() => {});
    expect(broken).toEqual([]);
  });
}
