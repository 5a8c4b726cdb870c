import { randomBytes } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import type { Database } from '../../db/database.ts';
import { useCsrf } from '../../http/csrf.ts';
import { setFlash } from '../../http/flash.ts';
import type { CurrentUser, Role } from '../../http/guards.ts';
import { SESSION_MAX_AGE_MS } from '../../http/session.ts';
import { msg } from '../../i18n/catalogue.ts';
import { localeOf } from '../../i18n/negotiate.ts';
import { translatorFor, type Translator } from '../../i18n/translator.ts';
import { afterImpersonationEnded, impersonationOver, leaveImpersonation } from '../admin/impersonation-session.ts';
import { displayName } from '../admin/impersonation.ts';
import { HttpError } from '../../http/errors.ts';
import { cancelPendingDeletion } from './deletion.ts';

/**
 * Signed-in devices. Each sign-in is a row of the spec's `session` table (token, expiry, ip, user
 * agent); the cookie session holds only its token. Deleting the row signs that device out at its
 * next request. Idle time-out: no request for IDLE_TIMEOUT_MS; absolute: `expiresAt`.
 */

export const IDLE_TIMEOUT_MS = 7 * 24 * 60 * 60 * 1000;
// "Last activity" is written at most this often, not on every request.
const TOUCH_AFTER_MS = 5 * 60 * 1000;

const promisify = (fn: (cb: (err?: unknown) => void) => void) =>
  new Promise<void>((resolve, reject) => fn((err) => (err ? reject(err) : resolve())));

/**
 * A new session id (against fixation), a new device row, and the cookie pointing at it. Every
 * sign-in comes here, so this is where signing in calls off a pending account deletion
 * (features/accounts/deletion.ts), with a word to say so.
 */
export async function startDeviceSession(db: Database, req: Request, userId: string): Promise<void> {
  const ipAddress = req.ip ?? null;
  const userAgent = req.get('user-agent')?.slice(0, 500) ?? null;
  // First, so that the deletion job (which locks the row) and this sign-in are one after the other:
  // either the deletion is called off here and the job leaves the user alone, or the job deleted
  // them first and there is no one left to sign in (below).
  const kept = await cancelPendingDeletion(db, userId, { ip: ipAddress, userAgent });
  await promisify((cb) => req.session.regenerate(cb));
  const token = randomBytes(32).toString('base64url');
  // Through the user's row: nothing is inserted when the account was deleted a moment ago.
  const started = await db
    .insertInto('session')
    .columns(['token', 'userId', 'expiresAt', 'ipAddress', 'userAgent'])
    .expression((eb) =>
      eb
        .selectFrom('user')
        .select([
          eb.val(token).as('token'),
          'user.id',
          eb.val(new Date(Date.now() + SESSION_MAX_AGE_MS)).as('expiresAt'),
          eb.val(ipAddress).as('ipAddress'),
          eb.val(userAgent).as('userAgent'),
        ])
        .where('user.id', '=', userId),
    )
    .returning('token')
    .executeTakeFirst();
  if (!started) throw new HttpError(403, msg('This account has been deleted.'));
  req.session.deviceToken = token;
  if (kept) setFlash(req, 'success', msg('Welcome back: your account will not be deleted.'));
  await promisify((cb) => req.session.save(cb));
}

/**
 * A new session id for the same sign-in, when the user's privileges changed (an admin made them a
 * teacher, say): a session id seen before the change is worth nothing after it.
 */
async function renewSessionId(req: Request, role: string): Promise<void> {
  const { deviceToken, flash, impersonation } = req.session;
  await promisify((cb) => req.session.regenerate(cb));
  Object.assign(req.session, { deviceToken, flash, role, impersonation });
}

/** Signs this browser out: its device row goes, and it gets a fresh anonymous session id. */
export async function endDeviceSession(db: Database, req: Request, flash?: string): Promise<void> {
  const token = req.session.deviceToken;
  if (token) await db.deleteFrom('session').where('token', '=', token).execute();
  await promisify((cb) => req.session.regenerate(cb));
  if (flash) setFlash(req, 'info', flash);
}

export interface Ban {
  banned: boolean | null;
  banReason: string | null;
  banExpires: Date | string | null;
  /** The user's zone, for the date in the message (UTC when not known). */
  timeZone?: string;
}

export function isBanActive(user: Ban, now = Date.now()): boolean {
  return user.banned === true && (user.banExpires === null || new Date(user.banExpires).getTime() > now);
}

/**
 * Why this person cannot sign in: one catalogue message, with the moment the ban ends on the
 * person's clock (with its zone: a ban may end mid-day) and in the reader's language, and the reason.
 */
export const BAN_MESSAGE = msg(
  '{ends, select, yes {Your account is suspended until {until} ({zone}).} other {Your account is suspended.}}{hasReason, select, yes { Reason: {reason}} other {}}',
);

export function banNotice(user: Ban, tr: Translator): { message: string; values: Record<string, string> } {
  const zone = user.timeZone ?? 'UTC';
  return {
    message: BAN_MESSAGE,
    values: {
      ends: user.banExpires ? 'yes' : 'no',
      until: user.banExpires ? tr.dateTime(user.banExpires, zone) : '',
      zone,
      hasReason: user.banReason ? 'yes' : 'no',
      reason: user.banReason ?? '',
    },
  };
}

/** The ban's message as text in the reader's language. */
export function banMessage(user: Ban, tr: Translator): string {
  const { message, values } = banNotice(user, tr);
  return tr.t(message, values);
}

/**
 * Puts the signed-in user in res.locals (one query), or ends a sign-in that was revoked, timed out
 * or belongs to a banned user.
 */
export function loadCurrentUser(db: Database): RequestHandler {
  const load: RequestHandler = async (req, res, next) => {
    const token = req.session?.deviceToken;
    if (!token) return next();
    const row = await db
      .selectFrom('session')
      .innerJoin('user', 'user.id', 'session.userId')
      .leftJoin('user as impersonator', 'impersonator.id', 'session.impersonatedBy')
      .select([
        'session.id as deviceSessionId',
        'session.expiresAt',
        'session.updatedAt as lastActiveAt',
        'user.id',
        'user.firstName',
        'user.lastName',
        'user.email',
        'user.role',
        'user.emailVerified',
        'user.image',
        'user.banned',
        'user.banReason',
        'user.banExpires',
        'user.timeZone',
        // Data saver (video/data-saver.ts) rides along: no query of its own.
        'user.dataSaver',
        // So does the language (i18n/negotiate.ts).
        'user.language',
        // Viewing as someone else (admin/impersonation*.ts): who is looking, in the same query.
        'session.impersonatedBy',
        'impersonator.firstName as impersonatorFirstName',
        'impersonator.lastName as impersonatorLastName',
        'impersonator.email as impersonatorEmail',
        'impersonator.role as impersonatorRole',
        'impersonator.banned as impersonatorBanned',
        'impersonator.banExpires as impersonatorBanExpires',
      ])
      .where('session.token', '=', token)
      .executeTakeFirst();

    const now = Date.now();
    // An impersonation that is over (its hour, or the target or admin changed) returns this browser
    // to the admin's own sign-in, which is then checked like any other.
    const impersonation = req.session.impersonation;
    const over = impersonation ? impersonationOver(row, impersonation, now) : null;
    if (over) {
      const ended = await leaveImpersonation(db, req, over);
      if (ended && afterImpersonationEnded(req, res, ended, over)) return;
      return load(req, res, next);
    }
    if (!row) {
      await endDeviceSession(db, req, msg('You were signed out. Please sign in again.'));
      return next();
    }
    if (new Date(row.expiresAt).getTime() <= now || new Date(row.lastActiveAt).getTime() <= now - IDLE_TIMEOUT_MS) {
      await endDeviceSession(db, req, msg('Your session expired. Please sign in again.'));
      return next();
    }
    if (isBanActive(row, now)) {
      await endDeviceSession(db, req);
      // Shown on this very request's page, now signed out: in the language a visitor gets.
      const notice = banNotice(row, translatorFor(localeOf(req)));
      setFlash(req, 'error', notice.message, notice.values);
      return next();
    }
    if (new Date(row.lastActiveAt).getTime() < now - TOUCH_AFTER_MS) {
      await db.updateTable('session').set({ updatedAt: new Date() }).where('id', '=', row.deviceSessionId).execute();
    }

    const role = (row.role ?? 'student') as Role;
    if (req.session.role === undefined) req.session.role = role;
    else if (req.session.role !== role) await renewSessionId(req, role);

    const user: CurrentUser = {
      id: row.id,
      firstName: row.firstName,
      lastName: row.lastName,
      email: row.email,
      role,
      emailVerified: row.emailVerified,
      image: row.image,
      timeZone: row.timeZone,
      dataSaver: row.dataSaver,
      language: row.language,
    };
    res.locals.user = user;
    res.locals.deviceSessionId = row.deviceSessionId;
    if (row.impersonatedBy) {
      res.locals.impersonator = {
        id: row.impersonatedBy,
        name: displayName({ firstName: row.impersonatorFirstName ?? '', lastName: row.impersonatorLastName }),
        email: row.impersonatorEmail,
      };
    }
    useCsrf(req, res);
    next();
  };
  return load;
}
