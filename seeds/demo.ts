import { sql } from 'kysely';
import type { Database } from '../src/db/database.ts';
import { hashPassword } from '../src/features/accounts/password.ts';
import { storeCourseImage } from '../src/features/media/course-image.ts';
import { renderMarkdown } from '../src/lib/markdown.ts';
import { newKey, type Storage } from '../src/storage/index.ts';
import { DEMO_ATTACHMENT, LESSON_TEXT } from './demo-lessons.ts';
import { DEMO_ASSIGNMENT, DEMO_QUIZ } from './demo-assessments.ts';
import { seedDemoBlog } from './demo-blog.ts';
import { seedDemoAnnouncements } from './demo-announcements.ts';
import { seedDemoAdmin } from './demo-admin.ts';
import { seedDemoAnalytics } from './demo-analytics.ts';
import { seedDemoCaptions } from './demo-captions.ts';
import { seedDemoLanguages } from './demo-languages.ts';

/**
 * Demo data for development: the default workspace, the three demo logins (and the extra learners and
 * accounts of demo-admin.ts and demo-analytics.ts), three published courses,
 * a few blog posts, announcements and notifications. Idempotent (every row is found by its natural key before it is made),
 * and it refuses to run in production.
 */

export const DEMO_PASSWORD = 'edupeak-demo';

export const DEMO_LOGINS = [
  { role: 'admin', email: 'admin@example.com', firstName: 'Ada', lastName: 'Admin', designation: 'Platform administrator' },
  { role: 'teacher', email: 'teacher@example.com', firstName: 'Tomás', lastName: 'Teacher', designation: 'Web developer and teacher' },
  { role: 'student', email: 'student@example.com', firstName: 'Sam', lastName: 'Student', designation: null },
] as const;

interface DemoCourse {
  slug: string;
  title: string;
  smallDescription: string;
  description: string;
  category: string;
  level: 'Beginner' | 'Intermediate' | 'Advanced';
  price: number;
  duration: number;
  chapters: Array<{ title: string; lessons: Array<{ title: string; description: string }> }>;
}

const lesson = (title: string, description: string) => ({ title, description });

const COURSES: DemoCourse[] = [
  {
    slug: 'web-basics-on-any-connection',
    title: 'Web Basics on Any Connection',
    smallDescription: 'Build your first web page with HTML and CSS, from a phone or a shared computer.',
    description:
      'A free, gentle start: what a web page is made of, how to write HTML that works everywhere, and how to style it with a little CSS. Every video is short and small, made for slow connections.',
    category: 'Web Development',
    level: 'Beginner',
    price: 0,
    duration: 95,
    chapters: [
      {
        title: 'Getting started',
        lessons: [
          lesson('What is a web page?', 'Browsers, servers and the files in between.'),
          lesson('Your first HTML file', 'Headings, paragraphs and links in a plain text file.'),
        ],
      },
      {
        title: 'Structure with HTML',
        lessons: [
          lesson('Lists and tables', 'When to use each, and how screen readers hear them.'),
          lesson('Forms that work without JavaScript', 'Labels, inputs and buttons that post to a server.'),
          lesson('Images that load fast', 'Width, height, lazy loading and small files.'),
        ],
      },
      {
        title: 'Style with CSS',
        lessons: [
          lesson('Selectors and the cascade', 'How the browser decides which rule wins.'),
          lesson('Layouts for small screens', 'Flexbox and grid, starting at 320 pixels wide.'),
        ],
      },
    ],
  },
  {
    slug: 'practical-spreadsheets-for-small-business',
    title: 'Practical Spreadsheets for Small Business',
    smallDescription: 'Track sales, stock and cash with spreadsheets you already have.',
    description:
      'Hands-on lessons for shop owners and freelancers: a sales log, a stock sheet, simple formulas and charts that answer real questions about your business.',
    category: 'Business',
    level: 'Beginner',
    price: 1999,
    duration: 150,
    chapters: [
      {
        title: 'Foundations',
        lessons: [
          lesson('Cells, rows and columns', 'Moving around and entering data quickly.'),
          lesson('Your first formulas', 'SUM, AVERAGE and relative references.'),
          lesson('A daily sales log', 'One row per sale, and totals that update themselves.'),
        ],
      },
      {
        title: 'Answers from your data',
        lessons: [
          lesson('Filtering and sorting', 'Find your best-selling items in seconds.'),
          lesson('Charts that tell a story', 'Pick the right chart and keep it honest.'),
        ],
      },
    ],
  },
  {
    slug: 'data-analysis-with-python',
    title: 'Data Analysis with Python',
    smallDescription: 'Clean, explore and chart real data sets with Python and pandas.',
    description:
      'For learners who know a little programming: load messy data, clean it, ask questions of it with pandas, and present what you find with clear charts.',
    category: 'Data Science',
    level: 'Intermediate',
    price: 3400,
    duration: 320,
    chapters: [
      {
        title: 'Setting up',
        lessons: [
          lesson('Python and notebooks', 'A working setup on a modest computer.'),
          lesson('Reading CSV files', 'Loading data and looking at it first.'),
        ],
      },
      {
        title: 'Cleaning data',
        lessons: [
          lesson('Missing values', 'Find them, understand them, decide what to do.'),
          lesson('Types and dates', 'Numbers stored as text, and dates in many formats.'),
          lesson('Joining tables', 'Merge two data sets on a shared key.'),
        ],
      },
      {
        title: 'Exploring',
        lessons: [
          lesson('Group and summarise', 'groupby, aggregations and pivot tables.'),
          lesson('Finding outliers', 'Spot values that do not belong.'),
        ],
      },
      {
        title: 'Presenting',
        lessons: [
          lesson('Charts with matplotlib', 'Line, bar and scatter charts that read well.'),
          lesson('Writing up your findings', 'A short report a manager will read.'),
        ],
      },
    ],
  },
];

const CATEGORIES = [
  { slug: 'study-tips', name: 'Study tips', description: 'Learning well with little time and little bandwidth.' },
  { slug: 'teaching', name: 'Teaching', description: 'Making courses that students finish.' },
  { slug: 'platform-news', name: 'Platform news', description: 'What is new on Edupeak.' },
];

const POSTS = [
  {
    slug: 'learning-on-a-slow-connection',
    title: 'Learning on a slow connection: five habits that help',
    category: 'study-tips',
    author: 'teacher@example.com',
    excerpt: 'Download at night, watch in short sessions, and take notes by hand.',
    content:
      '<p>Slow or expensive data does not have to stop you. Here are five habits our students swear by.</p><ol><li>Open lessons when the network is quiet.</li><li>Watch in short sessions.</li><li>Write notes by hand.</li><li>Do the exercises before the next video.</li><li>Ask questions early.</li></ol>',
    readingTime: 3,
    daysAgo: 2,
  },
  {
    slug: 'short-videos-finish-courses',
    title: 'Why short videos get courses finished',
    category: 'teaching',
    author: 'teacher@example.com',
    excerpt: 'Students finish more lessons when each one is under ten minutes.',
    content:
      '<p>A ten-minute lesson is easier to start, cheaper to download and easier to finish. Split long recordings at natural pauses, and give each part a title that says what the student will be able to do.</p>',
    readingTime: 4,
    daysAgo: 5,
  },
  {
    slug: 'welcome-to-edupeak',
    title: 'Welcome to Edupeak',
    category: 'platform-news',
    author: 'admin@example.com',
    excerpt: 'A learning platform built for people on slow connections.',
    content:
      '<p>Edupeak pages are small, work without JavaScript and never load anything from third parties. Teachers build and sell video courses; students learn at their own pace.</p>',
    readingTime: 2,
    daysAgo: 9,
  },
];

export async function hasAnyUser(db: Database): Promise<boolean> {
  const row = await db.selectFrom('user').select('id').limit(1).executeTakeFirst();
  return row !== undefined;
}

/**
 * Course images, drawn here as SVG and stored like an upload (two WebP widths, storeCourseImage),
 * so a newcomer sees cards with pictures. One course has none on purpose: its cards show the
 * generated placeholder. Shapes only: SVG text would depend on the fonts of the machine.
 */
const art = (from: string, to: string, shapes: string) =>
  `<svg xmlns="http://www.w3.org/2000/svg" width="1280" height="720" viewBox="0 0 160 90"><defs><linearGradient id="g" x2="1" y2="1"><stop offset="0" stop-color="${from}"/><stop offset="1" stop-color="${to}"/></linearGradient></defs><rect width="160" height="90" fill="url(#g)"/>${shapes}</svg>`;
const COURSE_ART: Record<string, string> = {
  // A browser window with a page being built: a header bar, a heading, lines of text, a picture.
  'web-basics-on-any-connection': art(
    '#0b5cad',
    '#3aa0a0',
    '<rect x="30" y="14" width="100" height="64" rx="4" fill="#fff"/><rect x="30" y="14" width="100" height="9" rx="4" fill="#dbe7f3"/><circle cx="36" cy="18.5" r="1.6" fill="#e5534b"/><circle cx="41" cy="18.5" r="1.6" fill="#f2b705"/><circle cx="46" cy="18.5" r="1.6" fill="#2da44e"/><rect x="38" y="30" width="46" height="6" rx="1.5" fill="#0b5cad"/><rect x="38" y="41" width="50" height="3" rx="1.5" fill="#9fb3c8"/><rect x="38" y="48" width="44" height="3" rx="1.5" fill="#9fb3c8"/><rect x="38" y="55" width="48" height="3" rx="1.5" fill="#9fb3c8"/><rect x="95" y="30" width="27" height="28" rx="2" fill="#f2b705"/><path d="M97 56l8-10 6 6 4-4 5 8z" fill="#c47f00"/><rect x="38" y="65" width="22" height="7" rx="3.5" fill="#3aa0a0"/>',
  ),
  // A chart: bars rising, a trend line with points.
  'data-analysis-with-python': art(
    '#23395d',
    '#6a4c93',
    '<rect x="24" y="16" width="112" height="60" rx="4" fill="#fff" opacity=".96"/><path d="M34 68h92" stroke="#9fb3c8" stroke-width="1"/><rect x="40" y="50" width="10" height="18" fill="#4c8bf5"/><rect x="56" y="40" width="10" height="28" fill="#4c8bf5"/><rect x="72" y="44" width="10" height="24" fill="#4c8bf5"/><rect x="88" y="32" width="10" height="36" fill="#4c8bf5"/><rect x="104" y="24" width="10" height="44" fill="#f2b705"/><path d="M45 44L61 34 77 38 93 27 109 19" fill="none" stroke="#6a4c93" stroke-width="2"/><circle cx="45" cy="44" r="2" fill="#6a4c93"/><circle cx="61" cy="34" r="2" fill="#6a4c93"/><circle cx="77" cy="38" r="2" fill="#6a4c93"/><circle cx="93" cy="27" r="2" fill="#6a4c93"/><circle cx="109" cy="19" r="2" fill="#6a4c93"/>',
  ),
};

export interface SeedOptions {
  env: 'development' | 'production' | 'test';
  /** Where the demo course images go; without it (most tests) the courses have none. */
  storage?: Storage;
}

export async function seedDemo(db: Database, { env, storage }: SeedOptions): Promise<void> {
  if (env === 'production') throw new Error('The demo seed refuses to run in production (NODE_ENV=production).');
  // Hash before the transaction: argon2 is deliberately slow and must not hold locks.
  const passwordHash = await hashPassword(DEMO_PASSWORD);

  await db.transaction().execute(async (trx) => {
    // Two seeds at once (two `npm start`s on one database) take turns.
    await sql`select pg_advisory_xact_lock(hashtext('edupeak-demo-seed'))`.execute(trx);

    const workspace =
      (await trx.selectFrom('workspace').select('id').where('slug', '=', 'default').executeTakeFirst()) ??
      (await trx
        .insertInto('workspace')
        .values({ name: 'Default Workspace', slug: 'default', description: 'The workspace every account belongs to.' })
        .returning('id')
        .executeTakeFirstOrThrow());

    const userIds = new Map<string, string>();
    for (const login of DEMO_LOGINS) {
      let user = await trx
        .selectFrom('user')
        .select('id')
        .where(sql<string>`lower(email)`, '=', login.email)
        .executeTakeFirst();
      if (!user) {
        user = await trx
          .insertInto('user')
          .values({
            firstName: login.firstName,
            lastName: login.lastName,
            email: login.email,
            emailVerified: true,
            role: login.role,
            designation: login.designation,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        await trx
          .insertInto('account')
          .values({ userId: user.id, accountId: user.id, providerId: 'credential', password: passwordHash })
          .execute();
        // The demo student has GitHub connected too, so /account/sign-in-methods shows a connected
        // provider at once (signing in with it needs GITHUB_CLIENT_ID and a real GitHub account).
        if (login.role === 'student') {
          await trx.insertInto('account').values({ userId: user.id, accountId: 'demo-github-583231', providerId: 'github', scope: 'read:user user:email' }).execute();
        }
      }
      userIds.set(login.email, user.id);
    }

    const memberships = [
      // The demo admin is the workspace's SuperAdmin: settings, impersonation, roles and invitations.
      { email: 'admin@example.com', role: 'SuperAdmin' as const },
      { email: 'teacher@example.com', role: 'Member' as const },
    ];
    await trx
      .insertInto('membership')
      .values(memberships.map((m) => ({ userId: userIds.get(m.email)!, workspaceId: workspace.id, role: m.role })))
      .onConflict((oc) => oc.columns(['userId', 'workspaceId']).doNothing())
      .execute();

    const teacherId = userIds.get('teacher@example.com')!;
    for (const [index, course] of COURSES.entries()) {
      const exists = await trx.selectFrom('course').select('id').where('slug', '=', course.slug).executeTakeFirst();
      if (exists) continue;
      const { chapters, ...fields } = course;
      const artwork = COURSE_ART[course.slug];
      // Stored before the row that points at it, like an upload; if this transaction rolls back,
      // the hourly sweep of unreferenced files takes it.
      const image = storage && artwork ? await storeCourseImage(storage, Buffer.from(artwork)) : undefined;
      const created = await trx
        .insertInto('course')
        .values({
          ...fields,
          fileKey: image?.key ?? null, // none: the cards show a generated placeholder
          status: 'Published',
          userId: teacherId,
          // Distinct creation times keep "newest first" stable.
          createdAt: new Date(Date.now() - (index + 1) * 86_400_000),
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      for (const [c, chapter] of chapters.entries()) {
        const { id: chapterId } = await trx
          .insertInto('chapter')
          .values({ courseId: created.id, title: chapter.title, position: c + 1, status: 'Published' })
          .returning('id')
          .executeTakeFirstOrThrow();
        // Lesson text as a teacher's save leaves it: the Markdown and its rendered, sanitised HTML.
        const lessons = await trx
          .insertInto('lesson')
          .values(
            chapter.lessons.map((l, i) => {
              const text = LESSON_TEXT[l.title] ?? null;
              return { ...l, chapterId, position: i + 1, status: 'Published' as const, contentMarkdown: text, contentHtml: text ? renderMarkdown(text) : null };
            }),
          )
          .returning(['id', 'title'])
          .execute();
        const attachTo = lessons.find((l) => l.title === DEMO_ATTACHMENT.lessonTitle);
        if (storage && attachTo) {
          // Stored like an upload, before its row (the sweep of unreferenced files takes it on a rollback).
          const body = Buffer.from(DEMO_ATTACHMENT.body);
          const key = newKey('attachments', 'txt');
          await storage.put(key, body, { contentType: DEMO_ATTACHMENT.contentType, contentLength: body.length });
          await trx
            .insertInto('lessonAttachment')
            .values({ lessonId: attachTo.id, fileKey: key, fileName: DEMO_ATTACHMENT.fileName, contentType: DEMO_ATTACHMENT.contentType, sizeBytes: body.length, position: 1 })
            .execute();
        }
        const quizLesson = lessons.find((l) => l.title === DEMO_QUIZ.lessonTitle);
        if (quizLesson) {
          const { questions, lessonTitle: _, ...quiz } = DEMO_QUIZ;
          const { id: quizId } = await trx.insertInto('quiz').values({ ...quiz, lessonId: quizLesson.id }).returning('id').executeTakeFirstOrThrow();
          await trx
            .insertInto('quizQuestion')
            .values(questions.map((q, i) => ({ ...q, quizId, position: i + 1 })))
            .execute();
        }
        const assignmentLesson = lessons.find((l) => l.title === DEMO_ASSIGNMENT.lessonTitle);
        if (assignmentLesson) {
          const { lessonTitle: _, dueInDays, ...assignment } = DEMO_ASSIGNMENT;
          await trx
            .insertInto('assignment')
            .values({ ...assignment, dueDate: new Date(Date.now() + dueInDays * 86_400_000), lessonId: assignmentLesson.id })
            .execute();
        }
      }
    }

    await trx
      .insertInto('blogCategory')
      .values(CATEGORIES)
      .onConflict((oc) => oc.column('slug').doNothing())
      .execute();
    const categories = await trx.selectFrom('blogCategory').select(['id', 'slug']).execute();
    const categoryId = new Map(categories.map((c) => [c.slug, c.id]));
    await trx
      .insertInto('blog')
      .values(
        POSTS.map(({ category, author, daysAgo, ...post }) => {
          const at = new Date(Date.now() - daysAgo * 86_400_000);
          return {
            ...post,
            status: 'Published' as const,
            authorId: userIds.get(author)!,
            categoryId: categoryId.get(category) ?? null,
            publishedAt: at,
            createdAt: at,
          };
        }),
      )
      .onConflict((oc) => oc.column('slug').doNothing())
      .execute();
    // Comments, reactions and a post in the admin's moderation queue (seeds/demo-blog.ts).
    await seedDemoBlog(trx, userIds, categoryId);
    // Announcements (an urgent one to everyone, a course welcome, a scheduled one, a draft) and inbox notices.
    await seedDemoAnnouncements(trx, userIds);
    // The admin area's tables: a banned and an unverified user, a second workspace with an
    // invitation, a changed setting, sign-ins, audit rows, errors and searches.
    await seedDemoAdmin(trx, userIds, passwordHash);
    // The analytics' history (seeds/demo-analytics.ts): learners, enrollments, payments and refunds,
    // progress, results, activity, points and leaderboards over the last 12 weeks.
    await seedDemoAnalytics(trx, userIds, passwordHash, storage);
    // English and Spanish captions on the lessons that got the demo video (seeds/demo-captions.ts).
    await seedDemoCaptions(trx);
    // Two students who read Spanish and Arabic (seeds/demo-languages.ts).
    await seedDemoLanguages(trx, passwordHash, 'web-basics-on-any-connection');
  });
}
