import { sql } from 'kysely';
import type { Database } from '../../db/database.ts';
import type { CurrentUser } from '../../http/guards.ts';

/**
 * A course as a visitor sees it: Published for anyone; Archived only for its enrolled students;
 * Draft never (its teacher and admins preview every state).
 */
export async function courseForVisitor(db: Database, slug: string, user: CurrentUser | undefined) {
  if (slug.length > 100) return undefined;
  const course = await db
    .selectFrom('course as c')
    .innerJoin('user as u', 'u.id', 'c.userId')
    .select([
      'c.id',
      'c.title',
      'c.slug',
      'c.smallDescription',
      'c.description',
      'c.category',
      'c.level',
      'c.price',
      'c.duration',
      'c.status',
      'c.fileKey',
      'c.userId',
      'u.firstName as teacherFirstName',
      'u.lastName as teacherLastName',
      'u.designation as teacherDesignation',
      'u.bio as teacherBio',
      'u.image as teacherImage',
      (eb) =>
        eb
          .exists(
            eb
              .selectFrom('enrollment as e')
              .whereRef('e.courseId', '=', 'c.id')
              .where('e.userId', '=', user?.id ?? '00000000-0000-0000-0000-000000000000')
              .where('e.status', '=', 'Active'),
          )
          .as('viewerEnrolled'),
    ])
    .where('c.slug', '=', slug)
    .executeTakeFirst();
  if (!course) return undefined;
  const preview = !!user && (user.id === course.userId || user.role === 'admin');
  if (course.status === 'Published' || preview || (course.status === 'Archived' && course.viewerEnrolled)) return course;
  return undefined;
}

/**
 * The curriculum: titles only (nothing that leads to a video), published and scheduled chapters and
 * lessons in order; drafts never. Two queries however long the course.
 */
export async function curriculum(db: Database, courseId: string) {
  const chapters = await db
    .selectFrom('chapter')
    .select(['id', 'title', 'status', 'releaseAt'])
    .where('courseId', '=', courseId)
    .where('status', '!=', 'Draft')
    .orderBy('position')
    .execute();
  const lessons = chapters.length
    ? await db
        .selectFrom('lesson')
        .select(['id', 'chapterId', 'title', 'status', 'releaseAt'])
        .where(
          'chapterId',
          'in',
          chapters.map((c) => c.id),
        )
        .where('status', '!=', 'Draft')
        .orderBy('position')
        .execute()
    : [];
  const now = Date.now();
  const upcoming = (item: { status: string; releaseAt: Date | null }) =>
    item.status === 'Scheduled' && item.releaseAt !== null && new Date(item.releaseAt).getTime() > now ? item.releaseAt : null;
  return chapters.map((chapter) => ({
    title: chapter.title,
    releaseAt: upcoming(chapter),
    lessons: lessons.filter((l) => l.chapterId === chapter.id).map((l) => ({ title: l.title, releaseAt: upcoming(l) })),
  }));
}

export async function ratingSummary(db: Database, courseId: string) {
  const row = await db
    .selectFrom('courseRating')
    .select([sql<number | null>`round(avg(rating)::numeric, 1)::float`.as('average'), sql<number>`count(*)::int`.as('count')])
    .where('courseId', '=', courseId)
    .executeTakeFirstOrThrow();
  return row;
}

export function viewerEnrollment(db: Database, courseId: string, userId: string) {
  return db
    .selectFrom('enrollment')
    .select(['id', 'status', 'banned', 'banType', 'banUntil', 'banReason'])
    .where('courseId', '=', courseId)
    .where('userId', '=', userId)
    .executeTakeFirst();
}
