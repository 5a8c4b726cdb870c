/**
 * Additions to the spec for live support calls (issue 18, office hours):
 *
 * - NotificationType gains `SupportCallAccepted`: a student the host accepts is told (inbox; mail
 *   only when they ask for it, the default being off since they are on the call's page already).
 *   Appended, so the spec's values keep their order.
 * - notification_preference's topic check is replaced to allow it, and `HelpRequestReply` (the help
 *   desk's addition, migration 20261127230000, which runs before this one): the list of mail topics
 *   is every NotificationType plus UrgentAnnouncement.
 * - support_call.meeting_url: the meeting link of the call. With SUPPORT_CALL_URL_TEMPLATE set it is
 *   the template with the random room name (kept in the spec's `stream_call_id`) put in, computed
 *   once at the start, so changing the template later does not move a call that is live; without a
 *   template it is the https link the host pasted. The spec's Stream.io is one provider behind the
 *   template, not hard-wired. Never shown to anyone but the host and a student the host accepted.
 * - support_call_request.rejection_reason: what the host said when turning a request down (or "The
 *   call ended" for those still waiting when the call ends), shown to the student.
 * - one Active call per course (a partial unique index): the learn pages show the live call, and
 *   a second host starting one at the same moment is refused rather than splitting the queue. Also
 *   the index the learn pages' "is a call live here" lookup reads.
 */
import { type Kysely, sql } from 'kysely';

const TOPICS_BEFORE = `'BlogApproved', 'BlogRejected', 'CommentReceived', 'ReactionReceived', 'PointsEarned', 'AdminReply', 'SuperAdminInvitation', 'AssignmentGraded', 'UrgentAnnouncement'`;

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter type "NotificationType" add value if not exists 'SupportCallAccepted'`.execute(db);
  await sql`alter table notification_preference drop constraint if exists notification_preference_topic_check`.execute(db);
  await sql`alter table notification_preference add constraint notification_preference_topic_check check (topic in (${sql.raw(TOPICS_BEFORE)}, 'HelpRequestReply', 'SupportCallAccepted'))`.execute(db);

  await sql`alter table support_call add column meeting_url text`.execute(db);
  await sql`alter table support_call add constraint support_call_meeting_url_check check (meeting_url ~ '^https?://' and length(meeting_url) <= 2000)`.execute(db);
  await sql`alter table support_call_request add column rejection_reason text`.execute(db);
  await sql`alter table support_call_request add constraint support_call_request_rejection_reason_check check (length(rejection_reason) <= 500)`.execute(db);
  await sql`create unique index support_call_one_active_per_course on support_call (course_id) where status = 'Active'`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index support_call_one_active_per_course`.execute(db);
  await sql`alter table support_call_request drop column rejection_reason`.execute(db);
  await sql`alter table support_call drop column meeting_url`.execute(db);
  // PostgreSQL cannot drop an enum value: notices of the added type become the nearest spec type.
  await sql`update notification set type = 'AdminReply' where type = 'SupportCallAccepted'`.execute(db);
  await sql`delete from notification_preference where topic = 'SupportCallAccepted'`.execute(db);
  await sql`alter table notification_preference drop constraint if exists notification_preference_topic_check`.execute(db);
  await sql`alter table notification_preference add constraint notification_preference_topic_check check (topic in (${sql.raw(TOPICS_BEFORE)}, 'HelpRequestReply'))`.execute(db);
}
