import sharp from 'sharp';
import { msg } from '../i18n/catalogue.ts';
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
  return readable(async () => {
    const { data, info } = await sharp(inputPath, { limitInputPixels: MAX_INPUT_PIXELS })
      .rotate() // apply the EXIF orientation before the metadata (EXIF included) is dropped
      .resize({ width: maxWidth, withoutEnlargement: true })
      // sharp drops all metadata (EXIF with its GPS position, ICC, XMP) unless told to keep it.
      .webp({ quality: 78 })
      .toBuffer({ resolveWithObject: true });
    return { buffer: data, width: info.width, height: info.height };
  });
}

/** Course images are 16:9 everywhere (cards, the course page), so every card has the same shape. */
export const COURSE_IMAGE_RATIO = 9 / 16;

/**
 * A course image in each of `widths` (widest first), cropped to 16:9 around what draws the eye
 * (sharp's "attention" strategy) and re-encoded to WebP: one decode, one crop, then a resize per
 * width. A small photo is enlarged rather than left another shape: the cards' width and height
 * attributes promise 16:9.
 */
export async function toCourseImages(
  input: string | Buffer,
  widths: readonly number[],
): Promise<Array<{ buffer: Buffer; width: number; height: number }>> {
  return readable(async () => {
    const widest = Math.max(...widths);
    const cropped = await sharp(input, { limitInputPixels: MAX_INPUT_PIXELS })
      .rotate()
      .resize({ width: widest, height: Math.round(widest * COURSE_IMAGE_RATIO), fit: 'cover', position: sharp.strategy.attention })
      .raw()
      .toBuffer({ resolveWithObject: true });
    const { width, height, channels } = cropped.info;
    return Promise.all(
      widths.map(async (w) => {
        const { data, info } = await sharp(cropped.data, { raw: { width, height, channels } })
          .resize({ width: w, height: Math.round(w * COURSE_IMAGE_RATIO) })
          .webp({ quality: 60, effort: 6, smartSubsample: true }) // ~8 KB at 320 px for a typical photo
          .toBuffer({ resolveWithObject: true });
        return { buffer: data, width: info.width, height: info.height };
      }),
    );
  });
}

/** Runs an image conversion, turning what is wrong with the file into a 422 for the user. */
async function readable<T>(convert: () => Promise<T>): Promise<T> {
  try {
    return await convert();
  } catch (error) {
    const message = error instanceof Error ? error.message : '';
    if (/pixel limit/i.test(message)) {
      throw new HttpError(422, msg('That image is too large: at most {max} megapixels, please.'), { max: MAX_INPUT_PIXELS / 1_000_000 });
    }
    // Our own mistake (the temp file is gone), not the user's: let it be a 500.
    if (/input file is missing/i.test(message)) throw error;
    throw new HttpError(422, msg('That image could not be read. Please try another file.'));
  }
}
