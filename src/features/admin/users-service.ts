import type { Database } from '../../db/database.ts';
import type { FieldErrors } from '../../http/forms.ts';
import { hitRateLimit, RATE_LIMITS } from '../../http/rate-limit.ts';
import { msg } from '../../i18n/catalogue.ts';
import type { MessageValues } from '../../i18n/translator.ts';
import type { MailMessage } from '../../mail/mailer.ts';
import { passwordResetMailFor } from '../accounts/service.ts';
import { recordActivity, type AuditContext } from '../audit/activity.ts';
import type { BanInput, UserRole } from './users-schemas.ts';

/**
 * What an admin does to a person's account: site bans, role changes, a hand-verified email, a
 * password reset mail. Each is one transaction that locks the user's row, changes it and writes
 * the audit row with the admin as actor. Who may act is decided here (not in the route): nobody
 * acts on their own account, and only a workspace SuperAdmin bans or unbans another admin (the
 * route says whether the actor is one; role changes are SuperAdmin-only at the route).
 */

export type ActionResult<T = object> =
  | ({ ok: true; changed: boolean } & T)
  | { ok: false; problem: 'not_found' }
  | { ok: false; problem: 'forbidden'; message: string }
  | { ok: false; problem: 'invalid'; errors: FieldErrors }
  | { ok: false; problem: 'rate_limited'; message: string; values: MessageValues };

const notFound = { ok: false, problem: 'not_found' } as const;

/** A wait for the message's select: seconds under a minute, else whole minutes (rate-limit.ts's describeWait, as values). */
function waitValues(seconds: number, values: MessageValues): MessageValues {
  return seconds < 60 ? { ...values, unit: 'seconds', wait: seconds } : { ...values, unit: 'minutes', wait: Math.ceil(seconds / 60) };
}

function lockUser(trx: Database, userId: string) {
  return trx
    .selectFrom('user')
    .select(['id', 'firstName', 'email', 'role', 'banned', 'banReason', 'banExpires', 'emailVerified', 'language'])
    .where('id', '=', userId)
    .forUpdate()
    .executeTakeFirst();
}

const iso = (d: Date | string | null) => (d ? new Date(d).toISOString() : null);

/**
 * Bans the person from the whole site and ends every one of their sign-ins: each device (and any
 * "view as" session) is signed out at its next request, and sign-in is refused with the reason
 * and end until the ban ends (the lift-expired-bans job) or is lifted. Banning again replaces the
 * reason and end.
 */
export async function banUser(
  db: Database,
  audit: AuditContext,
  input: { userId: string; actorIsSuperAdmin: boolean } & BanInput,
): Promise<ActionResult<{ sessionsEnded: number }>> {
  return db.transaction().execute(async (trx) => {
    const user = await lockUser(trx, input.userId);
    if (!user) return notFound;
    if (user.id === audit.actorId) return { ok: false, problem: 'invalid', errors: { banReason: msg('You cannot ban yourself.') } };
    if (user.role === 'admin' && !input.actorIsSuperAdmin) {
      return { ok: false, problem: 'forbidden', message: msg('Only a workspace SuperAdmin can ban another admin.') };
    }
    await trx.updateTable('user').set({ banned: true, banReason: input.banReason, banExpires: input.banExpires }).where('id', '=', user.id).execute();
    const ended = await trx.deleteFrom('session').where('userId', '=', user.id).executeTakeFirst();
    const sessionsEnded = Number(ended.numDeletedRows);
    await recordActivity(trx, audit, {
      action: 'user_banned',
      entityType: 'user',
      entityId: user.id,
      metadata: {
        reason: input.banReason,
        expires: iso(input.banExpires),
        sessionsEnded,
        ...(user.banned ? { previousReason: user.banReason, previousExpires: iso(user.banExpires) } : {}),
      },
    });
    return { ok: true, changed: true, sessionsEnded };
  });
}

/** Lifts a site ban (the same rule as banning: another admin's only by a SuperAdmin). No ban: nothing changes. */
export async function unbanUser(db: Database, audit: AuditContext, input: { userId: string; actorIsSuperAdmin: boolean }): Promise<ActionResult> {
  return db.transaction().execute(async (trx) => {
    const user = await lockUser(trx, input.userId);
    if (!user) return notFound;
    if (user.role === 'admin' && !input.actorIsSuperAdmin) {
      return { ok: false, problem: 'forbidden', message: msg('Only a workspace SuperAdmin can lift the ban of another admin.') };
    }
    if (!user.banned) return { ok: true, changed: false };
    await trx.updateTable('user').set({ banned: false, banReason: null, banExpires: null }).where('id', '=', user.id).execute();
    await recordActivity(trx, audit, {
      action: 'user_unbanned',
      entityType: 'user',
      entityId: user.id,
      metadata: { reason: user.banReason, expires: iso(user.banExpires) },
    });
    return { ok: true, changed: true };
  });
}

/**
 * Makes the person a student, teacher or admin. Their signed-in browsers get a new session id at
 * their next request (loadCurrentUser renews it when the session's role differs from the user's),
 * so a session id seen before the change is worth nothing after it.
 */
export async function changeRole(db: Database, audit: AuditContext, input: { userId: string; role: UserRole }): Promise<ActionResult<{ from: UserRole }>> {
  return db.transaction().execute(async (trx) => {
    const user = await lockUser(trx, input.userId);
    if (!user) return notFound;
    const from = (user.role ?? 'student') as UserRole;
    if (user.id === audit.actorId) return { ok: false, problem: 'invalid', errors: { role: msg('You cannot change your own role.') } };
    if (from === input.role) return { ok: true, changed: false, from };
    await trx.updateTable('user').set({ role: input.role }).where('id', '=', user.id).execute();
    await recordActivity(trx, audit, { action: 'user_role_changed', entityType: 'user', entityId: user.id, metadata: { from, to: input.role } });
    return { ok: true, changed: true, from };
  });
}

/** Marks the email confirmed by hand (the admin checked it another way); its pending link is spent. */
export async function verifyUserEmail(db: Database, audit: AuditContext, input: { userId: string }): Promise<ActionResult> {
  return db.transaction().execute(async (trx) => {
    const user = await lockUser(trx, input.userId);
    if (!user) return notFound;
    if (user.emailVerified) return { ok: true, changed: false };
    await trx.updateTable('user').set({ emailVerified: true }).where('id', '=', user.id).execute();
    await trx.deleteFrom('verification').where('identifier', '=', `email-verification:${user.id}`).execute();
    await recordActivity(trx, audit, { action: 'user_email_verified', entityType: 'user', entityId: user.id, metadata: { email: user.email } });
    return { ok: true, changed: true };
  });
}

/**
 * A password reset link for the person (the accounts feature's token and mail: a new link replaces
 * an older one, valid 1 hour, once). It counts against the same per-address limit as the public
 * "forgot password" form, so the two together never send more than that limit an hour. The mail
 * is returned for the route to send once the transaction has committed.
 */
export async function preparePasswordReset(
  db: Database,
  audit: AuditContext,
  input: { userId: string; baseUrl: string },
): Promise<ActionResult<{ mail: MailMessage }>> {
  return db.transaction().execute(async (trx) => {
    const user = await lockUser(trx, input.userId);
    if (!user) return notFound;
    const limit = await hitRateLimit(trx, RATE_LIMITS.resetEmail, user.email);
    if (!limit.allowed) {
      return {
        ok: false,
        problem: 'rate_limited',
        message: msg('{email} was sent {limit} reset mails in the last hour already. Try again in {unit, select, seconds {{wait, plural, one {# second} other {# seconds}}} other {{wait, plural, one {# minute} other {# minutes}}}}.'),
        values: waitValues(limit.retryAfterSeconds, { email: user.email, limit: RATE_LIMITS.resetEmail.limit }),
      };
    }
    const mail = await passwordResetMailFor(trx, input.baseUrl, user);
    await recordActivity(trx, audit, { action: 'user_password_reset_sent', entityType: 'user', entityId: user.id, metadata: { email: user.email } });
    return { ok: true, changed: true, mail };
  });
}
