import type { Insertable } from 'kysely';
import type { Database } from '../../src/db/database.ts';
import type { Assignment, AssignmentSubmission, Blog, BlogCategory, BlogComment, Chapter, Course, Enrollment, Lesson, Quiz, QuizQuestion, QuizSubmission, User } from '../../src/db/types.ts';
import { hashPassword } from '../../src/features/accounts/password.ts';

/** Factories: each makes a valid row with sensible defaults; pass only what the test cares about. */

let sequence = 0;
const next = () => `${Date.now().toString(36)}${(++sequence).toString(36)}${Math.random().toString(36).slice(2, 6)}`;

export const TEST_PASSWORD = 'correct horse battery staple';
let passwordHash: Promise<string> | undefined;

export async function createUser(db: Database, overrides: Partial<Insertable<User>> & { password?: string } = {}) {
  const { password, ...fields } = overrides;
  const n = next();
  const user = await db
    .insertInto('user')
    .values({ firstName: 'Test', lastName: `User ${n}`, email: `user-${n}@example.test`, emailVerified: true, role: 'student', ...fields })
    .returningAll()
    .executeTakeFirstOrThrow();
  // Hashing is slow on purpose: the default password is hashed once per file.
  const hash = password ? await hashPassword(password) : await (passwordHash ??= hashPassword(TEST_PASSWORD));
  await db.insertInto('account').values({ userId: user.id, accountId: user.id, providerId: 'credential', password: hash }).execute();
  return { ...user, password: password ?? TEST_PASSWORD };
}

export const createTeacher = (db: Database, overrides: Partial<Insertable<User>> = {}) => createUser(db, { role: 'teacher', ...overrides });
export const createAdmin = (db: Database, overrides: Partial<Insertable<User>> = {}) => createUser(db, { role: 'admin', ...overrides });

export async function createCourse(db: Database, overrides: Partial<Insertable<Course>> = {}) {
  const userId = overrides.userId ?? (await createTeacher(db)).id;
  const n = next();
  return db
    .insertInto('course')
    .values({
      title: `Course ${n}`,
      slug: `course-${n}`,
      smallDescription: 'A short description.',
      description: 'A longer description of what the course teaches.',
      category: 'Testing',
      fileKey: `test/${n}.webp`,
      price: 0,
      duration: 60,
      status: 'Published',
      ...overrides,
      userId,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

async function nextChapterPosition(db: Database, courseId: string) {
  const row = await db.selectFrom('chapter').where('courseId', '=', courseId).select((eb) => eb.fn.max('position').as('max')).executeTakeFirst();
  return (row?.max ?? 0) + 1;
}

async function nextLessonPosition(db: Database, chapterId: string) {
  const row = await db.selectFrom('lesson').where('chapterId', '=', chapterId).select((eb) => eb.fn.max('position').as('max')).executeTakeFirst();
  return (row?.max ?? 0) + 1;
}

export async function createChapter(db: Database, overrides: Partial<Insertable<Chapter>> = {}) {
  const courseId = overrides.courseId ?? (await createCourse(db)).id;
  return db
    .insertInto('chapter')
    .values({ title: `Chapter ${next()}`, status: 'Published', position: overrides.position ?? (await nextChapterPosition(db, courseId)), ...overrides, courseId })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function createLesson(db: Database, overrides: Partial<Insertable<Lesson>> = {}) {
  const chapterId = overrides.chapterId ?? (await createChapter(db)).id;
  return db
    .insertInto('lesson')
    .values({
      title: `Lesson ${next()}`,
      description: 'What this lesson covers.',
      status: 'Published',
      position: overrides.position ?? (await nextLessonPosition(db, chapterId)),
      ...overrides,
      chapterId,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function createEnrollment(db: Database, overrides: Partial<Insertable<Enrollment>> = {}) {
  const userId = overrides.userId ?? (await createUser(db)).id;
  const course = overrides.courseId
    ? await db.selectFrom('course').selectAll().where('id', '=', overrides.courseId).executeTakeFirstOrThrow()
    : await createCourse(db);
  return db
    .insertInto('enrollment')
    .values({ amount: course.price, status: 'Active', ...overrides, userId, courseId: course.id })
    .returningAll()
    .executeTakeFirstOrThrow();
}

// Assessments (features/assessments). Each creates what it needs (a lesson, a student) when not given.

export async function createAssignment(db: Database, overrides: Partial<Insertable<Assignment>> = {}) {
  const lessonId = overrides.lessonId ?? (await createLesson(db)).id;
  return db
    .insertInto('assignment')
    .values({ title: `Assignment ${next()}`, description: 'Write a short answer.', points: 100, ...overrides, lessonId })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function createQuiz(db: Database, overrides: Partial<Insertable<Quiz>> = {}) {
  const lessonId = overrides.lessonId ?? (await createLesson(db)).id;
  return db
    .insertInto('quiz')
    .values({ title: `Quiz ${next()}`, points: 10, required: true, ...overrides, lessonId })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function createQuestion(db: Database, overrides: Partial<Insertable<QuizQuestion>> & { quizId: string }) {
  const row = await db
    .selectFrom('quizQuestion')
    .select((eb) => eb.fn.max('position').as('max'))
    .where('quizId', '=', overrides.quizId)
    .executeTakeFirst();
  return db
    .insertInto('quizQuestion')
    .values({ question: `Question ${next()}?`, options: ['Yes', 'No', 'Maybe'], correctAnswer: 0, position: (row?.max ?? 0) + 1, ...overrides })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function createAssignmentSubmission(db: Database, overrides: Partial<Insertable<AssignmentSubmission>> & { assignmentId: string }) {
  const userId = overrides.userId ?? (await createUser(db)).id;
  return db
    .insertInto('assignmentSubmission')
    .values({ description: 'My answer.', ...overrides, userId })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function createQuizSubmission(db: Database, overrides: Partial<Insertable<QuizSubmission>> & { quizId: string }) {
  const userId = overrides.userId ?? (await createUser(db)).id;
  return db
    .insertInto('quizSubmission')
    .values({ score: 100, totalQuestions: 1, correctAnswers: 1, pointsEarned: 10, answers: JSON.stringify({}), ...overrides, userId })
    .returningAll()
    .executeTakeFirstOrThrow();
}

// The blog (features/blog).

export async function createBlogCategory(db: Database, overrides: Partial<Insertable<BlogCategory>> = {}) {
  const n = next();
  return db.insertInto('blogCategory').values({ name: `Category ${n}`, slug: `category-${n}`, ...overrides }).returningAll().executeTakeFirstOrThrow();
}

/** A Published post by default (content is the safe HTML, contentMarkdown its source). */
export async function createPost(db: Database, overrides: Partial<Insertable<Blog>> = {}) {
  const authorId = overrides.authorId ?? (await createUser(db)).id;
  const n = next();
  const status = overrides.status ?? 'Published';
  return db
    .insertInto('blog')
    .values({
      title: `Post ${n}`,
      slug: `post-${n}`,
      contentMarkdown: 'A short post.',
      content: '<p>A short post.</p>',
      excerpt: 'A short post.',
      readingTime: 1,
      status,
      publishedAt: status === 'Published' ? new Date() : null,
      ...overrides,
      authorId,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function createComment(db: Database, overrides: Partial<Insertable<BlogComment>> & { blogId: string }) {
  const authorId = overrides.authorId ?? (await createUser(db)).id;
  return db.insertInto('blogComment').values({ content: 'Nice post.', ...overrides, authorId }).returningAll().executeTakeFirstOrThrow();
}
