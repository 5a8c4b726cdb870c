import type { Transaction } from 'kysely';
import type { DB } from '../../db/types.ts';
import { slugify } from '../../lib/slug.ts';
import { translatorFor, type Translator } from '../../i18n/translator.ts';

/**
 * A post's tags: typed comma-separated ("Python, web apps"), at most 5, each with a name of at
 * most 30 characters and a slug made from it; two names with one slug ("Web Apps", "web-apps")
 * are one tag (the first spelling kept), as blog_tag's unique (blog_id, slug) requires.
 */

export const MAX_TAGS = 5;
export const TAG_NAME_MAX = 30;

export interface Tag {
  name: string;
  slug: string;
}

/** The tags typed in the field, or the message for the field. */
export function parseTags(input: string, tr: Translator = translatorFor('en')): { ok: true; tags: Tag[] } | { ok: false; message: string } {
  const tags: Tag[] = [];
  for (const raw of input.split(',')) {
    const name = raw.replace(/\s+/g, ' ').trim();
    if (!name) continue;
    if (name.length > TAG_NAME_MAX) return { ok: false, message: tr.t('A tag has at most {max} characters: "{name}" is longer.', { max: TAG_NAME_MAX, name: name.slice(0, 40) }) };
    if (!/[\p{L}\p{N}]/u.test(name) || !/[a-z0-9]/i.test(name.normalize('NFKD'))) {
      return { ok: false, message: tr.t('Tags need letters or digits (a to z, 0 to 9): "{name}" has none.', { name }) };
    }
    const slug = slugify(name, TAG_NAME_MAX);
    if (!tags.some((t) => t.slug === slug)) tags.push({ name, slug });
  }
  if (tags.length > MAX_TAGS) return { ok: false, message: tr.t('At most {max} tags, please (you typed {count}).', { max: MAX_TAGS, count: tags.length }) };
  return { ok: true, tags };
}

/** The field's value for a post's tags, as the author typed them (in their order). */
export const tagsField = (tags: Array<{ name: string }>): string => tags.map((t) => t.name).join(', ');

/** Replaces a post's tags, inside the transaction that saves the post. */
export async function replaceTags(trx: Transaction<DB>, blogId: string, tags: Tag[]): Promise<void> {
  await trx.deleteFrom('blogTag').where('blogId', '=', blogId).execute();
  if (tags.length) await trx.insertInto('blogTag').values(tags.map((t) => ({ blogId, name: t.name, slug: t.slug }))).execute();
}
