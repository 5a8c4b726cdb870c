/**
 * Additions to the spec for the admin users table and user page (issue 17), indexes only:
 *
 * - "user" (created_at, id): the table's default order (newest first) and its tie-break, read
 *   from the index instead of sorting every user.
 * - "user" (lower(first_name), lower(coalesce(last_name, '')), id): the sort by name.
 * - "user" (created_at) where banned is true: the banned filter and the admin home's count touch
 *   only the few banned rows.
 * - A trigram index on the lower-cased "first last email" text: the search box matches any part of
 *   a name or an address (`%ann%`), which a btree cannot serve.
 * - session (user_id, updated_at) where impersonated_by is null, and login_history (user_id,
 *   created_at): "last seen" (the newest of a person's own device activity and their last sign-in)
 *   is one index probe each, and the user page lists the newest sign-ins without sorting them all.
 * - activity_log (user_id, created_at): the user page's newest 20 actions of one actor.
 */
import { type Kysely, sql } from 'kysely';

/** The text the search box matches: src/features/admin/users-queries.ts uses this same expression. */
const USER_SEARCH_TEXT = `lower(first_name || ' ' || coalesce(last_name, '') || ' ' || email)`;

export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index user_created_at_id_idx on "user" (created_at, id)`.execute(db);
  await sql`create index user_name_idx on "user" (lower(first_name), lower(coalesce(last_name, '')), id)`.execute(db);
  await sql`create index user_banned_created_at_idx on "user" (created_at) where banned is true`.execute(db);
  await sql`create index user_search_trgm_idx on "user" using gin ((${sql.raw(USER_SEARCH_TEXT)}) gin_trgm_ops)`.execute(db);
  await sql`create index session_user_id_updated_at_idx on session (user_id, updated_at) where impersonated_by is null`.execute(db);
  await sql`create index login_history_user_id_created_at_idx on login_history (user_id, created_at)`.execute(db);
  await sql`create index activity_log_user_id_created_at_idx on activity_log (user_id, created_at)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const index of [
    'activity_log_user_id_created_at_idx',
    'login_history_user_id_created_at_idx',
    'session_user_id_updated_at_idx',
    'user_search_trgm_idx',
    'user_banned_created_at_idx',
    'user_name_idx',
    'user_created_at_id_idx',
  ]) {
    await sql`drop index ${sql.id(index)}`.execute(db);
  }
}
