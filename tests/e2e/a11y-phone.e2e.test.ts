import { describe, expect, it } from 'vitest';
import { IN_OTHER_LANGUAGES, useAxeWalk } from '../design/axe.ts';
import { skipWithoutBrowser } from '../setup/browser.ts';

/** The axe walk on a phone (tests/design/axe.ts says what it checks), and in Spanish. */
describe.skipIf(skipWithoutBrowser)('axe-core: WCAG 2.1 A and AA on every page type, every role, at 360 px', () => {
  const axe = useAxeWalk();

  it('every page type at 360 px', { timeout: 600_000 }, async () => {
    expect(await axe.walkRoles({ width: 360 })).toEqual([]);
  });

  it('a dozen page types and the refused forms in Spanish at 360 px', { timeout: 300_000 }, async () => {
    expect(await axe.walkRoles({ width: 360, locale: 'es', only: IN_OTHER_LANGUAGES })).toEqual([]);
  });
});
