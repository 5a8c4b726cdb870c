import type { NextFunction, Request, RequestHandler, Response, Router } from 'express';
import { msg } from '../i18n/catalogue.ts';
import { isHtmx } from './render.ts';
import { HttpError, notFound } from './errors.ts';

/**
 * Guards are mounted with their routers (`app.use('/account', requireUser, accountRouter)`), never
 * sprinkled per route. tests/security/guards.test.ts walks the app and fails when a router that is
 * not marked public has no guard in front of it.
 */

export type Role = 'admin' | 'teacher' | 'student';

export interface CurrentUser {
  id: string;
  firstName: string;
  lastName: string | null;
  email: string;
  role: Role;
  emailVerified: boolean;
  image: string | null;
  /** IANA zone the user reads and types dates in (lib/dates.ts); 'UTC' by default. */
  timeZone: string;
  /** Data saver chosen on /account: null (or absent) = follow the browser's Save-Data header. */
  dataSaver?: boolean | null;
  /** Language chosen on /account or in the footer (i18n/locales.ts): null = follow Accept-Language. */
  language?: string | null;
}

export const GUARD = Symbol('edupeak.guard');
export const PUBLIC = Symbol('edupeak.public');

type Guard = RequestHandler & { [GUARD]: string };

function guard(name: string, handler: RequestHandler): Guard {
  return Object.assign(handler, { [GUARD]: name });
}

/** Marks a router whose routes anyone may reach (home, sign-in, health ...). */
export function publicRouter(router: Router): Router {
  return Object.assign(router, { [PUBLIC]: true });
}

export function currentUser(res: Response): CurrentUser | undefined {
  return res.locals.user as CurrentUser | undefined;
}

/** The zone dates are shown and read in for this request: the signed-in user's, else UTC. */
export function timeZoneOf(res: Response): string {
  return currentUser(res)?.timeZone ?? 'UTC';
}

function toSignIn(req: Request, res: Response): void {
  // After signing in, a GET returns to where it was; a form post cannot be replayed, so it goes home.
  const target = req.method === 'GET' ? `/auth/login?next=${encodeURIComponent(req.originalUrl)}` : '/auth/login';
  if (isHtmx(req)) {
    res.set('HX-Redirect', target).status(401).end();
    return;
  }
  res.redirect(303, target);
}

export const requireUser = guard('signed-in', (req: Request, res: Response, next: NextFunction) => {
  if (!currentUser(res)) return toSignIn(req, res);
  next();
});

/** Signed in with one of these roles; anyone else signed in gets the same 404 as a missing page. */
export function requireRole(...roles: Role[]): Guard {
  return guard(`role:${roles.join('|')}`, (req, res, next) => {
    const user = currentUser(res);
    if (!user) return toSignIn(req, res);
    if (!roles.includes(user.role)) return next(notFound());
    next();
  });
}

/** For enrolling, posting and paying: an unverified email may sign in, but not do these. */
export const requireVerified = guard('verified', (req, res, next) => {
  const user = currentUser(res);
  if (!user) return toSignIn(req, res);
  if (!user.emailVerified) {
    return next(new HttpError(403, msg('Please confirm your email address first: use the link we sent you, or ask for a new one at the top of the page.')));
  }
  next();
});
