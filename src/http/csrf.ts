import type { Request, RequestHandler, Response } from 'express';
import { csrfSync } from 'csrf-sync';

/**
 * Synchroniser tokens kept in the session. Every form carries `_csrf`; htmx sends the
 * `x-csrf-token` header (set on <body hx-headers> by the layout). Only the Stripe webhook is exempt.
 */
const { csrfSynchronisedProtection, generateToken } = csrfSync({
  getTokenFromRequest: (req) => {
    // A file upload's body is read only after this check (so no token, no upload): its form carries
    // the token in the action's query string instead.
    if (req.is('multipart/form-data')) {
      const fromQuery = req.query._csrf;
      return typeof fromQuery === 'string' ? fromQuery : req.get('x-csrf-token');
    }
    const fromForm = (req.body as Record<string, unknown> | undefined)?._csrf;
    return typeof fromForm === 'string' ? fromForm : req.get('x-csrf-token');
  },
  skipCsrfProtection: (req) => req.path === '/webhooks/stripe',
  errorConfig: { statusCode: 403, message: 'This form has expired or did not come from Edupeak. Please go back, reload the page and try again.' },
});

export const csrfProtection: RequestHandler = csrfSynchronisedProtection;

/** Makes the CSRF token available to the views (and so stores it in the session). */
export function useCsrf(req: Request, res: Response): string {
  const token = generateToken(req);
  res.locals.csrfToken = token;
  return token;
}
