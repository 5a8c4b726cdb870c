import type PDFDocument from 'pdfkit';
import { faceFor, isRtlChar, isStrongChar, type Face, type Weight } from './fonts.ts';

/**
 * Text on the certificate in any script and either direction. pdfkit lays text out left to right
 * and knows one font at a time; fontkit shapes each word (Arabic letters join, and an Arabic
 * word's glyphs come out right to left), but a string of several Arabic words comes out with its
 * words in the wrong order and its spaces lost. So the certificate lays out its own lines:
 * the text is cut into tokens (one font each), wrapped into lines at spaces (and between CJK
 * characters), and each line is put in visual order by a simplified Unicode bidi algorithm
 * (right-to-left runs reversed word by word, the paragraph's direction taken from its first letter),
 * then drawn token by token at measured positions, centred in its box.
 */

interface Token {
  text: string;
  face: Face;
  rtl: boolean;
  strong: boolean;
  /** A space before it in the text (a place to break the line, and a gap when drawn). */
  spaceBefore: boolean;
  /** A CJK character: a line may break before it without a space. */
  breakable: boolean;
  /** Its width at font size 100 (text width is proportional to the size). */
  width100: number;
  /** The word it belongs to (tokens glued together without a space). */
  word: number;
}

interface Word {
  tokens: Token[];
  spaceBefore: boolean;
  /** 'rtl' or 'ltr' for a word with a letter, undefined for digits and punctuation (they follow their neighbours). */
  dir?: 'rtl' | 'ltr';
}

const isCjk = (cp: number) => (cp >= 0x2e80 && cp <= 0x9fff) || (cp >= 0xac00 && cp <= 0xd7af) || (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0xff00 && cp <= 0xffef) || cp >= 0x20000;
const MIRRORED: Record<string, string> = { '(': ')', ')': '(', '[': ']', ']': '[', '{': '}', '}': '{', '<': '>', '>': '<', '«': '»', '»': '«' };

export function tokenize(text: string, weight: Weight): Token[] {
  const tokens: Token[] = [];
  let pendingSpace = false;
  let current: Token | undefined;
  for (const ch of text.replace(/\s+/g, ' ').trim()) {
    if (ch === ' ') {
      pendingSpace = true;
      current = undefined;
      continue;
    }
    const cp = ch.codePointAt(0)!;
    // A combining mark (a Devanagari vowel sign, an Arabic vowel) belongs to the letter before it.
    if (current && /\p{M}|\u200c|\u200d/u.test(ch)) {
      current.text += ch;
      continue;
    }
    const face = faceFor(cp, weight);
    const cjk = isCjk(cp);
    if (current && current.face.name === face.name && !cjk && !current.breakable && current.strong === isStrongChar(ch)) {
      current.text += ch;
      current.rtl ||= isRtlChar(cp);
      current.strong ||= isStrongChar(ch);
      continue;
    }
    current = { text: ch, face, rtl: isRtlChar(cp), strong: isStrongChar(ch), spaceBefore: pendingSpace, breakable: cjk, width100: 0, word: 0 };
    tokens.push(current);
    pendingSpace = false;
  }
  return tokens;
}

/** Tokens glued together (no space, not CJK) make a word: the unit a line breaks between. */
function wordsOf(tokens: Token[]): Word[] {
  const words: Word[] = [];
  for (const token of tokens) {
    const last = words.at(-1);
    if (last && !token.spaceBefore && !token.breakable && !last.tokens.at(-1)!.breakable) last.tokens.push(token);
    else words.push({ tokens: [token], spaceBefore: token.spaceBefore });
    token.word = words.length - 1;
  }
  for (const word of words) {
    const strong = word.tokens.filter((t) => t.strong);
    if (strong.length) word.dir = strong.some((t) => t.rtl) ? 'rtl' : 'ltr';
  }
  return words;
}

/** The paragraph's direction: its first letter's (Unicode bidi rule P2). */
export function paragraphDirection(text: string): 'rtl' | 'ltr' {
  for (const ch of text) {
    if (!isStrongChar(ch)) continue;
    return isRtlChar(ch.codePointAt(0)!) ? 'rtl' : 'ltr';
  }
  return 'ltr';
}

interface Placed extends Token {
  /** Its place in the line's logical order. */
  index: number;
}

/**
 * A line's tokens in the order they are drawn, left to right. Letters have their script's
 * direction; digits and punctuation between two letters of one direction take it, elsewhere the
 * paragraph's (rules W/N of the bidi algorithm, simplified). Right-to-left runs are reversed, and
 * the whole line too in a right-to-left paragraph; a bracket in a right-to-left run is mirrored.
 * fontkit then shapes and orders the letters inside each right-to-left token.
 */
function visualOrder(tokens: Token[], paragraph: 'rtl' | 'ltr'): Placed[] {
  const dirOf = (t: Token) => (t.strong ? (t.rtl ? 'rtl' : 'ltr') : undefined);
  // A word's direction, when its letters agree: the digits and hyphens of "4c5a-8f1e" or "HTML5" are its own.
  const wordDir = new Map<number, 'rtl' | 'ltr' | 'mixed'>();
  for (const t of tokens) {
    const d = dirOf(t);
    if (d) wordDir.set(t.word, wordDir.has(t.word) && wordDir.get(t.word) !== d ? 'mixed' : d);
  }
  const resolved = tokens.map((t, i) => {
    const own = dirOf(t);
    if (own) return own;
    const inWord = wordDir.get(t.word);
    // Brackets and quotes follow the text around them (they pair up across words); the rest its word.
    if (inWord && inWord !== 'mixed' && !/[()[\]{}<>«»"'“”‘’]/.test(t.text)) return inWord;
    let before: 'rtl' | 'ltr' | undefined;
    for (let j = i - 1; j >= 0 && !before; j--) before = dirOf(tokens[j]!);
    let after: 'rtl' | 'ltr' | undefined;
    for (let j = i + 1; j < tokens.length && !after; j++) after = dirOf(tokens[j]!);
    return before && before === after ? before : paragraph;
  });
  const runs: { dir: 'rtl' | 'ltr'; tokens: Placed[] }[] = [];
  tokens.forEach((t, index) => {
    const dir = resolved[index]!;
    const placed: Placed = { ...t, index, text: dir === 'rtl' && !t.strong ? [...t.text].map((c) => MIRRORED[c] ?? c).join('') : t.text };
    const last = runs.at(-1);
    if (last && last.dir === dir) last.tokens.push(placed);
    else runs.push({ dir, tokens: [placed] });
  });
  for (const run of runs) if (run.dir === 'rtl') run.tokens.reverse();
  if (paragraph === 'rtl') runs.reverse();
  return runs.flatMap((run) => run.tokens);
}

/** Whether a space is drawn between two tokens drawn side by side. */
function gapBetween(a: Placed, b: Placed, line: Token[]): boolean {
  const [lo, hi] = a.index < b.index ? [a, b] : [b, a];
  if (hi.index - lo.index === 1) return hi.spaceBefore;
  // Two runs meet: the space that ended the first of them in the text, if any.
  return Boolean(line[lo.index + 1]?.spaceBefore || hi.spaceBefore);
}

export interface BlockStyle {
  weight: Weight;
  size: number;
  minSize?: number;
  color: string;
  link?: string;
}

type Doc = InstanceType<typeof PDFDocument>;

/**
 * Draws `text` centred in the box (left, y, width, height), at the largest size from `size` down
 * to `minSize` at which its lines fit; what still does not fit is cut with an ellipsis.
 */
export function drawBlock(doc: Doc, registered: Set<string>, text: string, box: { left: number; y: number; width: number; height: number }, style: BlockStyle): void {
  const use = (face: Face, size: number) => {
    if (!registered.has(face.name)) {
      doc.registerFont(face.name, face.file);
      registered.add(face.name);
    }
    doc.font(face.name).fontSize(size);
  };
  const tokens = tokenize(text, style.weight);
  if (!tokens.length) return;
  const paragraph = paragraphDirection(text);
  const words = wordsOf(tokens);
  const latin = faceFor(0x20, style.weight);
  // Widths at size 100, scaled: text width is proportional to the font size.
  for (const t of tokens) {
    use(t.face, 100);
    t.width100 = doc.widthOfString(t.text);
  }
  use(latin, 100);
  const spaceAt100 = doc.widthOfString(' ');
  const ellipsisAt100 = doc.widthOfString('…');
  const wordWidth = (w: Word) => w.tokens.reduce((sum, t) => sum + t.width100, 0);

  const wrap = (size: number): Word[][] => {
    const scale = size / 100;
    const lines: Word[][] = [];
    let line: Word[] = [];
    let width = 0;
    for (const w of words) {
      const gap = line.length && w.spaceBefore ? spaceAt100 * scale : 0;
      const ww = wordWidth(w) * scale;
      if (line.length && width + gap + ww > box.width) {
        lines.push(line);
        line = [w];
        width = ww;
      } else {
        line.push(w);
        width += gap + ww;
      }
    }
    if (line.length) lines.push(line);
    return lines;
  };

  let size = style.size;
  const lineHeight = (s: number) => s * 1.25;
  let lines = wrap(size);
  while (size > (style.minSize ?? style.size) && lines.length * lineHeight(size) > box.height) lines = wrap(--size);
  const scale = size / 100;
  const fit = Math.max(1, Math.floor(box.height / lineHeight(size)));
  let ellipsis = false;
  if (lines.length > fit) {
    lines = lines.slice(0, fit);
    ellipsis = true;
  }
  const lineWidth = (line: Word[]) => line.reduce((sum, w, i) => sum + wordWidth(w) * scale + (i && w.spaceBefore ? spaceAt100 * scale : 0), 0);
  if (ellipsis) {
    const last = lines.at(-1)!;
    while (last.length > 1 && lineWidth(last) + ellipsisAt100 * scale > box.width) last.pop();
  }

  doc.fillColor(style.color);
  const top = box.y + (box.height - lines.length * lineHeight(size)) / 2;
  lines.forEach((line, index) => {
    const width = lineWidth(line) + (ellipsis && index === lines.length - 1 ? ellipsisAt100 * scale : 0);
    let x = box.left + (box.width - width) / 2;
    const y = top + index * lineHeight(size);
    const lineTokens = line.flatMap((w) => w.tokens);
    const ordered = visualOrder(lineTokens, paragraph);
    // The ellipsis goes where the text ends: at the left of a right-to-left paragraph.
    const drawEllipsis = () => {
      use(latin, size);
      doc.text('…', x, y + size, { lineBreak: false, baseline: 'alphabetic' });
      x += ellipsisAt100 * scale;
    };
    if (ellipsis && index === lines.length - 1 && paragraph === 'rtl') drawEllipsis();
    // One segment per token, with the gap before it; then left-to-right neighbours in one font
    // are joined into one string, so a PDF reader copies their spaces as spaces.
    const segments: { text: string; face: Face; width: number; rtl: boolean }[] = [];
    ordered.forEach((t, i) => {
      const gap = i > 0 && gapBetween(ordered[i - 1]!, t, lineTokens);
      const last = segments.at(-1);
      const width = t.width100 * scale;
      if (last && !last.rtl && !t.rtl && last.face.name === t.face.name && (!gap || t.face.name === latin.name)) {
        last.text += gap ? ` ${t.text}` : t.text;
        last.width += (gap ? spaceAt100 * scale : 0) + width;
      } else {
        if (gap) segments.push({ text: '', face: latin, width: spaceAt100 * scale, rtl: false });
        segments.push({ text: t.text, face: t.face, width, rtl: t.rtl });
      }
    });
    for (const segment of segments) {
      if (segment.text) {
        use(segment.face, size);
        // On one baseline: fonts differ in ascent, so their tops would not line up.
        doc.text(segment.text, x, y + size, { lineBreak: false, baseline: 'alphabetic' });
      }
      x += segment.width;
    }
    if (ellipsis && index === lines.length - 1 && paragraph === 'ltr') drawEllipsis();
    if (style.link) doc.link(box.left + (box.width - width) / 2, y, width, lineHeight(size), style.link);
  });
}

/** A one-line text in drawing order, left to right, tokens joined by the spaces drawn between them: for tests. */
export function visualText(text: string): string {
  const tokens = wordsOf(tokenize(text, 'regular')).flatMap((w) => w.tokens);
  const ordered = visualOrder(tokens, paragraphDirection(text));
  return ordered.map((t, i) => (i > 0 && gapBetween(ordered[i - 1]!, t, tokens) ? ' ' : '') + t.text).join('');
}
