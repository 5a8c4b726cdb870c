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

/**
 * A lesson video's renditions (issue 20, features/video/): made by the transcode job from the
 * uploaded original and stored beside it, named after it:
 *
 *   videos/2026/11/<uuid>.mp4            the original, as uploaded (the key in lesson.videoKey)
 *   videos/2026/11/<uuid>-360p.mp4       small: H.264 360p at a low bitrate
 *   videos/2026/11/<uuid>-720p.mp4       HD: when the source is taller than 360p
 *   videos/2026/11/<uuid>-audio.m4a      audio only: AAC at 48 kbit/s
 *   videos/2026/11/<uuid>-poster.webp    the poster frame
 */
export const VIDEO_RENDITIONS = {
  small: '-360p.mp4',
  hd: '-720p.mp4',
  audio: '-audio.m4a',
  poster: '-poster.webp',
} as const;
export type VideoRenditionKind = keyof typeof VIDEO_RENDITIONS;

const VIDEO_ORIGINAL = /^videos\/.+\/[0-9a-f-]{36}\.(?:mp4|webm)$/;
const VIDEO_DERIVED = /-(?:360p\.mp4|720p\.mp4|audio\.m4a|poster\.webp)$/;

/** The key of one rendition of an uploaded video. */
export function renditionKey(original: string, kind: VideoRenditionKind): string {
  if (!VIDEO_ORIGINAL.test(original)) throw new Error(`Not an uploaded video's key: ${original}`);
  return original.replace(/\.(?:mp4|webm)$/, VIDEO_RENDITIONS[kind]);
}

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
  if (VIDEO_ORIGINAL.test(key)) return (Object.keys(VIDEO_RENDITIONS) as VideoRenditionKind[]).map((kind) => renditionKey(key, kind));
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

/**
 * For a derived key, the primary it belongs to; undefined for any other key. A video rendition's
 * primary is the original's key with the uploaded extension, which the name does not keep: both
 * candidates are returned (`primaryKeysOf`), and whoever looks the primary up tries each.
 */
export function primaryKeyOf(key: string): string | undefined {
  return DERIVED.test(key) ? key.replace(DERIVED, '-640w.webp') : undefined;
}

/** Every key `key` may be derived from (empty for a primary or unknown key): see primaryKeyOf. */
export function primaryKeysOf(key: string): string[] {
  const image = primaryKeyOf(key);
  if (image) return [image];
  if (key.startsWith('videos/') && VIDEO_DERIVED.test(key)) return ['.mp4', '.webm'].map((extension) => key.replace(VIDEO_DERIVED, extension));
  return [];
}
