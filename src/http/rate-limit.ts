import { sql } from 'kysely';
import type { Database } from '../db/database.ts';
import { msg } from '../i18n/catalogue.ts';
import { HttpError } from './errors.ts';

/**
 * Fixed-window rate limits kept in PostgreSQL (table rate_limit), so every instance shares them.
 * A hit is one atomic upsert: parallel requests can never slip past the limit together.
 */

export interface RateLimitRule {
  /** Part of the key: 'login-account', 'login-ip', 'register-ip' ... */
  name: string;
  limit: number;
  windowSeconds: number;
}

export const RATE_LIMITS = {
  // The 6th quick wrong password for one account is refused; a success clears the count.
  loginAccount: { name: 'login-account', limit: 5, windowSeconds: 15 * 60 },
  // The same, for a browser holding a device cookie for the account it signs in to (its own count).
  loginDevice: { name: 'login-device', limit: 5, windowSeconds: 15 * 60 },
  // Schools and offices share one address: per IP is generous, per account strict.
  loginIp: { name: 'login-ip', limit: 30, windowSeconds: 15 * 60 },
  registerIp: { name: 'register-ip', limit: 10, windowSeconds: 60 * 60 },
  resetIp: { name: 'reset-ip', limit: 10, windowSeconds: 60 * 60 },
  // Whoever the address belongs to (known or not), at most a few reset mails an hour.
  resetEmail: { name: 'reset-email', limit: 3, windowSeconds: 60 * 60 },
  verifyResend: { name: 'verify-resend', limit: 5, windowSeconds: 60 * 60 },
  // "Someone tried to register with your address" mails to one address.
  registrationNotice: { name: 'registration-notice', limit: 3, windowSeconds: 60 * 60 },
  // The blog, per user: enough for a lively discussion, too few for a flood.
  blogPost: { name: 'blog-post', limit: 10, windowSeconds: 60 * 60 },
  blogComment: { name: 'blog-comment', limit: 30, windowSeconds: 10 * 60 },
  blogReaction: { name: 'blog-reaction', limit: 60, windowSeconds: 10 * 60 },
  // The help desk, per user: a few new requests an hour, and replies enough for a real conversation.
  helpRequest: { name: 'help-request', limit: 5, windowSeconds: 60 * 60 },
  helpReply: { name: 'help-reply', limit: 30, windowSeconds: 60 * 60 },
} satisfies Record<string, RateLimitRule>;

export class RateLimitedError extends HttpError {
  override name = 'RateLimitedError';
  constructor(readonly retryAfterSeconds: number) {
    super(
      429,
      msg(
        '{unit, select, seconds {Too many attempts. Please wait {wait, plural, one {# second} other {# seconds}} and try again.} other {Too many attempts. Please wait {wait, plural, one {# minute} other {# minutes}} and try again.}}',
      ),
      waitValues(retryAfterSeconds),
    );
  }
}

/** A wait as a message's values: `{unit, select, seconds {…{wait, plural, …}} other {…}}` (seconds under a minute, else whole minutes). */
export function waitValues(seconds: number): { unit: 'seconds' | 'minutes'; wait: number } {
  return seconds < 60 ? { unit: 'seconds', wait: seconds } : { unit: 'minutes', wait: Math.ceil(seconds / 60) };
}

/** The wait in English words, for logs ("3 minutes"); pages use waitValues in their message. */

export function describeWait(seconds: number): string {
  if (seconds < 60) return `${seconds} second${seconds === 1 ? '' : 's'}`;
  const minutes = Math.ceil(seconds / 60);
  return `${minutes} minute${minutes === 1 ? '' : 's'}`;
}

const keyOf = (rule: RateLimitRule, subject: string) => `${rule.name}:${subject.toLowerCase()}`;

export interface RateLimitResult {
  allowed: boolean;
  hits: number;
  retryAfterSeconds: number;
}

/** Counts one hit against `subject`; allowed while the window's hits stay within the limit. */
export async function hitRateLimit(db: Database, rule: RateLimitRule, subject: string): Promise<RateLimitResult> {
  const window = sql`make_interval(secs => ${rule.windowSeconds})`;
  const { rows } = await sql<{ hits: number; retryAfter: number }>`
    insert into rate_limit as r (key, hits, window_ends_at)
    values (${keyOf(rule, subject)}, 1, now() + ${window})
    on conflict (key) do update set
      hits = case when r.window_ends_at <= now() then 1 else r.hits + 1 end,
      window_ends_at = case when r.window_ends_at <= now() then now() + ${window} else r.window_ends_at end
    returning hits, ceil(extract(epoch from window_ends_at - now()))::int as "retryAfter"`.execute(db);
  const row = rows[0]!;
  // now() is each transaction's start: one that began just before the window was opened sees a
  // wait a fraction over the window, so clamp it.
  return { allowed: row.hits <= rule.limit, hits: row.hits, retryAfterSeconds: Math.min(rule.windowSeconds, Math.max(1, row.retryAfter)) };
}

/** Throws RateLimitedError (429) when this hit goes over the limit. */
export async function enforceRateLimit(db: Database, rule: RateLimitRule, subject: string): Promise<void> {
  const result = await hitRateLimit(db, rule, subject);
  if (!result.allowed) throw new RateLimitedError(result.retryAfterSeconds);
}

export async function clearRateLimit(db: Database, rule: RateLimitRule, subject: string): Promise<void> {
  await db.deleteFrom('rateLimit').where('key', '=', keyOf(rule, subject)).execute();
}
