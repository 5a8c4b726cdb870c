import { z } from 'zod';
import type { Database } from '../../db/database.ts';
import { msg } from '../../i18n/catalogue.ts';
import { recordActivity, type AuditContext } from '../audit/activity.ts';
import type { ActionResult } from './users-service.ts';

/**
 * An admin hands a teacher's course over to another teacher: course.user_id changes, and with it
 * who edits the course, grades its work, reads its analytics and is paid for it (every rule asks
 * the course's owner through the course policy, so nothing else moves). Its students, their
 * progress, certificates and payments stay as they are. This is what lets a teacher with students
 * delete their account (accounts/deletion.ts: a course of theirs with students blocks it), and what
 * an admin does when a teacher leaves.
 *
 * The new owner is named by email: a teacher or an admin, not banned, not leaving (deletion
 * pending), and not the owner already. The course row is locked, so two hand-overs at once end
 * with one owner and two audit rows in order, never a course handed from someone who no longer
 * owns it.
 */

export const handOverInput = z.object({
  email: z
    .string({ message: msg('Enter the email address of the teacher who takes the course over.') })
    .trim()
    .toLowerCase()
    .min(1, msg('Enter the email address of the teacher who takes the course over.'))
    .max(254, msg('That email address is too long.'))
    .pipe(z.email(msg('Enter a valid email address, like name@example.com.'))),
});

export async function handOverCourse(
  db: Database,
  audit: AuditContext,
  input: { courseId: string; fromUserId: string; email: string },
): Promise<ActionResult<{ courseTitle: string; toName: string; toUserId: string }>> {
  return db.transaction().execute(async (trx) => {
    const course = await trx.selectFrom('course').select(['id', 'title', 'userId']).where('id', '=', input.courseId).forUpdate().executeTakeFirst();
    // The course must still be the one this page showed as theirs: handed over meanwhile, it is not found here.
    if (!course || course.userId !== input.fromUserId) return { ok: false, problem: 'not_found' };
    const to = await trx
      .selectFrom('user')
      .select(['id', 'firstName', 'lastName', 'role', 'banned', 'deletionRequestedAt'])
      .where((eb) => eb(eb.fn('lower', ['email']), '=', input.email))
      .forShare()
      .executeTakeFirst();
    const refuse = (message: string) => ({ ok: false as const, problem: 'invalid' as const, errors: { email: message } });
    if (!to) return refuse(msg('No one has an account with that email address.'));
    if (to.id === course.userId) return refuse(msg('That is the course’s teacher already.'));
    if (to.role !== 'teacher' && to.role !== 'admin') return refuse(msg('That person is not a teacher. Approve their application to teach first, or name a teacher.'));
    if (to.banned) return refuse(msg('That person is banned: name a teacher who can work on the course.'));
    if (to.deletionRequestedAt) return refuse(msg('That person asked for their account to be deleted: name another teacher.'));

    await trx.updateTable('course').set({ userId: to.id }).where('id', '=', course.id).execute();
    await recordActivity(trx, audit, {
      action: 'course_handed_over',
      entityType: 'course',
      entityId: course.id,
      metadata: { from: course.userId, to: to.id, title: course.title },
    });
    return { ok: true, changed: true, courseTitle: course.title, toName: `${to.firstName} ${to.lastName ?? ''}`.trim(), toUserId: to.id };
  });
}
