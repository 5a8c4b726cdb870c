import type { RequestHandler } from 'express';
import { msg } from '../i18n/catalogue.ts';
import { HttpError } from './errors.ts';

/**
 * PostgreSQL refuses NUL in text, and no person means to send a C0 control character: a `%00` in a
 * query or a pasted control code in a form would otherwise reach the database as a 500 (and an
 * error_log row each). They are refused here, at the edge, once for every route: 400 for the
 * address (path and query), 422 for a form field, naming the field. Tab is fine in a query (a pasted
 * search); tab, CR and LF are fine in form fields (multi-line text).
 */

// C0 controls and DEL, raw: none in a path, tab allowed in a query, tab and newlines in a form.
const ANY_CONTROL = /[\u0000-\u001f\u007f]/;
const IN_QUERY = /[\u0000-\u0008\u000a-\u001f\u007f]/;
const IN_FORM = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
// The same, percent-encoded in a raw path (%00-%1F, %7F).
const ENCODED_IN_PATH = /%(?:[01][0-9a-f]|7f)/i;

/** The first key (or `key[]`) whose string value, or whose name, matches `pattern`. */
function firstOffending(values: unknown, pattern: RegExp, prefix = ''): string | undefined {
  if (typeof values === 'string') return pattern.test(values) ? prefix || 'value' : undefined;
  if (Array.isArray(values)) {
    for (const item of values) {
      const found = firstOffending(item, pattern, prefix);
      if (found) return found;
    }
    return undefined;
  }
  if (values && typeof values === 'object') {
    for (const [key, value] of Object.entries(values)) {
      const name = prefix ? `${prefix}[${key}]` : key;
      if (pattern.test(key)) return name;
      const found = firstOffending(value, pattern, name);
      if (found) return found;
    }
  }
  return undefined;
}

/** Before everything else: an address with a control character in its path or query is a 400. */
export const refuseControlCharactersInUrl: RequestHandler = (req, _res, next) => {
  const path = req.path;
  if (ENCODED_IN_PATH.test(path) || ANY_CONTROL.test(path)) {
    return next(new HttpError(400, msg('That address contains a control character (such as a NUL byte), which no page here uses.')));
  }
  const field = firstOffending(req.query, IN_QUERY);
  if (field) return next(new HttpError(400, msg('The search or filter “{field}” contains a control character (such as a NUL byte). Remove it and try again.'), { field: field.slice(0, 60) }));
  next();
};

/** After the body parser: a form field with a control character (other than tab and newlines) is a 422. */
export const refuseControlCharactersInForm: RequestHandler = (req, _res, next) => {
  const field = firstOffending(req.body, IN_FORM);
  if (field) {
    return next(
      new HttpError(
        422,
        `The field “${field.slice(0, 60)}” contains a control character (such as a NUL byte) that cannot be saved. Go back, remove it and send the form again: nothing was changed.`,
      ),
    );
  }
  next();
};
