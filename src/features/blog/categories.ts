import { sql } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../db/database.ts';
import { fieldErrors, isUniqueViolation, type FieldErrors } from '../../http/forms.ts';
import { SLUG_PATTERN, slugify } from '../../lib/slug.ts';
import { recordActivity, type AuditContext } from '../audit/activity.ts';
import { msg } from '../../i18n/catalogue.ts';

/**
 * Blog categories (admins): name, slug (derived from the name when left empty) and description.
 * Names and slugs are unique (the table's constraints are the last word: a race of two admins
 * answers 422 like a plain duplicate). Deleting a category keeps its posts: the foreign key sets
 * their category to null. Every change writes its activity_log row in the same transaction.
 */

export const categoryInput = z.object({
  name: z
    .string({ error: msg('Enter a name.') })
    .trim()
    .min(1, msg('Enter a name.'))
    .max(60, msg('Keep the name to 60 characters.')),
  slug: z
    .string({ error: msg('The slug is text.') })
    .trim()
    .toLowerCase()
    .max(80, msg('Keep the slug to 80 characters.'))
    .refine((v) => v === '' || SLUG_PATTERN.test(v), msg('Use lower-case letters, digits and single dashes (like study-tips).'))
    .optional()
    .default(''),
  description: z
    .string({ error: msg('The description is text.') })
    .trim()
    .max(300, msg('Keep the description to 300 characters.'))
    .optional()
    .transform((v) => v || null),
});
export type CategoryInput = z.infer<typeof categoryInput>;
export const CATEGORY_FIELDS = ['name', 'slug', 'description'] as const;

export type CategoryResult = { ok: true; category: { id: string; name: string; slug: string } } | { ok: false; status: 404 | 422; errors: FieldErrors };

/** Letters or digits a slug can be made of (slugify falls back to a fixed word otherwise). */
const hasSlugMaterial = (name: string) => /[a-z0-9]/i.test(name.normalize('NFKD').replace(/[\u0300-\u036f]/g, ''));

/** Parses the form; the slug derived from the name when empty. */
export function parseCategory(body: unknown): { ok: true; value: CategoryInput } | { ok: false; errors: FieldErrors } {
  const parsed = categoryInput.safeParse(body ?? {});
  if (!parsed.success) return { ok: false, errors: fieldErrors(parsed.error) };
  const value = parsed.data;
  if (!value.slug) {
    if (!hasSlugMaterial(value.name)) return { ok: false, errors: { slug: msg('Type a slug: the name has no letters an address can use.') } };
    value.slug = slugify(value.name, 80);
  }
  return { ok: true, value };
}

function uniqueErrors(error: unknown): FieldErrors | undefined {
  if (isUniqueViolation(error, 'blog_category_name_key')) return { name: msg('A category with this name exists already.') };
  if (isUniqueViolation(error, 'blog_category_slug_key')) return { slug: msg('A category with this slug exists already.') };
  return undefined;
}

/** The categories with how many posts (of any state) each holds: one query. */
export function listCategories(db: Database) {
  return db
    .selectFrom('blogCategory as c')
    .leftJoin('blog as b', 'b.categoryId', 'c.id')
    .select(['c.id', 'c.name', 'c.slug', 'c.description', sql<number>`count(b.id)::int`.as('posts')])
    .groupBy('c.id')
    .orderBy('c.name')
    .execute();
}

/** One category with its number of posts: one query. */
export function findCategory(db: Database, id: string) {
  return db
    .selectFrom('blogCategory as c')
    .select(['c.id', 'c.name', 'c.slug', 'c.description'])
    .select((eb) => eb.selectFrom('blog').select(sql<number>`count(*)::int`.as('n')).whereRef('blog.categoryId', '=', 'c.id').as('posts'))
    .where('c.id', '=', id)
    .executeTakeFirst();
}

export async function createCategory(db: Database, audit: AuditContext, input: CategoryInput): Promise<CategoryResult> {
  try {
    return await db.transaction().execute(async (trx) => {
      const category = await trx
        .insertInto('blogCategory')
        .values({ name: input.name, slug: input.slug, description: input.description })
        .returning(['id', 'name', 'slug'])
        .executeTakeFirstOrThrow();
      await recordActivity(trx, audit, {
        action: 'blog_category_created',
        entityType: 'blog_category',
        entityId: category.id,
        metadata: { name: category.name, slug: category.slug },
      });
      return { ok: true as const, category };
    });
  } catch (error) {
    const errors = uniqueErrors(error);
    if (errors) return { ok: false, status: 422, errors };
    throw error;
  }
}

export async function updateCategory(db: Database, audit: AuditContext, id: string, input: CategoryInput): Promise<CategoryResult> {
  try {
    return await db.transaction().execute(async (trx): Promise<CategoryResult> => {
      const before = await trx.selectFrom('blogCategory').select(['name', 'slug']).where('id', '=', id).forUpdate().executeTakeFirst();
      if (!before) return { ok: false, status: 404, errors: {} };
      const category = await trx
        .updateTable('blogCategory')
        .set({ name: input.name, slug: input.slug, description: input.description, updatedAt: new Date() })
        .where('id', '=', id)
        .returning(['id', 'name', 'slug'])
        .executeTakeFirstOrThrow();
      await recordActivity(trx, audit, {
        action: 'blog_category_updated',
        entityType: 'blog_category',
        entityId: id,
        metadata: { from: before, to: { name: category.name, slug: category.slug } },
      });
      return { ok: true, category };
    });
  } catch (error) {
    const errors = uniqueErrors(error);
    if (errors) return { ok: false, status: 422, errors };
    throw error;
  }
}

/** Deletes the category; its posts stay, without a category (ON DELETE SET NULL). Returns how many posts it held. */
export function deleteCategory(db: Database, audit: AuditContext, id: string): Promise<{ ok: true; name: string; posts: number } | { ok: false }> {
  return db.transaction().execute(async (trx) => {
    const category = await trx.selectFrom('blogCategory').select(['id', 'name', 'slug']).where('id', '=', id).forUpdate().executeTakeFirst();
    if (!category) return { ok: false as const };
    const { posts } = await trx
      .selectFrom('blog')
      .select(sql<number>`count(*)::int`.as('posts'))
      .where('categoryId', '=', id)
      .executeTakeFirstOrThrow();
    await trx.deleteFrom('blogCategory').where('id', '=', id).execute();
    await recordActivity(trx, audit, {
      action: 'blog_category_deleted',
      entityType: 'blog_category',
      entityId: category.id,
      metadata: { name: category.name, slug: category.slug, posts },
    });
    return { ok: true as const, name: category.name, posts };
  });
}
