import { sql } from 'kysely';
import type { Database } from '../../db/database.ts';
import { inAudienceSql, VISIBLE_STATUS } from './audience.ts';

/**
 * Read marks (issue 16): one announcement_read_status row per reader and announcement, and
 * viewCount + 1 the first time only. One statement, so it is one transaction: the insert's
 * `on conflict do nothing` makes a second, concurrent mark by the same person wait for the first
 * and then insert nothing, and only a row that came back moves the counter. 30 parallel reads
 * leave one row and viewCount + 1 (tests/announcements/reading-races.test.ts).
 *
 * Only a Published announcement, and only for someone in its audience (the one rule in
 * audience.ts): a writer or an admin looking from their own pages is not a reader.
 *
 * No activity row: the read mark is itself the record (writers see it in their figures), and one
 * audit row per reader and announcement would only copy it.
 */

export interface ReadMark {
  /** The announcement is Published and addressed to the user. */
  addressed: boolean;
  /** This call wrote the read mark (false: it was already read, or it is not theirs to read). */
  marked: boolean;
}

/** Marks the announcement read by the user, once. */
export async function markAnnouncementRead(db: Database, announcementId: string, userId: string): Promise<ReadMark> {
  const { rows } = await sql<{ addressed: number; marked: number }>`
    with target as (
      select a.id from announcement a join "user" u on u.id = ${userId}
      where a.id = ${announcementId} and a.status = ${VISIBLE_STATUS} and ${inAudienceSql('a', 'u')}
    ), marked as (
      insert into announcement_read_status (user_id, announcement_id)
      select ${userId}, id from target
      on conflict (user_id, announcement_id) do nothing
      returning announcement_id
    ), counted as (
      update announcement set view_count = view_count + 1
      where id in (select announcement_id from marked)
      returning id
    )
    select (select count(*)::int from target) as addressed, (select count(*)::int from counted) as marked`.execute(db);
  return { addressed: (rows[0]?.addressed ?? 0) > 0, marked: (rows[0]?.marked ?? 0) > 0 };
}
