import { randomUUID } from 'node:crypto';
import type { Database } from '../../src/db/database.ts';
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
 * reads, and the student's notifications, some unread. Returns the users (password: TEST_PASSWORD)
 * and the path of each page type.
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
  const teacher = await createTeacher(db, { firstName: 'Priya', lastName: 'Raman' });
  const admin = await createAdmin(db, { firstName: 'Ade' });
  const student = await createUser(db, { firstName: 'Nia', lastName: 'Okoye' });
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

  return {
    teacher,
    admin,
    student,
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
    },
  };
}
