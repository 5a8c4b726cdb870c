import { randomBytes } from 'node:crypto';
import { sql, type Transaction } from 'kysely';
import type { DB } from '../src/db/types.ts';
import { sha256 } from '../src/features/accounts/tokens.ts';

/**
 * The admin area's demo rows, so each of its tables has something to show at once: a banned and an
 * unverified user, a second workspace with members and a pending invitation, a setting changed from
 * its default and a key the code does not read, sign-ins that worked and one that failed, a few
 * audit rows, two errors (one repeated, one with a stack), a fortnight of catalog searches, some
 * finding nothing, and the help desk: one request waiting and one answered conversation. Idempotent: people by email, the workspace by slug, settings by key; the log rows
 * are written once (when the demo's first marker row is missing).
 */

type Who = 'admin@example.com' | 'teacher@example.com' | 'student@example.com';

const DAY = 86_400_000;
const ago = (days: number) => new Date(Date.now() - days * DAY);

export const DEMO_EXTRA_USERS = [
  {
    email: 'banned.student@example.com',
    firstName: 'Bea',
    lastName: 'Banned',
    emailVerified: true,
    banned: true,
    banReason: 'Posting the same advertising link in every comment.',
    banExpires: new Date(Date.now() + 5 * DAY),
  },
  { email: 'new.student@example.com', firstName: 'Uma', lastName: 'Unverified', emailVerified: false, banned: false, banReason: null, banExpires: null },
] as const;

const SEARCHES: Array<{ query: string; results: number; clicked?: string; daysAgo: number }> = [
  { query: 'html', results: 1, clicked: 'web-basics-on-any-connection', daysAgo: 1 },
  { query: 'HTML ', results: 1, clicked: 'web-basics-on-any-connection', daysAgo: 2 },
  { query: 'html', results: 1, daysAgo: 3 },
  { query: 'spreadsheet', results: 1, clicked: 'practical-spreadsheets-for-small-business', daysAgo: 2 },
  { query: 'excel formulas', results: 0, daysAgo: 4 },
  { query: 'kotlin', results: 0, daysAgo: 1 },
  { query: 'Kotlin', results: 0, daysAgo: 6 },
  { query: 'photography', results: 0, daysAgo: 9 },
  { query: 'css layout', results: 1, clicked: 'web-basics-on-any-connection', daysAgo: 12 },
];

export async function seedDemoAdmin(trx: Transaction<DB>, userIds: Map<string, string>, passwordHash: string): Promise<void> {
  const id = (who: Who) => userIds.get(who)!;

  for (const person of DEMO_EXTRA_USERS) {
    const found = await trx.selectFrom('user').select('id').where(sql<string>`lower(email)`, '=', person.email).executeTakeFirst();
    if (found) continue;
    const user = await trx.insertInto('user').values({ ...person, role: 'student' }).returning('id').executeTakeFirstOrThrow();
    await trx.insertInto('account').values({ userId: user.id, accountId: user.id, providerId: 'credential', password: passwordHash }).execute();
  }

  // A second workspace: the demo admin its SuperAdmin, the teacher a Member, and one open invitation.
  let campus = await trx.selectFrom('workspace').select('id').where('slug', '=', 'north-campus').executeTakeFirst();
  if (!campus) {
    campus = await trx
      .insertInto('workspace')
      .values({ name: 'North Campus', slug: 'north-campus', description: 'The evening school that runs its own courses on Edupeak.' })
      .returning('id')
      .executeTakeFirstOrThrow();
    await trx
      .insertInto('membership')
      .values([
        { userId: id('admin@example.com'), workspaceId: campus.id, role: 'SuperAdmin' },
        { userId: id('teacher@example.com'), workspaceId: campus.id, role: 'Member' },
      ])
      .execute();
    // Only the token's hash is kept; the demo's link is never mailed, so its token is thrown away.
    await trx
      .insertInto('invitation')
      .values({
        email: 'new.admin@example.com',
        role: 'Admin',
        workspaceId: campus.id,
        invitedBy: id('admin@example.com'),
        token: sha256(randomBytes(32).toString('base64url')).toString('hex'),
        expiresAt: new Date(Date.now() + 6 * DAY),
      })
      .execute();
  }

  // One setting changed by the demo admin, and one key the code no longer reads (shown read-only).
  await trx
    .insertInto('systemConfig')
    .values([
      { key: 'learning.earlyUnlockPoints', value: JSON.stringify(40), description: 'Cheaper early unlocks during the launch month.', updatedBy: id('admin@example.com') },
      { key: 'legacy.homepageBanner', value: JSON.stringify('Welcome back!'), description: 'From an older version; nothing reads it now.', updatedBy: null },
    ])
    .onConflict((oc) => oc.column('key').doNothing())
    .execute();

  // The log rows once: the demo student's failed sign-in is the marker.
  const marker = await trx.selectFrom('loginHistory').select('id').where('userId', '=', id('student@example.com')).where('success', '=', false).executeTakeFirst();
  if (marker) return;

  const browser = 'Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0 Mobile Safari/537.36';
  await trx
    .insertInto('loginHistory')
    .values([
      // Documentation addresses (RFC 5737) have no country: the countries are the ones GeoIP would give real ones.
      { userId: id('student@example.com'), success: false, failureReason: 'wrong_password', ipAddress: '203.0.113.7', country: 'KE', userAgent: browser, createdAt: ago(1.1) },
      { userId: id('student@example.com'), success: true, ipAddress: '203.0.113.7', country: 'KE', userAgent: browser, createdAt: ago(1.09) },
      { userId: id('teacher@example.com'), success: true, ipAddress: '198.51.100.20', country: 'ES', userAgent: 'Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0', createdAt: ago(0.5) },
    ])
    .execute();

  const course = await trx.selectFrom('course').select(['id', 'title']).where('slug', '=', 'web-basics-on-any-connection').executeTakeFirst();
  const banned = await trx.selectFrom('user').select('id').where('email', '=', 'banned.student@example.com').executeTakeFirstOrThrow();
  await trx
    .insertInto('activityLog')
    .values([
      ...(course
        ? [{ userId: id('teacher@example.com'), action: 'course_published', entityType: 'course', entityId: course.id, metadata: JSON.stringify({ title: course.title }), ipAddress: '198.51.100.20', createdAt: ago(3) }]
        : []),
      {
        userId: id('admin@example.com'),
        action: 'user_banned',
        entityType: 'user',
        entityId: banned.id,
        metadata: JSON.stringify({ reason: DEMO_EXTRA_USERS[0].banReason }),
        ipAddress: '192.0.2.10',
        createdAt: ago(0.8),
      },
      { userId: id('admin@example.com'), action: 'setting_updated', entityType: 'setting', entityId: 'learning.earlyUnlockPoints', metadata: JSON.stringify({ from: 50, to: 40 }), ipAddress: '192.0.2.10', createdAt: ago(0.7) },
    ])
    .execute();

  await trx
    .insertInto('errorLog')
    .values([
      {
        errorType: 'TypeError',
        statusCode: 500,
        message: "Cannot read properties of undefined (reading 'title')",
        stack: "TypeError: Cannot read properties of undefined (reading 'title')\n    at renderLesson (src/features/learning/routes.ts:120:31)",
        endpoint: '/learn/web-basics-on-any-connection/lessons/:lessonId',
        method: 'GET',
        occurrences: 3,
        createdAt: ago(0.3),
        lastSeenAt: ago(0.2),
      },
      { errorType: 'PayloadTooLargeError', statusCode: 413, message: 'request entity too large', endpoint: '/teach/lessons/:lessonId/video', method: 'POST', occurrences: 1, createdAt: ago(2), lastSeenAt: ago(2) },
    ])
    .execute();

  // The help desk: one request waiting, and one conversation the demo admin answered (and resolved).
  const waiting = await trx
    .insertInto('helpRequest')
    .values({
      userId: id('student@example.com'),
      userType: 'Student',
      subject: 'The video in lesson 3 stops after a minute',
      message: 'On my phone (3G) the video of "Lists and tables" stops after about a minute. Is there a smaller version?',
      createdAt: ago(0.4),
    })
    .returning(['id', 'message', 'createdAt'])
    .executeTakeFirstOrThrow();
  const answered = await trx
    .insertInto('helpRequest')
    .values({
      userId: id('teacher@example.com'),
      userType: 'Teacher',
      subject: 'How do I schedule a chapter?',
      message: 'I want the second chapter to open next Monday. Where is that setting?',
      status: 'Resolved',
      assignedAdminId: id('admin@example.com'),
      response: 'On the chapter, choose "Scheduled" and a date and time (on your own clock), then save. Students see the date until it opens.',
      respondedAt: ago(1.5),
      userReply: 'Found it, thank you!',
      userRepliedAt: ago(1.4),
      createdAt: ago(2),
    })
    .returning(['id', 'message', 'response', 'userReply'])
    .executeTakeFirstOrThrow();
  await trx
    .insertInto('helpRequestMessage')
    .values([
      { helpRequestId: waiting.id, authorId: id('student@example.com'), authorRole: 'user', body: waiting.message, createdAt: ago(0.4) },
      { helpRequestId: answered.id, authorId: id('teacher@example.com'), authorRole: 'user', body: answered.message, createdAt: ago(2) },
      { helpRequestId: answered.id, authorId: id('admin@example.com'), authorRole: 'admin', body: answered.response!, createdAt: ago(1.5) },
      { helpRequestId: answered.id, authorId: id('teacher@example.com'), authorRole: 'user', body: answered.userReply!, createdAt: ago(1.4) },
    ])
    .execute();

  await trx
    .insertInto('searchAnalytics')
    .values(SEARCHES.map((s) => ({ query: s.query, resultsCount: s.results, clickedResult: s.clicked ?? null, userId: s.daysAgo % 2 ? id('student@example.com') : null, createdAt: ago(s.daysAgo) })))
    .execute();
}
