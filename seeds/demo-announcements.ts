import type { Transaction } from 'kysely';
import type { DB } from '../src/db/types.ts';
import { notify, type Notice } from '../src/features/notifications/notify.ts';
import { renderMarkdown } from '../src/lib/markdown.ts';

/**
 * Announcements and notifications for the demo, so a newcomer sees both at once: an urgent notice
 * to everyone (the banner on every page until it is read or dismissed), a teacher's welcome to the
 * students of the free course (seen after enrolling), one scheduled for teachers and an admin's
 * draft; and a few notifications in each demo user's inbox, some unread (the count in the nav).
 * Idempotent: announcements are found by title, notifications by person and title.
 */

type Who = 'admin@example.com' | 'teacher@example.com' | 'student@example.com';

const DAY = 86_400_000;

interface DemoAnnouncement {
  title: string;
  markdown: string;
  by: Who;
  targetRole: 'AllUsers' | 'AllTeachers' | 'AllStudents' | 'CourseStudents';
  course?: string;
  status: 'Draft' | 'Scheduled' | 'Published';
  /** Days from now: negative for the past (published), positive for scheduled. */
  inDays: number;
  isUrgent?: boolean;
}

export const DEMO_ANNOUNCEMENTS: DemoAnnouncement[] = [
  {
    title: 'Planned maintenance on Sunday',
    markdown:
      'Edupeak will be **read-only for about 15 minutes** on Sunday from 02:00 UTC while we upgrade the database.\n\n' +
      '- Lessons and downloads keep working.\n- Quizzes, comments and uploads wait until we are back.\n\nThank you for your patience.',
    by: 'admin@example.com',
    targetRole: 'AllUsers',
    status: 'Published',
    inDays: -0.1,
    isUrgent: true,
  },
  {
    title: 'Welcome to Web Basics: how this course works',
    markdown:
      'Hello and welcome! Each lesson is a short video with its text below it, so you can **read instead of watch** when data is expensive.\n\n' +
      'The quiz in *Your first HTML file* checks what you learned; the assignment in *Forms that work without JavaScript* is graded by me within a week.',
    by: 'teacher@example.com',
    targetRole: 'CourseStudents',
    course: 'web-basics-on-any-connection',
    status: 'Published',
    inDays: -2,
  },
  {
    title: 'Course analytics arrive next week',
    markdown: 'Teachers will soon see where students stop in each course, and which quiz questions they miss most.',
    by: 'admin@example.com',
    targetRole: 'AllTeachers',
    status: 'Scheduled',
    inDays: 3,
  },
  {
    title: 'Tips for exam week',
    markdown: 'Draft: study in short sessions, download the lesson files while on Wi-Fi, and ask questions early.',
    by: 'admin@example.com',
    targetRole: 'AllStudents',
    status: 'Draft',
    inDays: 7,
  },
];

const DEMO_NOTICES: Array<Omit<Notice, 'userId'> & { to: Who; read?: boolean; daysAgo: number }> = [
  {
    to: 'student@example.com',
    type: 'CommentReceived',
    title: 'Tomás replied to your comment',
    message: '"Glad it helps! Notes by hand work well too: you remember more and use no data at all."',
    link: '/blog/learning-on-a-slow-connection#comments',
    daysAgo: 0.2,
  },
  {
    to: 'student@example.com',
    type: 'PointsEarned',
    title: 'Welcome points',
    message: 'You have points to spend: open a scheduled lesson early or send a blog post to moderation.',
    link: '/dashboard',
    daysAgo: 1,
    read: true,
  },
  {
    to: 'teacher@example.com',
    type: 'CommentReceived',
    title: 'Sam commented on your post',
    message: '"As a student I agree: I finish a ten-minute lesson on the bus, a forty-minute one never."',
    link: '/blog/short-videos-finish-courses#comments',
    daysAgo: 0.5,
  },
  {
    to: 'admin@example.com',
    type: 'AdminReply',
    title: 'A blog post is waiting for moderation',
    message: 'One post was sent to moderation. Approve it or give the author a reason.',
    link: '/admin/blog',
    daysAgo: 0.3,
  },
];

export async function seedDemoAnnouncements(trx: Transaction<DB>, userIds: Map<string, string>): Promise<void> {
  const existing = new Set((await trx.selectFrom('announcement').select('title').execute()).map((a) => a.title));
  for (const a of DEMO_ANNOUNCEMENTS) {
    if (existing.has(a.title)) continue;
    const course = a.course ? await trx.selectFrom('course').select('id').where('slug', '=', a.course).executeTakeFirst() : undefined;
    const at = new Date(Date.now() + a.inDays * DAY);
    await trx
      .insertInto('announcement')
      .values({
        title: a.title,
        bodyMarkdown: a.markdown,
        body: renderMarkdown(a.markdown, { allowImage: () => false }),
        createdById: userIds.get(a.by)!,
        targetRole: a.targetRole,
        targetCourseId: course?.id ?? null,
        status: a.status,
        isUrgent: a.isUrgent ?? false,
        scheduledAt: a.status === 'Draft' ? null : at,
        publishedAt: a.status === 'Published' ? at : null,
        createdAt: new Date(Math.min(at.getTime(), Date.now()) - DAY),
      })
      .execute();
  }

  const have = new Set(
    (await trx.selectFrom('notification').select(['userId', 'title']).where('userId', 'in', [...userIds.values()]).execute()).map((n) => `${n.userId}:${n.title}`),
  );
  const fresh = DEMO_NOTICES.filter((n) => !have.has(`${userIds.get(n.to)}:${n.title}`));
  // The demo's notices stay in the inbox: nobody is mailed for demo data.
  await notify(
    trx,
    fresh.map(({ to, read: _read, daysAgo: _days, ...n }) => ({ ...n, userId: userIds.get(to)!, mail: 'never' as const })),
  );
  // notify() writes new, unread notices now; the demo's are dated and some already read.
  for (const n of fresh) {
    await trx
      .updateTable('notification')
      .set({ read: n.read ?? false, createdAt: new Date(Date.now() - n.daysAgo * DAY) })
      .where('userId', '=', userIds.get(n.to)!)
      .where('title', '=', n.title)
      .execute();
  }
}
