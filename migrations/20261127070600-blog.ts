/**
 * Blog & content (spec section 6): blog_category, blog, blog_tag, blog_comment, blog_reaction.
 *
 * blog.category_id and blog.course_id are optional: SET NULL when the category or course is
 * deleted (the post stays). blog_comment.parent_id is a self-reference with CASCADE.
 */
import { type Kysely, sql } from 'kysely';

const newId = sql`gen_random_uuid()`;
const now = sql`now()`;

const touch = (table: string) =>
  sql`create trigger ${sql.id(`${table}_set_updated_at`)} before update on ${sql.table(table)} for each row execute function set_updated_at()`;

const index = (db: Kysely<any>, table: string, ...columns: string[]) =>
  db.schema.createIndex(`${table}_${columns.join('_')}_idx`).on(table).columns(columns).execute();

const blogCounters = [
  'reading_time',
  'view_count',
  'like_count',
  'comment_count',
  'points_required',
  'points_spent',
  'points_earned',
] as const;

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('blog_category')
    .addColumn('id', 'uuid', (c) => c.notNull().defaultTo(newId))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('slug', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint('blog_category_pkey', ['id'])
    .addUniqueConstraint('blog_category_name_key', ['name'])
    .addUniqueConstraint('blog_category_slug_key', ['slug'])
    .execute();
  await touch('blog_category').execute(db);

  let blog = db.schema
    .createTable('blog')
    .addColumn('id', 'uuid', (c) => c.notNull().defaultTo(newId))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('slug', 'text', (c) => c.notNull())
    .addColumn('content', 'text', (c) => c.notNull()) // HTML
    .addColumn('excerpt', 'text')
    .addColumn('cover_image_key', 'text')
    .addColumn('seo_title', 'text')
    .addColumn('seo_description', 'text')
    .addColumn('reading_time', 'integer', (c) => c.notNull().defaultTo(0)) // minutes
    .addColumn('status', sql`"BlogStatus"`, (c) => c.notNull().defaultTo('Pending'))
    .addColumn('is_featured', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('is_draft', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('view_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('like_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('comment_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('points_required', 'integer', (c) => c.notNull().defaultTo(5))
    .addColumn('points_spent', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('points_earned', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('published_at', 'timestamptz')
    .addColumn('rejected_at', 'timestamptz')
    .addColumn('rejection_reason', 'text')
    .addColumn('author_id', 'uuid', (c) => c.notNull())
    .addColumn('category_id', 'uuid')
    .addColumn('course_id', 'uuid')
    .addPrimaryKeyConstraint('blog_pkey', ['id'])
    .addUniqueConstraint('blog_slug_key', ['slug'])
    .addForeignKeyConstraint('blog_author_id_fkey', ['author_id'], 'user', ['id'], (fk) => fk.onDelete('cascade'))
    .addForeignKeyConstraint('blog_category_id_fkey', ['category_id'], 'blog_category', ['id'], (fk) =>
      fk.onDelete('set null'),
    )
    .addForeignKeyConstraint('blog_course_id_fkey', ['course_id'], 'course', ['id'], (fk) => fk.onDelete('set null'));
  for (const column of blogCounters) {
    blog = blog.addCheckConstraint(`blog_${column}_check`, sql`${sql.ref(column)} >= 0`);
  }
  await blog.execute();
  await index(db, 'blog', 'status');
  await index(db, 'blog', 'author_id');
  await index(db, 'blog', 'category_id');
  await index(db, 'blog', 'is_featured');
  await index(db, 'blog', 'created_at');
  await index(db, 'blog', 'course_id'); // foreign key, not in the spec's list
  await touch('blog').execute(db);

  await db.schema
    .createTable('blog_tag')
    .addColumn('id', 'uuid', (c) => c.notNull().defaultTo(newId))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('slug', 'text', (c) => c.notNull())
    .addColumn('blog_id', 'uuid', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addPrimaryKeyConstraint('blog_tag_pkey', ['id'])
    // Also the index for the blog_id foreign key.
    .addUniqueConstraint('blog_tag_blog_id_slug_key', ['blog_id', 'slug'])
    .addForeignKeyConstraint('blog_tag_blog_id_fkey', ['blog_id'], 'blog', ['id'], (fk) => fk.onDelete('cascade'))
    .execute();
  await index(db, 'blog_tag', 'slug');

  await db.schema
    .createTable('blog_comment')
    .addColumn('id', 'uuid', (c) => c.notNull().defaultTo(newId))
    .addColumn('content', 'text', (c) => c.notNull())
    .addColumn('parent_id', 'uuid')
    .addColumn('upvotes', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('blog_id', 'uuid', (c) => c.notNull())
    .addColumn('author_id', 'uuid', (c) => c.notNull())
    .addPrimaryKeyConstraint('blog_comment_pkey', ['id'])
    // The spec gives no delete rule for the parent: replies go with their parent comment,
    // as a reply without the comment it answers has no context.
    .addForeignKeyConstraint('blog_comment_parent_id_fkey', ['parent_id'], 'blog_comment', ['id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .addForeignKeyConstraint('blog_comment_blog_id_fkey', ['blog_id'], 'blog', ['id'], (fk) => fk.onDelete('cascade'))
    .addForeignKeyConstraint('blog_comment_author_id_fkey', ['author_id'], 'user', ['id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .execute();
  await index(db, 'blog_comment', 'blog_id');
  await index(db, 'blog_comment', 'author_id');
  await index(db, 'blog_comment', 'parent_id');
  await touch('blog_comment').execute(db);

  await db.schema
    .createTable('blog_reaction')
    .addColumn('id', 'uuid', (c) => c.notNull().defaultTo(newId))
    .addColumn('type', sql`"ReactionType"`, (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(now))
    .addColumn('blog_id', 'uuid', (c) => c.notNull())
    .addColumn('user_id', 'uuid', (c) => c.notNull())
    .addPrimaryKeyConstraint('blog_reaction_pkey', ['id'])
    // Serves the spec's blog_reaction.blogId index too.
    .addUniqueConstraint('blog_reaction_blog_id_user_id_key', ['blog_id', 'user_id'])
    .addForeignKeyConstraint('blog_reaction_blog_id_fkey', ['blog_id'], 'blog', ['id'], (fk) => fk.onDelete('cascade'))
    .addForeignKeyConstraint('blog_reaction_user_id_fkey', ['user_id'], 'user', ['id'], (fk) =>
      fk.onDelete('cascade'),
    )
    .execute();
  await index(db, 'blog_reaction', 'user_id');
}

// Dropping a table also drops its indexes, constraints and triggers.
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('blog_reaction').execute();
  await db.schema.dropTable('blog_comment').execute();
  await db.schema.dropTable('blog_tag').execute();
  await db.schema.dropTable('blog').execute();
  await db.schema.dropTable('blog_category').execute();
}
