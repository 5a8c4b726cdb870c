import { parse, TYPE, type MessageFormatElement } from '@formatjs/icu-messageformat-parser';
import { describe, expect, it } from 'vitest';
import { allMessages, filesUnder, untranslatedIn } from '../../scripts/i18n/extract.ts';
import { readCatalogue } from '../../src/i18n/catalogue.ts';
import { LOCALES } from '../../src/i18n/locales.ts';

/**
 * The message catalogue is complete and sound: every message the code and templates use (a literal
 * passed to t, th or msg) is in every shipped language, with the same placeholders and tags; no
 * catalogue keeps a message nothing uses; and no template shows text that skips the catalogue.
 */


const found = allMessages();
const messages = new Map<string, string>();
// Every message used anywhere is required in every shipped language.
const required = new Set(found.map((f) => f.message));
for (const f of found) if (!messages.has(f.message)) messages.set(f.message, `${f.file}:${f.line}`);

/** A message's placeholders and tags, by name: a translation must use the same ones. */
function argumentsOf(message: string): string[] {
  const names = new Set<string>();
  const walk = (elements: MessageFormatElement[]) => {
    for (const e of elements) {
      if (e.type === TYPE.argument || e.type === TYPE.number || e.type === TYPE.date || e.type === TYPE.time) names.add(e.value);
      if (e.type === TYPE.plural || e.type === TYPE.select) {
        names.add(e.value);
        for (const option of Object.values(e.options)) walk(option.value);
      }
      if (e.type === TYPE.tag) {
        names.add(`<${e.value}>`);
        walk(e.children);
      }
    }
  };
  walk(parse(message, { ignoreTag: false }));
  return [...names].sort();
}

describe('the message catalogue', () => {
  it('finds the messages in the code', () => {
    expect(messages.size).toBeGreaterThan(30);
  });

  it('has only valid ICU messages in English', () => {
    const bad: string[] = [];
    for (const [message, where] of messages) {
      try {
        parse(message, { ignoreTag: false });
      } catch (error) {
        bad.push(`${where}: ${JSON.stringify(message)}: ${(error as Error).message}`);
      }
    }
    expect(bad).toEqual([]);
  });

  for (const locale of LOCALES.filter((l) => l !== 'en')) {
    describe(locale, () => {
      const catalogue = readCatalogue(locale);

      it(`has every message in ${locale}`, () => {
        const missing = [...messages].filter(([m]) => required.has(m) && !catalogue.has(m)).map(([m, where]) => `${where}: ${JSON.stringify(m)}`);
        expect(missing, `${missing.length} messages missing in locales/${locale}/ (npm run i18n:report)`).toEqual([]);
      });

      it(`gives each ${locale} translation the same placeholders and tags as its English`, () => {
        const wrong: string[] = [];
        for (const [message, translation] of catalogue) {
          if (!messages.has(message)) continue;
          try {
            const want = argumentsOf(message);
            const got = argumentsOf(translation);
            if (want.join() !== got.join()) wrong.push(`${JSON.stringify(message)}: ${want.join(', ')} but ${JSON.stringify(translation)}: ${got.join(', ')}`);
          } catch (error) {
            wrong.push(`${JSON.stringify(translation)}: ${(error as Error).message}`);
          }
        }
        expect(wrong).toEqual([]);
      });

      it(`keeps no ${locale} message that nothing uses`, () => {
        const stale = [...catalogue.keys()].filter((m) => !messages.has(m));
        expect(stale).toEqual([]);
      });
    });
  }
});

describe('templates show no untranslated text', () => {
  for (const file of filesUnder('views', '.eta')) {
    it(file, () => {
      const problems = untranslatedIn(file).map((p) => `${p.file}:${p.line} (${p.why}) ${p.text}`);
      expect(problems).toEqual([]);
    });
  }
});
