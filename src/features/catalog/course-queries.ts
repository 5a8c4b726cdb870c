import { sql } from 'kysely';
import type { Database } from '../../db/database.ts';
import type { CurrentUser } from '../../http/guards.ts';
import { canSeeCoursePage, courseRole, isWaiting, lessonIsOpen, type LessonViewer } from '../access/course-policy.ts';
import { NO_USER, splitViewerRow, VIEWER_ENROLLMENT_COLUMNS } from '../access/load-course.ts';

/**
 * A course page's course, with the viewer's enrollment and role (the course policy's), in one
 * query; undefined when the viewer may not see the page (canSeeCoursePage): a Draft is for those
 * who manage it, an Archived course for its enrolled students.
 */
export async function courseForVisitor(db: Database, slug: string, user: CurrentUser | undefined) {
  if (slug.length > 100) return undefined;
  const row = await db
    .selectFrom('course as c')
    .innerJoin('user as u', 'u.id', 'c.userId')
    .leftJoin('enrollment as e', (join) => join.onRef('e.courseId', '=', 'c.id').on('e.userId', '=', user?.id ?? NO_USER))
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
      ...VIEWER_ENROLLMENT_COLUMNS,
    ])
    .where('c.slug', '=', slug)
    .executeTakeFirst();
  if (!row) return undefined;
  const { rest: course, enrollment } = splitViewerRow(row);
  const role = courseRole(user, course, enrollment);
  return canSeeCoursePage(role, course) ? { course, enrollment, role } : undefined;
}

/**
 * The curriculum: titles only, published and scheduled chapters and lessons in order; drafts never.
 * Each lesson says whether it is open to the viewer (the course policy's lessonIsOpen), so an
 * enrolled student can go straight to it. Two queries however long the course.
 */
export async function curriculum(db: Database, courseId: string, viewer: LessonViewer | undefined) {
  const chapters = await db
    .selectFrom('chapter')
    .select(['id', 'title', 'status', 'releaseAt'])
    .where('courseId', '=', courseId)
    .where('status', '!=', 'Draft')
    .orderBy('position')
    .execute();
  const lessons = chapters.length
    ? await db
        .selectFrom('lesson as l')
        .innerJoin('chapter as ch', 'ch.id', 'l.chapterId')
        .innerJoin('course as c', 'c.id', 'ch.courseId')
        .select(['l.id', 'l.chapterId', 'l.title', 'l.status', 'l.releaseAt', (viewer ? sql<boolean>`${lessonIsOpen(viewer)}` : sql<boolean>`false`).as('open')])
        .where('ch.courseId', '=', courseId)
        .where('ch.status', '!=', 'Draft')
        .where('l.status', '!=', 'Draft')
        .orderBy('ch.position')
        .orderBy('l.position')
        .execute()
    : [];
  const now = Date.now();
  const upcoming = (item: { status: string; releaseAt: Date | null }) => (isWaiting(item, now) && item.releaseAt !== null ? item.releaseAt : null);
  return chapters.map((chapter) => ({
    title: chapter.title,
    releaseAt: upcoming(chapter),
    lessons: lessons.filter((l) => l.chapterId === chapter.id).map((l) => ({ id: l.id, title: l.title, releaseAt: upcoming(l), open: l.open })),
  }));
}

export const REVIEWS_PER_PAGE = 10;

/**
 * The written reviews (ratings with a comment), newest first, a page at a time, with their total in
 * the same query. The reviewer shows as a first name and an initial.
 */
export async function ratingComments(db: Database, courseId: string, page: number) {
  const rows = await db
    .selectFrom('courseRating as r')
    .innerJoin('user as u', 'u.id', 'r.userId')
    .select(['r.id', 'r.rating', 'r.comment', 'r.createdAt', 'u.firstName', 'u.lastName', sql<number>`count(*) over ()::int`.as('total')])
    .where('r.courseId', '=', courseId)
    .where('r.comment', 'is not', null)
    .orderBy('r.createdAt', 'desc')
    .orderBy('r.id')
    .limit(REVIEWS_PER_PAGE)
    .offset((page - 1) * REVIEWS_PER_PAGE)
    .execute();
  return {
    total: rows[0]?.total ?? 0,
    reviews: rows.map((r) => ({ id: r.id, rating: r.rating, comment: r.comment!, createdAt: r.createdAt, reviewer: r.lastName ? `${r.firstName} ${r.lastName.slice(0, 1)}.` : r.firstName })),
  };
}

export async function ratingSummary(db: Database, courseId: string) {
  const row = await db
    .selectFrom('courseRating')
    .select([sql<number | null>`round(avg(rating)::numeric, 1)::float`.as('average'), sql<number>`count(*)::int`.as('count')])
    .where('courseId', '=', courseId)
    .executeTakeFirstOrThrow();
  return row;
}
