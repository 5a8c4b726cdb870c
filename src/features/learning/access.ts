import { sql } from 'kysely';
import type { Database } from '../../db/database.ts';

/**
 * Who may open a lesson: the course's teacher and admins always; a student with an Active
 * enrollment that is not banned (Permanent, or Temporary until a future date), in a course that is
 * Published or Archived (archived courses keep their students), when the lesson and its chapter are
 * Published and released. Scheduled (never draft) content opens early to a student who unlocked it:
 * a chapter unlock opens the chapter and all its lessons; a lesson unlock, that lesson.
 */
export async function canOpenLesson(db: Database, user: { id: string; role: string } | undefined, lessonId: string): Promise<boolean> {
  if (!user) return false;
  const { rows } = await sql<{ ok: boolean }>`
    select exists (
      select 1
      from lesson l
      join chapter ch on ch.id = l.chapter_id
      join course c on c.id = ch.course_id
      where l.id = ${lessonId}
        and (
          c.user_id = ${user.id} or ${user.role === 'admin'}
          or (
            c.status in ('Published', 'Archived')
            and exists (
              select 1 from enrollment e
              where e.course_id = c.id and e.user_id = ${user.id} and e.status = 'Active'
                and (e.banned is not true or (e.ban_type = 'Temporary' and e.ban_until <= now()))
            )
            and l.status <> 'Draft' and ch.status <> 'Draft'
            and (
              (ch.status = 'Published' and coalesce(ch.release_at, '-infinity') <= now())
              or exists (select 1 from early_unlock u where u.user_id = ${user.id} and u.chapter_id = ch.id)
            )
            and (
              (l.status = 'Published' and coalesce(l.release_at, '-infinity') <= now())
              or exists (select 1 from early_unlock u where u.user_id = ${user.id} and (u.lesson_id = l.id or u.chapter_id = ch.id))
            )
          )
        )
    ) as ok`.execute(db);
  return rows[0]!.ok;
}
