import { sql } from 'kysely';
import type { Database } from '../../db/database.ts';

/** The teacher's courses with their counts and revenue: one query however many courses. */
export function teacherCourses(db: Database, userId: string) {
  return db
    .selectFrom('course as c')
    .where('c.userId', '=', userId)
    .select((eb) => [
      'c.id',
      'c.title',
      'c.slug',
      'c.status',
      'c.price',
      'c.updatedAt',
      eb.selectFrom('chapter').whereRef('chapter.courseId', '=', 'c.id').select(sql<number>`count(*)::int`.as('n')).as('chapters'),
      eb
        .selectFrom('lesson')
        .innerJoin('chapter', 'chapter.id', 'lesson.chapterId')
        .whereRef('chapter.courseId', '=', 'c.id')
        .select(sql<number>`count(*)::int`.as('n'))
        .as('lessons'),
      eb
        .selectFrom('enrollment')
        .whereRef('enrollment.courseId', '=', 'c.id')
        .where('enrollment.status', '=', 'Active')
        .select(sql<number>`count(*)::int`.as('n'))
        .as('students'),
      // Money kept: completed payments, less what was refunded. A payment whose payer deleted their
      // account has no enrollment any more; its course_id still says what was sold (issue 22).
      eb
        .selectFrom('paymentTransaction as p')
        .where((w) =>
          w.or([
            w('p.enrollmentId', 'in', w.selectFrom('enrollment as e').select('e.id').whereRef('e.courseId', '=', 'c.id')),
            w.and([w('p.enrollmentId', 'is', null), w('p.courseId', '=', w.ref('c.id'))]),
          ]),
        )
        .where('p.status', 'in', ['Completed', 'Refunded'])
        .select(sql<number>`coalesce(sum(p.amount - coalesce(p.refund_amount, 0)), 0)::int`.as('cents'))
        .as('revenue'),
    ])
    .orderBy('c.updatedAt', 'desc')
    .execute();
}

/** A course's chapters and their lessons, in order: two queries however long the course. */
export async function courseStructure(db: Database, courseId: string) {
  const chapters = await db.selectFrom('chapter').selectAll().where('courseId', '=', courseId).orderBy('position').execute();
  const lessons = chapters.length
    ? await db
        .selectFrom('lesson')
        .selectAll()
        .where(
          'chapterId',
          'in',
          chapters.map((c) => c.id),
        )
        .orderBy('position')
        .execute()
    : [];
  return chapters.map((chapter, index) => ({
    ...chapter,
    first: index === 0,
    last: index === chapters.length - 1,
    lessons: lessons
      .filter((l) => l.chapterId === chapter.id)
      .map((lesson, i, all) => ({ ...lesson, first: i === 0, last: i === all.length - 1 })),
  }));
}
