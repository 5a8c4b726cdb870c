import { sql, type RawBuilder } from 'kysely';
import { banInForceSql } from '../access/course-policy.ts';

/**
 * Who an announcement is for, in SQL only (raw SQL over table aliases, so snake_case columns): one
 * rule used by the readers' list, the banner, the nav's count, /media, the writers' figures and
 * the urgent mail, so none of them can disagree.
 *
 * - AllStudents: people with an Active enrollment (the spec: "all enrolled students").
 * - AllTeachers: people whose role is teacher.
 * - AllUsers: everyone.
 * - SpecificStudents / SpecificTeachers: the listed ids that have that role (a listed id whose role
 *   changed since drops out rather than reading what was not meant for them).
 * - CourseStudents: Active students of target_course_id whose course ban is not in force.
 *
 * The writer is not part of the audience by being the writer; writers see their announcements on
 * their own pages.
 */

/** Reader statuses: only a Published announcement is shown to its audience. */
export const VISIBLE_STATUS = 'Published';

/**
 * True when the person (a user row aliased `user`: needs `id` and `role`) is in the audience of the
 * announcement aliased `announcement`. Use it in a where clause or a join.
 */
export function inAudienceSql(announcement: string, user: string): RawBuilder<boolean> {
  const a = (column: string) => sql.ref(`${announcement}.${column}`);
  const u = (column: string) => sql.ref(`${user}.${column}`);
  return sql<boolean>`(case ${a('target_role')}
    when 'AllUsers' then true
    when 'AllTeachers' then ${u('role')} = 'teacher'
    when 'AllStudents' then exists (select 1 from enrollment ae where ae.user_id = ${u('id')} and ae.status = 'Active')
    when 'SpecificStudents' then ${u('id')} = any(${a('target_user_ids')}) and ${u('role')} = 'student'
    when 'SpecificTeachers' then ${u('id')} = any(${a('target_user_ids')}) and ${u('role')} = 'teacher'
    when 'CourseStudents' then exists (
      select 1 from enrollment ae
      where ae.user_id = ${u('id')} and ae.course_id = ${a('target_course_id')} and ae.status = 'Active' and not ${banInForceSql('ae')})
    else false end)`;
}

/**
 * The same rule for a person known by id and role (the signed-in user), without joining "user":
 * the nav count and the banner run this on every page.
 */
export function isForPersonSql(announcement: string, person: { id: string; role: string }): RawBuilder<boolean> {
  return sql<boolean>`exists (select 1 from (select ${person.id}::uuid as id, ${person.role}::text as role) me where ${inAudienceSql(announcement, 'me')})`;
}

/** Every user id in the audience of one announcement: `select id from ...`, for counts, mails and "not read" lists. */
export function audienceOfSql(announcementId: string): RawBuilder<{ id: string }> {
  return sql<{ id: string }>`
    select au.id from "user" au join announcement aa on aa.id = ${announcementId}
    where ${inAudienceSql('aa', 'au')}`;
}
