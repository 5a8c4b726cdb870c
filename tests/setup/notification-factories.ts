import type { Insertable } from 'kysely';
import type { Database } from '../../src/db/database.ts';
import type { Notification } from '../../src/db/types.ts';

/**
 * Inbox rows for tests, written directly (src/ writes them only through notify(); tests set read
 * flags and dates notify() never would). `count` rows, the first the newest: row i is i minutes
 * older, titled `${title} ${i + 1}`.
 */
export async function createNotifications(
  db: Database,
  userId: string,
  count: number,
  overrides: Partial<Insertable<Notification>> & { title?: string } = {},
): Promise<Array<{ id: string; title: string }>> {
  if (count === 0) return [];
  const now = Date.now();
  const { title = 'Notice', ...rest } = overrides;
  return db
    .insertInto('notification')
    .values(
      Array.from({ length: count }, (_, i) => ({
        userId,
        type: 'PointsEarned' as const,
        message: `Message ${i + 1}`,
        link: '/dashboard',
        createdAt: new Date(now - i * 60_000),
        ...rest,
        title: `${title} ${i + 1}`,
      })),
    )
    .returning(['id', 'title'])
    .execute();
}

export const notificationOf = (db: Database, id: string) => db.selectFrom('notification').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
