import type { Database } from '../../../db/database.ts';
import { isUniqueViolation } from '../../../http/forms.ts';
import { msg } from '../../../i18n/catalogue.ts';
import type { Locale } from '../../../i18n/locales.ts';
import type { MessageValues, Translator } from '../../../i18n/translator.ts';
import { banNotice, isBanActive } from '../sessions.ts';
import { findUserByEmail, recordAttempt, recordSignIn, sendVerificationMail, type AccountDeps, type ClientInfo } from '../service.ts';
import { PROVIDER_LABELS, type Identity, type ProviderId } from './clients.ts';

/**
 * What a provider's answer means for Edupeak: sign in a linked user, register a new one, or ask
 * for proof before linking to an existing account. The rules (issue 22):
 * - a provider identity is found by the provider's own id (`account.provider_id`, `account_id`),
 *   never by email;
 * - an email that matches an existing user never links by itself: the person proves the existing
 *   account first (its password, or a mailed link), and only a verified email gets that far;
 * - an email the provider calls unverified never links and never marks anyone verified.
 */

export type ProviderOutcome =
  | { kind: 'signed-in'; userId: string }
  | { kind: 'refused'; status: 403 | 409 | 422; message: string; values?: MessageValues }
  | { kind: 'prove'; userId: string; email: string; hasPassword: boolean };

/** The user an identity is linked to, with what the ban check needs. */
function linkedUser(db: Database, identity: Pick<Identity, 'providerId' | 'accountId'>) {
  return db
    .selectFrom('account')
    .innerJoin('user', 'user.id', 'account.userId')
    .select(['user.id', 'user.banned', 'user.banReason', 'user.banExpires', 'user.timeZone'])
    .where('account.providerId', '=', identity.providerId)
    .where('account.accountId', '=', identity.accountId)
    .executeTakeFirst();
}

/** The ban check and the sign-in's records (login history, activity), as for a password sign-in. */
async function admit(
  db: Database,
  client: ClientInfo,
  user: { id: string; banned: boolean | null; banReason: string | null; banExpires: Date | string | null; timeZone: string },
  tr: Translator,
): Promise<ProviderOutcome> {
  if (isBanActive(user)) {
    await recordAttempt(db, client, user.id, 'banned');
    return { kind: 'refused', status: 403, ...banNotice(user, tr) };
  }
  if (!(await recordSignIn(db, client, user.id))) return { kind: 'refused', status: 403, message: msg('This account has been deleted.') };
  return { kind: 'signed-in', userId: user.id };
}

export async function signInWithIdentity(
  deps: AccountDeps,
  client: ClientInfo,
  identity: Identity,
  tr: Translator,
  /** A new user's time zone (the browser's, sent with the button). */
  timeZone = 'UTC',
): Promise<ProviderOutcome> {
  const { db } = deps;
  const linked = await linkedUser(db, identity);
  if (linked) return admit(db, client, linked, tr);

  if (!identity.email) {
    return {
      kind: 'refused',
      status: 422,
      message: msg('{provider} did not tell us your email address, so we cannot sign you in with it. Make your email address visible to Edupeak there, or register with your email here.'),
      values: { provider: PROVIDER_LABELS[identity.providerId] },
    };
  }
  const existing = await findUserByEmail(db, identity.email);
  if (existing) {
    if (!identity.emailVerified) {
      return {
        kind: 'refused',
        status: 409,
        message: msg('An Edupeak account already uses {email}, and {provider} has not verified that address, so we cannot connect them. Sign in with your password, then connect {provider} from your account.'),
        values: { email: identity.email, provider: PROVIDER_LABELS[identity.providerId] },
      };
    }
    return { kind: 'prove', userId: existing.id, email: existing.email, hasPassword: Boolean(existing.password) };
  }
  return register(deps, client, { ...identity, email: identity.email }, tr, timeZone);
}

/**
 * A new user from a provider: the email counts as confirmed only when the provider says it verified
 * it (else the usual confirmation mail goes out). No password: they sign in with the provider, and can
 * set one by mail on /account/sign-in-methods.
 */
async function register(deps: AccountDeps, client: ClientInfo, identity: Identity & { email: string }, tr: Translator, timeZone: string): Promise<ProviderOutcome> {
  const { db } = deps;
  const firstName = (identity.firstName || identity.email.split('@')[0]!).slice(0, 100);
  let userId: string;
  try {
    userId = await db.transaction().execute(async (trx) => {
      const user = await trx
        .insertInto('user')
        .values({
          firstName,
          lastName: identity.lastName?.slice(0, 100) ?? null,
          email: identity.email,
          role: 'student',
          emailVerified: identity.emailVerified,
          timeZone,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      await trx.insertInto('account').values({ userId: user.id, providerId: identity.providerId, accountId: identity.accountId, scope: identity.scope }).execute();
      return user.id;
    });
  } catch (error) {
    // Two callbacks at once (a double click): the other one registered the person first.
    if (isUniqueViolation(error, 'user_email_lower_key') || isUniqueViolation(error, 'account_provider_id_account_id_key')) {
      return signInWithIdentity(deps, client, identity, tr, timeZone);
    }
    throw error;
  }
  if (!identity.emailVerified) {
    sendVerificationMail(deps, { id: userId, email: identity.email, firstName }, tr.locale as Locale).catch((err: unknown) =>
      deps.logger.error({ err }, 'could not send the confirmation mail'),
    );
  }
  await recordSignIn(db, client, userId);
  return { kind: 'signed-in', userId };
}

export type LinkResult = { ok: true; already: boolean } | { ok: false; message: string; values?: Record<string, string> };

/** Links an identity to a user who proved they are that user (signed in, or the password, or a mailed link). */
export async function linkIdentity(db: Database, userId: string, identity: Identity): Promise<LinkResult> {
  const linked = await linkedUser(db, identity);
  if (linked) {
    return linked.id === userId
      ? { ok: true, already: true }
      : { ok: false, message: msg('That {provider} account is already connected to another Edupeak account.'), values: { provider: PROVIDER_LABELS[identity.providerId] } };
  }
  const mine = await db.selectFrom('account').select('id').where('userId', '=', userId).where('providerId', '=', identity.providerId).executeTakeFirst();
  if (mine) return { ok: false, message: msg('Another {provider} account is already connected to yours. Disconnect it first.'), values: { provider: PROVIDER_LABELS[identity.providerId] } };
  try {
    await db.insertInto('account').values({ userId, providerId: identity.providerId, accountId: identity.accountId, scope: identity.scope }).execute();
  } catch (error) {
    if (!isUniqueViolation(error, 'account_provider_id_account_id_key')) throw error;
    return linkIdentity(db, userId, identity);
  }
  return { ok: true, already: false };
}

/** Links after proof, then signs in (the ban still applies): the last step of "prove it is you". */
export async function linkAndSignIn(db: Database, client: ClientInfo, userId: string, identity: Identity, tr: Translator): Promise<ProviderOutcome> {
  const linked = await linkIdentity(db, userId, identity);
  if (!linked.ok) return { kind: 'refused', status: 409, message: linked.message, values: linked.values };
  const user = await db.selectFrom('user').select(['id', 'banned', 'banReason', 'banExpires', 'timeZone']).where('id', '=', userId).executeTakeFirstOrThrow();
  return admit(db, client, user, tr);
}

export interface SignInMethods {
  hasPassword: boolean;
  linked: Array<{ providerId: string; createdAt: Date }>;
}

export async function signInMethods(db: Database, userId: string): Promise<SignInMethods> {
  const rows = await db.selectFrom('account').select(['providerId', 'password', 'createdAt']).where('userId', '=', userId).orderBy('createdAt').execute();
  return {
    hasPassword: rows.some((r) => r.providerId === 'credential' && r.password !== null),
    linked: rows.filter((r) => r.providerId !== 'credential').map((r) => ({ providerId: r.providerId, createdAt: r.createdAt })),
  };
}

export type UnlinkResult = 'unlinked' | 'not-linked' | 'last-way-in';

/**
 * Removes a provider link unless it is the last way in (no password and no other provider). Locks the
 * user's account rows: two unlinks at once cannot both pass the check and leave no way in.
 */
export async function unlinkProvider(db: Database, userId: string, providerId: ProviderId): Promise<UnlinkResult> {
  return db.transaction().execute(async (trx) => {
    const rows = await trx.selectFrom('account').select(['id', 'providerId', 'password']).where('userId', '=', userId).forUpdate().execute();
    const target = rows.find((r) => r.providerId === providerId);
    if (!target) return 'not-linked';
    const others = rows.filter((r) => r.id !== target.id && (r.providerId !== 'credential' || r.password !== null));
    if (others.length === 0) return 'last-way-in';
    await trx.deleteFrom('account').where('id', '=', target.id).execute();
    return 'unlinked';
  });
}
