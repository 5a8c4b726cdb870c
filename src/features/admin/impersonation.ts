import { randomBytes } from 'node:crypto';
import type { Database } from '../../db/database.ts';
import { recordActivity, type AuditContext } from '../audit/activity.ts';
import { isBanActive } from '../accounts/sessions.ts';
import { msg } from '../../i18n/catalogue.ts';

/**
 * Audited impersonation ("view as", issue 17): a workspace SuperAdmin sees Edupeak as a non-admin
 * user. It is a sign-in of its own: a NEW row of the spec's `session` table for the target with
 * `impersonatedBy` set to the admin and an absolute expiry of one hour, so everything that reads
 * "the current user" simply sees the target, and ending it is deleting one row. The admin's own
 * device row is never touched; its token waits in the cookie session (impersonation-session.ts) to
 * be returned to. This file holds the database side; the cookie side lives in the routes.
 */

export const IMPERSONATION_TTL_MS = 60 * 60 * 1000;

/** Where the admin's way back is kept, in the server-side cookie session (never in the browser). */
export interface ImpersonationState {
  /** The admin's own `session.token`, restored when the impersonation ends. */
  adminDeviceToken: string;
  adminId: string;
  /** The person being viewed as. */
  userId: string;
}

export type StartResult =
  | { ok: true; token: string; sessionId: string; user: { id: string; role: string; name: string } }
  | { ok: false; status: 404 | 422; message: string; values?: { name: string } };

export const displayName = (u: { firstName: string; lastName: string | null }) => [u.firstName, u.lastName].filter(Boolean).join(' ');

/**
 * Opens an impersonation session for `userId` on behalf of the admin in `audit` (one transaction:
 * the session row and the impersonation_started row). The target is locked while checked, so a
 * role change or ban committed at the same moment is either seen or waits.
 */
export async function startImpersonation(
  db: Database,
  audit: AuditContext,
  input: { userId: string; ipAddress: string | null; userAgent: string | null },
): Promise<StartResult> {
  return db.transaction().execute(async (trx) => {
    const target = await trx
      .selectFrom('user')
      .select(['id', 'firstName', 'lastName', 'role', 'banned', 'banReason', 'banExpires'])
      .where('id', '=', input.userId)
      .forUpdate()
      .executeTakeFirst();
    if (!target) return { ok: false, status: 404, message: msg('We could not find that person.') } as const;
    const name = displayName(target);
    if (target.role === 'admin') {
      // An admin sees everything already; viewing as one would only borrow their audit name.
      return { ok: false, status: 422, message: msg('{name} is an admin: admins cannot be viewed as.'), values: { name } } as const;
    }
    if (isBanActive(target)) {
      return { ok: false, status: 422, message: msg('{name} is banned: lift the ban before viewing Edupeak as them.'), values: { name } } as const;
    }
    if (target.id === audit.actorId) return { ok: false, status: 422, message: msg('You cannot view Edupeak as yourself.') } as const;

    const token = randomBytes(32).toString('base64url');
    const row = await trx
      .insertInto('session')
      .values({
        token,
        userId: target.id,
        impersonatedBy: audit.actorId,
        expiresAt: new Date(Date.now() + IMPERSONATION_TTL_MS),
        ipAddress: input.ipAddress,
        userAgent: input.userAgent?.slice(0, 500) ?? null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await recordActivity(trx, audit, {
      action: 'impersonation_started',
      entityType: 'user',
      entityId: target.id,
      metadata: { adminId: audit.actorId, sessionId: row.id, expiresInMinutes: IMPERSONATION_TTL_MS / 60_000 },
    });
    return { ok: true, token, sessionId: row.id, user: { id: target.id, role: target.role ?? 'student', name } } as const;
  });
}

export type StopReason = 'stopped' | 'expired' | 'ended';

/**
 * Ends an impersonation: deletes its session row (only a row that IS an impersonation by this
 * admin) and writes impersonation_stopped with the admin as actor, in one transaction. Then says
 * whether the admin's own sign-in is still there to go back to (not deleted, expired or banned).
 */
export async function stopImpersonation(
  db: Database,
  audit: { ipAddress: string | null; userAgent: string | null },
  state: ImpersonationState,
  input: { impersonationToken: string | undefined; reason: StopReason },
): Promise<{ adminSessionValid: boolean }> {
  return db.transaction().execute(async (trx) => {
    const deleted = input.impersonationToken
      ? await trx
          .deleteFrom('session')
          .where('token', '=', input.impersonationToken)
          .where('impersonatedBy', '=', state.adminId)
          .where('userId', '=', state.userId)
          .executeTakeFirst()
      : undefined;
    // One row per ending: a Stop clicked twice at once (or an expiry seen by two parallel requests)
    // deletes the row once, and only that request records it. A row already gone for another reason
    // (the target banned: every session deleted) is still recorded as ended.
    if (Number(deleted?.numDeletedRows ?? 0) > 0 || input.reason === 'ended') {
      await recordActivity(
        trx,
        { actorId: state.adminId, ipAddress: audit.ipAddress, userAgent: audit.userAgent },
        { action: 'impersonation_stopped', entityType: 'user', entityId: state.userId, metadata: { adminId: state.adminId, reason: input.reason } },
      );
    }
    const admin = await trx
      .selectFrom('session')
      .innerJoin('user', 'user.id', 'session.userId')
      .select(['session.expiresAt', 'user.banned', 'user.banReason', 'user.banExpires'])
      .where('session.token', '=', state.adminDeviceToken)
      .where('session.userId', '=', state.adminId)
      .where('session.impersonatedBy', 'is', null)
      .executeTakeFirst();
    const adminSessionValid = !!admin && new Date(admin.expiresAt).getTime() > Date.now() && !isBanActive(admin);
    return { adminSessionValid };
  });
}
