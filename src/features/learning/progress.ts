import { sql } from 'kysely';
import type { Database } from '../../db/database.ts';
import { releasedSql } from '../access/course-policy.ts';

/**
 * Progress counts only lessons a student can take today: the lesson and its chapter Published, and
 * their release time (if any) passed. Drafts and scheduled lessons are out of both the count and the
 * total, so a teacher adding a draft never lowers anyone's progress.
 */
const countsTowardProgress = sql`${releasedSql('l')} and ${releasedSql('ch')}`;

export interface Progress {
  completed: number;
  total: number;
  percent: number;
}

const percentOf = (completed: number, total: number) => (total === 0 ? 0 : Math.floor((completed * 100) / total));

/** One student's progress in several courses: one query. */
export async function progressInCourses(db: Database, userId: string, courseIds: string[]): Promise<Map<string, Progress>> {
  if (courseIds.length === 0) return new Map();
  const { rows } = await sql<{ courseId: string; total: number; completed: number }>`
    select ch.course_id as "courseId", count(*)::int as total,
           count(lp.id) filter (where lp.completed)::int as completed
    from lesson l
    join chapter ch on ch.id = l.chapter_id
    left join lesson_progress lp on lp.lesson_id = l.id and lp.user_id = ${userId}
    where ch.course_id in (${sql.join(courseIds)}) and ${countsTowardProgress}
    group by ch.course_id`.execute(db.withoutPlugins());
  const byCourse = new Map<string, Progress>(courseIds.map((id) => [id, { completed: 0, total: 0, percent: 0 }]));
  for (const row of rows) byCourse.set(row.courseId, { completed: row.completed, total: row.total, percent: percentOf(row.completed, row.total) });
  return byCourse;
}

/**
 * Every student's progress in one course: one query (students with nothing completed are absent: 0).
 * A lesson_progress row is made when a student first opens a lesson (completed false), so only
 * completed rows count. With `opened`, also `openedBy`: the other rows, lessons opened and not
 * finished (the teacher's students table shows them); without, the query reads only the partial
 * index on completed rows, as the gradebook needs.
 */
export async function progressOfStudents(
  db: Database,
  courseId: string,
  { opened = false }: { opened?: boolean } = {},
): Promise<{ total: number; completedBy: Map<string, number>; openedBy: Map<string, number> }> {
  const { rows } = await sql<{ userId: string | null; n: number; opened: number }>`
    with counted as (
      select l.id from lesson l join chapter ch on ch.id = l.chapter_id
      where ch.course_id = ${courseId} and ${countsTowardProgress}
    )
    select null::uuid as "userId", count(*)::int as n, 0 as opened from counted
    union all
    select lp.user_id, count(*)::int, 0 from lesson_progress lp join counted c on c.id = lp.lesson_id
    where lp.completed group by lp.user_id
    ${opened ? sql`union all
    select lp.user_id, 0, count(*)::int from lesson_progress lp join counted c on c.id = lp.lesson_id
    where not lp.completed group by lp.user_id` : sql``}`.execute(db.withoutPlugins());
  // lesson_progress.user_id is never null: the row without a user is the course's total.
  const total = rows.find((r) => r.userId === null)?.n ?? 0;
  const completedBy = new Map<string, number>();
  const openedBy = new Map<string, number>();
  for (const row of rows) {
    if (!row.userId) continue;
    if (row.n > 0) completedBy.set(row.userId, row.n);
    if (row.opened > 0) openedBy.set(row.userId, row.opened);
  }
  return { total, completedBy, openedBy };
}

export { percentOf };
