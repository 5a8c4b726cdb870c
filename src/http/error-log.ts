import { sql, type Insertable } from 'kysely';
import type { Database } from '../db/database.ts';
import type { ErrorLog } from '../db/types.ts';

/** A repeat of an error within this long of its row's first occurrence counts up that row. */
export const ERROR_REPEAT_WINDOW_SECONDS = 60;

export type ErrorEntry = Omit<Insertable<ErrorLog>, 'id' | 'createdAt' | 'lastSeenAt' | 'occurrences'>;

/**
 * Writes an error to error_log, capped: the same error type and message within a minute adds one
 * to the row's `occurrences` (and moves `lastSeenAt`) instead of adding a row, so a route that
 * fails on every request, or a probe hammering one, cannot fill the table. The row keeps its first
 * occurrence's endpoint, user and stack.
 *
 * Race-safe across instances: a transaction-scoped advisory lock on the (type, message) pair
 * serializes writers of the same error, so parallel repeats find each other's row instead of each
 * inserting one; different errors do not wait for each other (bar a hash collision).
 */
export async function recordError(db: Database, entry: ErrorEntry): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext(${`edupeak-error:${entry.errorType}\n${entry.message}`}))`.execute(trx);
    const repeated = await trx
      .updateTable('errorLog')
      .set((eb) => ({ occurrences: eb('occurrences', '+', 1), lastSeenAt: sql<Date>`now()` }))
      .where('id', '=', (eb) =>
        eb
          .selectFrom('errorLog')
          .select('id')
          .where('errorType', '=', entry.errorType)
          // md5(message) first: it is what error_log_repeat_idx holds.
          .where(sql<string>`md5(message)`, '=', sql<string>`md5(${entry.message})`)
          .where('message', '=', entry.message)
          .where('createdAt', '>', sql<Date>`now() - make_interval(secs => ${ERROR_REPEAT_WINDOW_SECONDS})`)
          .orderBy('createdAt', 'desc')
          .limit(1),
      )
      .executeTakeFirst();
    if (repeated.numUpdatedRows > 0n) return;
    await trx.insertInto('errorLog').values(entry).execute();
  });
}
