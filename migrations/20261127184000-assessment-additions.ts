/**
 * Additions to the spec for assessments (issue 14):
 *
 * - NotificationType gains `AssignmentGraded`: a graded assignment tells its student, and none of
 *   the spec's types says that (AdminReply is an admin's answer to a help request; reusing it would
 *   make the inbox and the per-type mail preferences of the notifications issue lie). Appended, so the
 *   spec's values keep their order.
 * - assignment_submission (assignment_id, status, submitted_at): the teacher's grading queue filters
 *   a course's submissions by assignment and status and sorts them by time; the spec's foreign-key
 *   index covers only the first column.
 * - student_activity: one `MissedAssignment` row per enrollment and assignment, whatever the job's
 *   timing (a partial unique index on the assignment id in its metadata), so running the job twice,
 *   or on two instances at once, writes nothing new.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`alter type "NotificationType" add value if not exists 'AssignmentGraded'`.execute(db);
  await sql`create index assignment_submission_queue_idx on assignment_submission (assignment_id, status, submitted_at)`.execute(db);
  await sql`
    create unique index student_activity_missed_assignment_key on student_activity (enrollment_id, (metadata->>'assignmentId'))
    where type = 'MissedAssignment'`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index student_activity_missed_assignment_key`.execute(db);
  await sql`drop index assignment_submission_queue_idx`.execute(db);
  // PostgreSQL cannot drop an enum value; rows using it are moved to the nearest spec type first.
  await sql`update notification set type = 'AdminReply' where type = 'AssignmentGraded'`.execute(db);
}
