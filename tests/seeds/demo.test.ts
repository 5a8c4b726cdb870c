import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { verifyPassword } from '../../src/features/accounts/password.ts';
import { DEMO_PASSWORD, seedDemo } from '../../seeds/demo.ts';
import { DEMO_LANGUAGE_LOGINS } from '../../seeds/demo-languages.ts';
import { useTestDatabase } from '../setup/database.ts';

async function rowCounts(db: Parameters<typeof seedDemo>[0]) {
  const { rows } = await sql<{ table: string }>`
    select tablename as table from pg_tables where schemaname = 'public' and tablename not like 'kysely_%' order by 1`.execute(db);
  const counts: Record<string, number> = {};
  for (const { table } of rows) {
    const result = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table)}`.execute(db);
    counts[table] = result.rows[0]!.n;
  }
  return counts;
}

describe('demo data', () => {
  const t = useTestDatabase();

  it('makes the default workspace, the demo users (each signs in with the demo password), three published courses and posts', async () => {
    await seedDemo(t.db, { env: 'development' });
    const workspace = await t.db.selectFrom('workspace').selectAll().where('slug', '=', 'default').executeTakeFirstOrThrow();
    expect(workspace.name).toBe('Default Workspace');

    const users = await t.db.selectFrom('user').select(['id', 'email', 'role', 'emailVerified']).orderBy('email').execute();
    expect(users.map((u) => [u.email, u.role, u.emailVerified])).toEqual([
      ['admin@example.com', 'admin', true],
      ['aiko.tanaka@example.com', 'student', true],
      ['amara.okafor@example.com', 'student', true],
      ['banned.student@example.com', 'student', true],
      ['chen.wei@example.com', 'student', true],
      ['estudiante@example.com', 'student', true],
      ['fatima.zahra@example.com', 'student', true],
      ['kwame.mensah@example.com', 'student', true],
      ['liam.byrne@example.com', 'student', true],
      ['lucas.silva@example.com', 'student', true],
      ['maria.garcia@example.com', 'student', true],
      ['new.student@example.com', 'student', false],
      ['noah.fischer@example.com', 'student', true],
      ['omar.haddad@example.com', 'student', true],
      // Applied to teach and was approved (seeds/demo-analytics-plan.ts).
      ['priya.sharma@example.com', 'teacher', true],
      ['sofia.rossi@example.com', 'student', true],
      ['student@example.com', 'student', true],
      ['talib@example.com', 'student', true],
      ['teacher@example.com', 'teacher', true],
    ]);
    for (const user of users) {
      const account = await t.db.selectFrom('account').selectAll().where('userId', '=', user.id).executeTakeFirstOrThrow();
      expect(account.providerId).toBe('credential');
      expect(account.password).toMatch(/^\$argon2id\$/);
      expect(await verifyPassword(account.password!, DEMO_PASSWORD)).toBe(true);
    }

    const members = await t.db
      .selectFrom('membership')
      .innerJoin('user', 'user.id', 'membership.userId')
      .where('membership.workspaceId', '=', workspace.id)
      .select('user.email')
      .orderBy('user.email')
      .execute();
    expect(members.map((m) => m.email)).toEqual(['admin@example.com', 'teacher@example.com']);

    const courses = await t.db
      .selectFrom('course')
      .innerJoin('user', 'user.id', 'course.userId')
      .select(['course.id', 'course.price', 'course.status', 'user.email'])
      .execute();
    expect(courses).toHaveLength(3);
    expect(courses.every((c) => c.status === 'Published' && c.email === 'teacher@example.com')).toBe(true);
    expect(courses.filter((c) => c.price === 0)).toHaveLength(1);
    for (const course of courses) {
      const chapters = await t.db.selectFrom('chapter').select(['id', 'status']).where('courseId', '=', course.id).execute();
      expect(chapters.length).toBeGreaterThanOrEqual(2);
      expect(chapters.length).toBeLessThanOrEqual(4);
      const lessons = await t.db
        .selectFrom('lesson')
        .where('chapterId', 'in', chapters.map((c) => c.id))
        .select('status')
        .execute();
      expect(lessons.length).toBeGreaterThanOrEqual(chapters.length * 2);
      expect(lessons.every((l) => l.status === 'Published')).toBe(true);
    }

    const categories = await t.db.selectFrom('blogCategory').select('id').execute();
    expect(categories.length).toBeGreaterThanOrEqual(2);
    const posts = await t.db.selectFrom('blog').select(['status', 'publishedAt']).where('status', '=', 'Published').execute();
    expect(posts.length).toBeGreaterThanOrEqual(2);
    expect(posts.every((p) => p.publishedAt)).toBe(true);
  });

  it('gives the blog comments (one a reply) and reactions on posts in two categories, and one Pending post in the admin queue', async () => {
    const commented = await t.db
      .selectFrom('blog as b')
      .innerJoin('blogComment as c', 'c.blogId', 'b.id')
      .select(['b.id', 'b.categoryId', 'b.commentCount', sql<number>`count(c.id)::int`.as('n')])
      .where('b.status', '=', 'Published')
      .groupBy('b.id')
      .execute();
    expect(new Set(commented.map((p) => p.categoryId)).size).toBeGreaterThanOrEqual(2);
    for (const p of commented) expect(p.commentCount).toBe(p.n);
    const replies = await t.db.selectFrom('blogComment').select('id').where('parentId', 'is not', null).execute();
    expect(replies.length).toBeGreaterThanOrEqual(1);
    const reacted = await t.db
      .selectFrom('blog as b')
      .innerJoin('blogReaction as r', 'r.blogId', 'b.id')
      .select(['b.id', 'b.likeCount', sql<number>`count(r.id)::int`.as('n')])
      .groupBy('b.id')
      .execute();
    expect(reacted.length).toBeGreaterThanOrEqual(2);
    for (const p of reacted) expect(p.likeCount).toBe(p.n);

    const pending = await t.db
      .selectFrom('blog as b')
      .innerJoin('user as u', 'u.id', 'b.authorId')
      .select(['u.email', 'b.isDraft', 'b.pointsSpent', 'b.content', 'b.contentMarkdown', 'b.categoryId'])
      .where('b.status', '=', 'Pending')
      .execute();
    expect(pending).toHaveLength(1);
    expect(pending[0]).toMatchObject({ email: 'student@example.com', isDraft: false, pointsSpent: 5 });
    expect(pending[0]!.content).toContain('<h2>');
    expect(pending[0]!.categoryId).not.toBeNull();
  });

  it('gives the free course a quiz and an assignment, so a newcomer sees both at once', async () => {
    const course = await t.db.selectFrom('course').select('id').where('price', '=', 0).executeTakeFirstOrThrow();
    const inCourse = (table: 'quiz' | 'assignment') =>
      t.db
        .selectFrom(table)
        .innerJoin('lesson', 'lesson.id', `${table}.lessonId`)
        .innerJoin('chapter', 'chapter.id', 'lesson.chapterId')
        .where('chapter.courseId', '=', course.id)
        .select(['lesson.title as lesson', `${table}.id`, `${table}.title`])
        .execute();
    const [quiz] = await inCourse('quiz');
    expect(quiz).toMatchObject({ lesson: 'Your first HTML file', title: 'Check your HTML' });
    const questions = await t.db.selectFrom('quizQuestion').select(['position', 'options', 'correctAnswer']).where('quizId', '=', quiz!.id).orderBy('position').execute();
    expect(questions.map((q) => q.position)).toEqual([1, 2, 3, 4]);
    for (const q of questions) expect(q.correctAnswer).toBeLessThan(q.options.length);
    const [assignment] = await inCourse('assignment');
    expect(assignment).toMatchObject({ lesson: 'Forms that work without JavaScript', title: 'Build a contact form' });
  });

  it('gives an urgent announcement to everyone, a course welcome, a scheduled and a draft one, and unread notices in each inbox', async () => {
    const announcements = await t.db
      .selectFrom('announcement')
      .select(['title', 'status', 'targetRole', 'isUrgent', 'targetCourseId', 'body', 'publishedAt'])
      .orderBy('title')
      .execute();
    expect(announcements.map((a) => [a.targetRole, a.status, a.isUrgent])).toEqual([
      ['AllTeachers', 'Scheduled', false],
      ['AllUsers', 'Published', true],
      ['AllStudents', 'Draft', false],
      ['CourseStudents', 'Published', false],
    ]);
    expect(announcements.find((a) => a.targetRole === 'CourseStudents')!.targetCourseId).not.toBeNull();
    expect(announcements.find((a) => a.isUrgent)!.body).toContain('<strong>');
    for (const email of ['admin@example.com', 'teacher@example.com', 'student@example.com']) {
      const unread = await t.db
        .selectFrom('notification')
        .innerJoin('user', 'user.id', 'notification.userId')
        .where('user.email', '=', email)
        .where('notification.read', '=', false)
        .select('notification.title')
        .execute();
      expect(unread.length, email).toBeGreaterThanOrEqual(1);
    }
    // Demo notices are never mailed.
    expect(await t.db.selectFrom('mailOutbox').select('id').execute()).toEqual([]);
  });

  it('fills the admin area: a banned and an unverified user, a second workspace with an invitation, a changed setting, sign-ins, audit rows, errors and searches', async () => {
    const banned = await t.db.selectFrom('user').select(['banned', 'banReason', 'banExpires']).where('email', '=', 'banned.student@example.com').executeTakeFirstOrThrow();
    expect(banned.banned).toBe(true);
    expect(new Date(banned.banExpires!).getTime()).toBeGreaterThan(Date.now());
    const campus = await t.db.selectFrom('workspace').select('id').where('slug', '=', 'north-campus').executeTakeFirstOrThrow();
    const roles = await t.db
      .selectFrom('membership')
      .innerJoin('user', 'user.id', 'membership.userId')
      .where('membership.workspaceId', '=', campus.id)
      .select(['user.email', 'membership.role'])
      .orderBy('user.email')
      .execute();
    expect(roles).toEqual([
      { email: 'admin@example.com', role: 'SuperAdmin' },
      { email: 'teacher@example.com', role: 'Member' },
    ]);
    const invitation = await t.db.selectFrom('invitation').select(['email', 'status', 'token']).where('workspaceId', '=', campus.id).executeTakeFirstOrThrow();
    expect(invitation).toMatchObject({ email: 'new.admin@example.com', status: 'Pending' });
    expect(invitation.token).toMatch(/^[0-9a-f]{64}$/);
    const keys = (await t.db.selectFrom('systemConfig').select('key').orderBy('key').execute()).map((r) => r.key);
    expect(keys).toEqual(expect.arrayContaining(['learning.earlyUnlockPoints', 'legacy.homepageBanner']));
    const failed = await t.db.selectFrom('loginHistory').select('id').where('success', '=', false).execute();
    expect(failed).toHaveLength(1);
    expect((await t.db.selectFrom('activityLog').select('action').execute()).length).toBeGreaterThanOrEqual(3);
    expect((await t.db.selectFrom('errorLog').select('stack').execute()).some((e) => e.stack)).toBe(true);
    const zero = await t.db.selectFrom('searchAnalytics').select('query').where('resultsCount', '=', 0).execute();
    expect(zero.length).toBeGreaterThanOrEqual(2);
  });

  it('gives the help desk one Pending request and one answered conversation, and starts no live call', async () => {
    const requests = await t.db.selectFrom('helpRequest').select(['id', 'status', 'userType', 'assignedAdminId']).orderBy('createdAt').execute();
    expect(requests.map((r) => [r.status, r.userType])).toEqual([
      ['Resolved', 'Teacher'],
      ['Pending', 'Student'],
    ]);
    const thread = await t.db.selectFrom('helpRequestMessage').select('authorRole').where('helpRequestId', '=', requests[0]!.id).orderBy('createdAt').execute();
    expect(thread.map((m) => m.authorRole)).toEqual(['user', 'admin', 'user']);
    expect(requests[0]!.assignedAdminId).not.toBeNull();
    expect(await t.db.selectFrom('supportCall').select('id').execute()).toEqual([]);
  });

  it('has a student who reads Spanish and one who reads Arabic, each enrolled in the free course and signing in with the demo password', async () => {
    for (const login of DEMO_LANGUAGE_LOGINS) {
      const user = await t.db
        .selectFrom('user')
        .innerJoin('account', 'account.userId', 'user.id')
        .select(['user.id', 'user.language', 'account.password'])
        .where('user.email', '=', login.email)
        .executeTakeFirstOrThrow();
      expect(user.language).toBe(login.language);
      expect(await verifyPassword(user.password!, DEMO_PASSWORD)).toBe(true);
      const enrolled = await t.db
        .selectFrom('enrollment')
        .innerJoin('course', 'course.id', 'enrollment.courseId')
        .select(['course.price', 'enrollment.status'])
        .where('enrollment.userId', '=', user.id)
        .execute();
      expect(enrolled).toEqual([{ price: 0, status: 'Active' }]);
    }
  });

  it('running it again changes nothing', async () => {
    const before = await rowCounts(t.db);
    const ids = await t.db.selectFrom('course').select('id').orderBy('id').execute();
    await seedDemo(t.db, { env: 'development' });
    expect(await rowCounts(t.db)).toEqual(before);
    expect(await t.db.selectFrom('course').select('id').orderBy('id').execute()).toEqual(ids);
  });

  it('two seeds at once still make one set', async () => {
    await Promise.all([seedDemo(t.db, { env: 'development' }), seedDemo(t.db, { env: 'development' })]);
    const { n } = await t.db.selectFrom('user').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    expect(Number(n)).toBe(19);
  });

  it('refuses to run in production', async () => {
    await expect(seedDemo(t.db, { env: 'production' })).rejects.toThrow(/refuses to run in production/);
  });
});
