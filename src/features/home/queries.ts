import type { Database } from '../../db/database.ts';

/** The newest published courses, with their teacher's name: one query whatever the count. */
export function featuredCourses(db: Database, limit = 6) {
  return db
    .selectFrom('course')
    .innerJoin('user', 'user.id', 'course.userId')
    .where('course.status', '=', 'Published')
    .orderBy('course.createdAt', 'desc')
    .orderBy('course.id')
    .limit(limit)
    .select([
      'course.id',
      'course.title',
      'course.slug',
      'course.fileKey',
      'course.smallDescription',
      'course.price',
      'course.level',
      'course.duration',
      'course.category',
      'user.firstName as teacherFirstName',
      'user.lastName as teacherLastName',
    ])
    .execute();
}

/** The latest published posts, with their author's name. */
export function latestPosts(db: Database, limit = 3) {
  return db
    .selectFrom('blog')
    .innerJoin('user', 'user.id', 'blog.authorId')
    .where('blog.status', '=', 'Published')
    .where('blog.isDraft', '=', false)
    .orderBy('blog.publishedAt', 'desc')
    .orderBy('blog.id')
    .limit(limit)
    .select(['blog.title', 'blog.slug', 'blog.excerpt', 'blog.publishedAt', 'blog.readingTime', 'user.firstName as authorFirstName', 'user.lastName as authorLastName'])
    .execute();
}
