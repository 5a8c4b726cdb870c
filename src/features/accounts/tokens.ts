import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Database } from '../../db/database.ts';

/**
 * Single-use tokens for mailed links, in the spec's `verification` table: one active token per
 * purpose and user (identifier `<purpose>:<userId>`; a new one replaces the old). The link carries
 * `<row id>.<secret>`; only the secret's SHA-256 is stored, and it is compared in constant time.
 */

export type TokenPurpose = 'email-verification' | 'password-reset' | 'account-deletion' | 'provider-link';

const LIFETIME_MS: Record<TokenPurpose, number> = {
  'email-verification': 24 * 60 * 60 * 1000,
  'password-reset': 60 * 60 * 1000,
  // Confirms "delete my account" for someone with no password (they sign in with a provider only).
  'account-deletion': 60 * 60 * 1000,
  // Proves an existing account before a provider's identity with the same email is linked to it.
  'provider-link': 60 * 60 * 1000,
};

/** SHA-256 of a secret: what is stored for a mailed token (here and in invitation.token). */
export const sha256 = (value: string) => createHash('sha256').update(value).digest();
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function issueToken(db: Database, purpose: TokenPurpose, userId: string): Promise<string> {
  const secret = randomBytes(32).toString('base64url');
  const expiresAt = new Date(Date.now() + LIFETIME_MS[purpose]);
  const value = sha256(secret).toString('hex');
  const row = await db
    .insertInto('verification')
    .values({ identifier: `${purpose}:${userId}`, value, expiresAt })
    // A fresh id too, so that an older link can never match the new row.
    .onConflict((oc) => oc.column('identifier').doUpdateSet({ id: (eb) => eb.fn('gen_random_uuid'), value, expiresAt, createdAt: new Date() }))
    .returning('id')
    .executeTakeFirstOrThrow();
  return `${row.id}.${secret}`;
}

export type TokenCheck = { ok: true; userId: string; id: string; value: string } | { ok: false; reason: 'invalid' | 'expired' };

/** Checks a token without using it up (to show the form a link leads to). */
export async function checkToken(db: Database, purpose: TokenPurpose, token: unknown): Promise<TokenCheck> {
  if (typeof token !== 'string' || token.length > 200) return { ok: false, reason: 'invalid' };
  const [id, secret] = token.split('.');
  if (!id || !secret || !UUID.test(id)) return { ok: false, reason: 'invalid' };
  const row = await db.selectFrom('verification').select(['id', 'identifier', 'value', 'expiresAt']).where('id', '=', id).executeTakeFirst();
  const prefix = `${purpose}:`;
  if (!row || !row.identifier.startsWith(prefix)) return { ok: false, reason: 'invalid' };
  const stored = Buffer.from(row.value, 'hex');
  const given = sha256(secret);
  if (stored.length !== given.length || !timingSafeEqual(stored, given)) return { ok: false, reason: 'invalid' };
  if (new Date(row.expiresAt).getTime() <= Date.now()) return { ok: false, reason: 'expired' };
  return { ok: true, userId: row.identifier.slice(prefix.length), id: row.id, value: row.value };
}

/**
 * Uses a token up: checked, then deleted in one statement that only one of two racing requests
 * can win. Runs inside the caller's transaction, so the token is spent only if the change lands.
 */
export async function consumeToken(db: Database, purpose: TokenPurpose, token: unknown): Promise<TokenCheck> {
  const check = await checkToken(db, purpose, token);
  if (!check.ok) return check;
  const deleted = await db
    .deleteFrom('verification')
    .where('id', '=', check.id)
    .where('value', '=', check.value)
    .returning('id')
    .executeTakeFirst();
  return deleted ? check : { ok: false, reason: 'invalid' };
}
