import { newKey, type Storage } from '../../storage/index.ts';
import { COURSE_IMAGE_WIDTHS, primaryVariantKey, variantKey, withDerivedKeys } from '../../storage/variants.ts';
import { toCourseImages } from '../../uploads/images.ts';

/**
 * Course images: stored in two widths at upload (640 and 320 px, 16:9), shown as one responsive
 * <img srcset>; a course without one gets a generated placeholder (an inline SVG: no request, a
 * few dozen bytes gzipped).
 */

/**
 * Converts an image (a temp file or a buffer) and stores every width; returns the primary key (for
 * course.fileKey). If one put fails, what was stored is deleted and the error rethrown.
 */
export async function storeCourseImage(storage: Storage, input: string | Buffer): Promise<{ key: string; sizes: number[] }> {
  const images = await toCourseImages(input, COURSE_IMAGE_WIDTHS);
  const key = primaryVariantKey(newKey('thumbnails', 'webp'));
  try {
    await Promise.all(
      images.map((image, i) =>
        storage.put(variantKey(key, COURSE_IMAGE_WIDTHS[i]!), image.buffer, { contentType: 'image/webp', contentLength: image.buffer.length }),
      ),
    );
  } catch (error) {
    await Promise.all(withDerivedKeys(key).map((k) => storage.delete(k).catch(() => {})));
    throw error;
  }
  return { key, sizes: images.map((image) => image.buffer.length) };
}

/** What a card or a course page shows: the stored image, or a placeholder. */
export type CourseImage =
  | { src: string; srcset: string | null }
  | { placeholder: { hue: number; initials: string } };

/**
 * The card's picture. A key stored before there were two widths has no srcset: its one file
 * (640 px wide, any shape: `object-fit: cover` crops it in the 16:9 box) is shown alone.
 */
export function courseImage(course: { id: string; title: string; category: string; fileKey: string | null }): CourseImage {
  if (course.fileKey) {
    const small = variantKey(course.fileKey, 320);
    const src = `/media/${small}`;
    return { src, srcset: small === course.fileKey ? null : `${src} 320w, /media/${course.fileKey} 640w` };
  }
  return { placeholder: { hue: hueOf(course.category || course.id), initials: initialsOf(course.title) } };
}

/** A stable hue per category (same subject, same colour), spread around the wheel. */
function hueOf(seed: string): number {
  let h = 0;
  for (const ch of seed.toLowerCase()) h = (h * 31 + ch.codePointAt(0)!) >>> 0;
  return (h % 24) * 15;
}

/** Up to two initials of the title's words that start with a letter or digit ("Web Basics on Any" -> "WB"). */
function initialsOf(title: string): string {
  const words = title.split(/\s+/).filter((w) => /^[\p{L}\p{N}]/u.test(w) && !SMALL_WORDS.has(w.toLowerCase()));
  const letters = words.slice(0, 2).map((w) => [...w][0]!.toUpperCase());
  return letters.join('') || '·';
}

const SMALL_WORDS = new Set(['a', 'an', 'the', 'and', 'or', 'of', 'on', 'in', 'for', 'to', 'with', 'at', 'by']);
