import type { Request } from 'express';
import type { Database } from '../../db/database.ts';

/** What a teacher (or admin) did, for the audit trail in `activity_log`. */
export type AuditAction =
  | 'course_created'
  | 'course_updated'
  | 'course_published'
  | 'course_unpublished'
  | 'course_archived'
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
  | 'payment_refunded'
  | 'teacher_application_approved'
  | 'teacher_application_rejected';

export async function recordActivity(
  db: Database,
  req: Request,
  entry: { userId: string; action: AuditAction; entityType: string; entityId: string; metadata?: Record<string, unknown> },
): Promise<void> {
  await db
    .insertInto('activityLog')
    .values({
      userId: entry.userId,
      action: entry.action,
      entityType: entry.entityType,
      entityId: entry.entityId,
      metadata: entry.metadata ? JSON.stringify(entry.metadata) : null,
      ipAddress: req.ip ?? null,
      userAgent: req.get('user-agent')?.slice(0, 500) ?? null,
    })
    .execute();
}
