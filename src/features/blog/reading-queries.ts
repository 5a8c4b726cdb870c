import { sql, type SqlBool } from 'kysely';
import type { Database } from '../../db/database.ts';
import { plainQuery, prefixTsQuery } from '../catalog/search.ts';

/**
 * Reading the blog (issue 15): the list at /blog, a post's page, the feed. Only Published posts
 * (status Published and not a draft) are public; a post's page also shows other states to its
 * author and admins (reading-routes.ts decides, with `visibleTo`).
 */

export const BLOG_PER_PAGE = 20;
export const FEED_SIZE = 20;

export interface BlogFilters {
  q: string;
  /** A category's slug. */
  category?: string | undefined;
  /** A tag's slug. */
  tag?: string | undefined;
  page: number;
}

export interface PostCard {
  id: string;
  title: string;
  slug: string;
  excerpt: string | null;
  coverImageKey: string | null;
  isFeatured: boolean;
  publishedAt: Date | null;
  readingTime: number;
  likeCount: number;
  commentCount: number;
  authorFirstName: string;
  authorLastName: string | null;
  categoryName: string | null;
  categorySlug: string | null;
}

export interface TagRef {
  name: string;
  slug: string;
}

const published = (db: Database) => db.selectFrom('blog as b').where('b.status', '=', 'Published').where('b.isDraft', '=', false);

/**
 * One page of Published posts, filtered and searched, with the total: two queries whatever the
 * number of posts. Without words: featured first, then newest. With words (the catalog's way:
 * every word a prefix in the weighted tsvector, or a near match on the title): title matches
 * first, then rank, then newest.
 */
export async function searchPosts(db: Database, f: BlogFilters): Promise<{ rows: PostCard[]; total: number }> {
  const tsq = f.q ? prefixTsQuery(f.q) : undefined;
  const plain = plainQuery(f.q);
  const query = sql`to_tsquery('english', ${tsq ?? ''})`;

  let base = published(db);
  if (f.category) {
    const slug = f.category;
    base = base.where((eb) => eb.exists(eb.selectFrom('blogCategory as fc').select(sql`1`.as('one')).whereRef('fc.id', '=', 'b.categoryId').where('fc.slug', '=', slug)));
  }
  if (f.tag) {
    const slug = f.tag;
    base = base.where((eb) => eb.exists(eb.selectFrom('blogTag as ft').select(sql`1`.as('one')).whereRef('ft.blogId', '=', 'b.id').where('ft.slug', '=', slug)));
  }
  if (tsq !== undefined) base = base.where(sql<SqlBool>`(b.search @@ ${query} or ${plain} <% b.title)`);

  let page = base
    .innerJoin('user as u', 'u.id', 'b.authorId')
    .leftJoin('blogCategory as c', 'c.id', 'b.categoryId')
    .select([
      'b.id',
      'b.title',
      'b.slug',
      'b.excerpt',
      'b.coverImageKey',
      'b.isFeatured',
      'b.publishedAt',
      'b.readingTime',
      'b.likeCount',
      'b.commentCount',
      'u.firstName as authorFirstName',
      'u.lastName as authorLastName',
      'c.name as categoryName',
      'c.slug as categorySlug',
    ]);
  if (tsq !== undefined) {
    page = page
      .orderBy(sql`(to_tsvector('english', b.title) @@ ${query}) desc`)
      .orderBy(sql`ts_rank_cd(b.search, ${query}) + word_similarity(${plain}, b.title) desc`);
  } else {
    page = page.orderBy('b.isFeatured', 'desc');
  }
  page = page.orderBy(sql`b.published_at desc nulls last`).orderBy('b.id');

  const [rows, total] = await Promise.all([
    page.limit(BLOG_PER_PAGE).offset((f.page - 1) * BLOG_PER_PAGE).execute(),
    base.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow(),
  ]);
  return { rows: rows as PostCard[], total: total.n };
}

/** The categories for the filter bar (all of them: a few dozen at most). */
export function blogCategories(db: Database) {
  return db.selectFrom('blogCategory').select(['name', 'slug']).orderBy('name').execute();
}

/** The tags of several posts in one query, by post id (in their order of creation). */
export async function tagsOf(db: Database, postIds: string[]): Promise<Map<string, TagRef[]>> {
  const byPost = new Map<string, TagRef[]>();
  if (postIds.length === 0) return byPost;
  const rows = await db.selectFrom('blogTag').select(['blogId', 'name', 'slug']).where('blogId', 'in', postIds).orderBy('blogId').orderBy('createdAt').orderBy('slug').execute();
  for (const row of rows) {
    const list = byPost.get(row.blogId) ?? [];
    list.push({ name: row.name, slug: row.slug });
    byPost.set(row.blogId, list);
  }
  return byPost;
}

/** The name of a tag slug, for the list's heading ("Posts tagged ..."); undefined when no post has it. */
export async function tagName(db: Database, slug: string): Promise<string | undefined> {
  const row = await db.selectFrom('blogTag').select('name').where('slug', '=', slug).limit(1).executeTakeFirst();
  return row?.name;
}

/** A post by slug, whatever its state, with its author, category and linked course (one query). */
export function postBySlug(db: Database, slug: string) {
  return db
    .selectFrom('blog as b')
    .innerJoin('user as u', 'u.id', 'b.authorId')
    .leftJoin('blogCategory as c', 'c.id', 'b.categoryId')
    .leftJoin('course as co', (join) => join.onRef('co.id', '=', 'b.courseId').on('co.status', '=', 'Published'))
    .where('b.slug', '=', slug)
    .select([
      'b.id',
      'b.title',
      'b.slug',
      'b.content',
      'b.excerpt',
      'b.seoTitle',
      'b.seoDescription',
      'b.coverImageKey',
      'b.status',
      'b.isDraft',
      'b.isFeatured',
      'b.publishedAt',
      'b.rejectedAt',
      'b.rejectionReason',
      'b.readingTime',
      'b.viewCount',
      'b.authorId',
      'b.createdAt',
      'b.updatedAt',
      'u.firstName as authorFirstName',
      'u.lastName as authorLastName',
      'c.name as categoryName',
      'c.slug as categorySlug',
      'co.title as courseTitle',
      'co.slug as courseSlug',
    ])
    .executeTakeFirst();
}

export type PostPage = NonNullable<Awaited<ReturnType<typeof postBySlug>>>;

export const isPublic = (post: { status: string; isDraft: boolean }) => post.status === 'Published' && !post.isDraft;

/** Who may open a post's page: anyone once it is Published; before (or after unpublishing), its author and admins. */
export function visibleTo(post: { status: string; isDraft: boolean; authorId: string }, viewer: { id: string; role: string } | undefined): boolean {
  return isPublic(post) || (!!viewer && (viewer.id === post.authorId || viewer.role === 'admin'));
}

/**
 * One more view of a Published post (the counter only; who viewed is the session's business).
 * updated_at moves with it (the trigger): the feed dates entries by publishedAt, not updatedAt.
 */
export async function countView(db: Database, postId: string): Promise<void> {
  await db
    .updateTable('blog')
    .set((eb) => ({ viewCount: eb('viewCount', '+', 1) }))
    .where('id', '=', postId)
    .where('status', '=', 'Published')
    .execute();
}

/** The feed's posts: the latest Published, with their author and category (one query). */
export function feedPosts(db: Database, limit = FEED_SIZE) {
  return published(db)
    .innerJoin('user as u', 'u.id', 'b.authorId')
    .leftJoin('blogCategory as c', 'c.id', 'b.categoryId')
    .select(['b.id', 'b.title', 'b.slug', 'b.excerpt', 'b.publishedAt', 'b.createdAt', 'u.firstName as authorFirstName', 'u.lastName as authorLastName', 'c.name as categoryName'])
    .orderBy(sql`b.published_at desc nulls last`)
    .orderBy('b.id')
    .limit(limit)
    .execute();
}
