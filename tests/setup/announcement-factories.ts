import type { Insertable, Selectable } from 'kysely';
import type { Database } from '../../src/db/database.ts';
import type { Announcement } from '../../src/db/types.ts';
import { createAdmin } from './factories.ts';

/**
 * An announcement row with sensible defaults: a published, plain one to all users, written by a new admin
 * unless `createdById` is given. Writes the row directly (no service, no audit, no mail) so reader tests can
 * set any status or date they need.
 */
export async function createAnnouncement(
  db: Database,
  overrides: Partial<Insertable<Announcement>> & { createdById?: string } = {},
): Promise<Selectable<Announcement>> {
  const createdById = overrides.createdById ?? (await createAdmin(db)).id;
  return db
    .insertInto('announcement')
    .values({
      title: 'Exam dates',
      body: '<p>Hello</p>',
      bodyMarkdown: 'Hello',
      targetRole: 'AllUsers',
      status: 'Published',
      publishedAt: new Date(),
      ...overrides,
      createdById,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}
