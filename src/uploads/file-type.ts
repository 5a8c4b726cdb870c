import { open } from 'node:fs/promises';

/**
 * What a file really is, judged by its first bytes only: names and Content-Type headers are
 * chosen by the sender and prove nothing.
 */

export type UploadType = 'mp4' | 'webm' | 'jpeg' | 'png' | 'webp' | 'gif' | 'pdf' | 'zip' | 'cfb' | 'text';

// ISO base media brands browsers play as MP4 (major or compatible brand of the `ftyp` box).
const MP4_BRANDS = new Set(['isom', 'iso2', 'iso3', 'iso4', 'iso5', 'iso6', 'mp41', 'mp42', 'avc1', 'dash', 'M4V ', 'M4VH', 'M4VP', 'mmp4', 'MSNV']);

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const EBML_MAGIC = Buffer.from([0x1a, 0x45, 0xdf, 0xa3]);
// A ZIP's first local file header (also .docx, .xlsx, .pptx, .odt ...), or an empty archive.
const ZIP_MAGIC = [Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.from([0x50, 0x4b, 0x05, 0x06])];
// An OLE compound file: legacy .doc, .xls, .ppt (and .msi, .msg: the name decides, see attachments).
const CFB_MAGIC = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]);

const ascii = (head: Buffer, start: number, end: number) => head.subarray(start, end).toString('latin1');

function isMp4(head: Buffer): boolean {
  if (head.length < 12 || ascii(head, 4, 8) !== 'ftyp') return false;
  if (MP4_BRANDS.has(ascii(head, 8, 12))) return true;
  // Compatible brands follow the minor version, up to the end of the ftyp box.
  const boxEnd = Math.min(head.readUInt32BE(0), head.length);
  for (let offset = 16; offset + 4 <= boxEnd; offset += 4) {
    if (MP4_BRANDS.has(ascii(head, offset, offset + 4))) return true;
  }
  return false;
}

function isWebm(head: Buffer): boolean {
  // An EBML header whose DocType is "webm" (Matroska files say "matroska" and are refused).
  return head.subarray(0, 4).equals(EBML_MAGIC) && head.subarray(4, 64).includes('webm', 0, 'latin1');
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Plain text: no NUL and no control character other than tab, line feed, form feed, carriage
 * return and escape (binary formats show one within their first bytes), and either valid UTF-8
 * (a character cut at the end of the head aside) or mostly ASCII (a CSV saved as Windows-1252).
 */
function isText(head: Buffer): boolean {
  if (head.length === 0) return false;
  let ascii = 0;
  for (const byte of head) {
    if ((byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0c && byte !== 0x0d && byte !== 0x1b) || byte === 0x7f) return false;
    if (byte < 0x80) ascii++;
  }
  if (ascii >= head.length * 0.7) return true;
  for (let cut = 0; cut < 4 && cut < head.length; cut++) {
    try {
      utf8.decode(head.subarray(0, head.length - cut));
      return true;
    } catch {
      // Try again without the last bytes: a UTF-8 sequence may be cut by the head's end.
    }
  }
  return false;
}

/**
 * The type of a file by its first bytes. Plain text has no magic bytes: it is recognised only when
 * the caller accepts it (`text: true`, lesson attachments), so anything else unknown stays unknown.
 */
export function sniffFileType(head: Buffer, options: { text?: boolean } = {}): UploadType | undefined {
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'jpeg';
  if (head.subarray(0, 8).equals(PNG_SIGNATURE)) return 'png';
  if (head.length >= 12 && ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 12) === 'WEBP') return 'webp';
  if (isWebm(head)) return 'webm';
  if (isMp4(head)) return 'mp4';
  if (ascii(head, 0, 6) === 'GIF87a' || ascii(head, 0, 6) === 'GIF89a') return 'gif';
  if (ascii(head, 0, 5) === '%PDF-') return 'pdf';
  if (ZIP_MAGIC.some((magic) => head.subarray(0, 4).equals(magic))) return 'zip';
  if (head.subarray(0, 8).equals(CFB_MAGIC)) return 'cfb';
  if (options.text && isText(head)) return 'text';
  return undefined;
}

/** The first `bytes` of a file (fewer when the file is shorter). */
export async function readFileHead(path: string, bytes = 4100): Promise<Buffer> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(buffer, 0, bytes, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}
