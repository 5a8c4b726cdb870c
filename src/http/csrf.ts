import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { csrfSync } from 'csrf-sync';
import type { Config } from '../config.ts';
import { msg } from '../i18n/catalogue.ts';
import { cookieValue } from './cookies.ts';

/**
 * CSRF tokens. Every form carries `_csrf`; htmx sends the `x-csrf-token` header (set on <body
 * hx-headers> by the layout). Only the Stripe webhook is exempt.
 *
 * Signed in: synchroniser tokens kept in the session (csrf-sync).
 * Signed out: a signed double-submit token, so that a visitor who only looks at the sign-in form
 * costs no stored session (a bot fetching /auth/login 50 times used to leave 50 session rows). The
 * browser gets a random nonce in an HttpOnly cookie (`__Host-` in production: no subdomain can
 * plant it); the form carries HMAC(secret, nonce). A forged form has neither the cookie nor a
 * matching HMAC. These tokens are accepted only from requests that are not signed in.
 */

const { csrfSynchronisedProtection, generateToken } = csrfSync({
  getTokenFromRequest: (req) => tokenFromRequest(req),
  skipCsrfProtection: (req) => req.path === '/webhooks/stripe',
  errorConfig: { statusCode: 403, message: msg('This form has expired or did not come from Edupeak. Please go back, reload the page and try again.') },
});

function tokenFromRequest(req: Request): string | undefined {
  // A file upload's body is read only after this check (so no token, no upload): its form carries
  // the token in the action's query string instead.
  if (req.is('multipart/form-data')) {
    const fromQuery = req.query._csrf;
    return typeof fromQuery === 'string' ? fromQuery : req.get('x-csrf-token');
  }
  const fromForm = (req.body as Record<string, unknown> | undefined)?._csrf;
  return typeof fromForm === 'string' ? fromForm : req.get('x-csrf-token');
}

interface StatelessCsrf {
  secret: string;
  cookieName: string;
  secure: boolean;
}

const STATELESS_PREFIX = 's1.';
// Per request, out of res.locals (which the views see): the secret never comes near a template.
const settingsOf = new WeakMap<Request, StatelessCsrf>();

const sign = (secret: string, nonce: string) => STATELESS_PREFIX + createHmac('sha256', secret).update(`edupeak-csrf:${nonce}`).digest('base64url');

function statelessTokenMatches(req: Request, settings: StatelessCsrf): boolean {
  const submitted = tokenFromRequest(req);
  const nonce = cookieValue(req, settings.cookieName);
  if (!submitted?.startsWith(STATELESS_PREFIX) || !nonce || !/^[A-Za-z0-9_-]{20,64}$/.test(nonce)) return false;
  const expected = Buffer.from(sign(settings.secret, nonce));
  const given = Buffer.from(submitted);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

const isSignedIn = (req: Request) => Boolean(req.session?.deviceToken);

/**
 * A visitor's footer language switch (features/language/routes.ts) needs no token: the footer is on
 * cached pages that carry none, and all a forged one could do is set a visitor's language cookie.
 * Signed in, it changes the account and is checked like any other form.
 */
const isVisitorLanguageChoice = (req: Request) => req.method === 'POST' && req.path === '/language';

/** Checks every unsafe request (after the body parser and the session). */
export function csrfProtection(config: Pick<Config, 'sessionSecret' | 'isProduction'>): RequestHandler {
  const settings: StatelessCsrf = {
    secret: config.sessionSecret,
    cookieName: config.isProduction ? '__Host-edupeak.csrf' : 'edupeak.csrf',
    secure: config.isProduction,
  };
  return (req, res, next) => {
    settingsOf.set(req, settings);
    if (!isSignedIn(req) && (statelessTokenMatches(req, settings) || isVisitorLanguageChoice(req))) return next();
    csrfSynchronisedProtection(req, res, next);
  };
}

/** Makes the CSRF token available to the views: the session's when signed in, else a stateless one. */
export function useCsrf(req: Request, res: Response): string {
  const settings = settingsOf.get(req);
  if (isSignedIn(req) || !settings) {
    const token = generateToken(req);
    res.locals.csrfToken = token;
    return token;
  }
  let nonce = cookieValue(req, settings.cookieName);
  if (!nonce || !/^[A-Za-z0-9_-]{20,64}$/.test(nonce)) {
    nonce = randomBytes(24).toString('base64url');
    // A browser-session cookie: it ends with the browser, like the form it belongs to.
    res.cookie(settings.cookieName, nonce, { httpOnly: true, sameSite: 'lax', secure: settings.secure, path: '/' });
  }
  const token = sign(settings.secret, nonce);
  res.locals.csrfToken = token;
  return token;
}
