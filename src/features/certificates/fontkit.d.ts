/** The one fontkit call the certificate makes (fonts.ts): fontkit ships no types. */
declare module 'fontkit' {
  export function openSync(path: string): { hasGlyphForCodePoint(codePoint: number): boolean };
}
