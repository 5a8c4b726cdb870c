import { sql, type RawBuilder } from 'kysely';
import type { Database } from '../../db/database.ts';
import type { CurrentUser } from '../../http/guards.ts';

/**
 * Who may see or do what in a course: the one place these rules are written. Each rule has a
 * TypeScript form (for a row already loaded) and, where queries need it, an SQL form beside it;
 * the two are kept next to each other on purpose, and tests/access/course-policy.test.ts checks
 * them against each other on every kind of row.
 *
 * - course is out: Published or Archived (archived courses keep their students);
 * - released: Published, and its release time (if any) passed;
 * - ban in force: banned, unless a Temporary ban's end has passed (a Temporary ban without an end
 *   stays in force: never guess in the banned student's favour);
 * - manages the course: its teacher, or an admin;
 * - lesson is open: see lessonIsOpen below.
 */

type Dated = { status: string; releaseAt: Date | string | null };
type Ban = { banned: boolean | null; banType: string | null; banUntil: Date | string | null };

export const COURSE_OUT = ['Published', 'Archived'] as const;

export const isCourseOut = (status: string): boolean => (COURSE_OUT as readonly string[]).includes(status);

export const isReleased = (item: Dated, now = Date.now()): boolean =>
  item.status === 'Published' && (item.releaseAt === null || new Date(item.releaseAt).getTime() <= now);

/** Not a draft, not released yet: scheduled (or published with a release time ahead). */
export const isWaiting = (item: Dated, now = Date.now()): boolean => item.status === 'Scheduled' || (item.status === 'Published' && !isReleased(item, now));

export const isBanInForce = (e: Ban, now = Date.now()): boolean =>
  e.banned === true && !(e.banType === 'Temporary' && e.banUntil !== null && new Date(e.banUntil).getTime() <= now);

export const managesCourse = (user: Pick<CurrentUser, 'id' | 'role'> | undefined, ownerId: string): boolean =>
  !!user && (user.id === ownerId || user.role === 'admin');

// The same rules in SQL, over a table alias (raw SQL, so snake_case column names).
export const courseIsOutSql = (course: string): RawBuilder<boolean> => sql<boolean>`${sql.ref(`${course}.status`)} in ('Published', 'Archived')`;

export const releasedSql = (item: string): RawBuilder<boolean> =>
  sql<boolean>`(${sql.ref(`${item}.status`)} = 'Published' and coalesce(${sql.ref(`${item}.release_at`)}, '-infinity') <= now())`;

export const banInForceSql = (enrollment: string): RawBuilder<boolean> =>
  sql<boolean>`(${sql.ref(`${enrollment}.banned`)} is true and not coalesce(${sql.ref(`${enrollment}.ban_type`)} = 'Temporary' and ${sql.ref(`${enrollment}.ban_until`)} <= now(), false))`;

/** The viewer, as far as lesson access goes: who they are, and whether they manage the course. */
export interface LessonViewer {
  userId: string;
  manages: boolean;
}

/**
 * "This lesson is open to this viewer", over the aliases `l` (lesson), `ch` (its chapter) and `c`
 * (its course). Those who manage the course open everything, drafts included. A student opens a
 * lesson with an Active enrollment and no ban in force, in a course that is out, when the lesson and
 * its chapter are not drafts, and each is released or was unlocked early (a chapter unlock opens
 * the chapter and all its lessons; a lesson unlock, that lesson). Used by the player, progress
 * screens, the course page and /media: there is no second copy to drift.
 */
export function lessonIsOpen(viewer: LessonViewer): RawBuilder<boolean> {
  if (viewer.manages) return sql<boolean>`true`;
  const user = viewer.userId;
  return sql<boolean>`(
    ${courseIsOutSql('c')}
    and exists (
      select 1 from enrollment e
      where e.course_id = c.id and e.user_id = ${user} and e.status = 'Active' and not ${banInForceSql('e')}
    )
    and l.status <> 'Draft' and ch.status <> 'Draft'
    and (${releasedSql('ch')} or exists (select 1 from early_unlock u where u.user_id = ${user} and u.chapter_id = ch.id))
    and (${releasedSql('l')} or exists (select 1 from early_unlock u where u.user_id = ${user} and (u.lesson_id = l.id or u.chapter_id = ch.id)))
  )`;
}

/** Whether one lesson is open to a user (the /media check for videos and lesson images): one query. */
export async function canOpenLesson(db: Database, user: Pick<CurrentUser, 'id' | 'role'> | undefined, lessonId: string): Promise<boolean> {
  if (!user) return false;
  const row = await db
    .selectFrom('lesson as l')
    .innerJoin('chapter as ch', 'ch.id', 'l.chapterId')
    .innerJoin('course as c', 'c.id', 'ch.courseId')
    .select(['c.userId as ownerId', sql<boolean>`${lessonIsOpen({ userId: user.id, manages: false })}`.as('open')])
    .where('l.id', '=', lessonId)
    .executeTakeFirst();
  return !!row && (managesCourse(user, row.ownerId) || row.open);
}

/**
 * The viewer's role on a course, computed once per request:
 * - `owner`, `admin`: manage it (preview everything);
 * - `student`: an Active enrollment with no ban in force;
 * - `banned`: an Active enrollment with a ban in force;
 * - `pending`: a Pending enrollment (a payment under way);
 * - `visitor`: anyone else (signed out, never enrolled, cancelled).
 */
export type CourseRole = 'visitor' | 'pending' | 'student' | 'banned' | 'owner' | 'admin';

export interface EnrollmentState extends Ban {
  id: string;
  status: string;
}

export function courseRole(user: Pick<CurrentUser, 'id' | 'role'> | undefined, course: { userId: string }, enrollment: EnrollmentState | undefined, now = Date.now()): CourseRole {
  if (user && user.id === course.userId) return 'owner';
  if (user?.role === 'admin') return 'admin';
  if (enrollment?.status === 'Active') return isBanInForce(enrollment, now) ? 'banned' : 'student';
  if (enrollment?.status === 'Pending') return 'pending';
  return 'visitor';
}

export const canManage = (role: CourseRole): boolean => role === 'owner' || role === 'admin';

/** May take the course (the player, completion, unlocks, ratings): an unbanned student of a course that is out. */
export const canLearn = (role: CourseRole, course: { status: string }): boolean => role === 'student' && isCourseOut(course.status);

/** May see the course page: Published for anyone; Archived for its enrolled students; Draft only for those who manage it. */
export const canSeeCoursePage = (role: CourseRole, course: { status: string }): boolean =>
  course.status === 'Published' || canManage(role) || (course.status === 'Archived' && (role === 'student' || role === 'banned'));
