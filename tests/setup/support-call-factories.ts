import type { Insertable, Selectable } from 'kysely';
import type { Database } from '../../src/db/database.ts';
import type { SupportCall, SupportCallRequest } from '../../src/db/types.ts';
import { createCourse, createEnrollment, createUser } from './factories.ts';

/**
 * Support-call rows written directly (no service, no audit): a live call of a course (a new one
 * unless given) hosted by its teacher, and requests with the positions a test wants.
 */
export async function createSupportCall(db: Database, overrides: Partial<Insertable<SupportCall>> = {}): Promise<Selectable<SupportCall>> {
  const course = overrides.courseId
    ? await db.selectFrom('course').selectAll().where('id', '=', overrides.courseId).executeTakeFirstOrThrow()
    : await createCourse(db);
  return db
    .insertInto('supportCall')
    .values({ title: 'Office hours', description: 'Bring your questions.', meetingUrl: 'https://meet.example.org/edupeak-test-room', status: 'Active', createdBy: course.userId, ...overrides, courseId: course.id })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function createSupportRequest(
  db: Database,
  overrides: Partial<Insertable<SupportCallRequest>> & { supportCallId: string; position: number },
): Promise<Selectable<SupportCallRequest>> {
  const userId = overrides.userId ?? (await createUser(db)).id;
  return db
    .insertInto('supportCallRequest')
    .values({ supportType: 'Assignment help', status: 'Pending', ...overrides, userId })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** An Active, unbanned student of the course. */
export async function enrolledStudent(db: Database, courseId: string, overrides: Partial<Insertable<import('../../src/db/types.ts').User>> = {}) {
  const user = await createUser(db, overrides);
  await createEnrollment(db, { userId: user.id, courseId });
  return user;
}
