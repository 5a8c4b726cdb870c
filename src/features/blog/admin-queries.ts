import { sql } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../db/database.ts';
import { tableQuery, type ColumnSpec } from '../../http/table.ts';
import { countOf, defineAdminTable } from '../admin/table.ts';
import { msg } from '../../i18n/catalogue.ts';

/**
 * The admin's moderation table of blog posts: filtered by status (Pending by default: what needs a
 * decision), category and featured; sorted by created, published or title; pages of 20; CSV. Drafts
 * are the author's own business and never listed. Four queries however many posts: the total and
 * the page of rows (the admin table), the categories (the filter's choices) and the counts per
 * status (the tabs).
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

/** Labels are catalogue messages, translated for the reader by the routes (admin-routes.ts). */
export const MODERATION_COLUMNS: Record<string, ColumnSpec> = {
  post: { label: msg('Post'), sort: 'title' },
  author: { label: msg('Author') },
  category: { label: msg('Category') },
  status: { label: msg('Status') },
  created: { label: msg('Created'), sort: 'created', kind: 'date' },
  published: { label: msg('Published'), sort: 'published', kind: 'date' },
  points: { label: msg('Points'), kind: 'num' },
  act: { label: msg('Decide') },
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

/** Category and featured narrow the counts and the rows; the status picks among the counts. */
function narrowed(db: Database, q: ModerationQuery) {
  let base = posts(db);
  if (q.category) base = base.where('b.categoryId', '=', q.category);
  if (q.featured !== 'any') base = base.where('b.isFeatured', '=', q.featured === 'yes');
  return base;
}
const selected = (db: Database, q: ModerationQuery) => (q.status === 'any' ? narrowed(db, q) : narrowed(db, q).where('b.status', '=', q.status));

/**
 * The table (src/features/admin/table.ts: filters, sort, pages and `?format=csv`): the total and a
 * page of rows, or the CSV's batches, each in one query.
 */
export function moderationTable(db: Database) {
  return defineAdminTable<ModerationQuery, ModerationRow>({
    path: '/admin/blog',
    query: moderationQuery,
    count: (q) => countOf(selected(db, q)),
    rows: async (q, _ctx, window) =>
      (await rowColumns(selected(db, q))
        // Never-published posts last either way (the other columns are never null: plain, so an index's order serves them).
        .orderBy(ORDER[q.sort], (ob) => (q.sort === 'published' ? (q.dir === 'asc' ? ob.asc() : ob.desc()).nullsLast() : q.dir === 'asc' ? ob.asc() : ob.desc()))
        .orderBy('b.id')
        .limit(window.limit)
        .offset(window.offset)
        .execute()) as ModerationRow[],
    csv: {
      filename: 'blog-posts.csv',
      columns: [
        [msg('id'), (r) => r.id],
        [msg('title'), (r) => r.title],
        [msg('slug'), (r) => r.slug],
        [msg('author'), (r) => `${r.firstName} ${r.lastName ?? ''}`.trim()],
        [msg('email'), (r) => r.email],
        [msg('category'), (r) => r.categoryName ?? ''],
        [msg('status'), (r) => r.status],
        [msg('featured'), (r) => (r.isFeatured ? 'yes' : 'no')],
        [msg('points'), (r) => r.pointsSpent],
        [msg('created at'), (r) => new Date(r.createdAt).toISOString()],
        [msg('published at'), (r) => (r.publishedAt ? new Date(r.publishedAt).toISOString() : '')],
        [msg('rejection reason'), (r) => r.rejectionReason ?? ''],
      ],
    },
  });
}

/** The filter's categories and the tabs' count per status (under the category and featured filters): two queries. */
export async function moderationTabs(db: Database, q: ModerationQuery) {
  const [categories, counted] = await Promise.all([
    categoryChoices(db),
    narrowed(db, q).select(['b.status', sql<number>`count(*)::int`.as('n')]).groupBy('b.status').execute(),
  ]);
  const counts: Record<ModerationStatus | 'any', number> = { Pending: 0, Published: 0, Approved: 0, Rejected: 0, any: 0 };
  for (const c of counted) {
    counts[c.status as ModerationStatus] = c.n;
    counts.any += c.n;
  }
  return { categories, counts };
}

/** One row of the table (after a decision in place): one query; drafts are not rows. */
export async function moderationRow(db: Database, postId: string): Promise<ModerationRow | undefined> {
  return (await rowColumns(posts(db)).where('b.id', '=', postId).executeTakeFirst()) as ModerationRow | undefined;
}
