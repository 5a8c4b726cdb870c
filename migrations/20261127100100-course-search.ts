/**
 * Catalog search: a weighted tsvector over the course (title A; short description and category B;
 * description C), kept by PostgreSQL itself as a generated column, with a GIN index; and trigram
 * indexes (pg_trgm) so that partial words ("pytho") still find "Python". Plus the indexes the catalog
 * filters and sorts by. Not in the spec: it is how the spec's search is made fast.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await sql`create extension if not exists pg_trgm`.execute(db);
  await sql`
    alter table course add column search tsvector generated always as (
      setweight(to_tsvector('english'::regconfig, coalesce(title, '')), 'A') ||
      setweight(to_tsvector('english'::regconfig, coalesce(small_description, '')), 'B') ||
      setweight(to_tsvector('english'::regconfig, coalesce(category, '')), 'B') ||
      setweight(to_tsvector('english'::regconfig, coalesce(description, '')), 'C')
    ) stored`.execute(db);
  await sql`create index course_search_idx on course using gin (search)`.execute(db);
  await sql`create index course_title_trgm_idx on course using gin (title gin_trgm_ops)`.execute(db);
  await sql`create index course_status_created_at_idx on course (status, created_at desc)`.execute(db);
  await sql`create index course_status_price_idx on course (status, price)`.execute(db);
  await sql`create index course_category_idx on course (category)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const index of ['course_category_idx', 'course_status_price_idx', 'course_status_created_at_idx', 'course_title_trgm_idx', 'course_search_idx']) {
    await db.schema.dropIndex(index).execute();
  }
  await sql`alter table course drop column search`.execute(db);
  await sql`drop extension if exists pg_trgm`.execute(db);
}
