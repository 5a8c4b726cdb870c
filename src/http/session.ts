import connectPgSimple from 'connect-pg-simple';
import type { RequestHandler } from 'express';
import session from 'express-session';
import type { Config } from '../config.ts';
import { poolOf, type Database } from '../db/database.ts';

/**
 * Cookie sessions stored in PostgreSQL (table http_session), so any instance can serve any request.
 * A signed-in cookie session points at one row of the spec's `session` table (the device); see
 * features/accounts/sessions.ts. Expired rows are deleted by the prune job, not by a timer here.
 */

declare module 'express-session' {
  interface SessionData {
    /** The `session.token` of this device's sign-in. */
    deviceToken?: string;
    /** The role this session id was issued for: a change of role gets a new id. */
    role?: string;
    flash?: { type: 'success' | 'info' | 'warning' | 'error'; message: string; values?: Record<string, string | number> };
  }
}

export const SESSION_COOKIE = 'edupeak.sid';
/** The absolute limit of one sign-in; the cookie lives as long. */
export const SESSION_MAX_AGE_MS = 30 * 24 * 60 * 60 * 1000;

export function sessions({ db, config }: { db: Database; config: Config }) {
  const PgStore = connectPgSimple(session);
  return session({
    name: SESSION_COOKIE,
    secret: config.sessionSecret,
    // disableTouch: otherwise every request of a signed-in user rewrites its row's expiry (an UPDATE
    // and a commit per page view: measured, a signed-in page ran at a third of its speed under load,
    // 16 requests of one user queueing on that row). Nothing is lost: a row's expiry is set at each
    // save to 30 days ahead, and the browser's cookie (sent again only at a save: not `rolling`)
    // never outlives it.
    store: new PgStore({ pool: poolOf(db), tableName: 'http_session', createTableIfMissing: false, pruneSessionInterval: false, disableTouch: true }),
    resave: false,
    // No row and no cookie for a visitor until something is stored (a CSRF token, a flash, a sign-in).
    saveUninitialized: false,
    cookie: {
      httpOnly: true,
      sameSite: 'lax',
      secure: config.isProduction,
      maxAge: SESSION_MAX_AGE_MS,
    },
  });
}

/**
 * express-session sends a response's headers before its session write completes, so a browser may
 * follow a 303 before the flash message (or a new sign-in) is stored, and land on a page without it
 * (seen under load). A redirect after a form post, or with a message pending, waits for the write.
 */
export const saveBeforeRedirect: RequestHandler = (req, res, next) => {
  const redirect = res.redirect.bind(res) as (...args: unknown[]) => void;
  res.redirect = ((...args: unknown[]) => {
    if (!req.session || (req.method === 'GET' && req.session.flash === undefined)) return redirect(...args);
    // An empty session (a visitor who stored nothing) is not saved: save() would write a row anyway.
    if (Object.keys(req.session).every((key) => key === 'cookie')) return redirect(...args);
    req.session.save((error) => (error ? next(error) : redirect(...args)));
  }) as typeof res.redirect;
  next();
};
