import type { Request, Response } from 'express';
import type { Database } from '../../db/database.ts';
import { setFlash } from '../../http/flash.ts';
import { msg } from '../../i18n/catalogue.ts';
import { isHtmx } from '../../http/render.ts';
import { isBanActive } from '../accounts/sessions.ts';
import { stopImpersonation, type ImpersonationState, type StopReason } from './impersonation.ts';

/**
 * The cookie side of impersonation (impersonation.ts has the database side). The browser's cookie
 * session points at the impersonation's device row; `req.session.impersonation` keeps the admin's
 * own device token to go back to. Both switches get a new session id (against fixation): an id seen
 * before the switch is worth nothing after it.
 */

declare module 'express-session' {
  interface SessionData {
    /** Set while this browser views Edupeak as someone else: the way back to the admin's own sign-in. */
    impersonation?: ImpersonationState;
  }
}

const promisify = (fn: (cb: (err?: unknown) => void) => void) =>
  new Promise<void>((resolve, reject) => fn((err) => (err ? reject(err) : resolve())));

/** Switches this browser to the impersonation's device row, keeping the admin's to return to. */
export async function enterImpersonation(req: Request, token: string, state: ImpersonationState, role: string): Promise<void> {
  await promisify((cb) => req.session.regenerate(cb));
  Object.assign(req.session, { deviceToken: token, impersonation: state, role });
  await promisify((cb) => req.session.save(cb));
}

/**
 * Ends this browser's impersonation (Stop, expiry, or the target no longer viewable): the
 * impersonation row goes, and the browser returns to the admin's own sign-in when it is still
 * valid, else it is signed out. Returns the target's id and whether the admin is back.
 */
export async function leaveImpersonation(db: Database, req: Request, reason: StopReason): Promise<{ userId: string; restored: boolean } | null> {
  const state = req.session.impersonation;
  if (!state) return null;
  const { adminSessionValid } = await stopImpersonation(
    db,
    { ipAddress: req.ip ?? null, userAgent: req.get('user-agent') ?? null },
    state,
    { impersonationToken: req.session.deviceToken, reason },
  );
  await promisify((cb) => req.session.regenerate(cb));
  if (adminSessionValid) req.session.deviceToken = state.adminDeviceToken;
  return { userId: state.userId, restored: adminSessionValid };
}

/** What loadCurrentUser found for the browser's device row (the columns impersonation needs). */
export interface DeviceRow {
  /** The signed-in (viewed-as) user's id. */
  id: string;
  role: string | null;
  expiresAt: Date | string;
  banned: boolean | null;
  banReason: string | null;
  banExpires: Date | string | null;
  impersonatedBy: string | null;
  impersonatorRole: string | null;
  impersonatorBanned: boolean | null;
  impersonatorBanExpires: Date | string | null;
}

/**
 * Why this browser's impersonation must end now, or null while it may go on: its row is gone or
 * expired (the hour is up), the target was made an admin or banned meanwhile, or the admin is no
 * longer an admin or is banned. Checked on every request from the one query loadCurrentUser runs.
 */
export function impersonationOver(row: DeviceRow | undefined, state: ImpersonationState, now = Date.now()): StopReason | null {
  if (!row || row.impersonatedBy !== state.adminId || row.id !== state.userId) return 'ended';
  if (new Date(row.expiresAt).getTime() <= now) return 'expired';
  if (row.role === 'admin' || isBanActive(row, now)) return 'ended';
  if (row.impersonatorRole !== 'admin' || isBanActive({ banned: row.impersonatorBanned, banExpires: row.impersonatorBanExpires, banReason: null }, now)) return 'ended';
  return null;
}

/**
 * After an impersonation ended inside a request: a page (GET) goes on as the admin with a note; a
 * form post is NOT carried out as the admin (it was meant as the target): it goes back to the
 * person's admin page instead, saying nothing was done.
 */
export function afterImpersonationEnded(req: Request, res: Response, ended: { userId: string; restored: boolean }, reason: StopReason): boolean {
  const expired = reason === 'expired';
  if (!ended.restored) {
    setFlash(
      req,
      'info',
      expired
        ? msg('Your hour of viewing as someone else is over, and your own sign-in had ended too. Please sign in again.')
        : msg('Viewing as someone else has ended, and your own sign-in had ended too. Please sign in again.'),
    );
  } else if (req.method === 'GET' || req.method === 'HEAD') {
    setFlash(req, 'info', expired ? msg('Your hour of viewing as someone else is over: you are back as yourself.') : msg('Viewing as someone else has ended: you are back as yourself.'));
    return false;
  } else {
    setFlash(
      req,
      'info',
      expired
        ? msg('Your hour of viewing as someone else is over: you are back as yourself. That last action was not carried out.')
        : msg('Viewing as someone else has ended: you are back as yourself. That last action was not carried out.'),
    );
  }
  const target = ended.restored ? `/admin/users/${ended.userId}` : '/auth/login';
  if (isHtmx(req)) res.set('HX-Redirect', target).status(409).end();
  else res.redirect(303, target);
  return true;
}
