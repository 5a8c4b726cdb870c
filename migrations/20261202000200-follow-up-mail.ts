/**
 * Addition to the spec for the follow-up mail (issue 23, point 2: `enrollment.followUpEmailSent`):
 *
 * - NotificationType gains `CourseReminder`: "you enrolled a few days ago and have completed no
 *   lesson yet; pick up where you left off", sent once per enrollment by the follow-up-mail job
 *   (src/jobs/follow-up-mail.ts). None of the spec's types says that (they are about blog posts,
 *   comments, points, admin replies and invitations), and the job writes it through notify() so
 *   the mail goes through the mail outbox in the transaction that sets the flag, in the person's
 *   language, and only if they want this kind of mail. Appended, so the spec's values keep their
 *   order.
 * - notification_preference's topic check is replaced to allow it: a person can turn these
 *   reminders off on /account/notifications (the default is in system_config
 *   `notifications.mailDefaults`).
 *
 * No index: the job lists who is due once per daily run (one pass over enrollment with an anti-join
 * on lesson_progress: 0.1 s over 97,000 enrollments) and then claims them by primary key in batches;
 * a partial index on unflagged Active enrollments would still hold every student who has started
 * learning (they are never flagged), so it would not make the pass much shorter.
 */
import { type Kysely, sql } from 'kysely';

// The topics notification_preference accepted before this migration (20261127230100-support-call-additions.ts).
const TOPICS_BEFORE = `'BlogApproved', 'BlogRejected', 'CommentReceived', 'ReactionReceived', 'PointsEarned', 'AdminReply', 'SuperAdminInvitation', 'AssignmentGraded', 'UrgentAnnouncement', 'HelpRequestReply', 'SupportCallAccepted'`;

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter type "NotificationType" add value if not exists 'CourseReminder'`.execute(db);
  await sql`alter table notification_preference drop constraint if exists notification_preference_topic_check`.execute(db);
  await sql`alter table notification_preference add constraint notification_preference_topic_check check (topic in (${sql.raw(TOPICS_BEFORE)}, 'CourseReminder'))`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  // PostgreSQL cannot drop an enum value: the reminders (a nudge, nothing to keep) go; the
  // enrollments keep their flag, so no one is reminded twice if the migration runs again.
  await sql`delete from notification where type = 'CourseReminder'`.execute(db);
  await sql`delete from notification_preference where topic = 'CourseReminder'`.execute(db);
  await sql`alter table notification_preference drop constraint if exists notification_preference_topic_check`.execute(db);
  await sql`alter table notification_preference add constraint notification_preference_topic_check check (topic in (${sql.raw(TOPICS_BEFORE)}))`.execute(db);
}
