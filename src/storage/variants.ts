/**
 * Derived files: one stored image kept in several widths. The row holds the primary key (the
 * widest file); the others live under keys derived from it by name, so nothing else in the schema
 * changes (the spec has one `course.fileKey`):
 *
 *   thumbnails/2026/11/<uuid>-640w.webp   primary: the key in course.fileKey
 *   thumbnails/2026/11/<uuid>-320w.webp   derived: same name, other width
 *
 * A key without the `-640w` marker (course images stored before there were two widths, lesson
 * posters, avatars) has no derived files. Whoever deletes or collects a primary key deletes or
 * keeps its derived keys with it (features/media/replace-file.ts, jobs/collect-unreferenced-files.ts),
 * and /media serves a derived key by the rules of its primary.
 */

/** Widths made of a course image, widest first: the primary, then the derived ones. */
export const COURSE_IMAGE_WIDTHS = [640, 320] as const;

const PRIMARY = /-640w\.webp$/;
const DERIVED = /-320w\.webp$/;

/** The primary key of a new image set, from a fresh `newKey('thumbnails', 'webp')`. */
export function primaryVariantKey(freshKey: string): string {
  if (!freshKey.endsWith('.webp') || PRIMARY.test(freshKey) || DERIVED.test(freshKey)) throw new Error(`Not a fresh WebP key: ${freshKey}`);
  return freshKey.replace(/\.webp$/, '-640w.webp');
}

/** The derived keys of a primary key (empty for a key made before variants, or any other key). */
export function derivedKeysOf(key: string): string[] {
  return PRIMARY.test(key) ? [key.replace(PRIMARY, '-320w.webp')] : [];
}

/** The key of one width of a stored image (the primary's own key for 640). */
export function variantKey(primary: string, width: (typeof COURSE_IMAGE_WIDTHS)[number]): string {
  if (width === 640 || !PRIMARY.test(primary)) return primary;
  return primary.replace(PRIMARY, `-${width}w.webp`);
}

/** A key with everything derived from it: what deleting it must delete. */
export function withDerivedKeys(key: string): string[] {
  return [key, ...derivedKeysOf(key)];
}

/** For a derived key, the primary it belongs to; undefined for any other key. */
export function primaryKeyOf(key: string): string | undefined {
  return DERIVED.test(key) ? key.replace(DERIVED, '-640w.webp') : undefined;
}
