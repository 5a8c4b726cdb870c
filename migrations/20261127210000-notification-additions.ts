/**
 * Additions to the spec for the notifications inbox and announcements (issue 16):
 *
 * - notification (user_id, created_at desc) and a partial index on (user_id) where not read: the
 *   inbox lists a user's notifications newest first, and the nav's unread count runs on every page;
 *   the spec's separate user_id and read indexes make the planner filter or sort in memory.
 * - notification_preference: whether a person wants mail for one kind of notification (`topic`:
 *   a NotificationType, or UrgentAnnouncement). The spec has no place for this; a missing row means
 *   the default in system_config `notifications.mailDefaults`.
 * - mail_outbox: every mail a notification or an urgent announcement sends, written in the same
 *   transaction as the thing it tells about, and delivered after commit by the app or the
 *   deliver-mail job (src/features/notifications/outbox.ts). A row is claimed (sent_at set and
 *   committed) before it is sent, so a crash never mails twice; unique (announcement_id, user_id)
 *   records who an announcement has been mailed to, so a publish that runs again mails no one twice.
 *   A send that fails is put back (sent_at null, attempts + 1, the error kept) up to five tries.
 * - announcement.body_markdown: the writer's Markdown; the spec's `body` holds the sanitised HTML,
 *   rendered once at save (as blog.content_markdown).
 * - announcement.expires_at: the optional end date after which the job sets Expired (the spec has
 *   the Expired status but no date to reach it by).
 * - announcement.attachment_names: the file name shown for each of `attachment_keys` (same order;
 *   keys are random, never made from user input).
 * - notification (created_at) where read: the prune job deletes read notifications past an age.
 * - announcement (status, scheduled_at) for the publishing job, (status, published_at desc) for the
 *   readers' list, a GIN index on target_user_ids for Specific* audiences, and one on
 *   attachment_keys for /media's "whose file is this" lookup.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`create index notification_user_id_created_at_idx on notification (user_id, created_at desc)`.execute(db);
  await sql`create index notification_unread_idx on notification (user_id) where not read`.execute(db);
  await sql`create index notification_read_created_at_idx on notification (created_at) where read`.execute(db);

  await sql`
    create table notification_preference (
      user_id uuid not null references "user" (id) on delete cascade,
      topic text not null check (topic in ('BlogApproved', 'BlogRejected', 'CommentReceived', 'ReactionReceived', 'PointsEarned', 'AdminReply', 'SuperAdminInvitation', 'AssignmentGraded', 'UrgentAnnouncement')),
      email boolean not null,
      updated_at timestamptz not null default now(),
      constraint notification_preference_pkey primary key (user_id, topic)
    )`.execute(db);
  await sql`create trigger notification_preference_set_updated_at before update on notification_preference for each row execute function set_updated_at()`.execute(db);

  await sql`
    create table mail_outbox (
      id uuid not null default gen_random_uuid(),
      user_id uuid not null references "user" (id) on delete cascade,
      notification_id uuid references notification (id) on delete cascade,
      announcement_id uuid references announcement (id) on delete cascade,
      subject text,
      text text,
      html text,
      created_at timestamptz not null default now(),
      sent_at timestamptz,
      attempts integer not null default 0,
      error text,
      constraint mail_outbox_pkey primary key (id),
      constraint mail_outbox_about_one check (num_nonnulls(notification_id, announcement_id) = 1)
    )`.execute(db);
  await sql`create index mail_outbox_unsent_idx on mail_outbox (created_at) where sent_at is null`.execute(db);
  await sql`create index mail_outbox_user_id_idx on mail_outbox (user_id)`.execute(db);
  await sql`create index mail_outbox_notification_id_idx on mail_outbox (notification_id)`.execute(db);
  await sql`create unique index mail_outbox_announcement_id_user_id_key on mail_outbox (announcement_id, user_id)`.execute(db);

  await sql`alter table announcement add column body_markdown text`.execute(db);
  await sql`alter table announcement add column expires_at timestamptz`.execute(db);
  await sql`alter table announcement add column attachment_names text[] not null default '{}'`.execute(db);
  await sql`alter table announcement add constraint announcement_attachment_names_match check (cardinality(attachment_names) = cardinality(attachment_keys))`.execute(db);
  await sql`create index announcement_status_scheduled_at_idx on announcement (status, scheduled_at)`.execute(db);
  await sql`create index announcement_status_published_at_idx on announcement (status, published_at desc)`.execute(db);
  await sql`create index announcement_target_user_ids_idx on announcement using gin (target_user_ids)`.execute(db);
  await sql`create index announcement_attachment_keys_idx on announcement using gin (attachment_keys)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index announcement_attachment_keys_idx`.execute(db);
  await sql`drop index notification_read_created_at_idx`.execute(db);
  await sql`drop index announcement_target_user_ids_idx`.execute(db);
  await sql`drop index announcement_status_published_at_idx`.execute(db);
  await sql`drop index announcement_status_scheduled_at_idx`.execute(db);
  await sql`alter table announcement drop constraint announcement_attachment_names_match`.execute(db);
  await sql`alter table announcement drop column attachment_names`.execute(db);
  await sql`alter table announcement drop column expires_at`.execute(db);
  await sql`alter table announcement drop column body_markdown`.execute(db);
  await sql`drop table mail_outbox`.execute(db);
  await sql`drop table notification_preference`.execute(db);
  await sql`drop index notification_unread_idx`.execute(db);
  await sql`drop index notification_user_id_created_at_idx`.execute(db);
}
