import { sql } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../db/database.ts';
import type { Studenttag } from '../../db/types.ts';
import { PER_PAGE, tableQuery } from '../../http/table.ts';
import { containsPattern } from '../../lib/like.ts';
import { progressOfStudents } from '../learning/progress.ts';

/** The students table of one course: its enrollments (every status), filtered, sorted and paged. */

export const ENROLLMENT_STATUSES = ['Pending', 'Active', 'Cancelled'] as const;
export const STUDENT_TAGS = ['TopPerformer', 'NeedsHelp', 'SlowLearner', 'ActiveCommunicator'] as const satisfies readonly Studenttag[];
export type StudentTag = (typeof STUDENT_TAGS)[number];

export const studentsQuery = tableQuery(['enrolledAt', 'lastActivityAt', 'progress', 'name'] as const, 'enrolledAt', {
  status: z.enum(ENROLLMENT_STATUSES).optional().catch(undefined),
  tag: z.enum(STUDENT_TAGS).optional().catch(undefined),
  q: z.string().trim().max(100).optional().catch(undefined),
});
export type StudentsQuery = z.infer<typeof studentsQuery>;

export interface StudentRow {
  id: string;
  userId: string;
  status: string;
  createdAt: Date;
  lastActivityAt: Date | null;
  tags: StudentTag[];
  banned: boolean | null;
  banType: 'Temporary' | 'Permanent' | null;
  banUntil: Date | null;
  banReason: string | null;
  certificateEarned: boolean;
  certificateIssuedAt: Date | null;
  certificateRevoked: boolean;
  certificateRevokedAt: Date | null;
  firstName: string;
  lastName: string | null;
  email: string;
}

/**
 * Three queries however many students: the total, the page of rows, and every student's progress
 * (progressOfStudents). Sorting by progress sends the completed counts back as one jsonb parameter,
 * so the order and the numbers shown come from the same rule (all students share one total, so the
 * completed count orders them as the percentage would).
 */
export async function listStudents(db: Database, courseId: string, q: StudentsQuery) {
  // Sorting by progress needs the counts first; otherwise the three run side by side.
  // With the lessons each student opened and has not finished (shown beside their progress).
  const progressing = progressOfStudents(db, courseId, { opened: true });
  const progress = q.sort === 'progress' ? await progressing : undefined;
  let base = db.selectFrom('enrollment as e').innerJoin('user as u', 'u.id', 'e.userId').where('e.courseId', '=', courseId);
  if (q.status) base = base.where('e.status', '=', q.status);
  if (q.tag) base = base.where(sql<boolean>`${q.tag}::"StudentTag" = any(e.tags)`);
  if (q.q) {
    const pattern = containsPattern(q.q);
    base = base.where(sql<boolean>`(u.first_name || ' ' || coalesce(u.last_name, '') ilike ${pattern} or u.email ilike ${pattern})`);
  }
  const completed = progress ? Object.fromEntries(progress.completedBy) : {};
  const order = {
    enrolledAt: sql`e.created_at`,
    lastActivityAt: sql`e.last_activity_at`,
    name: sql`lower(u.first_name || ' ' || coalesce(u.last_name, ''))`,
    progress: sql`coalesce((${JSON.stringify(completed)}::jsonb ->> e.user_id::text)::int, 0)`,
  }[q.sort];
  const [{ total }, rows, counts] = await Promise.all([
    base.select(sql<number>`count(*)::int`.as('total')).executeTakeFirstOrThrow(),
    base
      .select([
        'e.id', 'e.userId', 'e.status', 'e.createdAt', 'e.lastActivityAt', 'e.banned', 'e.banType', 'e.banUntil', 'e.banReason',
        'e.certificateEarned', 'e.certificateIssuedAt', 'e.certificateRevoked', 'e.certificateRevokedAt',
        'u.firstName', 'u.lastName', 'u.email',
      ])
      // An enum array comes back from pg as text unless cast to text[].
      .select(sql<StudentTag[]>`e.tags::text[]`.as('tags'))
      .orderBy(order, (ob) => (q.dir === 'asc' ? ob.asc().nullsFirst() : ob.desc().nullsLast()))
      .orderBy('e.id')
      .limit(PER_PAGE)
      .offset((q.page - 1) * PER_PAGE)
      .execute(),
    progressing,
  ]);
  return { total, rows: rows as StudentRow[], lessons: counts.total, completedBy: counts.completedBy, openedBy: counts.openedBy };
}
