import { sql, type SqlBool } from 'kysely';
import type { Database } from '../../db/database.ts';
import { plainQuery, prefixTsQuery } from './search.ts';

export const CATALOG_PER_PAGE = 12;
export const CATALOG_SORTS = ['relevance', 'newest', 'price', 'rating'] as const;
export type CatalogSort = (typeof CATALOG_SORTS)[number];

export interface CatalogFilters {
  q: string;
  category?: string | undefined;
  level?: 'Beginner' | 'Intermediate' | 'Advanced' | undefined;
  price?: 'free' | 'paid' | undefined;
  sort: CatalogSort;
  page: number;
}

/**
 * The catalog: published courses only, filtered, searched and sorted, with rating averages; one
 * query for the page and one for the total, however many courses match.
 */
export async function searchCatalog(db: Database, f: CatalogFilters) {
  const tsq = f.q ? prefixTsQuery(f.q) : undefined;
  const plain = plainQuery(f.q);
  const searching = tsq !== undefined;
  const query = sql`to_tsquery('english', ${tsq ?? ''})`;

  let base = db.selectFrom('course as c').where('c.status', '=', 'Published');
  if (f.category) base = base.where('c.category', '=', f.category);
  if (f.level) base = base.where('c.level', '=', f.level);
  if (f.price === 'free') base = base.where('c.price', '=', 0);
  if (f.price === 'paid') base = base.where('c.price', '>', 0);
  if (searching) {
    // Words anywhere (title, descriptions, category), or a near match on the title (typos).
    base = base.where(sql<SqlBool>`(c.search @@ ${query} or ${plain} <% c.title)`);
  }

  // Each course's ratings, computed for that course alone (a lateral join on the course_id index): for
  // the courses of the page only when the sort allows it. A join with every course's aggregate read
  // the whole course_rating table on every catalog request, so the page slowed as ratings grew
  // (measured at the large size, npm run bench: 4 of the search's 6 ms with 10,000 ratings).
  let page = base
    .innerJoin('user as u', 'u.id', 'c.userId')
    .leftJoinLateral(
      (eb) =>
        eb
          .selectFrom('courseRating as cr')
          .select([sql<number | null>`round(avg(cr.rating)::numeric, 1)::float`.as('average'), sql<number>`count(*)::int`.as('count')])
          .whereRef('cr.courseId', '=', 'c.id')
          .as('r'),
      (join) => join.onTrue(),
    )
    .select([
      'c.id',
      'c.title',
      'c.slug',
      'c.smallDescription',
      'c.category',
      'c.level',
      'c.price',
      'c.duration',
      'c.fileKey',
      'c.createdAt',
      'u.firstName as teacherFirstName',
      'u.lastName as teacherLastName',
      sql<number | null>`r.average`.as('ratingAverage'),
      sql<number>`coalesce(r.count, 0)`.as('ratingCount'),
    ]);

  const sort = f.sort === 'relevance' && !searching ? 'newest' : f.sort;
  if (sort === 'relevance') {
    // Title matches first, then by weighted rank (title A > short description B > description C).
    page = page
      .orderBy(sql`(to_tsvector('english', c.title) @@ ${query}) desc`)
      .orderBy(sql`ts_rank_cd(c.search, ${query}) + word_similarity(${plain}, c.title) desc`);
  } else if (sort === 'price') page = page.orderBy('c.price', 'asc');
  else if (sort === 'rating') page = page.orderBy(sql`r.average desc nulls last`).orderBy(sql`coalesce(r.count, 0) desc`);
  page = page.orderBy('c.createdAt', 'desc').orderBy('c.id');

  const [rows, total] = await Promise.all([
    page.limit(CATALOG_PER_PAGE).offset((f.page - 1) * CATALOG_PER_PAGE).execute(),
    base.select(sql<number>`count(*)::int`.as('n')).executeTakeFirstOrThrow(),
  ]);
  return { rows, total: total.n, sort };
}

/** Categories of published courses, for the filter. */
export async function catalogCategories(db: Database): Promise<string[]> {
  const rows = await db.selectFrom('course').select('category').distinct().where('status', '=', 'Published').orderBy('category').execute();
  return rows.map((r) => r.category);
}
