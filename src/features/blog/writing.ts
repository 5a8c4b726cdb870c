import { sql, type Transaction } from 'kysely';
import type { Database } from '../../db/database.ts';
import type { DB } from '../../db/types.ts';
import type { FieldErrors } from '../../http/forms.ts';
import { renderMarkdown } from '../../lib/markdown.ts';
import { slugify } from '../../lib/slug.ts';
import type { Logger } from '../../logger.ts';
import { newKey, type Storage } from '../../storage/index.ts';
import { COURSE_IMAGE_WIDTHS, primaryVariantKey, variantKey, withDerivedKeys } from '../../storage/variants.ts';
import { toCourseImages } from '../../uploads/images.ts';
import type { AuditContext } from '../audit/activity.ts';
import { setting } from '../system/settings.ts';
import { submitWithin } from './moderation.ts';
import { replaceTags, type Tag } from './tags.ts';
import type { PostInput } from './writing-schemas.ts';
import { msg } from '../../i18n/catalogue.ts';
import type { MessageValues } from '../../i18n/translator.ts';

/**
 * Writing posts (the author's side): saving the fields of a post, its tags and cover. The state
 * (draft, Pending ...) and the points are moderation.ts's: a save that sends the post to
 * moderation calls submitWithin in the same transaction, so a post whose author lacks the points
 * is not saved at all (the form comes back with the message, nothing half-done).
 */

/** Slugs the blog's own routes use: /blog/new, /blog/posts/..., /blog/feed.xml, /blog/comments/... */
export const RESERVED_SLUGS = new Set(['new', 'posts', 'feed.xml', 'feed', 'comments']);

/** Words read per minute, for readingTime. */
const WORDS_PER_MINUTE = 200;
const EXCERPT_CHARS = 160;

/** Markdown to the stored HTML: the shared allow-list, and no images (a post has its cover). */
export const postHtml = (markdown: string): string => renderMarkdown(markdown, { allowImage: () => false });

const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'", '&#x27;': "'", '&nbsp;': ' ' };

/** The words of safe HTML (what sanitize-html wrote: tags and a handful of entities). */
export function plainText(html: string): string {
  return html
    .replace(/<\/?(?:p|h[1-6]|li|ul|ol|blockquote|pre|table|thead|tbody|tr|td|th|hr|br)\b[^>]*>/g, ' ')
    .replace(/<[^>]*>/g, '')
    .replace(/&(?:amp|lt|gt|quot|nbsp|#39|#x27);/g, (e) => ENTITIES[e] ?? e)
    .replace(/\s+/g, ' ')
    .trim();
}

/** The first ~160 characters of the text, cut at a word, with an ellipsis when cut. */
export function deriveExcerpt(html: string): string {
  const text = plainText(html);
  if (text.length <= EXCERPT_CHARS) return text;
  const cut = text.slice(0, EXCERPT_CHARS + 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > EXCERPT_CHARS / 2 ? cut.slice(0, space) : cut.slice(0, EXCERPT_CHARS)).replace(/[\s,.;:!?-]+$/, '')}…`;
}

/** Minutes to read: words / 200, at least 1. */
export function readingTimeOf(html: string): number {
  const words = plainText(html).split(' ').filter(Boolean).length;
  return Math.max(1, Math.ceil(words / WORDS_PER_MINUTE));
}

/**
 * A free slug for a new post's title: the title's slug, else with -2, -3 ... (a reserved word is
 * taken by the blog's routes). Read inside the transaction that inserts, under an advisory lock
 * per base slug; the unique constraint stays the last word (createPost tries again on 23505).
 */
async function freeSlug(trx: Transaction<DB>, title: string): Promise<string> {
  const made = slugify(title, 80);
  const base = /[a-z0-9]/i.test(title.normalize('NFKD').replace(/[\u0300-\u036f]/g, '')) ? made : 'post';
  // Posts with one title wait for each other here (until commit) instead of colliding on insert.
  await sql`select pg_advisory_xact_lock(hashtext(${`blog-slug:${base}`}))`.execute(trx);
  const { rows } = await sql<{ slug: string }>`
    select slug from blog where slug = ${base} or slug ~ ${`^${base}-[0-9]+$`}`.execute(trx);
  const taken = new Set(rows.map((r) => r.slug));
  if (!taken.has(base) && !RESERVED_SLUGS.has(base)) return base;
  let n = 2;
  for (const slug of taken) {
    const m = /-(\d+)$/.exec(slug);
    if (m && slug === `${base}-${m[1]}`) n = Math.max(n, Number(m[1]) + 1);
  }
  return `${base}-${n}`;
}

/** Re-encodes a cover like a course image (16:9, 640 and 320 px WebP) under covers/; returns the primary key. */
export async function storeCover(storage: Storage, input: string | Buffer): Promise<string> {
  const images = await toCourseImages(input, COURSE_IMAGE_WIDTHS);
  const key = primaryVariantKey(newKey('covers', 'webp'));
  try {
    await Promise.all(
      images.map((image, i) =>
        storage.put(variantKey(key, COURSE_IMAGE_WIDTHS[i]!), image.buffer, { contentType: 'image/webp', contentLength: image.buffer.length }),
      ),
    );
  } catch (error) {
    await deleteCover(storage, key);
    throw error;
  }
  return key;
}

/** Deletes a cover and its smaller copy; failures are logged, never thrown (the collector retries). */
export async function deleteCover(storage: Storage, key: string | null | undefined, logger?: Logger): Promise<void> {
  if (!key) return;
  await Promise.all(
    withDerivedKeys(key).map((k) => storage.delete(k).catch((err: unknown) => logger?.warn({ err, key: k }, 'could not delete a blog cover'))),
  );
}

/** The cover as a picture: the 320 px copy with the 640 px one in srcset. */
export function coverImage(key: string | null): { src: string; srcset: string } | null {
  if (!key) return null;
  const small = variantKey(key, 320);
  return { src: `/media/${small}`, srcset: small === key ? `/media/${key} 640w` : `/media/${small} 320w, /media/${key} 640w` };
}

/** The form's lists: categories, and the Published courses a post may link to (plus its current one). */
export async function formOptions(db: Database, currentCourseId: string | null = null) {
  const [categories, courses] = await Promise.all([
    db.selectFrom('blogCategory').select(['id', 'name']).orderBy('name').execute(),
    db
      .selectFrom('course')
      .select(['id', 'title'])
      .where((eb) => (currentCourseId ? eb.or([eb('status', '=', 'Published'), eb('id', '=', currentCourseId)]) : eb('status', '=', 'Published')))
      .orderBy('title')
      .limit(500)
      .execute(),
  ]);
  return { categories, courses };
}

/** The category and course must exist (the course Published, unless the post already links it). */
async function checkReferences(trx: Transaction<DB>, input: PostInput, currentCourseId: string | null): Promise<FieldErrors> {
  const errors: FieldErrors = {};
  const [category, course] = await Promise.all([
    input.categoryId ? trx.selectFrom('blogCategory').select('id').where('id', '=', input.categoryId).executeTakeFirst() : undefined,
    input.courseId ? trx.selectFrom('course').select(['id', 'status']).where('id', '=', input.courseId).executeTakeFirst() : undefined,
  ]);
  if (input.categoryId && !category) errors.categoryId = msg('That category no longer exists: choose another.');
  if (input.courseId && (!course || (course.status !== 'Published' && course.id !== currentCourseId))) {
    errors.courseId = msg('Link a published course, or none.');
  }
  return errors;
}

/** What the rendered fields come to, ready for the row. */
function fieldsOf(input: PostInput) {
  const content = postHtml(input.content);
  return {
    title: input.title,
    contentMarkdown: input.content,
    content,
    excerpt: input.excerpt ?? (deriveExcerpt(content) || null),
    seoTitle: input.seoTitle,
    seoDescription: input.seoDescription,
    categoryId: input.categoryId,
    courseId: input.courseId,
    readingTime: readingTimeOf(content),
  };
}

export type SaveResult =
  | { ok: true; post: { id: string; slug: string }; sent: boolean; charged: number; replacedCover: string | null }
  | { ok: false; status: 404 | 409 | 422; errors: FieldErrors; values?: MessageValues };

/** Leaves a transaction with an answer, rolling back everything it wrote. */
class Refusal extends Error {
  constructor(readonly result: Extract<SaveResult, { ok: false }>) {
    super('refused');
  }
}

async function inTransaction(db: Database, work: (trx: Transaction<DB>) => Promise<SaveResult>): Promise<SaveResult> {
  try {
    return await db.transaction().execute(work);
  } catch (error) {
    if (error instanceof Refusal) return error.result;
    throw error;
  }
}

/** Sends the post to moderation inside `trx`, or leaves with the refusal as a form error. */
async function sendWithin(trx: Transaction<DB>, audit: AuditContext, postId: string, authorId: string): Promise<number> {
  const sent = await submitWithin(trx, audit, postId, authorId);
  if (sent.ok) return sent.charged;
  throw new Refusal({ ok: false, status: sent.status === 402 ? 422 : sent.status, errors: { _form: sent.message }, ...(sent.values ? { values: sent.values } : {}) });
}

/**
 * A new post: a draft, or sent to moderation at once (charged). `coverKey` is already stored;
 * the caller deletes it when the answer is not ok.
 */
export async function createPost(
  db: Database,
  audit: AuditContext,
  authorId: string,
  input: PostInput & { tags: Tag[] },
  coverKey: string | null,
): Promise<SaveResult> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await inTransaction(db, async (trx) => {
        const errors = await checkReferences(trx, input, null);
        if (Object.keys(errors).length) throw new Refusal({ ok: false, status: 422, errors });
        const slug = await freeSlug(trx, input.title);
        const post = await trx
          .insertInto('blog')
          .values({ ...fieldsOf(input), slug, authorId, isDraft: true, coverImageKey: coverKey })
          .returning(['id', 'slug'])
          .executeTakeFirstOrThrow();
        await replaceTags(trx, post.id, input.tags);
        const send = input.intent === 'submit';
        const charged = send ? await sendWithin(trx, audit, post.id, authorId) : 0;
        return { ok: true, post, sent: send, charged, replacedCover: null };
      });
    } catch (error) {
      // Another post took the slug between our look and our insert: look again.
      const e = error as { code?: string; constraint?: string };
      if (e?.code === '23505' && e.constraint === 'blog_slug_key' && attempt < 5) continue;
      throw error;
    }
  }
}

/**
 * Saves the author's edit (404 for anyone else's post). A draft stays a draft, or is sent
 * (charged) with intent 'submit'; a Pending post stays Pending; a Rejected, Published or
 * unpublished post goes back to moderation, free (moderation.ts). The slug never changes: links
 * to a published post keep working. `cover`: a new stored key, 'remove', or undefined (keep).
 */
export async function updatePost(
  db: Database,
  audit: AuditContext,
  postId: string,
  authorId: string,
  input: PostInput & { tags: Tag[] },
  cover: string | 'remove' | undefined,
): Promise<SaveResult> {
  return inTransaction(db, async (trx) => {
    const current = await trx
      .selectFrom('blog')
      .select(['id', 'slug', 'status', 'isDraft', 'courseId', 'coverImageKey'])
      .where('id', '=', postId)
      .where('authorId', '=', authorId)
      .forUpdate()
      .executeTakeFirst();
    if (!current) throw new Refusal({ ok: false, status: 404, errors: {} });
    const errors = await checkReferences(trx, input, current.courseId);
    if (Object.keys(errors).length) throw new Refusal({ ok: false, status: 422, errors });
    const coverImageKey = cover === 'remove' ? null : (cover ?? current.coverImageKey);
    await trx
      .updateTable('blog')
      .set({ ...fieldsOf(input), coverImageKey, updatedAt: new Date() })
      .where('id', '=', current.id)
      .execute();
    await replaceTags(trx, current.id, input.tags);
    const send = current.isDraft ? input.intent === 'submit' : current.status !== 'Pending';
    const charged = send ? await sendWithin(trx, audit, current.id, authorId) : 0;
    const replacedCover = current.coverImageKey !== coverImageKey ? current.coverImageKey : null;
    return { ok: true, post: { id: current.id, slug: current.slug }, sent: send, charged, replacedCover };
  });
}

/** The author's post for the edit page (undefined: not theirs, or none). */
export async function ownPost(db: Database, postId: string, authorId: string) {
  const post = await db
    .selectFrom('blog')
    .select([
      'id',
      'title',
      'slug',
      'status',
      'isDraft',
      'contentMarkdown',
      'excerpt',
      'seoTitle',
      'seoDescription',
      'categoryId',
      'courseId',
      'coverImageKey',
      'rejectionReason',
      'pointsSpent',
      (eb) =>
        eb
          .selectFrom('blogTag')
          .select(sql<string>`coalesce(string_agg(name, ', ' order by created_at, name), '')`.as('tags'))
          .whereRef('blogTag.blogId', '=', 'blog.id')
          .as('tags'),
    ])
    .where('id', '=', postId)
    .where('authorId', '=', authorId)
    .executeTakeFirst();
  return post;
}

export type OwnPost = NonNullable<Awaited<ReturnType<typeof ownPost>>>;

/** The word for a post's state that its author sees. */
export function stateOf(post: { isDraft: boolean; status: string }): { label: string; key: string } {
  // label: an English catalogue message, shown through t().
  if (post.isDraft) return { label: msg('Draft'), key: 'draft' };
  switch (post.status) {
    case 'Pending':
      return { label: msg('Pending'), key: 'pending' };
    case 'Published':
      return { label: msg('Published'), key: 'published' };
    case 'Approved':
      return { label: msg('Unpublished'), key: 'unpublished' };
    default:
      return { label: msg('Rejected'), key: 'rejected' };
  }
}

/** The price of sending a post now, and the author's points. */
export async function pointsInfo(db: Database, userId: string): Promise<{ price: number; points: number }> {
  const [price, user] = await Promise.all([
    setting(db, 'blog.pointsRequired'),
    db.selectFrom('user').select('points').where('id', '=', userId).executeTakeFirst(),
  ]);
  return { price: Math.max(0, Math.trunc(Number(price)) || 0), points: user?.points ?? 0 };
}
