import { sql, type ExpressionBuilder, type RawBuilder } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../db/database.ts';
import type { DB } from '../../db/types.ts';
import { containsPattern } from '../../lib/like.ts';

/**
 * What the admin log pages (activity.ts, logins.ts, errors.ts, search.ts) share: the "values present"
 * lists of their filter selects, a guarded uuid cast for the log's text ids, and trimming long text.
 */

/** A code-like filter value (an action, an entity or error type): anything else is dropped, never an error. */
export const codeFilter = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9_.:-]{1,80}$/)
  .optional()
  .catch(undefined);

/**
 * The distinct values of an indexed column, in order, for a filter's select. A loose index scan
 * (one index probe per value, "skip scan"): a plain `select distinct` would read every row of a log
 * with millions of rows to find its few dozen actions.
 */
export async function distinctValues(db: Database, table: 'activity_log' | 'error_log', column: 'action' | 'entity_type' | 'error_type'): Promise<string[]> {
  const t = sql.table(table);
  const c = sql.ref(column);
  const { rows } = await sql<{ value: string }>`
    with recursive v(value) as (
      (select ${c} from ${t} order by ${c} limit 1)
      union all
      select (select ${c} from ${t} where ${c} > v.value order by ${c} limit 1) from v where v.value is not null
    )
    select value from v where value is not null`.execute(db);
  return rows.map((r) => r.value);
}

/**
 * A text column holding a uuid, as a uuid (null for anything else), so a log row can be joined to
 * the thing it names through that table's primary key without failing on a malformed id.
 */
export function uuidOf(text: RawBuilder<unknown> | ReturnType<typeof sql.ref>): RawBuilder<string | null> {
  return sql<string | null>`(case when ${text} ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then (${text})::uuid end)`;
}

/**
 * The ids of the people whose name or email contains `text`, for a log's "user" filter: the same
 * expression as the users table's search (users-queries.ts), so its trigram index
 * (user_search_trgm_idx) finds them instead of a scan of every user.
 */
export function userIdsMatching(eb: ExpressionBuilder<DB, any>, text: string) {
  return eb
    .selectFrom('user as m')
    .select('m.id')
    .where(sql<string>`lower(m.first_name || ' ' || coalesce(m.last_name, '') || ' ' || m.email)`, 'like', containsPattern(text.toLowerCase()));
}

/** A long text cut for a table cell ("…" marks the cut); the whole text is on the detail page or in the CSV. */
export function truncate(text: string | null | undefined, max: number): string {
  if (!text) return '';
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** "user_role_changed" -> "user role changed": an audit action or entity type as people read it. */
export const spaced = (code: string): string => code.replace(/_/g, ' ');

/** "Ann Lee" from a user row's names ('' when there is no user). */
export const fullName = (first: string | null | undefined, last: string | null | undefined): string => `${first ?? ''} ${last ?? ''}`.trim();
