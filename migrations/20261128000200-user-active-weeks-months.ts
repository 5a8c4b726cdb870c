/**
 * user_active_week and user_active_month (issue 19), additions to the spec beside user_active_day:
 * the same "used Edupeak signed in" fact per UTC week (Monday) and month, one row per person each.
 * /admin/analytics counts each person once per week or month; made distinct from the day rows at
 * query time that was 0.3-0.45 s for 90 days and 0.7-0.9 s for 12 months on the large data set
 * (688,000 day rows), most of the page's time. Now each bucket is a count(*) over its own primary
 * key's range.
 *
 * Kept by a statement-level trigger on user_active_day, so every writer of a day (the presence
 * tracker, the seeds, tests) keeps the weeks and months without knowing of them: the day rows a
 * statement added add their weeks and months (`on conflict do nothing`). Backfilled from the day rows.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  for (const [table, column] of [['user_active_week', 'week'], ['user_active_month', 'month']] as const) {
    await sql`
      create table ${sql.id(table)} (
        ${sql.id(column)} date not null,
        user_id uuid not null references "user"(id) on delete cascade,
        primary key (${sql.id(column)}, user_id)
      )`.execute(db);
    await sql`create index ${sql.id(`${table}_user_id_idx`)} on ${sql.id(table)} (user_id)`.execute(db);
  }
  // Statement-level, over the rows the statement added (a transition table): one insert each for
  // a whole bulk load (the large seed's 688,000 days) as for the presence tracker's single day.
  await sql`
    create function user_active_day_rollup() returns trigger language plpgsql as $$
    begin
      insert into user_active_week (week, user_id)
      select distinct date_trunc('week', day::timestamp)::date, user_id from added_days
      on conflict do nothing;
      insert into user_active_month (month, user_id)
      select distinct date_trunc('month', day::timestamp)::date, user_id from added_days
      on conflict do nothing;
      return null;
    end $$`.execute(db);
  await sql`
    create trigger user_active_day_rollup after insert on user_active_day
    referencing new table as added_days
    for each statement execute function user_active_day_rollup()`.execute(db);
  await sql`
    insert into user_active_week (week, user_id)
    select distinct date_trunc('week', day::timestamp)::date, user_id from user_active_day`.execute(db);
  await sql`
    insert into user_active_month (month, user_id)
    select distinct date_trunc('month', day::timestamp)::date, user_id from user_active_day`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger user_active_day_rollup on user_active_day`.execute(db);
  await sql`drop function user_active_day_rollup()`.execute(db);
  await sql`drop table user_active_month`.execute(db);
  await sql`drop table user_active_week`.execute(db);
}
