import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/types.ts';

/**
 * The audit trail in `activity_log`. Services take an AuditContext (who acted, from where) built
 * by the route (http/audit-context.ts) and write their row in the same transaction as the change.
 */

/** Who did it and from where; `ipAddress` and `userAgent` are null for work with no request (webhooks, jobs). */
export interface AuditContext {
  actorId: string;
  ipAddress: string | null;
  userAgent: string | null;
  /** The admin viewing Edupeak as the actor (impersonation): stored in the row's metadata as `impersonatedBy`. */
  impersonatorId?: string;
}

/** For work no person asked for over HTTP (a Stripe event): the person it is done for, no address. */
export const systemAudit = (actorId: string): AuditContext => ({ actorId, ipAddress: null, userAgent: null });

export type AuditAction =
  | 'course_created'
  | 'course_updated'
  | 'course_published'
  | 'course_unpublished'
  | 'course_archived'
  | 'course_handed_over'
  | 'chapter_added'
  | 'chapter_updated'
  | 'chapter_moved'
  | 'chapter_deleted'
  | 'chapter_published'
  | 'lesson_added'
  | 'lesson_updated'
  | 'lesson_moved'
  | 'lesson_deleted'
  | 'lesson_published'
  | 'media_uploaded'
  | 'attachment_added'
  | 'attachment_deleted'
  // Lesson captions (features/video/caption-store.ts).
  | 'caption_saved'
  | 'caption_deleted'
  | 'payment_refunded'
  | 'teacher_application_approved'
  | 'teacher_application_rejected'
  // Enrollment state and the students table (features/enrollments/service.ts).
  | 'enrollment_created'
  | 'enrollment_activated'
  | 'enrollment_cancelled'
  | 'enrollment_status_changed'
  | 'student_tagged'
  | 'student_banned'
  | 'student_unbanned'
  | 'certificate_revoked'
  | 'certificate_reissued'
  // Assessments (features/assessments).
  | 'assignment_created'
  | 'assignment_updated'
  | 'assignment_deleted'
  | 'quiz_created'
  | 'quiz_updated'
  | 'quiz_deleted'
  | 'question_added'
  | 'question_updated'
  | 'question_moved'
  | 'question_deleted'
  | 'submission_graded'
  // The blog (features/blog).
  | 'blog_submitted'
  | 'blog_approved'
  | 'blog_rejected'
  | 'blog_featured'
  | 'blog_unfeatured'
  | 'blog_unpublished'
  | 'blog_deleted'
  | 'blog_category_created'
  | 'blog_category_updated'
  | 'blog_category_deleted'
  | 'blog_comment_deleted'
  // Announcements (features/announcements/service.ts).
  | 'announcement_created'
  | 'announcement_updated'
  | 'announcement_published'
  | 'announcement_scheduled'
  | 'announcement_expired'
  | 'announcement_deleted'
  // Administration (features/admin): users, impersonation, settings, workspaces and invitations.
  | 'user_banned'
  | 'user_unbanned'
  | 'user_role_changed'
  | 'user_email_verified'
  | 'user_password_reset_sent'
  | 'impersonation_started'
  | 'impersonation_stopped'
  | 'setting_updated'
  | 'workspace_created'
  | 'workspace_updated'
  | 'membership_role_changed'
  | 'membership_removed'
  | 'invitation_sent'
  | 'invitation_revoked'
  | 'invitation_accepted'
  // Accounts: a sign-in (activity_log LoggedIn, with login_history's row).
  | 'logged_in'
  // Deleting one's account (features/accounts/deletion.ts): asked for, and called off by signing in.
  | 'account_deletion_requested'
  | 'account_deletion_cancelled'
  // The help desk (features/help).
  | 'help_request_opened'
  | 'help_request_answered'
  | 'help_request_replied'
  | 'help_request_resolved'
  | 'help_request_closed'
  // live support calls (features/support-calls)
  | 'support_call_started'
  | 'support_call_ended'
  | 'support_call_cancelled'
  | 'support_request_accepted'
  | 'support_request_rejected'
  | 'support_request_completed';

/** Writes one audit row; pass the transaction of the change it records. */
export async function recordActivity(
  db: Kysely<DB>,
  audit: AuditContext,
  entry: { action: AuditAction; entityType: string; entityId: string; metadata?: Record<string, unknown> },
): Promise<void> {
  const metadata = audit.impersonatorId ? { ...entry.metadata, impersonatedBy: audit.impersonatorId } : entry.metadata;
  await db
    .insertInto('activityLog')
    .values({
      userId: audit.actorId,
      action: entry.action,
      entityType: entry.entityType,
      entityId: entry.entityId,
      metadata: metadata ? JSON.stringify(metadata) : null,
      ipAddress: audit.ipAddress,
      userAgent: audit.userAgent?.slice(0, 500) ?? null,
      // The moment of the write, not the transaction's start (now()): rows written after waiting on a
      // lock keep their real order.
      createdAt: sql<Date>`clock_timestamp()`,
    })
    .execute();
}
