import sharp from 'sharp';
import { HttpError } from '../http/errors.ts';

/** Uploaded images are re-encoded, never served as sent: small WebP files without metadata. */

export const THUMBNAIL_MAX_WIDTH = 640;
export const AVATAR_MAX_WIDTH = 256;

/**
 * A decompression bomb (a tiny file that decodes to gigapixels) is refused from its header,
 * before any pixel is decoded: 40 megapixels is well above any phone camera photo we expect.
 */
export const MAX_INPUT_PIXELS = 40_000_000;

export async function toWebp(inputPath: string, maxWidth: number): Promise<{ buffer: Buffer; width: number; height: number }> {
  try {
    const { data, info } = await sharp(inputPath, { limitInputPixels: MAX_INPUT_PIXELS })
      .rotate() // apply the EXIF orientation before the metadata (EXIF included) is dropped
      .resize({ width: maxWidth, withoutEnlargement: true })
      // sharp drops all metadata (EXIF with its GPS position, ICC, XMP) unless told to keep it.
      .webp({ quality: 78 })
      .toBuffer({ resolveWithObject: true });
    return { buffer: data, width: info.width, height: info.height };
  } catch (error) {
    const message = error instanceof Error ? error.message : '';
    if (/pixel limit/i.test(message)) {
      throw new HttpError(422, `That image is too large: at most ${MAX_INPUT_PIXELS / 1_000_000} megapixels, please.`);
    }
    // Our own mistake (the temp file is gone), not the user's: let it be a 500.
    if (/input file is missing/i.test(message)) throw error;
    throw new HttpError(422, 'That image could not be read. Please try another file.');
  }
}
