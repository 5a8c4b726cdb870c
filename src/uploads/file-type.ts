import { open } from 'node:fs/promises';

/**
 * What a file really is, judged by its first bytes only: names and Content-Type headers are
 * chosen by the sender and prove nothing.
 */

export type UploadType = 'mp4' | 'webm' | 'jpeg' | 'png' | 'webp';

// ISO base media brands browsers play as MP4 (major or compatible brand of the `ftyp` box).
const MP4_BRANDS = new Set(['isom', 'iso2', 'iso3', 'iso4', 'iso5', 'iso6', 'mp41', 'mp42', 'avc1', 'dash', 'M4V ', 'M4VH', 'M4VP', 'mmp4', 'MSNV']);

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const EBML_MAGIC = Buffer.from([0x1a, 0x45, 0xdf, 0xa3]);

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

export function sniffFileType(head: Buffer): UploadType | undefined {
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'jpeg';
  if (head.subarray(0, 8).equals(PNG_SIGNATURE)) return 'png';
  if (head.length >= 12 && ascii(head, 0, 4) === 'RIFF' && ascii(head, 8, 12) === 'WEBP') return 'webp';
  if (isWebm(head)) return 'webm';
  if (isMp4(head)) return 'mp4';
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
