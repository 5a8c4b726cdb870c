/**
 * Additions to the spec for the admin logs (issue 17: /admin/activity, /admin/logins,
 * /admin/errors, /admin/search), indexes only. Each serves a filter or sort of those tables that
 * would otherwise read the whole log (src/features/admin/activity.ts, logins.ts, errors.ts,
 * search.ts):
 *
 * - activity_log (action, created_at) and (entity_type, created_at): "this action" or "this kind
 *   of thing", newest first, read from the index instead of filtering the whole log by date.
 *   (activity_log (user_id, created_at), for one actor, is in 20261127220000-user-admin-indexes.)
 * - activity_log (entity_id, created_at): everything done to one thing ("entity id" alone); the
 *   spec's (entity_type, entity_id) needs the type first.
 * - login_history (success, created_at): failed sign-ins, newest first.
 * - login_history (ip_address text_pattern_ops): the address filter matches a prefix ("10.0.") and
 *   the spec's plain btree on ip_address cannot serve LIKE under the database's collation.
 * - error_log (last_seen_at): the date filter keeps rows whose span [created_at, last_seen_at]
 *   touches the range; the admin home counts the last 24 hours on it too.
 * - search_analytics (created_at) where results_count = 0: searches that found nothing in a
 *   period, without reading every search of the period.
 */
import { type Kysely, sql } from 'kysely';

const INDEXES: Array<[string, string]> = [
  ['activity_log_action_created_at_idx', 'activity_log (action, created_at)'],
  ['activity_log_entity_type_created_at_idx', 'activity_log (entity_type, created_at)'],
  ['activity_log_entity_id_created_at_idx', 'activity_log (entity_id, created_at)'],
  ['login_history_success_created_at_idx', 'login_history (success, created_at)'],
  ['login_history_ip_address_prefix_idx', 'login_history (ip_address text_pattern_ops)'],
  ['error_log_last_seen_at_idx', 'error_log (last_seen_at)'],
  ['search_analytics_zero_results_created_at_idx', 'search_analytics (created_at) where results_count = 0'],
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const [name, definition] of INDEXES) await sql`create index ${sql.id(name)} on ${sql.raw(definition)}`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const [name] of [...INDEXES].reverse()) await sql`drop index ${sql.id(name)}`.execute(db);
}
