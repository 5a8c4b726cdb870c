import { randomBytes, randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import type { Database } from '../../src/db/database.ts';
import { sha256 } from '../../src/features/accounts/tokens.ts';
import { renderMarkdown } from '../../src/lib/markdown.ts';
import {
  createAdmin,
  createAssignment,
  createAssignmentSubmission,
  createBlogCategory,
  createChapter,
  createComment,
  createCourse,
  createEnrollment,
  createLesson,
  createPost,
  createQuestion,
  createQuiz,
  createQuizSubmission,
  createTeacher,
  createUser,
} from '../setup/factories.ts';
import { createAnnouncement } from '../setup/announcement-factories.ts';
import { addMembership } from '../setup/admin-factories.ts';
import { analyticsRows } from './fixture-analytics.ts';
import { videoRows } from './fixture-video.ts';

/**
 * One of every kind of row the design tests look at, with the long words and numbers that used to
 * break tables ("Pending", "Activate", "$1,249.50", long e-mail addresses): a teacher's published
 * course with chapters and lessons, students in each state with payments, a pending teacher
 * application; a quiz with long options (the student has taken it) on the second lesson, and an
 * assignment past its due date on the third with three submissions (graded with feedback, late,
 * pending with text and a long link); the student's blog post (category, tags, comments with a
 * reply, reactions) and a Rejected one, a learner's Pending post; announcements in every status (an
 * urgent Published one to everyone with attachments, so the banner shows on every signed-in page;
 * the course's, read by the student, with a file; a Scheduled, a Draft and an Expired one) with a few
 * reads, and the student's notifications, some unread. Issue 17's administration: the admin is the
 * default workspace's SuperAdmin (every form of the admin pages shows) and a second SuperAdmin
 * (`viewer`) views Edupeak as the student in the browser checks; a banned user; activity (an
 * impersonated row among it), failed and successful sign-ins, errors with a stack (one in bursts),
 * searches with clicks and ones that found nothing, devices online, a changed setting, one whose
 * stored value does not fit and an unknown key; a second workspace with members, an open invitation
 * to the teacher (its link: `invitationToken`) and one whose link has lapsed. Issue 18's support:
 * the student's help requests in every status (the In progress one a six-turn thread with an admin
 * assigned), the teacher's Pending one; a live call on the course (its banner on the student's
 * lesson pages) with three requests: a learner Accepted (`caller`), a new student and the student
 * waiting (numbers 1 and 2), and an ended call. Issue 19's analytics (fixture-analytics.ts): five
 * more learners over 75 days with payments (one part refund), progress that drops off, a video lesson
 * watched, quiz and assignment results and ratings; the student's streak, calendar and points; this
 * week's leaderboard and last week's winners. Issue 20 (fixture-video.ts): that video lesson's
 * copies Ready (audio, small, HD, poster) with English and Spanish captions. Returns the users (password: TEST_PASSWORD) and the
 * path of each page type.
 */
let made = 0;

/** Lesson text with what stretches a phone: a heading, a list, a long code line, a table. */
const LESSON_TEXT = `## Rows, columns and cells

A sheet is a grid. Columns have letters, rows have numbers, and a **cell** is named by both: \`B3\`.

1. Type the item names in column A.
2. Type the prices in column B.
3. Add them up in B10:

\`\`\`
=SUM(B2:B9)   # adds every price from the second row to the ninth, whatever you type there later
\`\`\`

| Item | Price |
|---|---|
| Rice, 5 kg | 7.50 |
| Cooking oil, 1 l | 3.20 |

> Name the sheet after the month, so next month's copy is easy to find.
`;

/** A blog post with what stretches a phone: a heading, a list, a long link, a code line. */
const POST_TEXT = `## What a price list taught me

I keep the shop's prices in a sheet now. Three things changed:

- the total is a formula, so it is never wrong
- the tax rate sits in one cell
- last month's sheet is one click away

The course's notes are at https://sheets.example.test/d/okoye-corner-shop-price-list-with-a-total-formula/view if you want them.

\`\`\`
=SUM(B2:B11)*(1+$F$1)   # the total with tax, whatever the rate is this month
\`\`\`
`;

/** An announcement with what stretches a phone: a heading, a list, a long link. */
const ANNOUNCEMENT_TEXT = `## What changes on Monday

The exam rooms for the autumn term have moved. Please check yours before you travel:

- morning exams are in the library's reading room, second floor
- afternoon exams stay in the main hall
- bring the confirmation mail or its number

The full timetable is at https://exams.example.test/autumn-2026/timetable-with-rooms-and-invigilators/view and attached below.
`;

export async function designFixture(db: Database) {
  const n = ++made;
  // Fixed addresses (the factories' are random): a table's width in the browser checks must not
  // depend on which letters a run drew (admin-activity at 1280 px came out 9 px too wide on one run).
  const teacher = await createTeacher(db, { firstName: 'Priya', lastName: 'Raman', email: `priya.raman-${n}@example.test` });
  const admin = await createAdmin(db, { firstName: 'Ade', lastName: 'Bello', email: `ade.bello-${n}@example.test` });
  const student = await createUser(db, { firstName: 'Nia', lastName: 'Okoye', email: `nia.okoye-${n}@example.test` });
  const course = await createCourse(db, {
    userId: teacher.id,
    title: 'Spreadsheets for small shops',
    slug: n === 1 ? 'spreadsheets-for-small-shops' : `spreadsheets-for-small-shops-${n}`,
    smallDescription: 'Stock, prices and a cash book without the guesswork.',
    description: 'Twelve short lessons on keeping a small shop in order with a spreadsheet.',
    price: 124950,
    fileKey: null,
  });
  const chapter = await createChapter(db, { courseId: course.id, title: 'Getting started' });
  const lesson = await createLesson(db, {
    chapterId: chapter.id,
    title: 'Your first sheet',
    description: 'Rows, columns and cells, and how to name them.',
    contentMarkdown: LESSON_TEXT,
    contentHtml: renderMarkdown(LESSON_TEXT),
  });
  const quizLesson = await createLesson(db, { chapterId: chapter.id, title: 'Formulas that add up' });
  const later = await createChapter(db, { courseId: course.id, title: 'Stock and prices' });
  const assignmentLesson = await createLesson(db, { chapterId: later.id, title: 'A price list that keeps itself' });

  const own = await createEnrollment(db, { userId: student.id, courseId: course.id, status: 'Active', amount: 124950 });
  await db
    .insertInto('paymentTransaction')
    .values({ enrollmentId: own.id, amount: 124950, status: 'Completed', stripePaymentId: `pi_design_${own.id}`, paymentMethod: 'card' })
    .execute();
  const learners = [];
  const states = [
    ['Active', 'Completed'],
    ['Pending', 'Pending'],
    ['Cancelled', 'Refunded'],
  ] as const;
  for (const [i, [status, payment]] of states.entries()) {
    const learner = await createUser(db, { firstName: 'Bartholomew', lastName: `Featherstonehaugh-${i}`, email: `bartholomew.featherstone-${n}${i}@example.test` });
    learners.push(learner);
    const enrollment = await createEnrollment(db, { userId: learner.id, courseId: course.id, status, amount: 124950 });
    await db
      .insertInto('paymentTransaction')
      .values({ enrollmentId: enrollment.id, amount: 124950, status: payment, stripePaymentId: `pi_design_${enrollment.id}`, paymentMethod: 'card' })
      .execute();
  }
  const applicant = await createUser(db, { firstName: 'Konstantinos', email: `konstantinos.papadopoulos-${n}@example.test` });
  await db
    .insertInto('teacherApplication')
    .values({
      userId: applicant.id,
      applicationData: JSON.stringify({ subjects: 'Bookkeeping, spreadsheets', experience: 'Ten years of evening classes.', motivation: 'To reach people who cannot come to class.' }),
    })
    .execute();

  // The quiz: options as long as a real one's, so the radio labels wrap on a phone.
  const quiz = await createQuiz(db, { lessonId: quizLesson.id, title: 'Check your formulas', points: 10, required: true });
  const questions = [];
  for (const [question, options, correctAnswer] of [
    ['Which formula adds every price from the second row to the ninth?', ['=SUM(B2:B9), which keeps working when a price in those rows changes', '=B2+B9, which adds the first and the last price only', 'Typing the total by hand after adding the prices on a calculator'], 0],
    ['You copy =B2*C2 from row 2 to row 3. What does the copy say?', ['=B2*C2, exactly what was copied, because formulas never change when copied', '=B3*C3: the references move down with the row they were copied to', '#REF!, because a formula cannot be copied to another row'], 1],
    ['Where should the tax rate go so that every price uses the same one?', ['In every formula, typed again each time it is needed', 'In a comment beside the column header, for people to read', 'In one cell of its own, with formulas pointing to it as $F$1'], 2],
  ] as const) questions.push(await createQuestion(db, { quizId: quiz.id, question, options: [...options], correctAnswer }));
  const [q1, q2, q3] = questions as [(typeof questions)[number], (typeof questions)[number], (typeof questions)[number]];
  await createQuizSubmission(db, {
    quizId: quiz.id,
    userId: student.id,
    score: 67,
    correctAnswers: 2,
    totalQuestions: 3,
    pointsEarned: 7,
    answers: JSON.stringify({ [q1.id]: 0, [q2.id]: 0, [q3.id]: 2 }),
  });

  // The assignment: due two days ago; graded on time, pending and late, pending with a long link.
  const day = 86_400_000;
  const assignment = await createAssignment(db, {
    lessonId: assignmentLesson.id,
    title: 'Build a price list with formulas',
    description: 'Make a sheet with ten items, their prices and a total.\nThe total must be a formula, not a number typed in.',
    points: 100,
    dueDate: new Date(Date.now() - 2 * day),
  });
  await createAssignmentSubmission(db, {
    assignmentId: assignment.id,
    userId: student.id,
    description: 'Ten items in column A, prices in column B, and =SUM(B2:B11) in B12.',
    link: 'https://sheets.example.test/d/okoye-corner-shop-price-list-with-a-total-formula/view',
    status: 'Graded',
    grade: 85,
    feedback: 'Well laid out and the total is right.\nNext time, put the tax rate in a cell of its own instead of typing it into each formula.',
    submittedAt: new Date(Date.now() - 4 * day),
  });
  await createAssignmentSubmission(db, {
    assignmentId: assignment.id,
    userId: learners[0]!.id,
    description: 'Here is my price list, sorry it is late: the shop was busy all week.',
    submissionCount: 2,
    submittedAt: new Date(Date.now() - day),
  });
  const pending = await createAssignmentSubmission(db, {
    assignmentId: assignment.id,
    userId: learners[2]!.id,
    description: 'The sheet is shared at the link below.\nThe total is in B12, and the tax in its own column.',
    link: 'https://sheets.example.test/d/featherstonehaugh-price-list-with-formulas-final-version/edit?usp=sharing',
    submittedAt: new Date(Date.now() - 5 * day),
  });

  // The blog: the student's Published post in a category, with tags, comments (one a reply) and
  // reactions; their Rejected post with a reason; a learner's Pending post in the admin queue.
  const category = await createBlogCategory(db, { name: `Running a small shop ${n}`, slug: `running-a-small-shop-${n}`, description: 'Stock, prices, cash and the people who help.' });
  const post = await createPost(db, {
    authorId: student.id,
    categoryId: category.id,
    courseId: course.id,
    title: 'What a price list with formulas taught me about my corner shop',
    slug: n === 1 ? 'what-a-price-list-taught-me' : `what-a-price-list-taught-me-${n}`,
    contentMarkdown: POST_TEXT,
    content: renderMarkdown(POST_TEXT, { allowImage: () => false }),
    excerpt: 'The total is a formula, the tax rate sits in one cell, and last month is one click away.',
    readingTime: 2,
    pointsSpent: 5,
    publishedAt: new Date(Date.now() - 3 * day),
  });
  await db
    .insertInto('blogTag')
    .values(['spreadsheets', 'small business', 'bookkeeping'].map((name) => ({ blogId: post.id, name, slug: name.replace(/ /g, '-') })))
    .execute();
  const first = await createComment(db, { blogId: post.id, authorId: teacher.id, content: 'Putting the tax rate in one cell is the step most people skip. Well done.' });
  await createComment(db, { blogId: post.id, authorId: student.id, parentId: first.id, content: 'Thank you! The notes at https://sheets.example.test/d/okoye-corner-shop-price-list-with-a-total-formula/view helped.' });
  await createComment(db, { blogId: post.id, authorId: learners[0]!.id, content: 'I did the same for my stall at the market and it saves me an hour a week.', upvotes: 2 });
  const reactions = [
    [teacher.id, 'Insightful'],
    [admin.id, 'Like'],
    [learners[0]!.id, 'Love'],
    [learners[1]!.id, 'Like'],
  ] as const;
  await db
    .insertInto('blogReaction')
    .values(reactions.map(([userId, type]) => ({ blogId: post.id, userId, type })))
    .execute();
  await db.updateTable('blog').set({ likeCount: reactions.length, commentCount: 3, viewCount: 41 }).where('id', '=', post.id).execute();
  await createPost(db, {
    authorId: student.id,
    categoryId: category.id,
    title: 'Ten formulas every shopkeeper should know',
    slug: `ten-formulas-every-shopkeeper-should-know-${n}`,
    status: 'Rejected',
    rejectedAt: new Date(Date.now() - day),
    rejectionReason: 'Please add an example for each formula, so readers can try them.',
  });
  await createPost(db, {
    authorId: learners[2]!.id,
    categoryId: category.id,
    title: 'Featherstonehaugh\'s guide to reconciling the cash book every evening',
    slug: `featherstonehaugh-cash-book-${n}`,
    status: 'Pending',
    pointsSpent: 5,
  });

  // Issue 16. Announcements in each status. The urgent one to everyone is unread by the student, the
  // teacher and the admin, so its banner shows on every page they open; its figures page lists who has
  // not read it (the long addresses). The course's one, read by the student, is the reader's page with
  // an attachment (opening an unread one would mark it read and take the banner away mid-run).
  const hour = 3_600_000;
  const attachment = (ext: string) => `announcements/2026/11/${randomUUID()}.${ext}`;
  const urgent = await createAnnouncement(db, {
    createdById: admin.id,
    title: 'Exam rooms have changed for the autumn term: check yours before Monday',
    bodyMarkdown: ANNOUNCEMENT_TEXT,
    body: renderMarkdown(ANNOUNCEMENT_TEXT, { allowImage: () => false }),
    targetRole: 'AllUsers',
    isUrgent: true,
    publishedAt: new Date(Date.now() - 2 * hour),
    expiresAt: new Date(Date.now() + 10 * day),
    attachmentKeys: [attachment('pdf'), attachment('webp')],
    attachmentNames: ['Autumn-2026-exam-timetable-with-rooms-and-invigilators.pdf', 'Map of the second floor.webp'],
    viewCount: 3,
  });
  const courseNews = await createAnnouncement(db, {
    createdById: teacher.id,
    title: 'The price list template is ready: download it before the third lesson',
    bodyMarkdown: 'The template has the **tax rate in its own cell**, as in the lesson. Make a copy before you change it.',
    body: renderMarkdown('The template has the **tax rate in its own cell**, as in the lesson. Make a copy before you change it.', { allowImage: () => false }),
    targetRole: 'CourseStudents',
    targetCourseId: course.id,
    publishedAt: new Date(Date.now() - day),
    attachmentKeys: [attachment('xlsx')],
    attachmentNames: ['Price-list-template-with-the-tax-rate-in-its-own-cell.xlsx'],
    viewCount: 1,
  });
  await createAnnouncement(db, {
    createdById: admin.id,
    title: 'Course analytics arrive for teachers next week',
    bodyMarkdown: 'Where students stop, and which quiz questions they miss most.',
    body: '<p>Where students stop, and which quiz questions they miss most.</p>',
    targetRole: 'AllTeachers',
    status: 'Scheduled',
    publishedAt: null,
    scheduledAt: new Date(Date.now() + 3 * day),
  });
  await createAnnouncement(db, {
    createdById: admin.id,
    title: 'Tips for exam week (draft)',
    bodyMarkdown: 'Study in short sessions and download the lesson files on Wi-Fi.',
    body: '<p>Study in short sessions and download the lesson files on Wi-Fi.</p>',
    targetRole: 'SpecificStudents',
    targetUserIds: learners.map((l) => l.id),
    status: 'Draft',
    publishedAt: null,
  });
  await createAnnouncement(db, {
    createdById: teacher.id,
    title: 'Office hours moved to Thursday evenings for the summer',
    bodyMarkdown: 'Thursdays, 18:00 to 19:00.',
    body: '<p>Thursdays, 18:00 to 19:00.</p>',
    targetRole: 'CourseStudents',
    targetCourseId: course.id,
    status: 'Expired',
    publishedAt: new Date(Date.now() - 60 * day),
    expiresAt: new Date(Date.now() - 20 * day),
  });
  await db
    .insertInto('announcementReadStatus')
    .values([
      { announcementId: urgent.id, userId: learners[0]!.id },
      { announcementId: urgent.id, userId: learners[1]!.id },
      { announcementId: courseNews.id, userId: student.id },
    ])
    .execute();

  // The student's inbox: the newest two unread, long titles and messages as real ones are.
  const notices = [
    ['AssignmentGraded', 'Your assignment "Build a price list with formulas" was graded: 85 / 100', 'Well laid out and the total is right. Next time, put the tax rate in a cell of its own.', `/learn/${course.slug}/grades`, false],
    ['CommentReceived', 'Priya Raman commented on "What a price list with formulas taught me about my corner shop"', '"Putting the tax rate in one cell is the step most people skip. Well done."', `/blog/${post.slug}#comments`, false],
    ['BlogRejected', 'Your post "Ten formulas every shopkeeper should know" was not published', 'Please add an example for each formula, so readers can try them.', '/account/posts', true],
    ['PointsEarned', 'You earned 7 points', 'For the quiz "Check your formulas": 2 of 3 right.', '/dashboard', true],
  ] as const;
  await db
    .insertInto('notification')
    .values(notices.map(([type, title, message, link, read], i) => ({ userId: student.id, type, title, message, link, read, createdAt: new Date(Date.now() - (i + 1) * hour) })))
    .execute();

  const admin17 = await administration(db, n, { admin, teacher, student, learners, course, post });
  const support18 = await support(db, n, { admin, teacher, student, learners, course });
  const analytics19 = await analyticsRows(db, n, { student, own, course, later, lessons: [lesson, quizLesson, assignmentLesson], quiz, assignment });
  const video20 = await videoRows(db, { course, videoLesson: analytics19.videoLesson });

  return {
    teacher,
    admin,
    student,
    ...admin17.users,
    ...support18.users,
    ...analytics19.users,
    invitationToken: admin17.invitationToken,
    course,
    lesson,
    quizLesson,
    assignmentLesson,
    quiz,
    assignment,
    post,
    urgent,
    courseNews,
    paths: {
      home: '/',
      catalog: '/courses',
      course: `/courses/${course.slug}`,
      lesson: `/learn/${course.slug}/lessons/${lesson.id}`,
      teachIndex: '/teach',
      editor: `/teach/courses/${course.id}`,
      students: `/teach/courses/${course.id}/students`,
      quizLesson: `/learn/${course.slug}/lessons/${quizLesson.id}`,
      assignmentLesson: `/learn/${course.slug}/lessons/${assignmentLesson.id}`,
      grades: `/learn/${course.slug}/grades`,
      submissions: `/teach/courses/${course.id}/submissions?status=any`,
      submission: `/teach/submissions/${pending.id}`,
      gradebook: `/teach/courses/${course.id}/gradebook`,
      quizEditor: `/teach/lessons/${quizLesson.id}`,
      blog: '/blog',
      post: `/blog/${post.slug}`,
      newPost: '/blog/new',
      myPosts: '/account/posts',
      adminBlog: '/admin/blog?status=any',
      adminCategories: '/admin/blog/categories',
      notifications: '/notifications',
      notificationMail: '/account/notifications',
      announcements: '/announcements',
      announcement: `/announcements/${courseNews.id}`,
      adminAnnouncements: '/admin/announcements',
      newAnnouncement: '/admin/announcements/new',
      adminAnnouncement: `/admin/announcements/${urgent.id}`,
      editAnnouncement: `/admin/announcements/${urgent.id}/edit`,
      courseAnnouncements: `/teach/courses/${course.id}/announcements`,
      newCourseAnnouncement: `/teach/courses/${course.id}/announcements/new`,
      ...admin17.paths,
      ...support18.paths,
      ...analytics19.paths,
      ...video20.paths,
    },
  };
}

type Person = { id: string; email: string; firstName: string; lastName: string | null };

/**
 * Issue 17: the rows the administration pages show, with the long names, addresses, messages and
 * user agents real ones have.
 */
async function administration(
  db: Database,
  n: number,
  f: { admin: Person; teacher: Person; student: Person; learners: Person[]; course: { id: string; title: string }; post: { id: string; title: string } },
) {
  const { admin, teacher, student, learners, course, post } = f;
  const minute = 60_000;
  const hour = 60 * minute;
  const day = 24 * hour;
  const ago = (ms: number) => new Date(Date.now() - ms);
  await addMembership(db, admin.id, 'SuperAdmin');
  const viewer = await createAdmin(db, { firstName: 'Ines', lastName: 'Ito', email: `ines.ito-${n}@example.test` });
  await addMembership(db, viewer.id, 'SuperAdmin');
  const banned = await createUser(db, {
    firstName: 'Maximilian',
    lastName: 'Oberhausen-Wetterstein',
    email: `maximilian.oberhausen-wetterstein-${n}@example.test`,
    banned: true,
    banReason: 'Posted the same advertisement in every course discussion, after two warnings.',
    banExpires: new Date(Date.now() + 14 * day),
  });

  const ANDROID = 'Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Mobile Safari/537.36';
  const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0';
  const SAFARI = 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.5 Mobile/15E148 Safari/604.1';

  // The audit trail: admin actions, a teacher's edit, and the student's post sent while the
  // viewer was viewing as them (metadata.impersonatedBy).
  await db
    .insertInto('activityLog')
    .values([
      { userId: admin.id, action: 'user_banned', entityType: 'user', entityId: banned.id, metadata: JSON.stringify({ reason: 'Posted the same advertisement in every course discussion, after two warnings.', until: new Date(Date.now() + 14 * day).toISOString() }), ipAddress: '203.0.113.24', userAgent: FIREFOX, createdAt: ago(3 * hour) },
      { userId: admin.id, action: 'setting_updated', entityType: 'system_config', entityId: 'workspaces.invitationDays', metadata: JSON.stringify({ key: 'workspaces.invitationDays', from: { default: 7 }, to: 14 }), ipAddress: '203.0.113.24', userAgent: FIREFOX, createdAt: ago(2 * hour) },
      { userId: teacher.id, action: 'course_updated', entityType: 'course', entityId: course.id, metadata: JSON.stringify({ fields: ['description', 'price', 'smallDescription'] }), ipAddress: '198.51.100.7', userAgent: SAFARI, createdAt: ago(90 * minute) },
      { userId: viewer.id, action: 'impersonation_started', entityType: 'user', entityId: student.id, metadata: JSON.stringify({ adminId: viewer.id, expiresInMinutes: 60 }), ipAddress: '192.0.2.51', userAgent: FIREFOX, createdAt: ago(40 * minute) },
      { userId: student.id, action: 'blog_submitted', entityType: 'blog', entityId: post.id, metadata: JSON.stringify({ impersonatedBy: viewer.id, pointsSpent: 5, title: post.title }), ipAddress: '192.0.2.51', userAgent: FIREFOX, createdAt: ago(38 * minute) },
      { userId: viewer.id, action: 'impersonation_stopped', entityType: 'user', entityId: student.id, metadata: JSON.stringify({ adminId: viewer.id, reason: 'stopped' }), ipAddress: '192.0.2.51', userAgent: FIREFOX, createdAt: ago(35 * minute) },
    ])
    .execute();

  // Sign-ins: successful ones from a phone and a laptop, a wrong password, the banned user refused.
  await db
    .insertInto('loginHistory')
    .values([
      { userId: student.id, success: true, ipAddress: '2001:db8:85a3::8a2e:370:7334', userAgent: ANDROID, city: 'Lagos', country: 'Nigeria', createdAt: ago(20 * minute) },
      { userId: student.id, success: false, failureReason: 'wrong_password', ipAddress: '198.51.100.201', userAgent: ANDROID, city: 'Lagos', country: 'Nigeria', createdAt: ago(21 * minute) },
      { userId: banned.id, success: false, failureReason: 'banned', ipAddress: '203.0.113.250', userAgent: SAFARI, city: 'Rio de Janeiro', country: 'Brazil', createdAt: ago(hour) },
      { userId: teacher.id, success: true, ipAddress: '198.51.100.7', userAgent: SAFARI, createdAt: ago(2 * hour) },
      { userId: admin.id, success: true, ipAddress: '203.0.113.24', userAgent: FIREFOX, city: 'Frankfurt am Main', country: 'Germany', createdAt: ago(4 * hour) },
    ])
    .execute();

  // Errors: one in three bursts (grouped into one line with its total), with a stack and metadata;
  // a 404 nobody signed in caused; a mail error with a long message.
  const STACK = `TypeError: Cannot read properties of undefined (reading 'price')
    at priceLabel (/srv/edupeak/src/features/enrollments/checkout.ts:84:31)
    at renderCheckout (/srv/edupeak/src/features/enrollments/routes.ts:142:18)
    at Layer.handle [as handle_request] (/srv/edupeak/node_modules/express/lib/router/layer.js:95:5)
    at next (/srv/edupeak/node_modules/express/lib/router/route.js:149:13)`;
  const errors = await db
    .insertInto('errorLog')
    .values([
      ...[3, 2, 1].map((d, i) => ({
        errorType: 'TypeError',
        statusCode: 500,
        message: "Cannot read properties of undefined (reading 'price')",
        stack: STACK,
        endpoint: `/courses/spreadsheets-for-small-shops/checkout`,
        method: 'POST',
        userId: student.id,
        metadata: JSON.stringify({ requestId: `req_${randomUUID()}`, courseId: course.id, query: { coupon: 'AUTUMN-2026-EVENING-CLASSES' } }),
        occurrences: 2 + i,
        createdAt: ago(d * hour),
        lastSeenAt: ago(d * hour - 5 * minute),
      })),
      { errorType: 'NotFoundError', statusCode: 404, message: 'No lesson 8c1f0d2e-4b7a-4c55-9e0f-3f1a2b3c4d5e in course spreadsheets-for-small-shops', stack: null, endpoint: '/learn/spreadsheets-for-small-shops/lessons/8c1f0d2e-4b7a-4c55-9e0f-3f1a2b3c4d5e', method: 'GET', createdAt: ago(5 * hour), lastSeenAt: ago(5 * hour) },
      { errorType: 'MailDeliveryError', statusCode: null, message: `Mail to ${learners[0]!.email} was refused: 550 5.1.1 The email account that you tried to reach does not exist`, stack: 'MailDeliveryError: 550 5.1.1\n    at deliverMail (/srv/edupeak/src/features/notifications/outbox.ts:120:11)', endpoint: null, method: null, createdAt: ago(26 * hour), lastSeenAt: ago(25 * hour) },
    ])
    .returning('id')
    .execute();

  // Searches: repeated queries with clicks, a long one, and some that found nothing.
  const searches: Array<[string, number, boolean, number]> = [
    ['spreadsheets', 4, true, 5],
    ['spreadsheets', 4, false, 3],
    ['Spreadsheets ', 4, true, 1],
    ['cash book', 2, true, 2],
    ['cash book', 2, false, 1],
    ['how to keep a cash book for a market stall with several sellers', 1, false, 1],
    ['pivot tables', 0, false, 3],
    ['vlookup', 0, false, 2],
    ['bookkeeping for a cooperative with members in three villages', 0, false, 1],
  ];
  await db
    .insertInto('searchAnalytics')
    .values(searches.flatMap(([query, resultsCount, clicked, times], i) => Array.from({ length: times }, (_, k) => ({ query, resultsCount, clickedResult: clicked ? course.id : null, createdAt: ago((i * 5 + k) * hour) }))))
    .execute();

  // Devices online now: the student on a phone, the teacher, the banned user's last one gone.
  await db
    .insertInto('onlineSession')
    .values([
      { userId: student.id, sessionId: `design-${n}-student`, ipAddress: '2001:db8:85a3::8a2e:370:7334', userAgent: ANDROID, lastActivityAt: ago(minute), createdAt: ago(20 * minute) },
      { userId: teacher.id, sessionId: `design-${n}-teacher`, ipAddress: '198.51.100.7', userAgent: SAFARI, lastActivityAt: ago(3 * minute), createdAt: ago(2 * hour) },
      { userId: learners[0]!.id, sessionId: `design-${n}-learner`, ipAddress: '198.51.100.42', userAgent: FIREFOX, lastActivityAt: ago(2 * minute), createdAt: ago(50 * minute) },
    ])
    .execute();

  // Settings: one changed by the admin, one stored value that does not fit (the default applies),
  // and a key the code does not read. The fixture may run twice on one database: upserts.
  const config = [
    { key: 'workspaces.invitationDays', value: JSON.stringify(14), updatedBy: admin.id },
    { key: 'learning.earlyUnlockPoints', value: JSON.stringify('a lot'), updatedBy: null },
    { key: 'legacy.homepageHeroImageForTheAutumnCampaign', value: JSON.stringify({ src: 'https://cdn.example.test/campaigns/autumn-2026/hero-image-with-a-long-name.webp', alt: 'Students in a library' }), updatedBy: null },
  ];
  for (const row of config) {
    await db
      .insertInto('systemConfig')
      .values(row)
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: row.value, updatedBy: row.updatedBy, updatedAt: sql`now()` }))
      .execute();
  }

  // A second workspace: the admin its SuperAdmin, the viewer an Admin, learners Members; an open
  // invitation to the teacher as Admin (the link's token known to the tests) and one lapsed.
  const workspace = await db
    .insertInto('workspace')
    .values({
      name: 'Okoye Community Learning Trust',
      slug: `okoye-community-learning-trust-${n}`,
      description: 'Evening classes in bookkeeping and spreadsheets for the traders of the Balogun market, run with the market association.',
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await addMembership(db, admin.id, 'SuperAdmin', workspace.id);
  await addMembership(db, viewer.id, 'Admin', workspace.id);
  for (const learner of [student, ...learners]) await addMembership(db, learner.id, 'Member', workspace.id);
  const invitationToken = randomBytes(32).toString('base64url');
  await db
    .insertInto('invitation')
    .values([
      { workspaceId: workspace.id, email: teacher.email, role: 'Admin', invitedBy: admin.id, userId: teacher.id, token: sha256(invitationToken).toString('hex'), expiresAt: new Date(Date.now() + 6 * day) },
      { workspaceId: workspace.id, email: `chidinma.adebayo-okonkwo-${n}@market-association.example.test`, role: 'Member', invitedBy: admin.id, token: sha256(randomBytes(32).toString('base64url')).toString('hex'), expiresAt: ago(day), createdAt: ago(8 * day) },
    ])
    .execute();

  return {
    users: { viewer, banned },
    invitationToken,
    paths: {
      adminHome: '/admin',
      adminUsers: '/admin/users',
      adminUser: `/admin/users/${student.id}`,
      // A teacher's page: the courses they teach and the hand-over form.
      adminTeacher: `/admin/users/${teacher.id}`,
      adminBannedUser: `/admin/users/${banned.id}`,
      adminActivity: '/admin/activity',
      adminLogins: '/admin/logins',
      adminErrors: '/admin/errors',
      adminError: `/admin/errors/${errors[2]!.id}`,
      adminSearch: '/admin/search',
      adminOnline: '/admin/online',
      adminSettings: '/admin/settings',
      adminSetting: '/admin/settings/learning.badgePoints',
      adminMailSetting: '/admin/settings/notifications.mailDefaults',
      adminWorkspaces: '/admin/workspaces',
      adminWorkspace: `/admin/workspaces/${workspace.id}`,
      invitation: `/invitations/${invitationToken}`,
      invitations: '/invitations',
    },
  };
}

/**
 * Issue 18: the help desk's requests and the live calls, with the long subjects, links and names
 * real ones have. Rows written directly, in the shapes the services leave (the thread in
 * help_request_message, the spec's latest answer and reply beside it; a request's place in the line).
 */
async function support(
  db: Database,
  n: number,
  f: { admin: Person; teacher: Person; student: Person; learners: Array<Person & { password: string }>; course: { id: string; slug: string } },
) {
  const { admin, teacher, student, learners, course } = f;
  const minute = 60_000;
  const hour = 60 * minute;
  const day = 24 * hour;
  const ago = (ms: number) => new Date(Date.now() - ms);

  type Turn = [side: 'user' | 'admin', body: string, at: number];
  const request = async (
    user: Person,
    fields: { subject: string; userType: 'Student' | 'Teacher'; status: 'Pending' | 'InProgress' | 'Resolved' | 'Closed'; assignedAdminId?: string },
    turns: Turn[],
  ) => {
    const last = (side: 'user' | 'admin') => turns.filter((t) => t[0] === side).slice(side === 'user' ? 1 : 0).at(-1);
    const answer = last('admin');
    const reply = last('user');
    const row = await db
      .insertInto('helpRequest')
      .values({
        userId: user.id,
        ...fields,
        message: turns[0]![1],
        response: answer?.[1] ?? null,
        respondedAt: answer ? ago(answer[2]) : null,
        userReply: reply?.[1] ?? null,
        userRepliedAt: reply ? ago(reply[2]) : null,
        createdAt: ago(turns[0]![2]),
        updatedAt: ago(turns.at(-1)![2]),
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db
      .insertInto('helpRequestMessage')
      .values(turns.map(([side, body, at]) => ({ helpRequestId: row.id, authorId: side === 'user' ? user.id : admin.id, authorRole: side, body, createdAt: ago(at) })))
      .execute();
    return row;
  };

  // The student's requests, one in each status. The In progress one is a thread of six turns with
  // long links and line breaks, answered by the admin (assigned to them).
  await request(student, { subject: 'I paid for the course two days ago but my enrollment still says Pending', userType: 'Student', status: 'Pending' }, [
    ['user', 'I paid with my card on Tuesday evening and the money has left my account, but the course page still says my enrollment is Pending.\nThe receipt is at https://pay.example.test/receipts/rcpt_2026_11_25_okoye_spreadsheets_for_small_shops if you need it.', 3 * hour],
  ]);
  const thread = await request(
    student,
    { subject: 'The video in "Your first sheet" stops after a minute on my phone, on the market\'s 3G connection', userType: 'Student', status: 'InProgress', assignedAdminId: admin.id },
    [
      ['user', 'On my phone the video of the first lesson stops after about a minute and never starts again. At home on Wi-Fi it plays to the end.', 2 * day],
      ['admin', 'Thank you for telling us. Which phone and browser do you use? Meanwhile, every lesson has its text under the video: it loads on any connection.', 2 * day - 3 * hour],
      ['user', 'A Tecno Spark 10 with Chrome. The text works, thank you.\nThis is what I see when it stops: https://screenshots.example.test/nia-okoye/2026-11-25/video-stopped-after-one-minute.png', 36 * hour],
      ['admin', 'We found it: the video asked for the large version on a slow connection. A fix goes out tonight. Could you try again tomorrow and tell us?', 30 * hour],
      ['user', 'It plays now, but the sound comes a second after the picture.', 6 * hour],
      ['admin', 'That one is new to us. We are looking at it and will write here again.', 4 * hour],
    ],
  );
  await request(student, { subject: 'How do I keep the lesson files to read offline?', userType: 'Student', status: 'Resolved', assignedAdminId: admin.id }, [
    ['user', 'I want to read the lessons on the bus, where there is no signal. Can I download them?', 5 * day],
    ['admin', 'Yes: each lesson\'s files are under "Files" at the end of the lesson, and the text prints to a PDF from the browser\'s menu.', 5 * day - 2 * hour],
  ]);
  await request(student, { subject: 'Please spell my family name with a capital O on the certificate', userType: 'Student', status: 'Closed', assignedAdminId: admin.id }, [
    ['user', 'My name shows as "okoye" on the certificate preview.', 12 * day],
    ['admin', 'Fixed: the certificate now reads Nia Okoye.', 12 * day - hour],
    ['user', 'Thank you, it is right now.', 11 * day],
  ]);
  // The teacher's, waiting: the admin queue shows more than one user type.
  await request(teacher, { subject: 'Students cannot see the chapter I scheduled to open on Monday morning', userType: 'Teacher', status: 'Pending' }, [
    ['user', 'I scheduled "Stock and prices" for Monday 08:00 but two students wrote that it is still closed at 09:30. Is the time on my clock or theirs?', 9 * hour],
  ]);

  // The live call: a learner in the meeting (Accepted), a new student and the student waiting (1 and 2).
  const newcomer = await createUser(db, { firstName: 'Oluwaseun', lastName: 'Adeyemi-Bankole', email: `oluwaseun.adeyemi-bankole-${n}@students.example.test` });
  await createEnrollment(db, { userId: newcomer.id, courseId: course.id, status: 'Active', amount: 124950 });
  const room = (name: string) => `edupeak-${name}-${randomBytes(9).toString('base64url')}`;
  const liveRoom = room('spreadsheets-live');
  const live = await db
    .insertInto('supportCall')
    .values({
      courseId: course.id,
      createdBy: teacher.id,
      title: 'Thursday office hours: formulas, price lists and the cash book',
      description: 'Bring the sheet you are working on.\nWe go through the assignment "Build a price list with formulas" first, then anything else.',
      status: 'Active',
      streamCallId: liveRoom,
      meetingUrl: `https://meet.example.org/${liveRoom}`,
      createdAt: ago(25 * minute),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const caller = learners[0]!;
  await db
    .insertInto('supportCallRequest')
    .values([
      { supportCallId: live.id, userId: caller.id, supportType: 'Assignment help', status: 'Accepted', position: 1, joinedAt: ago(5 * minute), createdAt: ago(22 * minute) },
      { supportCallId: live.id, userId: newcomer.id, supportType: 'Technical problem', status: 'Pending', position: 1, createdAt: ago(15 * minute) },
      { supportCallId: live.id, userId: student.id, supportType: 'Question about a lesson', status: 'Pending', position: 2, createdAt: ago(8 * minute) },
    ])
    .execute();

  // Last week's call, ended: one request answered, one still waiting when it ended.
  const endedRoom = room('spreadsheets-ended');
  const ended = await db
    .insertInto('supportCall')
    .values({
      courseId: course.id,
      createdBy: teacher.id,
      title: 'Office hours before the assignment is due',
      description: 'Questions about the price list assignment.',
      status: 'Ended',
      streamCallId: endedRoom,
      meetingUrl: `https://meet.example.org/${endedRoom}`,
      createdAt: ago(7 * day),
      endedAt: ago(7 * day - hour),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db
    .insertInto('supportCallRequest')
    .values([
      { supportCallId: ended.id, userId: caller.id, supportType: 'Assignment help', status: 'Completed', position: 1, joinedAt: ago(7 * day - 20 * minute), createdAt: ago(7 * day - 10 * minute) },
      { supportCallId: ended.id, userId: newcomer.id, supportType: 'Other', status: 'Rejected', rejectionReason: 'The call ended', position: 1, createdAt: ago(7 * day - 30 * minute) },
    ])
    .execute();

  const calls = `/teach/courses/${course.id}/support-calls`;
  return {
    users: { caller, newcomer },
    paths: {
      help: '/help',
      newHelp: '/help/new',
      helpThread: `/help/${thread.id}`,
      adminHelp: '/admin/help',
      adminHelpRequest: `/admin/help/${thread.id}`,
      supportCalls: calls,
      supportCall: `${calls}/${live.id}`,
      endedSupportCall: `${calls}/${ended.id}`,
      studentCall: `/learn/${course.slug}/support-calls/${live.id}`,
      endedStudentCall: `/learn/${course.slug}/support-calls/${ended.id}`,
    },
  };
}
