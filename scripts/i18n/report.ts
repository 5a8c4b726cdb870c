import { allMessages, filesUnder, untranslatedIn } from './extract.ts';
import { readCatalogue } from '../../src/i18n/catalogue.ts';
import { LOCALES } from '../../src/i18n/locales.ts';

/**
 * `npm run i18n:report [path-prefix]`: what the catalogue test would fail on, as a list to work
 * through: untranslated template text, then messages missing per language (with where they are
 * used), limited to files under the prefix when one is given.
 */
const prefix = process.argv[2] ?? '';
const found = allMessages().filter((f) => f.file.startsWith(prefix));
let problems = 0;
for (const file of filesUnder('views', '.eta').filter((f) => f.startsWith(prefix))) {
  for (const p of untranslatedIn(file)) {
    problems++;
    console.log(`${p.file}:${p.line}  untranslated ${p.why}: ${p.text}`);
  }
}
for (const locale of LOCALES.filter((l) => l !== 'en')) {
  const catalogue = readCatalogue(locale);
  const seen = new Set<string>();
  for (const f of found) {
    if (catalogue.has(f.message) || seen.has(f.message)) continue;
    seen.add(f.message);
    problems++;
    console.log(`${f.file}:${f.line}  missing in ${locale}: ${JSON.stringify(f.message)}`);
  }
}
console.log(`${problems} problems`);
process.exitCode = problems ? 1 : 0;
