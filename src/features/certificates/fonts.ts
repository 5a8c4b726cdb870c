import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as fontkit from 'fontkit';

/**
 * The certificate's fonts: a name or a course title may be in any script. DejaVu Sans (shipped in
 * assets/fonts) prints Latin, Greek, Cyrillic, Hebrew and more; Noto Sans Arabic and Noto Sans
 * Devanagari (npm, @fontsource) print those scripts properly shaped; Chinese, Japanese and Korean
 * come from Noto Sans SC (and Korean from Noto Sans KR), which @fontsource ships in about 100
 * slices per weight, by Unicode range.
 * Each character is printed in the first face that has it, and a CJK slice is read only when the
 * text has a character in its range: a certificate embeds only the glyphs it uses (pdfkit subsets),
 * so a Latin certificate stays as small as before and a Chinese one grows by its own glyphs only.
 *
 * The .woff files, not .woff2: fontkit 2.0.4's subsetter fails on WOFF2's transformed glyph tables
 * (composite glyphs: "Offset is outside the bounds of the DataView").
 */

export type Weight = 'regular' | 'bold';

export interface Face {
  /** The name registered with pdfkit. */
  name: string;
  file: string;
  /** Right-to-left script: its words are laid out from the right (see certificate-text.ts). */
  rtl?: boolean;
}

const require = createRequire(import.meta.url);
const fontsource = (pkg: string) => path.dirname(require.resolve(`@fontsource/${pkg}/package.json`));
const assets = fileURLToPath(new URL('../../../assets/fonts/', import.meta.url));

const DEJAVU: Record<Weight, string> = { regular: path.join(assets, 'DejaVuSans.ttf'), bold: path.join(assets, 'DejaVuSans-Bold.ttf') };
const WEIGHT_NUMBER: Record<Weight, number> = { regular: 400, bold: 700 };

type Range = [number, number];
const ARABIC: Range[] = [[0x0600, 0x06ff], [0x0750, 0x077f], [0x0870, 0x08ff], [0xfb50, 0xfdff], [0xfe70, 0xfeff]];
const DEVANAGARI: Range[] = [[0x0900, 0x097f], [0xa8e0, 0xa8ff]];
const HEBREW: Range[] = [[0x0590, 0x05ff], [0xfb1d, 0xfb4f]];
const HANGUL: Range[] = [[0x1100, 0x11ff], [0x3130, 0x318f], [0xa960, 0xa97f], [0xac00, 0xd7ff]];
const inRanges = (cp: number, ranges: Range[]) => ranges.some(([a, b]) => cp >= a && cp <= b);

/** The unicode-range of each slice in a @fontsource CSS file: `src: url(./files/x.woff2) … unicode-range: U+4e00-4e01,U+4e03;`. */
function slicesOf(pkg: string, weight: number): { file: string; ranges: Range[] }[] {
  const dir = fontsource(pkg);
  const css = readFileSync(path.join(dir, `${weight}.css`), 'utf8');
  const slices: { file: string; ranges: Range[] }[] = [];
  for (const block of css.split('@font-face').slice(1)) {
    const file = /url\(\.\/files\/([^)]+?)\.woff2\)/.exec(block)?.[1];
    const range = /unicode-range:\s*([^;]+);/.exec(block)?.[1];
    if (!file || !range) continue;
    const ranges = range.split(',').map((r): Range => {
      const [a, b] = r.trim().replace(/^U\+/i, '').split('-');
      return [parseInt(a!, 16), parseInt(b ?? a!, 16)];
    });
    slices.push({ file: path.join(dir, 'files', `${file}.woff`), ranges });
  }
  return slices;
}

interface FaceSet {
  latin: Face;
  arabic: Face;
  devanagari: Face;
  cjk: { face: Face; ranges: Range[] }[];
  hangul: { face: Face; ranges: Range[] }[];
  latinHas: (cp: number) => boolean;
}

const faceSets = new Map<Weight, FaceSet>();

function faceSet(weight: Weight): FaceSet {
  let set = faceSets.get(weight);
  if (set) return set;
  const n = WEIGHT_NUMBER[weight];
  const latinFont = fontkit.openSync(DEJAVU[weight]);
  set = {
    latin: { name: `latin-${weight}`, file: DEJAVU[weight] },
    arabic: { name: `arabic-${weight}`, file: path.join(fontsource('noto-sans-arabic'), 'files', `noto-sans-arabic-arabic-${n}-normal.woff`), rtl: true },
    devanagari: { name: `devanagari-${weight}`, file: path.join(fontsource('noto-sans-devanagari'), 'files', `noto-sans-devanagari-devanagari-${n}-normal.woff`) },
    cjk: slicesOf('noto-sans-sc', n).map((s, i) => ({ face: { name: `cjk-${weight}-${i}`, file: s.file }, ranges: s.ranges })),
    hangul: slicesOf('noto-sans-kr', n).map((s, i) => ({ face: { name: `hangul-${weight}-${i}`, file: s.file }, ranges: s.ranges })),
    latinHas: (cp) => latinFont.hasGlyphForCodePoint(cp),
  };
  faceSets.set(weight, set);
  return set;
}

/** The face that prints a character, and whether the character itself reads right to left. */
export function faceFor(cp: number, weight: Weight): Face {
  const set = faceSet(weight);
  if (inRanges(cp, ARABIC)) return set.arabic;
  if (inRanges(cp, DEVANAGARI)) return set.devanagari;
  if (inRanges(cp, HEBREW)) return { ...set.latin, rtl: true };
  if (set.latinHas(cp)) return set.latin;
  // Korean from Noto Sans KR (Noto Sans SC has only some Hangul), everything else CJK from SC.
  const slice = (inRanges(cp, HANGUL) ? set.hangul.find((s) => inRanges(cp, s.ranges)) : undefined) ?? set.cjk.find((s) => inRanges(cp, s.ranges));
  // Nothing has it: DejaVu's "missing glyph" box, as before.
  return slice?.face ?? set.latin;
}

/** A character of a right-to-left script (strong RTL for the bidi ordering). */
export const isRtlChar = (cp: number) => inRanges(cp, ARABIC) || inRanges(cp, HEBREW);
/** A character with a direction of its own (a letter), as opposed to digits, spaces and punctuation. */
export const isStrongChar = (ch: string) => /\p{L}/u.test(ch);
