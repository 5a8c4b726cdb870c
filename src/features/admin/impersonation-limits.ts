import { Router, type RequestHandler } from 'express';
import type { Database } from '../../db/database.ts';
import { HttpError } from '../../http/errors.ts';
import { publicRouter } from '../../http/guards.ts';
import { msg } from '../../i18n/catalogue.ts';
import { stopViewingAs } from './impersonation-routes.ts';

/**
 * What an admin viewing as someone else may not do in their name, in ONE place: money, points, the
 * password, the email address, the person's other devices, and signing in, up or out as anyone.
 * Mounted once in app.ts, after the current user is loaded and before every router: the routes
 * below are matched exactly as the app matches them (Express paths, case-insensitive, trailing
 * slash), so a spelling that reaches a route also reaches its refusal.
 *
 * Everyone else passes straight through: it answers nothing itself, which is why it is marked
 * public for the guard walk (tests/security/guards.test.ts); the real routes keep their guards.
 */

export const NOT_WHILE_IMPERSONATING = msg('Not while viewing as someone else.');

type Method = 'POST' | 'ANY';

/** [method, path, what]: a path covers everything under it too; POST means every write (GET still shows the page). */
export const REFUSED_WHILE_IMPERSONATING: ReadonlyArray<readonly [Method, string, string]> = [
  // Payments: checkout (real and test), the billing address, and a paid enrollment (a free one is fine: see below).
  ['ANY', '/checkout', 'checkout and payment'],
  ['POST', '/account/billing', 'the billing address'],
  // Password and email: changing them, confirming them, resetting them.
  ['POST', '/account/password', 'the password'],
  ['POST', '/account/email', 'the email address'],
  ['POST', '/auth/reset', 'the password'],
  ['POST', '/auth/forgot', 'the password'],
  ['POST', '/auth/verify', 'the email address'],
  // The person's other devices stay signed in; signing in or up would drop the way back to the admin.
  ['POST', '/account/sessions', 'signed-in devices'],
  ['POST', '/auth/login', 'signing in'],
  ['POST', '/auth/register', 'signing up'],
  // Signing in with Google or GitHub, and connecting or disconnecting them (issue 22).
  ['ANY', '/auth/providers', 'signing in'],
  ['POST', '/account/sign-in-methods', 'sign-in methods'],
  // Everything the platform holds about the person, as one download: theirs to ask for.
  ['ANY', '/account/data', 'the personal data download'],
  // Points are the person's to spend: opening a lesson early, and sending a post to moderation
  // (a new post's form is multipart, so writing one as them is refused whole: their words, too).
  ['POST', '/learn/:slug/unlock', 'spending points'],
  ['POST', '/blog/posts/:postId/submit', 'spending points'],
  ['POST', '/blog/new', 'writing a post in their name'],
  // An invitation to the person's email is theirs to accept (it may make them staff).
  ['POST', '/invitations', 'accepting an invitation'],
  // The help desk is the person talking to the team: an admin writes there as themselves (/admin/help).
  ['POST', '/help', 'writing to the help desk in their name'],
  // Deleting the account (and its confirmation link's page).
  ['ANY', '/account/delete', 'deleting the account'],
];

const impersonating = (res: { locals: Record<string, unknown> }) => res.locals.impersonator !== undefined;

const refuseFor =
  (method: Method): RequestHandler =>
  (req, res, next) => {
    const write = !['GET', 'HEAD', 'OPTIONS'].includes(req.method);
    next(impersonating(res) && (method === 'ANY' || write) ? new HttpError(403, NOT_WHILE_IMPERSONATING) : undefined);
  };

export function refuseWhileImpersonating({ db }: { db: Database }): Router {
  const router = Router();
  for (const [method, path] of REFUSED_WHILE_IMPERSONATING) router.use(path, refuseFor(method));
  // Enrolling in a paid course starts a payment; a free one is fine (it is what the person would see).
  router.post('/courses/:slug/enroll', async (req, res, next) => {
    if (!impersonating(res)) return next();
    const course = await db.selectFrom('course').select('price').where('slug', '=', String(req.params.slug)).executeTakeFirst();
    next(course && course.price > 0 ? new HttpError(403, NOT_WHILE_IMPERSONATING) : undefined);
  });
  // Sign out while viewing as someone is "stop viewing as": back to the admin, not out of both.
  router.post('/auth/logout', (req, res, next) => {
    if (!impersonating(res)) return next();
    stopViewingAs(db, req, res).catch(next);
  });
  return publicRouter(router);
}
