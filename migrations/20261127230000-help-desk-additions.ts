/**
 * Additions to the spec for the help desk (issue 18):
 *
 * - help_request_message: every message of a request's conversation (the opening message, each
 *   admin answer, each user reply) with its author, the author's side ('user' or 'admin') and the
 *   time. The spec's help_request keeps only the latest answer (`response`, `respondedAt`) and the
 *   latest reply (`userReply`, `userRepliedAt`): they are still written, but several turns would
 *   overwrite each other there. `author_id` is set null when the author's account is deleted
 *   (an admin's answers stay in other people's threads; the side says who it was); the requester's
 *   own messages go with the request (help_request cascades from its user). Index
 *   (help_request_id, created_at): a thread is read in order; (author_id) for the foreign key.
 * - help_request.assigned_admin_id: the admin who answered first; user replies notify them. Until
 *   someone answers, no one in particular is told: the request waits in the admin queue
 *   (/admin/help, open requests by default). Set null if that admin's account is deleted.
 * - help_request (status, created_at, id) and (user_type, status, created_at, id): the admin
 *   queue's filters and its default order (oldest waiting first) read an index, not every row.
 * - NotificationType gains `HelpRequestReply` ("the person you answered replied"): none of the spec's
 *   types says that (AdminReply is an admin's answer to the user). Appended, so the spec's values
 *   keep their order; notification_preference's topic check allows it (its mail default is in
 *   system_config `notifications.mailDefaults`).
 */
import { type Kysely, sql } from 'kysely';

// The topics notification_preference accepted before this migration (20261127210000-notification-additions.ts).
const TOPICS_BEFORE = `'BlogApproved', 'BlogRejected', 'CommentReceived', 'ReactionReceived', 'PointsEarned', 'AdminReply', 'SuperAdminInvitation', 'AssignmentGraded', 'UrgentAnnouncement'`;

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter type "NotificationType" add value if not exists 'HelpRequestReply'`.execute(db);
  await sql`alter table notification_preference drop constraint notification_preference_topic_check`.execute(db);
  await sql`alter table notification_preference add constraint notification_preference_topic_check check (topic in (${sql.raw(TOPICS_BEFORE)}, 'HelpRequestReply'))`.execute(db);

  await sql`
    create table help_request_message (
      id uuid not null default gen_random_uuid(),
      help_request_id uuid not null references help_request (id) on delete cascade,
      author_id uuid references "user" (id) on delete set null,
      author_role text not null check (author_role in ('user', 'admin')),
      body text not null check (char_length(body) between 1 and 5000),
      created_at timestamptz not null default now(),
      constraint help_request_message_pkey primary key (id)
    )`.execute(db);
  await sql`create index help_request_message_help_request_id_created_at_idx on help_request_message (help_request_id, created_at, id)`.execute(db);
  await sql`create index help_request_message_author_id_idx on help_request_message (author_id)`.execute(db);

  await sql`alter table help_request add column assigned_admin_id uuid references "user" (id) on delete set null`.execute(db);
  await sql`create index help_request_assigned_admin_id_idx on help_request (assigned_admin_id)`.execute(db);
  await sql`create index help_request_status_created_at_idx on help_request (status, created_at, id)`.execute(db);
  await sql`create index help_request_user_type_status_created_at_idx on help_request (user_type, status, created_at, id)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index help_request_user_type_status_created_at_idx`.execute(db);
  await sql`drop index help_request_status_created_at_idx`.execute(db);
  await sql`alter table help_request drop column assigned_admin_id`.execute(db);
  await sql`drop table help_request_message`.execute(db);
  // PostgreSQL cannot drop an enum value: rows using it move to the nearest spec type, and the
  // preference check goes back to what it was (a later migration's values are gone by now).
  await sql`delete from notification_preference where topic = 'HelpRequestReply'`.execute(db);
  await sql`alter table notification_preference drop constraint notification_preference_topic_check`.execute(db);
  await sql`alter table notification_preference add constraint notification_preference_topic_check check (topic in (${sql.raw(TOPICS_BEFORE)}))`.execute(db);
  await sql`update notification set type = 'AdminReply' where type = 'HelpRequestReply'`.execute(db);
}
