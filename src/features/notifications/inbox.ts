import { sql } from 'kysely';
import type { Database } from '../../db/database.ts';
import type { NotificationType } from './notify.ts';

/**
 * The inbox's reads and its one state change (read). Only the owner's rows are ever touched: every
 * statement filters on user_id, so someone else's id (or a made-up one) finds nothing, which the
 * routes answer with 404 as for a missing notification.
 *
 * Marking read is not audited: it is the person's own view of their inbox (like a mail client's
 * read flag), changes nothing anyone else sees, and would write an audit row per click.
 */

export const INBOX_PER_PAGE = 30;

export interface InboxItem {
  id: string;
  type: NotificationType;
  title: string;
  message: string;
  link: string | null;
  read: boolean;
  createdAt: Date;
}

const COLUMNS = ['id', 'type', 'title', 'message', 'link', 'read', 'createdAt'] as const;

/** How many notifications the person has, and how many of them are unread: one query. */
export async function inboxCounts(db: Database, userId: string): Promise<{ total: number; unread: number }> {
  const row = await db
    .selectFrom('notification')
    .select([sql<number>`count(*)::int`.as('total'), sql<number>`(count(*) filter (where not read))::int`.as('unread')])
    .where('userId', '=', userId)
    .executeTakeFirstOrThrow();
  return { total: row.total, unread: row.unread };
}

/**
 * One page of the inbox, newest first (notification_user_id_created_at_idx), and the counts: two
 * queries whatever the page holds. Rows written together (one notify() call) share created_at, so
 * the id breaks ties and a row never shows on two pages.
 */
export async function inboxPage(db: Database, userId: string, page: number): Promise<{ items: InboxItem[]; total: number; unread: number }> {
  const [items, counts] = await Promise.all([
    db
      .selectFrom('notification')
      .select(COLUMNS)
      .where('userId', '=', userId)
      .orderBy('createdAt', 'desc')
      .orderBy('id', 'desc')
      .limit(INBOX_PER_PAGE)
      .offset((page - 1) * INBOX_PER_PAGE)
      .execute(),
    inboxCounts(db, userId),
  ]);
  return { items, ...counts };
}

/**
 * Marks one of the person's notifications read and returns it (already read: returned as it is, so
 * a second click is no error). Someone else's, or none: undefined.
 */
export async function markRead(db: Database, userId: string, id: string): Promise<InboxItem | undefined> {
  return db.updateTable('notification').set({ read: true }).where('id', '=', id).where('userId', '=', userId).returning(COLUMNS).executeTakeFirst();
}

/** Marks every unread notification of the person read (one statement); how many changed. */
export async function markAllRead(db: Database, userId: string): Promise<number> {
  const result = await db.updateTable('notification').set({ read: true }).where('userId', '=', userId).where('read', '=', false).executeTakeFirst();
  return Number(result.numUpdatedRows);
}
