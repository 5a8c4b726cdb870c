import { sql } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../db/database.ts';
import { PER_PAGE, tableQuery, type ColumnSpec } from '../../http/table.ts';

/**
 * The admin's moderation table of blog posts: filtered by status (Pending by default: what needs a
 * decision), category and featured; sorted by created, published or title; pages of 20. Drafts are
 * the author's own business and never listed. Three queries however many posts: the categories
 * (the filter's choices), the counts per status (which also give the total) and the page of rows.
 */

export const MODERATION_STATUSES = ['Pending', 'Published', 'Approved', 'Rejected'] as const;
export type ModerationStatus = (typeof MODERATION_STATUSES)[number];

export const moderationQuery = tableQuery(['created', 'published', 'title'] as const, 'created', {
  status: z.enum([...MODERATION_STATUSES, 'any']).catch('Pending'),
  category: z.uuid().optional().catch(undefined),
  featured: z.enum(['yes', 'no', 'any']).catch('any'),
}).extend({
  // A queue: the oldest waiting post first, unless asked otherwise.
  dir: z.enum(['asc', 'desc']).catch('asc'),
});
export type ModerationQuery = z.infer<typeof moderationQuery>;

export const MODERATION_COLUMNS: Record<string, ColumnSpec> = {
  post: { label: 'Post', sort: 'title' },
  author: { label: 'Author' },
  category: { label: 'Category' },
  status: { label: 'Status' },
  created: { label: 'Created', sort: 'created', kind: 'date' },
  published: { label: 'Published', sort: 'published', kind: 'date' },
  points: { label: 'Points', kind: 'num' },
  act: { label: 'Decide' },
};

export interface ModerationRow {
  id: string;
  title: string;
  slug: string;
  status: ModerationStatus;
  isFeatured: boolean;
  pointsSpent: number;
  createdAt: Date;
  publishedAt: Date | null;
  rejectionReason: string | null;
  categoryName: string | null;
  firstName: string;
  lastName: string | null;
  email: string;
}

/** Posts sent to moderation at least once (not drafts), with author and category. */
function posts(db: Database) {
  return db
    .selectFrom('blog as b')
    .innerJoin('user as u', 'u.id', 'b.authorId')
    .leftJoin('blogCategory as c', 'c.id', 'b.categoryId')
    .where('b.isDraft', '=', false);
}
type Joined = ReturnType<typeof posts>;

const rowColumns = (q: Joined) =>
  q.select([
    'b.id', 'b.title', 'b.slug', 'b.status', 'b.isFeatured', 'b.pointsSpent', 'b.createdAt', 'b.publishedAt', 'b.rejectionReason',
    'c.name as categoryName', 'u.firstName', 'u.lastName', 'u.email',
  ]);

const ORDER = {
  created: sql`b.created_at`,
  published: sql`b.published_at`,
  title: sql`lower(b.title)`,
} as const;

export function categoryChoices(db: Database) {
  return db.selectFrom('blogCategory').select(['id', 'name']).orderBy('name').execute();
}

export async function listModeration(db: Database, q: ModerationQuery) {
  // Category and featured narrow the counts and the rows; the status picks among the counts.
  let base = posts(db);
  if (q.category) base = base.where('b.categoryId', '=', q.category);
  if (q.featured !== 'any') base = base.where('b.isFeatured', '=', q.featured === 'yes');
  const rowsOf = q.status === 'any' ? base : base.where('b.status', '=', q.status);
  const [categories, counted, rows] = await Promise.all([
    categoryChoices(db),
    base.select(['b.status', sql<number>`count(*)::int`.as('n')]).groupBy('b.status').execute(),
    rowColumns(rowsOf)
      // Never-published posts last either way.
      .orderBy(ORDER[q.sort], (ob) => (q.dir === 'asc' ? ob.asc() : ob.desc()).nullsLast())
      .orderBy('b.id')
      .limit(PER_PAGE)
      .offset((q.page - 1) * PER_PAGE)
      .execute(),
  ]);
  const counts: Record<ModerationStatus | 'any', number> = { Pending: 0, Published: 0, Approved: 0, Rejected: 0, any: 0 };
  for (const c of counted) {
    counts[c.status as ModerationStatus] = c.n;
    counts.any += c.n;
  }
  return { categories, counts, total: counts[q.status], rows: rows as ModerationRow[] };
}

/** One row of the table (after a decision in place): one query; drafts are not rows. */
export async function moderationRow(db: Database, postId: string): Promise<ModerationRow | undefined> {
  return (await rowColumns(posts(db)).where('b.id', '=', postId).executeTakeFirst()) as ModerationRow | undefined;
}
