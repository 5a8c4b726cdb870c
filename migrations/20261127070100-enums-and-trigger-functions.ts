/**
 * Creates the 23 enum types of the spec ("Enums & Constants"), named and ordered exactly as
 * the spec lists them, and the trigger function set_updated_at() that every later migration
 * attaches (BEFORE UPDATE) to each table with an updated_at column.
 *
 * No extension is created: gen_random_uuid() is built into PostgreSQL 13+.
 */
import { type Kysely, sql } from 'kysely';

/** [type name, values], in the spec's order. */
const enums: ReadonlyArray<readonly [string, readonly string[]]> = [
  // Course
  ['CourseLevel', ['Beginner', 'Intermediate', 'Advanced']],
  ['CourseStatus', ['Draft', 'Published', 'Archived']],
  ['ChapterStatus', ['Draft', 'Scheduled', 'Published']],
  ['LessonStatus', ['Draft', 'Scheduled', 'Published']],
  // Enrollment
  ['EnrollmentStatus', ['Pending', 'Active', 'Cancelled']],
  ['BanType', ['Temporary', 'Permanent']],
  ['StudentTag', ['TopPerformer', 'NeedsHelp', 'SlowLearner', 'ActiveCommunicator']],
  [
    'StudentBadgeType',
    [
      'FirstLessonCompleted',
      'SevenDayStreak',
      'HundredPercentProgress',
      'DiscussionContributor',
      'MonthlyTopPerformer',
      'WeeklyTopPerformer',
    ],
  ],
  [
    'ActivityType',
    [
      'LoggedIn',
      'CompletedLesson',
      'DownloadedFile',
      'MissedAssignment',
      'SubmittedAssignment',
      'ViewedLesson',
      'StartedCourse',
    ],
  ],
  // Assessment
  ['AssignmentSubmissionStatus', ['Pending', 'Graded', 'Returned']],
  // Blog
  ['BlogStatus', ['Pending', 'Approved', 'Rejected', 'Published']],
  ['ReactionType', ['Like', 'Love', 'Insightful', 'Funny']],
  // Notification
  [
    'NotificationType',
    [
      'BlogApproved',
      'BlogRejected',
      'CommentReceived',
      'ReactionReceived',
      'PointsEarned',
      'AdminReply',
      'SuperAdminInvitation',
    ],
  ],
  // Workspace
  ['WorkspaceRole', ['Member', 'Admin', 'SuperAdmin']],
  ['InvitationStatus', ['Pending', 'Accepted', 'Expired', 'Revoked']],
  // Announcement
  [
    'AnnouncementTargetRole',
    ['AllStudents', 'AllTeachers', 'AllUsers', 'SpecificStudents', 'SpecificTeachers', 'CourseStudents'],
  ],
  ['AnnouncementStatus', ['Draft', 'Scheduled', 'Published', 'Expired']],
  // Support
  ['SupportCallStatus', ['Active', 'Ended', 'Cancelled']],
  ['SupportRequestStatus', ['Pending', 'Accepted', 'Rejected', 'Completed']],
  ['HelpRequestStatus', ['Pending', 'InProgress', 'Resolved', 'Closed']],
  ['HelpRequestUserType', ['Teacher', 'Student', 'Admin']],
  // Payment
  ['PaymentTransactionStatus', ['Pending', 'Completed', 'Failed', 'Refunded', 'Cancelled']],
  // Teacher application
  ['TeacherApplicationStatus', ['Pending', 'Approved', 'Rejected']],
];

export async function up(db: Kysely<any>): Promise<void> {
  for (const [name, values] of enums) {
    await db.schema.createType(name).asEnum([...values]).execute();
  }

  // Keeps updated_at current on every UPDATE that does not set it itself. An UPDATE that sets
  // updated_at explicitly keeps its value: the sign-in `session` row uses updated_at as "last
  // activity", and a data fix or a test may need to set it to a given time.
  await sql`
    create function set_updated_at() returns trigger
    language plpgsql as $$
    begin
      if NEW.updated_at is not distinct from OLD.updated_at then
        NEW.updated_at = now();
      end if;
      return NEW;
    end;
    $$
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop function set_updated_at()`.execute(db);

  for (const [name] of [...enums].reverse()) {
    await db.schema.dropType(name).execute();
  }
}
