import type { z } from 'zod';

/** Field name -> the first message for it; form-wide problems under `_form`. */
export type FieldErrors = Record<string, string>;

export function fieldErrors(error: z.ZodError): FieldErrors {
  const errors: FieldErrors = {};
  for (const issue of error.issues) {
    const key = issue.path.length ? String(issue.path[0]) : '_form';
    errors[key] ??= issue.message;
  }
  return errors;
}

/** What the user typed, to show the form again: strings only, and never a password. */
export function typedValues(body: unknown, fields: readonly string[]): Record<string, string> {
  const source = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  const values: Record<string, string> = {};
  for (const field of fields) {
    const value = source[field];
    if (typeof value === 'string' && !/password/i.test(field)) values[field] = value;
  }
  return values;
}

const LOCAL_ORIGIN = 'http://edupeak.invalid';

/**
 * Only a local path may follow `?next=`: never another origin. The input is parsed as a browser
 * would resolve it against our origin, and the RESULT is judged, not the input: dot-segments and
 * encodings (`/.//evil`, `/%2e%2e//evil`) can turn a harmless-looking value into `//evil`, which a
 * browser reads as another host. The result must be one `/` followed by something that is not `/`
 * or `\`, with no backslash and no control character anywhere.
 */
export function safeNext(next: unknown, fallback = '/'): string {
  if (typeof next !== 'string' || next.length > 2000 || !next.startsWith('/')) return fallback;
  // Browsers drop tabs and newlines inside URLs and read `\` as `/`: refuse both in the raw value.
  if (/[\\\u0000-\u001f\u007f]/.test(next)) return fallback;
  let url: URL;
  try {
    url = new URL(next, LOCAL_ORIGIN);
  } catch {
    return fallback;
  }
  if (url.origin !== LOCAL_ORIGIN) return fallback;
  const path = url.pathname + url.search + url.hash;
  return isLocalPath(path) ? path : fallback;
}

/** A path on this origin as a browser reads a Location header: `/x`, never `//x`, `/\x` or `\x`. */
function isLocalPath(path: string): boolean {
  return /^\/(?![\/\\])/.test(path) && !/[\\\u0000-\u001f\u007f]/.test(path) && new URL(path, LOCAL_ORIGIN).origin === LOCAL_ORIGIN;
}

/** Postgres unique violation on the named constraint or index. */
export function isUniqueViolation(error: unknown, constraint: string): boolean {
  const e = error as { code?: string; constraint?: string };
  return e?.code === '23505' && e.constraint === constraint;
}

/** Where a form was posted from (its Referer), as a local path under `prefix`; else `fallback`. */
export function backTo(referer: string | undefined, fallback: string, prefix = '/'): string {
  if (!referer) return fallback;
  try {
    const url = new URL(referer);
    const path = safeNext(url.pathname + url.search, '');
    return path.startsWith(prefix) ? path : fallback;
  } catch {
    return fallback;
  }
}
