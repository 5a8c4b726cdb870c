import type { Database } from '../db/database.ts';
import { liftExpiredCourseBans } from '../features/enrollments/service.ts';

/** Site bans and temporary course bans whose end has passed are lifted. Permanent ones never are. */
export async function liftExpiredBans(db: Database): Promise<{ users: number; enrollments: number }> {
  const now = new Date();
  const users = await db
    .updateTable('user')
    .set({ banned: false, banReason: null, banExpires: null })
    .where('banned', '=', true)
    .where('banExpires', '<=', now)
    .executeTakeFirst();
  // Course bans belong to the enrollments service (each lifted one gets its audit row).
  const enrollments = await liftExpiredCourseBans(db, now);
  return { users: Number(users.numUpdatedRows), enrollments };
}
