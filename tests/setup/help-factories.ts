import type { Insertable } from 'kysely';
import type { Database } from '../../src/db/database.ts';
import type { HelpRequest } from '../../src/db/types.ts';

/**
 * A help request as the service leaves it: the request row and its opening message in the thread.
 * `messages` adds more turns after it (author and side), each a second apart.
 */
export async function createHelpRequest(
  db: Database,
  overrides: Partial<Insertable<HelpRequest>> & { userId: string },
  messages: Array<{ authorId: string; authorRole: 'user' | 'admin'; body: string }> = [],
) {
  const createdAt = overrides.createdAt ? new Date(overrides.createdAt as Date) : new Date(Date.now() - 60_000 * (messages.length + 1));
  const request = await db
    .insertInto('helpRequest')
    .values({ subject: 'I cannot open my lesson', message: 'The page stays blank.', userType: 'Student', status: 'Pending', ...overrides, createdAt })
    .returningAll()
    .executeTakeFirstOrThrow();
  await db
    .insertInto('helpRequestMessage')
    .values([
      { helpRequestId: request.id, authorId: request.userId, authorRole: 'user', body: request.message, createdAt },
      ...messages.map((m, i) => ({ helpRequestId: request.id, authorId: m.authorId, authorRole: m.authorRole, body: m.body, createdAt: new Date(createdAt.getTime() + (i + 1) * 1000) })),
    ])
    .execute();
  return request;
}
