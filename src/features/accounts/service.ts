import { sql } from 'kysely';
import type { Database } from '../../db/database.ts';
import { isUniqueViolation } from '../../http/forms.ts';
import { clearRateLimit, enforceRateLimit, hitRateLimit, RATE_LIMITS } from '../../http/rate-limit.ts';
import { countryOf } from '../../lib/geo.ts';
import { describeUserAgent } from '../../lib/user-agent.ts';
import type { Logger } from '../../logger.ts';
import type { Mailer, MailMessage } from '../../mail/mailer.ts';
import { passwordResetMail, registrationAttemptMail, verificationMail } from './mails.ts';
import { hashPassword, verifyPassword } from './password.ts';
import { banNotice, isBanActive } from './sessions.ts';
import { msg } from '../../i18n/catalogue.ts';
import { translatorFor, type MessageValues, type Translator } from '../../i18n/translator.ts';
import { isLocale, type Locale } from '../../i18n/locales.ts';
import { consumeToken, issueToken, type TokenCheck } from './tokens.ts';

export interface AccountDeps {
  db: Database;
  mailer: Mailer;
  logger: Logger;
  baseUrl: string;
}

export function findUserByEmail(db: Database, email: string) {
  return db
    .selectFrom('user')
    .leftJoin('account', (join) => join.onRef('account.userId', '=', 'user.id').on('account.providerId', '=', 'credential'))
    .select(['user.id', 'user.firstName', 'user.email', 'user.emailVerified', 'user.banned', 'user.banReason', 'user.banExpires', 'user.timeZone', 'user.language', 'account.password'])
    .where(sql<string>`lower("user".email)`, '=', email.toLowerCase())
    .executeTakeFirst();
}

/**
 * The language a mail to this person is written in: theirs (user.language), else the language of
 * the request that asked for the mail (they are likely the one reading it), else English.
 */
export function mailTranslator(user: { language?: string | null }, requestLocale?: Locale): Translator {
  return translatorFor(isLocale(user.language) ? user.language : requestLocale);
}

export async function sendVerificationMail(
  deps: AccountDeps,
  user: { id: string; email: string; firstName: string; language?: string | null },
  requestLocale?: Locale,
): Promise<void> {
  const token = await issueToken(deps.db, 'email-verification', user.id);
  const link = `${deps.baseUrl}/auth/verify?token=${encodeURIComponent(token)}`;
  await deps.mailer.send(verificationMail(user.email, user.firstName, link, mailTranslator(user, requestLocale)));
}

/**
 * Registers a new account, or, when the address already has one, tells its owner by mail. Both paths
 * do the same work (an argon2 hash, one insert attempt) and the caller answers both alike, so the
 * form reveals nothing about who has an account. The mail goes out after the answer.
 * Returns the mail to send, as a function the caller runs in the background.
 */
export async function register(
  deps: AccountDeps,
  input: { firstName: string; lastName: string | null; email: string; password: string; timeZone: string },
  /** The language of the registration's request: the mail is written in it. */
  requestLocale?: Locale,
): Promise<() => Promise<void>> {
  // argon2 is slow on purpose: hash before the transaction, which then holds no lock for long.
  const passwordHash = await hashPassword(input.password);
  try {
    const userId = await deps.db.transaction().execute(async (trx) => {
      const user = await trx
        .insertInto('user')
        .values({ firstName: input.firstName, lastName: input.lastName, email: input.email, role: 'student', emailVerified: false, timeZone: input.timeZone })
        .returning('id')
        .executeTakeFirstOrThrow();
      await trx.insertInto('account').values({ userId: user.id, accountId: user.id, providerId: 'credential', password: passwordHash }).execute();
      return user.id;
    });
    return () => sendVerificationMail(deps, { id: userId, email: input.email, firstName: input.firstName }, requestLocale);
  } catch (error) {
    if (!isUniqueViolation(error, 'user_email_lower_key')) throw error;
    return () => mailExistingOwner(deps, input.email, requestLocale);
  }
}

async function mailExistingOwner(deps: AccountDeps, email: string, requestLocale?: Locale): Promise<void> {
  const owner = await findUserByEmail(deps.db, email);
  if (!owner) return;
  // At most a few such mails an hour to one address: the form must not become a way to spam it.
  const { allowed } = await hitRateLimit(deps.db, RATE_LIMITS.registrationNotice, owner.email);
  if (!allowed) return;
  await deps.mailer.send(
    registrationAttemptMail(owner.email, owner.firstName, { signIn: `${deps.baseUrl}/auth/login`, reset: `${deps.baseUrl}/auth/forgot` }, mailTranslator(owner, requestLocale)),
  );
}

// Verifying against a real hash for unknown emails too keeps the answer time the same.
const dummyHash = hashPassword('edupeak-timing-equaliser');

export type LoginResult =
  | { ok: true; userId: string }
  | { ok: false; status: 422 | 403; message: string; values?: MessageValues };

/** Where a sign-in attempt came from, as the route read it off the request. */
export interface ClientInfo {
  ip: string | null;
  userAgent: string | null;
}

/**
 * The account was deleted (the deletion job) between finding it and recording this: a foreign key
 * violation on its user id. There is then no one to record a sign-in for.
 */
const userGoneMeanwhile = (error: unknown) => (error as { code?: string })?.code === '23503';

export async function recordAttempt(db: Database, client: ClientInfo, userId: string, failureReason: string | null): Promise<void> {
  const device = describeUserAgent(client.userAgent);
  await db
    .insertInto('loginHistory')
    .values({
      userId,
      success: failureReason === null,
      failureReason,
      ipAddress: client.ip,
      country: countryOf(client.ip),
      userAgent: client.userAgent?.slice(0, 500) ?? null,
      deviceInfo: JSON.stringify(device),
    })
    .execute()
    .catch((error: unknown) => {
      if (!userGoneMeanwhile(error)) throw error;
    });
}

/**
 * A successful sign-in, in ONE statement (as cheap as the failed attempts' single insert): its
 * login_history row (with the country of the address); for each of the user's Active enrollments
 * they are not banned from, a login_session row (the spec's "student login sessions per enrollment":
 * device type, browser, country, address, user agent; one per enrollment per sign-in) and the spec's
 * `LoggedIn` student_activity (once a day), so a teacher sees the visit in the course's activity;
 * and an activity_log `logged_in` row for staff (/admin/activity), naming the login_history row and
 * how many enrollments were marked.
 */
export async function recordSignIn(db: Database, client: ClientInfo, userId: string): Promise<boolean> {
  const userAgent = client.userAgent?.slice(0, 500) ?? null;
  const described = describeUserAgent(client.userAgent);
  const device = JSON.stringify(described);
  const country = countryOf(client.ip);
  const recorded = sql`
    with history as (
      insert into login_history (user_id, success, failure_reason, ip_address, country, user_agent, device_info)
      values (${userId}, true, null, ${client.ip}, ${country}, ${userAgent}, ${device}::jsonb)
      returning id
    ), active as (
      select e.id from enrollment e
      where e.user_id = ${userId} and e.status = 'Active' and e.banned is not true
    ), sessions as (
      insert into login_session (enrollment_id, device, browser, country, ip_address, user_agent)
      select a.id, ${described.device}, ${described.browser}, ${country}, ${client.ip}, ${userAgent} from active a
    ), visits as (
      insert into student_activity (enrollment_id, type, description, metadata)
      select a.id, 'LoggedIn', 'Signed in', jsonb_build_object('loginHistoryId', (select id from history))
      from active a
      -- Once per enrollment and UTC day (student_activity_logged_in_daily_key): signing in five
      -- times a day is one visit.
      on conflict do nothing
      returning 1
    )
    insert into activity_log (user_id, action, entity_type, entity_id, metadata, ip_address, user_agent, created_at)
    select ${userId}, 'logged_in', 'user', ${userId},
      jsonb_build_object('loginHistoryId', h.id, 'enrollments', (select count(*) from visits)),
      ${client.ip}, ${userAgent}, clock_timestamp()
    from history h`.execute(db);
  // False: the account is gone (deleted by the deletion job a moment ago); nobody signs in.
  return recorded.then(
    () => true,
    (error: unknown) => {
      if (userGoneMeanwhile(error)) return false;
      throw error;
    },
  );
}

/**
 * Checks a sign-in attempt against the rate limits, the password and bans. Every attempt on a known
 * account writes login_history, good or bad (the table needs a user, so unknown emails are logged only).
 */
export async function authenticate(
  deps: AccountDeps,
  client: ClientInfo,
  input: { email: string; password: string },
  /** The id of this browser's device cookie for this email (device-cookie.ts), if it has one. */
  trustedDevice?: string,
  /** The reader's translator, for the date in a ban's message. */
  tr: Translator = translatorFor('en'),
): Promise<LoginResult> {
  const { db } = deps;
  await enforceRateLimit(db, RATE_LIMITS.loginIp, client.ip ?? 'unknown');
  const user = await findUserByEmail(db, input.email);
  // Counted per email typed, known or not, so the limit reveals nothing about who has an account.
  // A browser that signed in to this account before counts on its own: guessing from elsewhere
  // cannot lock the owner out, and the device itself still gets only a few tries.
  const [rule, subject] = trustedDevice ? [RATE_LIMITS.loginDevice, trustedDevice] : [RATE_LIMITS.loginAccount, input.email];
  try {
    await enforceRateLimit(db, rule, subject);
  } catch (error) {
    if (user) await recordAttempt(db, client, user.id, 'rate_limited');
    throw error;
  }
  const wrong = { ok: false as const, status: 422 as const, message: msg('Email or password is incorrect.') };
  if (!user || !user.password) {
    await verifyPassword(await dummyHash, input.password);
    if (user) await recordAttempt(db, client, user.id, 'no_password');
    else deps.logger.info({ ip: client.ip }, 'sign-in attempt for an unknown email');
    return wrong;
  }
  if (!(await verifyPassword(user.password, input.password))) {
    await recordAttempt(db, client, user.id, 'wrong_password');
    return wrong;
  }
  if (isBanActive(user)) {
    await recordAttempt(db, client, user.id, 'banned');
    return { ok: false, status: 403, ...banNotice(user, tr) };
  }
  await clearRateLimit(db, rule, subject);
  if (!(await recordSignIn(db, client, user.id))) return wrong;
  return { ok: true, userId: user.id };
}


/** Mails a reset link when the email has an account; the caller answers the same either way. */
export async function requestPasswordReset(deps: AccountDeps, email: string, requestLocale?: Locale): Promise<void> {
  const user = await findUserByEmail(deps.db, email);
  if (!user) return;
  await deps.mailer.send(await passwordResetMailFor(deps.db, deps.baseUrl, user, requestLocale));
}

/**
 * A new reset token for the user (replacing any older link) and the mail carrying it, for the
 * caller to send. `db` may be a transaction: an admin's "send a reset mail" writes it with its audit row.
 */
export async function passwordResetMailFor(
  db: Database,
  baseUrl: string,
  user: { id: string; email: string; firstName: string; language?: string | null },
  requestLocale?: Locale,
): Promise<MailMessage> {
  const token = await issueToken(db, 'password-reset', user.id);
  const link = `${baseUrl}/auth/reset?token=${encodeURIComponent(token)}`;
  return passwordResetMail(user.email, user.firstName, link, mailTranslator(user, requestLocale));
}

/**
 * Sets a new password from a reset link, in one transaction: the token is spent, the password
 * changed, the email counts as confirmed (the link proved it), and every signed-in device signed out.
 */
export async function resetPassword(db: Database, token: string, password: string): Promise<TokenCheck> {
  const hash = await hashPassword(password);
  return db.transaction().execute(async (trx) => {
    const check = await consumeToken(trx, 'password-reset', token);
    if (!check.ok) return check;
    await setPassword(trx, check.userId, hash);
    await trx.updateTable('user').set({ emailVerified: true }).where('id', '=', check.userId).execute();
    await trx.deleteFrom('session').where('userId', '=', check.userId).execute();
    return check;
  });
}

async function setPassword(db: Database, userId: string, hash: string): Promise<void> {
  const updated = await db
    .updateTable('account')
    .set({ password: hash })
    .where('userId', '=', userId)
    .where('providerId', '=', 'credential')
    .executeTakeFirst();
  if (updated.numUpdatedRows === 0n) {
    await db.insertInto('account').values({ userId, accountId: userId, providerId: 'credential', password: hash }).execute();
  }
}

export type PasswordChangeResult = { ok: true } | { ok: false; errors: Record<string, string> };

/** Changes the password of a signed-in user and signs out every other device. */
export async function changePassword(
  db: Database,
  user: { id: string; deviceSessionId: string },
  input: { currentPassword: string; newPassword: string },
): Promise<PasswordChangeResult> {
  const account = await db
    .selectFrom('account')
    .select('password')
    .where('userId', '=', user.id)
    .where('providerId', '=', 'credential')
    .executeTakeFirst();
  if (!account?.password || !(await verifyPassword(account.password, input.currentPassword))) {
    return { ok: false, errors: { currentPassword: msg('That is not your current password.') } };
  }
  const hash = await hashPassword(input.newPassword);
  await db.transaction().execute(async (trx) => {
    await setPassword(trx, user.id, hash);
    await trx.deleteFrom('session').where('userId', '=', user.id).where('id', '!=', user.deviceSessionId).execute();
  });
  return { ok: true };
}

/** Confirms an email address from its mailed link. */
export async function verifyEmail(db: Database, token: string): Promise<TokenCheck> {
  return db.transaction().execute(async (trx) => {
    const check = await consumeToken(trx, 'email-verification', token);
    if (check.ok) await trx.updateTable('user').set({ emailVerified: true }).where('id', '=', check.userId).execute();
    return check;
  });
}
