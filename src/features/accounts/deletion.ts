import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/database.ts';
import type { DB } from '../../db/types.ts';
import { msg } from '../../i18n/catalogue.ts';
import { isLocale, type Locale } from '../../i18n/locales.ts';
import { translatorFor } from '../../i18n/translator.ts';
import { recordActivity, type AuditContext } from '../audit/activity.ts';
import { deletionLinkMail, deletionScheduledMail } from './deletion-mails.ts';
import { verifyPassword } from './password.ts';
// Types only: sessions.ts imports this module, and service.ts imports sessions.ts.
import type { AccountDeps } from './service.ts';
import { consumeToken, issueToken, type TokenCheck } from './tokens.ts';

/**
 * "Delete my account" (issue 22): the request, its confirmation and its cancellation. Knows nothing
 * of HTTP (deletion-routes.ts parses and renders). The deletion itself is jobs/delete-accounts.ts.
 *
 * Confirming sets "user".deletion_requested_at and signs the person out everywhere; for
 * DELETION_GRACE_DAYS nothing else happens, and signing in (startDeviceSession) sets it back to
 * null. After the grace the job removes the user and everything that cascades from them.
 *
 * Who may not leave (LeaveBlockers), the same rule at the request and again in the job:
 * - a course of theirs with students: an enrollment that is Active, or that earned a certificate
 *   (a Cancelled one that earned it too: the certificate would stop verifying). Deleting the user
 *   deletes their courses (course.user_id cascades), and with them those students' enrollments,
 *   progress and certificates. Archiving does not help (students keep an archived course): the
 *   course has to be handed over to another teacher by an admin first. A course whose enrollments
 *   are all Pending (checkouts never paid) or Cancelled without a certificate does not block.
 * - the last admin of the site, or the last SuperAdmin of a workspace: nobody would be left to run
 *   it. Someone whose own deletion is pending counts as gone already, so two admins asking at once
 *   cannot both leave (the request takes STAFF_LOCK; the job deletes no admin that another pending
 *   one would leave alone).
 */

/** The grace between the request and the deletion. The page's and mails' texts say "7 days": change them together. */
export const DELETION_GRACE_DAYS = 7;
export const DELETION_GRACE_MS = DELETION_GRACE_DAYS * 24 * 60 * 60 * 1000;

/** Serialises requests by staff (admins), so the "last admin" count cannot change under a request. */
const STAFF_LOCK = 'edupeak:leaving-staff';

export interface BlockingCourse {
  id: string;
  title: string;
  students: number;
}

export interface LeaveBlockers {
  /** Courses of theirs with students (see above), by title. */
  courses: BlockingCourse[];
  /** The site's last admin (no other admin who can sign in and is not leaving too). */
  lastAdmin: boolean;
  /** Names of workspaces of which they are the last SuperAdmin. */
  workspaces: string[];
}

export const isBlocked = (b: LeaveBlockers) => b.courses.length > 0 || b.lastAdmin || b.workspaces.length > 0;

/** What the page needs: the blockers, whether there is a password to confirm with, and whether they own courses at all. */
export interface DeletionState extends LeaveBlockers {
  hasPassword: boolean;
  ownedCourses: number;
}

/** Named once: an enrollment whose student a course's deletion would hurt. */
const HAS_STUDENT = sql<boolean>`(e.status = 'Active' or e.certificate_earned)`;

/** The blockers and the page's facts, in ONE statement (any list length). */
export async function deletionState(db: Kysely<DB>, userId: string): Promise<DeletionState> {
  const { rows } = await sql<DeletionState>`
    select
      coalesce((
        select json_agg(json_build_object('id', b.id, 'title', b.title, 'students', b.students) order by b.title, b.id)
        from (
          select c.id, c.title, count(*)::int as students
          from course c join enrollment e on e.course_id = c.id
          where c.user_id = u.id and ${HAS_STUDENT}
          group by c.id
        ) b
      ), '[]'::json) as courses,
      (u.role = 'admin' and not exists (
        select 1 from "user" o
        where o.role = 'admin' and o.id <> u.id and o.deletion_requested_at is null
          and not (o.banned is true and (o.ban_expires is null or o.ban_expires > now()))
      )) as "lastAdmin",
      coalesce((
        select json_agg(w.name order by w.name)
        from membership m join workspace w on w.id = m.workspace_id
        where m.user_id = u.id and m.role = 'SuperAdmin' and not exists (
          select 1 from membership o join "user" ou on ou.id = o.user_id
          where o.workspace_id = m.workspace_id and o.role = 'SuperAdmin' and o.user_id <> u.id and ou.deletion_requested_at is null
        )
      ), '[]'::json) as workspaces,
      exists (select 1 from account a where a.user_id = u.id and a.provider_id = 'credential' and a.password is not null) as "hasPassword",
      (select count(*)::int from course c where c.user_id = u.id) as "ownedCourses"
    from "user" u
    where u.id = ${userId}`.execute(db);
  const row = rows[0];
  if (!row) throw new Error(`deletionState: no user ${userId}`);
  return row;
}

/** Why a request was refused; thrown inside the transaction so that nothing of it (a spent token) stays. */
export class DeletionRefused extends Error {
  override name = 'DeletionRefused';
  constructor(readonly blockers: LeaveBlockers) {
    super('account deletion refused');
  }
}

export interface DeletionScheduled {
  /** When the job may delete the account (requested + the grace). */
  deleteAfter: Date;
}

interface Requester {
  id: string;
  email: string;
  firstName: string;
  language: string | null;
  timeZone: string;
}

/**
 * The confirmed request, in the caller's transaction: the user's row locked, the blockers checked
 * (DeletionRefused), deletion_requested_at set, every sign-in of theirs ended (and every
 * impersonation by them: such a session is someone else's row, which they could otherwise keep
 * using), and the audit row.
 */
async function scheduleIn(trx: Kysely<DB>, audit: AuditContext, userId: string, via: 'password' | 'link'): Promise<Requester & DeletionScheduled> {
  const user = await trx
    .selectFrom('user')
    .select(['id', 'role', 'email', 'firstName', 'language', 'timeZone'])
    .where('id', '=', userId)
    .forNoKeyUpdate()
    .executeTakeFirstOrThrow();
  const superAdminOf = await trx.selectFrom('membership').select('workspaceId').where('userId', '=', userId).where('role', '=', 'SuperAdmin').execute();
  if (user.role === 'admin' || superAdminOf.length > 0) {
    await sql`select pg_advisory_xact_lock(hashtext(${STAFF_LOCK}))`.execute(trx);
    // As workspaces/service.ts does for every membership change: their SuperAdmin count holds still.
    const ids = superAdminOf.map((m) => m.workspaceId).sort();
    if (ids.length > 0) await trx.selectFrom('workspace').select('id').where('id', 'in', ids).orderBy('id').forNoKeyUpdate().execute();
  }
  const state = await deletionState(trx, userId);
  if (isBlocked(state)) throw new DeletionRefused(state);
  const row = await trx
    .updateTable('user')
    .set({ deletionRequestedAt: sql<Date>`now()` })
    .where('id', '=', userId)
    .returning('deletionRequestedAt')
    .executeTakeFirstOrThrow();
  const deleteAfter = new Date(new Date(row.deletionRequestedAt!).getTime() + DELETION_GRACE_MS);
  await trx
    .deleteFrom('session')
    .where((eb) => eb.or([eb('userId', '=', userId), eb('impersonatedBy', '=', userId)]))
    .execute();
  await recordActivity(trx, audit, {
    action: 'account_deletion_requested',
    entityType: 'user',
    entityId: userId,
    metadata: { via, deleteAfter: deleteAfter.toISOString() },
  });
  return { id: user.id, email: user.email, firstName: user.firstName, language: user.language, timeZone: user.timeZone, deleteAfter };
}

/** As service.ts's mailTranslator: the person's language, else the request's. */
const mailTranslator = (user: { language?: string | null }, requestLocale?: Locale) => translatorFor(isLocale(user.language) ? user.language : requestLocale);

/** After the commit: "your account will be deleted on …; sign in before then to keep it". A failed send is logged: the request stands. */
async function mailScheduled(deps: AccountDeps, user: Requester & DeletionScheduled, requestLocale?: Locale): Promise<void> {
  const tr = mailTranslator(user, requestLocale);
  try {
    await deps.mailer.send(
      deletionScheduledMail(user.email, user.firstName, { date: tr.dateTime(user.deleteAfter, user.timeZone), zone: user.timeZone }, `${deps.baseUrl}/auth/login`, tr),
    );
  } catch (err) {
    deps.logger.error({ err, userId: user.id }, 'could not send the account deletion mail');
  }
}

export type PasswordConfirmation = ({ ok: true } & DeletionScheduled) | { ok: false; status: 422; message: string } | { ok: false; status: 409; blockers: LeaveBlockers };

export const WRONG_PASSWORD = msg('That is not your password. Nothing was changed.');

/** "Delete my account", confirmed by the current password. */
export async function confirmDeletionWithPassword(
  deps: AccountDeps,
  audit: AuditContext,
  userId: string,
  password: string,
  requestLocale?: Locale,
): Promise<PasswordConfirmation> {
  const account = await deps.db
    .selectFrom('account')
    .select('password')
    .where('userId', '=', userId)
    .where('providerId', '=', 'credential')
    .executeTakeFirst();
  if (!account?.password || !(await verifyPassword(account.password, password))) return { ok: false, status: 422, message: WRONG_PASSWORD };
  return schedule(deps, audit, userId, 'password', requestLocale, async () => {});
}

export type LinkConfirmation = ({ ok: true } & DeletionScheduled) | { ok: false; status: 400; check: Exclude<TokenCheck, { ok: true }> } | { ok: false; status: 409; blockers: LeaveBlockers };

/**
 * "Delete my account", confirmed from the mailed link (someone with no password). The token is
 * spent in the same transaction, so a refused request keeps it. A token of anyone else is "invalid".
 */
export async function confirmDeletionWithToken(
  deps: AccountDeps,
  audit: AuditContext,
  userId: string,
  token: string,
  requestLocale?: Locale,
): Promise<LinkConfirmation> {
  try {
    return await schedule(deps, audit, userId, 'link', requestLocale, async (trx) => {
      const check = await consumeToken(trx, 'account-deletion', token);
      if (!check.ok) throw new TokenProblem(check);
      if (check.userId !== userId) throw new TokenProblem({ ok: false, reason: 'invalid' });
    });
  } catch (error) {
    if (error instanceof TokenProblem) return { ok: false, status: 400, check: error.check };
    throw error;
  }
}

/** A link that cannot confirm: thrown inside the transaction (nothing is written), answered as 400. */
class TokenProblem extends Error {
  constructor(readonly check: Exclude<TokenCheck, { ok: true }>) {
    super('account deletion link not valid');
  }
}

async function schedule(
  deps: AccountDeps,
  audit: AuditContext,
  userId: string,
  via: 'password' | 'link',
  requestLocale: Locale | undefined,
  before: (trx: Kysely<DB>) => Promise<void>,
): Promise<({ ok: true } & DeletionScheduled) | { ok: false; status: 409; blockers: LeaveBlockers }> {
  let scheduled: Requester & DeletionScheduled;
  try {
    scheduled = await deps.db.transaction().execute(async (trx) => {
      await before(trx);
      return scheduleIn(trx, audit, userId, via);
    });
  } catch (error) {
    if (error instanceof DeletionRefused) return { ok: false, status: 409, blockers: error.blockers };
    throw error;
  }
  await mailScheduled(deps, scheduled, requestLocale);
  return { ok: true, deleteAfter: scheduled.deleteAfter };
}

/** Mails the confirmation link to someone with no password (they sign in with a provider only). */
export async function sendDeletionLink(deps: AccountDeps, user: { id: string; email: string; firstName: string; language?: string | null }, requestLocale?: Locale): Promise<void> {
  const token = await issueToken(deps.db, 'account-deletion', user.id);
  const link = `${deps.baseUrl}/account/delete/confirm?token=${encodeURIComponent(token)}`;
  await deps.mailer.send(deletionLinkMail(user.email, user.firstName, link, mailTranslator(user, requestLocale)));
}

/**
 * Signing in keeps the account: a pending deletion is called off, with its audit row, in ONE
 * statement (sessions.ts startDeviceSession runs it at every sign-in, password or provider).
 * It waits for the deletion job's lock on the row, if the job holds it: then the user is gone and
 * nothing is updated (the caller finds no user to start a session for). Returns whether a
 * deletion was pending.
 */
export async function cancelPendingDeletion(db: Database, userId: string, client: { ip: string | null; userAgent: string | null }): Promise<boolean> {
  const { rows } = await sql<{ id: string }>`
    with cancelled as (
      update "user" set deletion_requested_at = null
      where id = ${userId} and deletion_requested_at is not null
      returning id
    )
    insert into activity_log (user_id, action, entity_type, entity_id, metadata, ip_address, user_agent, created_at)
    select id, 'account_deletion_cancelled', 'user', id, '{"via":"sign-in"}'::jsonb, ${client.ip}, ${client.userAgent?.slice(0, 500) ?? null}, clock_timestamp()
    from cancelled
    returning id`.execute(db);
  return rows.length > 0;
}
