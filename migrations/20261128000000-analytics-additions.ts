/**
 * Analytics, leaderboards and points history (issue 19). Additions to the spec, each because a
 * feature needs what the spec's tables cannot tell:
 *
 * - point_ledger: every change to `user.points` (the spec keeps only the balance). The leaderboard
 *   ranks students by points *earned in a week or month*, and the dashboard shows a points history;
 *   neither can be read from a balance. Written only by src/features/points/ledger.ts, in the same
 *   statement as the balance change. Existing balances get one `Opening` row (dated now), which no
 *   leaderboard counts, so history and balance agree from the start.
 * - leaderboard_period: one row per awarded (period, start). The award job inserts it first with
 *   `on conflict do nothing` in the awarding transaction, so a period is awarded exactly once, even
 *   when the job runs twice or on two instances.
 * - leaderboard_award: who was placed in each period, with their points and rank (the spec's
 *   student_badge is unique per enrollment and type, so it cannot hold "top of the week" twice).
 * - user.leaderboard_opt_out: a student may keep their short name off /leaderboard (profile).
 *
 * Indexes for the analytics pages (issue 19's EXPLAIN tests keep them index-driven at size):
 * - enrollment (course_id, created_at): a course's enrollments per week.
 * - student_activity (enrollment_id, created_at): a course's active students in the last 7/30 days;
 *   student_activity (created_at): the platform's active users per day.
 * - lesson_progress (lesson_id, user_id) where completed: the completion funnel, per lesson.
 * - payment_transaction (refunded_at) where refunded: refunds per day, for revenue net of refunds.
 * - course_rating (course_id, rating): a course's ratings distribution.
 *
 * Activity at most once per user per item per day (issue 19), decided by unique partial indexes
 * (`insert ... on conflict do nothing`), like ViewedLesson and DownloadedFile before:
 * - LoggedIn once per enrollment and UTC day (every sign-in wrote one per enrollment; existing
 *   duplicates are removed, the earliest of each day kept).
 * - DownloadedFile also for certificates: the daily key becomes the attachment *or* the certificate
 *   (`metadata.certificateId`, the enrollment whose certificate it is).
 */
import { type Kysely, sql } from 'kysely';

const POINT_REASONS = ['Opening', 'Badge', 'Quiz', 'BlogEngagement', 'BlogRefund', 'BlogSubmission', 'EarlyUnlock'] as const;

export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table point_ledger (
      id uuid primary key default gen_random_uuid(),
      user_id uuid not null references "user"(id) on delete cascade,
      points integer not null check (points <> 0),
      reason text not null check (reason in (${sql.join(POINT_REASONS.map((r) => sql.lit(r)))})),
      description text not null check (length(description) between 1 and 300),
      link text check (link is null or link like '/%'),
      created_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index point_ledger_user_id_created_at_idx on point_ledger (user_id, created_at desc, id desc)`.execute(db);
  // Points earned (not refunds of spends, not the opening balance): the leaderboard's sum per period.
  await sql`
    create index point_ledger_earned_created_at_idx on point_ledger (created_at, user_id) include (points)
    where reason in ('Badge', 'Quiz', 'BlogEngagement')`.execute(db);
  await sql`
    insert into point_ledger (user_id, points, reason, description)
    select id, points, 'Opening', 'Points before the history began' from "user" where points > 0`.execute(db);

  await sql`
    create table leaderboard_period (
      period text not null check (period in ('week', 'month')),
      period_start date not null,
      awarded_at timestamptz not null default now(),
      primary key (period, period_start)
    )`.execute(db);
  await sql`
    create table leaderboard_award (
      period text not null,
      period_start date not null,
      rank integer not null check (rank >= 1),
      user_id uuid not null references "user"(id) on delete cascade,
      points integer not null check (points > 0),
      enrollment_id uuid references enrollment(id) on delete set null,
      primary key (period, period_start, user_id),
      foreign key (period, period_start) references leaderboard_period (period, period_start) on delete cascade
    )`.execute(db);
  await sql`create index leaderboard_award_user_id_idx on leaderboard_award (user_id)`.execute(db);
  await sql`create index leaderboard_award_enrollment_id_idx on leaderboard_award (enrollment_id)`.execute(db);

  await sql`alter table "user" add column leaderboard_opt_out boolean not null default false`.execute(db);

  await sql`create index enrollment_course_id_created_at_idx on enrollment (course_id, created_at)`.execute(db);
  await sql`create index student_activity_enrollment_id_created_at_idx on student_activity (enrollment_id, created_at)`.execute(db);
  await sql`create index student_activity_created_at_idx on student_activity (created_at)`.execute(db);
  await sql`create index lesson_progress_completed_idx on lesson_progress (lesson_id, user_id) where completed`.execute(db);
  await sql`create index payment_transaction_refunded_at_idx on payment_transaction (refunded_at) where refunded`.execute(db);
  await sql`create index course_rating_course_id_rating_idx on course_rating (course_id, rating)`.execute(db);

  await sql`
    delete from student_activity a using student_activity b
    where a.type = 'LoggedIn' and b.type = 'LoggedIn' and a.enrollment_id = b.enrollment_id
      and (a.created_at at time zone 'UTC')::date = (b.created_at at time zone 'UTC')::date
      and (a.created_at, a.id) > (b.created_at, b.id)`.execute(db);
  await sql`
    create unique index student_activity_logged_in_daily_key on student_activity
      (enrollment_id, ((created_at at time zone 'UTC')::date)) where type = 'LoggedIn'`.execute(db);
  await sql`drop index student_activity_downloaded_file_daily_key`.execute(db);
  await sql`
    create unique index student_activity_downloaded_file_daily_key on student_activity
      (enrollment_id, (coalesce(metadata->>'attachmentId', 'certificate:' || (metadata->>'certificateId'))), ((created_at at time zone 'UTC')::date))
      where type = 'DownloadedFile'`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index student_activity_downloaded_file_daily_key`.execute(db);
  await sql`
    create unique index student_activity_downloaded_file_daily_key on student_activity
      (enrollment_id, (metadata->>'attachmentId'), ((created_at at time zone 'UTC')::date))
      where type = 'DownloadedFile'`.execute(db);
  await sql`drop index student_activity_logged_in_daily_key`.execute(db);
  for (const index of [
    'course_rating_course_id_rating_idx',
    'payment_transaction_refunded_at_idx',
    'lesson_progress_completed_idx',
    'student_activity_created_at_idx',
    'student_activity_enrollment_id_created_at_idx',
    'enrollment_course_id_created_at_idx',
  ]) {
    await sql`drop index ${sql.id(index)}`.execute(db);
  }
  await sql`alter table "user" drop column leaderboard_opt_out`.execute(db);
  await sql`drop table leaderboard_award`.execute(db);
  await sql`drop table leaderboard_period`.execute(db);
  await sql`drop table point_ledger`.execute(db);
}
