import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * What the catalogue test (tests/i18n) and `npm run i18n:report` read out of the code: every
 * message passed as a literal to t(), th() or msg() in src/ and views/, and every piece of text in
 * a template that reaches the reader without going through t().
 */

export const root = fileURLToPath(new URL('../..', import.meta.url));

export function filesUnder(dir: string, ext: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(rel, ext));
    else if (entry.name.endsWith(ext)) out.push(rel);
  }
  return out.sort();
}

export interface Found {
  message: string;
  file: string;
  line: number;
}

// A call of t, th or msg (also tr.t(…), i18n.t(…)) whose first argument is a string literal.
const CALL = /(?<![\w$])(?:[\w$]+\.)*(?:t|th|msg)\(\s*('(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|`(?:[^`\\$]|\\.)*`)/g;

function unquote(literal: string): string {
  // Our own source: a JS string literal read as JS reads it.
  return new Function(`return ${literal};`)() as string;
}

const lineOf = (text: string, index: number) => text.slice(0, index).split('\n').length;

/** Every literal message in the given files. */
export function messagesIn(files: string[]): Found[] {
  const found: Found[] = [];
  for (const file of files) {
    // Comments (which show calls as examples) blanked out, keeping line numbers.
    const text = readFileSync(path.join(root, file), 'utf8')
      .replace(/\/\*[\s\S]*?\*\//g, (c) => c.replace(/[^\n]/g, ' '))
      .replace(/(^|\s)\/\/ .*$/gm, (c) => c.replace(/[^\n]/g, ' '));
    for (const m of text.matchAll(CALL)) found.push({ message: unquote(m[1]!), file, line: lineOf(text, m.index!) });
  }
  return found;
}

export function allMessages(): Found[] {
  return messagesIn([...filesUnder('src', '.ts'), ...filesUnder('views', '.eta')]);
}

export interface Untranslated {
  file: string;
  line: number;
  text: string;
  why: string;
}

/** Words that are the same in every language: the product's name. */
const SAME_IN_EVERY_LANGUAGE = new Set(['Edupeak']);

const hasWords = (text: string) => {
  const words = text.match(/\p{L}[\p{L}\p{M}'’.-]*/gu) ?? [];
  return words.some((w) => !SAME_IN_EVERY_LANGUAGE.has(w.replace(/[.'’-]+$/, '')));
};

// Attributes the reader sees or hears.
const SHOWN_ATTRIBUTES = /\s(alt|title|placeholder|aria-label|aria-description|aria-roledescription|label|data-confirm|data-message)="([^"]*)"/g;
// A submit or button input's value is its label.
const BUTTON_VALUE = /<input\b[^>]*type="(?:submit|button|reset)"[^>]*\svalue="([^"]*)"/g;
// Object properties that reach the page (a table's column labels, a field's label and hint).
const SHOWN_PROPERTY = /\b(label|hint|title|text|message|alt|placeholder|caption|summary|description|legend|empty)\s*:\s*('(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")/g;
// A string chosen by a ternary is shown far more often than compared.
const TERNARY_BRANCH = /[?:]\s*('(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")(?=\s*(?:[:)},;]|%>|$))/g;
const ANY_LITERAL = /('(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")/g;
const IGNORE = 'i18n-ignore';

/**
 * Text in a template that is not translated: words between tags or in shown attributes, outside
 * <% %>; and, inside <% %>, string literals that read as a sentence, label a column or field, or
 * are chosen by a ternary, unless they are t()'s own argument. Code on a line marked `i18n-ignore`
 * (with why) is skipped.
 */
export function untranslatedIn(file: string): Untranslated[] {
  const source = readFileSync(path.join(root, file), 'utf8');
  const problems: Untranslated[] = [];
  const add = (index: number, text: string, why: string) => problems.push({ file, line: lineOf(source, index), text: text.replace(/\s+/g, ' ').trim().slice(0, 80), why });

  // Markup: blank out Eta tags (keeping offsets), comments, <script>/<style> bodies and <svg> drawing code.
  let markup = source.replace(/<%[\s\S]*?%>/g, (m) => ' '.repeat(m.length));
  markup = markup.replace(/<!--[\s\S]*?-->|<(script|style)\b[^>]*>[\s\S]*?<\/\1>/g, (m) => m.replace(/[^\n]/g, ' '));
  for (const m of markup.matchAll(SHOWN_ATTRIBUTES)) if (hasWords(m[2]!)) add(m.index!, m[0], `the ${m[1]} attribute`);
  for (const m of markup.matchAll(BUTTON_VALUE)) if (hasWords(m[1]!)) add(m.index!, m[0], 'a button value');
  const text = markup.replace(/<[^>]*>/g, (m) => ' '.repeat(m.length)).replace(/&[a-z]+;|&#\d+;/g, (m) => ' '.repeat(m.length));
  for (const m of text.matchAll(/[^\s]+(?:[ \t]+[^\s]+)*/g)) if (hasWords(m[0])) add(m.index!, m[0], 'text');

  // Code: the literals inside <% %>.
  for (const tagMatch of source.matchAll(/<%[\s\S]*?%>/g)) {
    const code = tagMatch[0];
    const base = tagMatch.index!;
    const lineText = source.slice(source.lastIndexOf('\n', base) + 1, source.indexOf('\n', base + code.length) === -1 ? undefined : source.indexOf('\n', base + code.length));
    if (lineText.includes(IGNORE)) continue;
    // Literals that are t()/th()/msg() messages, includes, layouts and the like are fine.
    const fine = new Set<number>();
    for (const m of code.matchAll(/(?<![\w$])(?:[\w$]+\.)*(?:t|th|msg|include|layout|asset|tag|includeAsync)\(\s*('(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")/g)) fine.add(m.index! + m[0].lastIndexOf(m[1]!));
    const flagged = new Set<number>();
    const flag = (index: number, literal: string, why: string) => {
      if (fine.has(index) || flagged.has(index)) return;
      const value = unquote(literal);
      if (!hasWords(value) || /^[a-z][\w-]*$/.test(value) || /^[#./]/.test(value)) return;
      flagged.add(index);
      add(base + index, literal, why);
    };
    for (const m of code.matchAll(SHOWN_PROPERTY)) flag(m.index! + m[0].lastIndexOf(m[2]!), m[2]!, `a ${m[1]} in code`);
    for (const m of code.matchAll(TERNARY_BRANCH)) flag(m.index! + m[0].lastIndexOf(m[1]!), m[1]!, 'a ternary branch');
    for (const m of code.matchAll(ANY_LITERAL)) {
      const value = unquote(m[1]!);
      // A sentence: two words or more, at least one starting with a letter, not a class list.
      if (/\p{L}{2,}[^\n]*\s\p{L}/u.test(value) && !/^[a-z0-9 _-]+$/.test(value)) flag(m.index!, m[1]!, 'a sentence in code');
    }
  }
  return problems.sort((a, b) => a.line - b.line);
}
