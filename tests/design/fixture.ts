import type { Database } from '../../src/db/database.ts';
import { renderMarkdown } from '../../src/lib/markdown.ts';
import { createAdmin, createChapter, createCourse, createEnrollment, createLesson, createTeacher, createUser } from '../setup/factories.ts';

/**
 * One of every kind of row the design tests look at, with the long words and numbers that used to
 * break tables ("Pending", "Activate", "$1,249.50", long e-mail addresses): a teacher's published
 * course with chapters and lessons, students in each state with payments, a pending teacher
 * application. Returns the users (password: TEST_PASSWORD) and the path of each page type.
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
  await createLesson(db, { chapterId: chapter.id, title: 'Formulas that add up' });
  const later = await createChapter(db, { courseId: course.id, title: 'Stock and prices' });
  await createLesson(db, { chapterId: later.id, title: 'A price list that keeps itself' });

  const own = await createEnrollment(db, { userId: student.id, courseId: course.id, status: 'Active', amount: 124950 });
  await db
    .insertInto('paymentTransaction')
    .values({ enrollmentId: own.id, amount: 124950, status: 'Completed', stripePaymentId: `pi_design_${own.id}`, paymentMethod: 'card' })
    .execute();
  const states = [
    ['Active', 'Completed'],
    ['Pending', 'Pending'],
    ['Cancelled', 'Refunded'],
  ] as const;
  for (const [i, [status, payment]] of states.entries()) {
    const learner = await createUser(db, { firstName: 'Bartholomew', lastName: `Featherstonehaugh-${i}`, email: `bartholomew.featherstone-${n}${i}@example.test` });
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

  return {
    teacher,
    admin,
    student,
    course,
    lesson,
    paths: {
      home: '/',
      catalog: '/courses',
      course: `/courses/${course.slug}`,
      lesson: `/learn/${course.slug}/lessons/${lesson.id}`,
      teachIndex: '/teach',
      editor: `/teach/courses/${course.id}`,
      students: `/teach/courses/${course.id}/students`,
    },
  };
}
