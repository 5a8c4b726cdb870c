import { sql } from 'kysely';
import type { Database } from '../db/database.ts';
import { banInForceSql, courseIsOutSql } from '../features/access/course-policy.ts';

/**
 * One `MissedAssignment` student_activity row per Active, unbanned student and assignment whose due
 * date has passed without a hand-in: the teacher's and the student's record of work not done (a
 * hand-in after the due date is still taken, and marked late; the missed row stays as history).
 *
 * Only students who could have done it: enrolled before the due date, in a course that is out, the
 * lesson and its chapter not drafts. Running it twice writes nothing new: the NOT EXISTS skips
 * rows already written, and the partial unique index (migration assessment-additions) with
 * ON CONFLICT DO NOTHING settles two runs racing each other.
 */
export async function recordMissedAssignments(db: Database): Promise<{ missed: number }> {
  const { numAffectedRows } = await sql`
    insert into student_activity (enrollment_id, type, description, metadata)
    select e.id, 'MissedAssignment', 'Missed the due date of "' || a.title || '"',
           jsonb_build_object('assignmentId', a.id, 'lessonId', l.id, 'dueDate', a.due_date)
    from assignment a
    join lesson l on l.id = a.lesson_id
    join chapter ch on ch.id = l.chapter_id
    join course c on c.id = ch.course_id
    join enrollment e on e.course_id = c.id
    where a.due_date < now()
      and ${courseIsOutSql('c')}
      and l.status <> 'Draft' and ch.status <> 'Draft'
      and e.status = 'Active' and not ${banInForceSql('e')}
      and e.created_at < a.due_date
      and not exists (select 1 from assignment_submission s where s.assignment_id = a.id and s.user_id = e.user_id)
      and not exists (
        select 1 from student_activity m
        where m.enrollment_id = e.id and m.type = 'MissedAssignment' and m.metadata->>'assignmentId' = a.id::text
      )
    on conflict (enrollment_id, (metadata->>'assignmentId')) where type = 'MissedAssignment' do nothing`.execute(db);
  return { missed: Number(numAffectedRows ?? 0) };
}
