import type { Database } from '../db/database.ts';
import { IDLE_TIMEOUT_MS } from '../features/accounts/sessions.ts';

/** Deletes what has expired: sign-ins, cookie sessions, mailed-link tokens and rate-limit windows. */
export async function pruneExpired(db: Database): Promise<Record<string, number>> {
  const now = new Date();
  const idleSince = new Date(now.getTime() - IDLE_TIMEOUT_MS);
  const counts: Record<string, number> = {};
  const count = (name: string, result: { numDeletedRows: bigint }) => (counts[name] = Number(result.numDeletedRows));
  count('session', await db.deleteFrom('session').where((eb) => eb.or([eb('expiresAt', '<=', now), eb('updatedAt', '<=', idleSince)])).executeTakeFirst());
  count('httpSession', await db.deleteFrom('httpSession').where('expire', '<=', now).executeTakeFirst());
  count('verification', await db.deleteFrom('verification').where('expiresAt', '<=', now).executeTakeFirst());
  count('rateLimit', await db.deleteFrom('rateLimit').where('windowEndsAt', '<=', now).executeTakeFirst());
  return counts;
}
