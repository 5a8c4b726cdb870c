import { sql } from 'kysely';
import type { Database } from '../db/database.ts';
import { IDLE_TIMEOUT_MS } from '../features/accounts/sessions.ts';
import { setting } from '../features/system/settings.ts';

/** An online_session row without activity for this long is deleted (/admin/online shows the last 5 minutes). */
export const ONLINE_SESSION_RETENTION_MS = 24 * 60 * 60 * 1000;

/** Sent mail is kept this long (to see what went out when someone asks), then deleted. */
export const SENT_MAIL_RETENTION_DAYS = 30;

/**
 * Deletes what has expired: sign-ins, cookie sessions, mailed-link tokens, rate-limit windows,
 * read notifications older than `notifications.pruneReadAfterDays` (unread ones stay, however old)
 * outbox mail sent more than SENT_MAIL_RETENTION_DAYS ago (unsent and failed rows stay), and
 * online_session rows idle for a day or whose sign-in is gone.
 */
export async function pruneExpired(db: Database): Promise<Record<string, number>> {
  const now = new Date();
  const idleSince = new Date(now.getTime() - IDLE_TIMEOUT_MS);
  const counts: Record<string, number> = {};
  const count = (name: string, result: { numDeletedRows: bigint }) => (counts[name] = Number(result.numDeletedRows));
  count('session', await db.deleteFrom('session').where((eb) => eb.or([eb('expiresAt', '<=', now), eb('updatedAt', '<=', idleSince)])).executeTakeFirst());
  count('httpSession', await db.deleteFrom('httpSession').where('expire', '<=', now).executeTakeFirst());
  // Who-is-online rows: a day without activity, or their sign-in is gone (signed out, expired, ended).
  const onlineBefore = new Date(now.getTime() - ONLINE_SESSION_RETENTION_MS);
  count(
    'onlineSession',
    await db
      .deleteFrom('onlineSession as o')
      .where((eb) => eb.or([eb('o.lastActivityAt', '<', onlineBefore), eb.not(eb.exists(eb.selectFrom('session as s').select(sql.lit(1).as('one')).whereRef(sql`s.id::text`, '=', 'o.sessionId')))]))
      .executeTakeFirst(),
  );
  count('verification', await db.deleteFrom('verification').where('expiresAt', '<=', now).executeTakeFirst());
  count('rateLimit', await db.deleteFrom('rateLimit').where('windowEndsAt', '<=', now).executeTakeFirst());
  const readAfterDays = await setting(db, 'notifications.pruneReadAfterDays');
  const readBefore = new Date(now.getTime() - readAfterDays * 86_400_000);
  count('notification', await db.deleteFrom('notification').where('read', '=', true).where('createdAt', '<', readBefore).executeTakeFirst());
  const sentBefore = new Date(now.getTime() - SENT_MAIL_RETENTION_DAYS * 86_400_000);
  count('mailOutbox', await db.deleteFrom('mailOutbox').where('sentAt', '<', sentBefore).executeTakeFirst());
  return counts;
}
