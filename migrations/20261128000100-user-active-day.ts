/**
 * user_active_day (issue 19), an addition to the spec: one row per user and UTC day on which they
 * used Edupeak signed in. /admin/analytics' "active users" per day, week or month counted these
 * from login_history, student_activity and online_session at once: 1.3-2.7 s for 90 days on the
 * large data set (1,000,000 activity rows), the statement reading most of student_activity. Kept
 * as it happens instead, by the presence tracker (src/features/accounts/presence.ts, at most one
 * upsert a minute per device, the same statement), so the page reads one small index.
 *
 * Backfilled from the three sources, so history from before this table counts too.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table user_active_day (
      day date not null,
      user_id uuid not null references "user"(id) on delete cascade,
      primary key (day, user_id)
    )`.execute(db);
  await sql`create index user_active_day_user_id_idx on user_active_day (user_id)`.execute(db);
  await sql`
    insert into user_active_day (day, user_id)
    select (l.created_at at time zone 'UTC')::date, l.user_id from login_history l where l.success
    union
    select (a.created_at at time zone 'UTC')::date, e.user_id
    from student_activity a join enrollment e on e.id = a.enrollment_id
    where a.type <> 'MissedAssignment'
    union
    select (o.last_activity_at at time zone 'UTC')::date, o.user_id from online_session o`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table user_active_day`.execute(db);
}
