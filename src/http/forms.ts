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

/** Only a local path may follow `?next=`: never another origin, `//host`, or `/\host`. */
export function safeNext(next: unknown, fallback = '/'): string {
  if (typeof next !== 'string' || !next.startsWith('/') || next.startsWith('//') || /[\\\u0000-\u001f]/.test(next)) return fallback;
  try {
    const url = new URL(next, 'http://edupeak.invalid');
    if (url.origin !== 'http://edupeak.invalid') return fallback;
    return url.pathname + url.search + url.hash;
  } catch {
    return fallback;
  }
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
