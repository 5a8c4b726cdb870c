import type { Database } from '../db/database.ts';

/** Site bans and temporary course bans whose end has passed are lifted. Permanent ones never are. */
export async function liftExpiredBans(db: Database): Promise<{ users: number; enrollments: number }> {
  const now = new Date();
  const users = await db
    .updateTable('user')
    .set({ banned: false, banReason: null, banExpires: null })
    .where('banned', '=', true)
    .where('banExpires', '<=', now)
    .executeTakeFirst();
  const enrollments = await db
    .updateTable('enrollment')
    .set({ banned: false, banType: null, banReason: null, banUntil: null })
    .where('banned', '=', true)
    .where('banType', '=', 'Temporary')
    .where('banUntil', '<=', now)
    .executeTakeFirst();
  return { users: Number(users.numUpdatedRows), enrollments: Number(enrollments.numUpdatedRows) };
}
