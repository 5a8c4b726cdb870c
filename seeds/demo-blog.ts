import { sql, type Transaction } from 'kysely';
import type { DB } from '../src/db/types.ts';
import { deriveExcerpt, postHtml, readingTimeOf } from '../src/features/blog/writing.ts';

/**
 * The blog's community side for the demo: comments (one a reply) and reactions from the demo users
 * on the published posts of two categories, and one Pending post by the demo student waiting in the
 * admin's queue (/admin/blog). Idempotent: comments are found by post, author and text before they
 * are made, reactions are unique per user and post, the pending post by its slug; the counters are
 * then set from the rows, so running it twice changes nothing.
 */

type Who = 'admin@example.com' | 'teacher@example.com' | 'student@example.com';

interface DemoComment {
  post: string;
  author: Who;
  content: string;
  /** The text of the comment this one answers (same post). */
  replyTo?: string;
}

export const DEMO_COMMENTS: DemoComment[] = [
  {
    post: 'learning-on-a-slow-connection',
    author: 'student@example.com',
    content: 'Opening the lessons early in the morning made a real difference for me. The short videos load in seconds then.',
  },
  {
    post: 'learning-on-a-slow-connection',
    author: 'teacher@example.com',
    content: 'Glad it helps! Notes by hand work well too: you remember more and use no data at all.',
    replyTo: 'Opening the lessons early in the morning made a real difference for me. The short videos load in seconds then.',
  },
  {
    post: 'short-videos-finish-courses',
    author: 'student@example.com',
    content: 'As a student I agree: I finish a ten-minute lesson on the bus, a forty-minute one never.',
  },
  {
    post: 'short-videos-finish-courses',
    author: 'admin@example.com',
    content: 'The course completion numbers say the same. More on this in the teaching guide: https://example.com/teaching-guide',
  },
];

export const DEMO_REACTIONS: Array<{ post: string; user: Who; type: 'Like' | 'Love' | 'Insightful' | 'Funny' }> = [
  { post: 'learning-on-a-slow-connection', user: 'student@example.com', type: 'Love' },
  { post: 'learning-on-a-slow-connection', user: 'admin@example.com', type: 'Insightful' },
  { post: 'short-videos-finish-courses', user: 'student@example.com', type: 'Like' },
  { post: 'short-videos-finish-courses', user: 'admin@example.com', type: 'Like' },
  { post: 'welcome-to-edupeak', user: 'teacher@example.com', type: 'Like' },
];

const PENDING_MARKDOWN = `My first week on Edupeak, on a phone and a prepaid data plan.

## What worked

- Short lessons I could finish between classes.
- Downloading the attachments once and reading them offline.

## What I would change

I still watch the videos at the lowest quality. A transcript under each lesson would help people like me.`;

export const DEMO_PENDING_POST = {
  slug: 'my-first-week-on-edupeak',
  title: 'My first week on Edupeak',
  category: 'study-tips',
  author: 'student@example.com' as Who,
  markdown: PENDING_MARKDOWN,
  pointsSpent: 5,
};

export async function seedDemoBlog(trx: Transaction<DB>, userIds: Map<string, string>, categoryIds: Map<string, string>): Promise<void> {
  const user = (email: Who) => userIds.get(email)!;
  const slugs = [...new Set([...DEMO_COMMENTS.map((c) => c.post), ...DEMO_REACTIONS.map((r) => r.post)])];
  const posts = await trx.selectFrom('blog').select(['id', 'slug']).where('slug', 'in', slugs).execute();
  const postId = new Map(posts.map((p) => [p.slug, p.id]));

  for (const comment of DEMO_COMMENTS) {
    const blogId = postId.get(comment.post);
    if (!blogId) continue; // the post was removed from this database: leave it be
    const exists = await trx
      .selectFrom('blogComment')
      .select('id')
      .where('blogId', '=', blogId)
      .where('authorId', '=', user(comment.author))
      .where('content', '=', comment.content)
      .executeTakeFirst();
    if (exists) continue;
    const parent = comment.replyTo
      ? await trx.selectFrom('blogComment').select('id').where('blogId', '=', blogId).where('content', '=', comment.replyTo).executeTakeFirst()
      : undefined;
    await trx
      .insertInto('blogComment')
      .values({ blogId, authorId: user(comment.author), content: comment.content, parentId: parent?.id ?? null })
      .execute();
  }

  const reactions = DEMO_REACTIONS.filter((r) => postId.has(r.post)).map((r) => ({ blogId: postId.get(r.post)!, userId: user(r.user), type: r.type }));
  if (reactions.length) {
    await trx
      .insertInto('blogReaction')
      .values(reactions)
      .onConflict((oc) => oc.columns(['blogId', 'userId']).doNothing())
      .execute();
  }

  // The counters from the rows (the same values on a second run).
  if (posts.length) {
    await trx
      .updateTable('blog')
      .set({
        commentCount: sql<number>`(select count(*)::int from blog_comment c where c.blog_id = blog.id)`,
        likeCount: sql<number>`(select count(*)::int from blog_reaction r where r.blog_id = blog.id)`,
      })
      .where('id', 'in', posts.map((p) => p.id))
      .execute();
  }

  // One post waiting for an admin: sent to moderation by the student, its price already paid.
  const p = DEMO_PENDING_POST;
  const content = postHtml(p.markdown);
  await trx
    .insertInto('blog')
    .values({
      slug: p.slug,
      title: p.title,
      contentMarkdown: p.markdown,
      content,
      excerpt: deriveExcerpt(content) || null,
      readingTime: readingTimeOf(content),
      status: 'Pending',
      isDraft: false,
      pointsRequired: p.pointsSpent,
      pointsSpent: p.pointsSpent,
      authorId: user(p.author),
      categoryId: categoryIds.get(p.category) ?? null,
      createdAt: new Date(Date.now() - 3_600_000),
    })
    .onConflict((oc) => oc.column('slug').doNothing())
    .execute();
}
