import type { Request, RequestHandler } from 'express';
import { sql } from 'kysely';
import type { Database } from '../../db/database.ts';
import { currentUser } from '../../http/guards.ts';
import { isHtmx } from '../../http/render.ts';
import { isForPersonSql, VISIBLE_STATUS } from './audience.ts';

/**
 * The nav's unread count and the urgent banner (issue 16), for every page a signed-in person is
 * shown: ONE query, scalar subqueries in one select, after loadCurrentUser. It is skipped (no query
 * at all) for visitors, htmx requests, anything but GET, and requests that are not a page (files
 * under /media, downloads, CSV and XML): see `wantsPage`.
 *
 * Counts stop at COUNT_CAP rows each: the nav shows "99+" beyond 99, so counting further would be
 * work nobody sees. The notifications' count runs on the partial index notification_unread_idx.
 */

/** Counting stops here; the nav shows "99+" from 100 on. */
export const COUNT_CAP = 100;

export interface UnreadCounts {
  /** notifications + announcements, each capped at COUNT_CAP. */
  total: number;
  notifications: number;
  announcements: number;
}

export interface UrgentAnnouncement {
  id: string;
  title: string;
  /** How many more urgent unread announcements there are besides this one. */
  more: number;
}

export interface UnreadState {
  unread: UnreadCounts;
  urgentAnnouncement: UrgentAnnouncement | undefined;
}

/** The unread counts and the newest urgent unread announcement of one person, in one round trip. */
export async function unreadState(db: Database, person: { id: string; role: string }): Promise<UnreadState> {
  const { rows } = await sql<{ notifications: number; announcements: number; urgent: number; urgentId: string | null; urgentTitle: string | null }>`
    with waiting as materialized (
      select a.id, a.title, a.is_urgent, a.published_at from announcement a
      where a.status = ${VISIBLE_STATUS} and ${isForPersonSql('a', person)}
        and not exists (select 1 from announcement_read_status r where r.announcement_id = a.id and r.user_id = ${person.id})
    )
    select
      (select count(*)::int from (select 1 from notification n where n.user_id = ${person.id} and not n.read limit ${COUNT_CAP}) mine) as notifications,
      (select count(*)::int from (select 1 from waiting limit ${COUNT_CAP}) w) as announcements,
      (select count(*)::int from waiting where is_urgent) as urgent,
      (select id from waiting where is_urgent order by published_at desc nulls last, id limit 1) as "urgentId",
      (select title from waiting where is_urgent order by published_at desc nulls last, id limit 1) as "urgentTitle"`.execute(db);
  const row = rows[0]!;
  return {
    unread: { total: row.notifications + row.announcements, notifications: row.notifications, announcements: row.announcements },
    urgentAnnouncement: row.urgentId && row.urgentTitle !== null ? { id: row.urgentId, title: row.urgentTitle, more: Math.max(0, row.urgent - 1) } : undefined,
  };
}

/** Paths that answer a file or data, not a page: no nav to fill. */
const NOT_A_PAGE = /^\/media\/|\/download$|\/attachments\/[^/]+$|\.(?:csv|xml|json|txt|pdf)$/i;

/** A GET for a whole page a person is shown (not htmx, not a subresource, not a file). */
function wantsPage(req: Request): boolean {
  if (req.method !== 'GET' || isHtmx(req)) return false;
  const dest = req.get('Sec-Fetch-Dest');
  if (dest && dest !== 'document') return false;
  return !NOT_A_PAGE.test(req.path);
}

/**
 * Puts `unread`, `urgentAnnouncement` and `currentPath` (where the banner's Dismiss comes back to)
 * in res.locals for the layout and the nav. Mounted right after loadCurrentUser.
 */
export function loadUnread(db: Database): RequestHandler {
  return async (req, res, next) => {
    const user = currentUser(res);
    if (!user || !wantsPage(req)) return next();
    const state = await unreadState(db, user);
    res.locals.unread = state.unread;
    res.locals.urgentAnnouncement = state.urgentAnnouncement;
    res.locals.currentPath = req.originalUrl;
    next();
  };
}
