import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { linkify } from '../../src/features/blog/linkify.ts';
import { hitRateLimit, RATE_LIMITS } from '../../src/http/rate-limit.ts';
import { useTestApp } from '../setup/app.ts';
import { gzippedSize, PAGE_BUDGET_BYTES } from '../setup/budget.ts';
import { createComment, createPost, createUser } from '../setup/factories.ts';
import { countQueries } from '../setup/queries.ts';
import { signedInAs, type SignedIn } from '../setup/users.ts';
import { commentOf, discussionView } from './discussion-fixture.ts';

const t = useTestApp({ extraRoutes: discussionView(() => t.db) });

const idOfLocation = (location: string | undefined): string => /#comment-([0-9a-f-]{36})$/.exec(location ?? '')?.[1] ?? '';
const countOf = async (postId: string) =>
  (await t.db.selectFrom('blog').select(['commentCount']).where('id', '=', postId).executeTakeFirstOrThrow()).commentCount;
const rowsOf = async (postId: string) =>
  Number((await t.db.selectFrom('blogComment').select((eb) => eb.fn.countAll().as('n')).where('blogId', '=', postId).executeTakeFirstOrThrow()).n);

describe('linkify: comments are plain text with clickable http(s) links', () => {
  it('escapes markup, keeps paragraphs and line breaks', () => {
    expect(linkify('Hello <b>there</b> & "you"\nsecond line\n\nNew paragraph')).toBe(
      '<p>Hello &lt;b&gt;there&lt;/b&gt; &amp; &quot;you&quot;<br>\nsecond line</p>\n<p>New paragraph</p>',
    );
  });

  it('makes http and https addresses links with rel="nofollow noopener ugc", leaving trailing punctuation outside', () => {
    expect(linkify('See https://example.org/a?b=1&c=2.')).toBe(
      '<p>See <a href="https://example.org/a?b=1&amp;c=2" rel="nofollow noopener ugc">https://example.org/a?b=1&amp;c=2</a>.</p>',
    );
    expect(linkify('(http://x.org/Foo_(bar))')).toContain('<a href="http://x.org/Foo_(bar)" rel="nofollow noopener ugc">http://x.org/Foo_(bar)</a>)');
  });

  it('never links javascript:, data: or other schemes, and never lets an address break out of its attribute', () => {
    for (const text of ['javascript:alert(1)', 'JaVaScRiPt:alert(1)', 'data:text/html,<script>alert(1)</script>', 'vbscript:x', 'ftp://x.org']) {
      expect(linkify(text)).not.toContain('<a ');
    }
    const html = linkify('https://x.org/"onmouseover="alert(1) and https://x.org/<script>');
    expect(html).not.toContain('"onmouseover');
    expect(html).not.toContain('<script');
    expect(html).toContain('<a href="https://x.org/"');
  });

  it('leaves htmx and event attributes inert text', () => {
    const html = linkify('<div hx-get="/admin" hx-trigger="load" data-hx-post="/x" hx-on:click="alert(1)" onclick="x()" style="color:red">hi</div>');
    expect(html).not.toMatch(/<div/);
    expect(html).toContain('&lt;div hx-get=&quot;/admin&quot;');
  });
});

describe('comments', () => {
  let author: SignedIn;
  let reader: SignedIn;
  let other: SignedIn;
  let admin: SignedIn;
  let post: { id: string; slug: string };

  beforeAll(async () => {
    author = await signedInAs(t.app, t.db, 'student');
    reader = await signedInAs(t.app, t.db, 'student', { firstName: 'Rita', lastName: 'Reader' });
    other = await signedInAs(t.app, t.db, 'student');
    admin = await signedInAs(t.app, t.db, 'admin');
    post = await createPost(t.db, { authorId: author.user.id, title: 'On gardens' });
  });

  it('without JS: a comment is posted and the page reloads at its anchor, with a flash', async () => {
    const res = await reader.post(`/blog/${post.slug}/comments`, { content: 'First!\n\nSee https://example.org.' }).expect(303);
    const id = idOfLocation(res.headers.location);
    expect(res.headers.location).toBe(`/blog/${post.slug}#comment-${id}`);
    const page = await reader.agent.get(`/__discussion/${post.slug}`).expect(200);
    const li = commentOf(page.text, id);
    expect(li).toContain('Rita Reader');
    expect(li).toContain('<p>First!</p>');
    expect(li).toContain('<a href="https://example.org/" rel="nofollow noopener ugc">https://example.org</a>.');
  });

  it('with htmx: the answer is the comment list with the new comment and an empty form (Vary: HX-Request)', async () => {
    const res = await reader.post(`/blog/${post.slug}/comments`, { content: 'In place' }).set('HX-Request', 'true').expect(200);
    expect(res.headers.vary).toMatch(/HX-Request/);
    expect(res.text).toMatch(/^<section id="comments"/);
    expect(res.text).not.toContain('<html');
    expect(res.text).toContain('In place');
    expect(res.text).toMatch(/<textarea id="comment-form-new-content"[^>]*><\/textarea>/);
  });

  it('refuses an empty or too long comment with 422 and the typed text kept (htmx: the form replaces itself)', async () => {
    const empty = await reader.post(`/blog/${post.slug}/comments`, { content: '   ' }).expect(422);
    expect(empty.text).toContain('Write your comment first.');
    expect(empty.text).toContain('<html');
    const long = 'x'.repeat(5001);
    const htmx = await reader.post(`/blog/${post.slug}/comments`, { content: long }).set('HX-Request', 'true').expect(422);
    expect(htmx.headers['hx-retarget']).toBe('#comment-form-new');
    expect(htmx.text).toMatch(/^<form id="comment-form-new"/);
    expect(htmx.text).toContain('Keep your comment under 5000 characters.');
    expect(htmx.text).toContain(long);
    const missing = await reader.post(`/blog/${post.slug}/comments`, {}).expect(422);
    expect(missing.text).toContain('Write your comment first.');
  });

  it('only Published posts take comments; a tampered parentId is a 404; visitors are sent to sign in', async () => {
    for (const status of ['Pending', 'Rejected', 'Approved'] as const) {
      const hidden = await createPost(t.db, { authorId: author.user.id, status });
      await reader.post(`/blog/${hidden.slug}/comments`, { content: 'Hi' }).expect(404);
      await author.post(`/blog/${hidden.slug}/comments`, { content: 'Hi' }).expect(404);
    }
    await reader.post('/blog/no-such-post/comments', { content: 'Hi' }).expect(404);
    await reader.post(`/blog/${post.slug}/comments`, { content: 'Hi', parentId: 'not-an-id' }).expect(404);
    const elsewhere = await createComment(t.db, { blogId: (await createPost(t.db)).id });
    const foreign = await reader.post(`/blog/${post.slug}/comments`, { content: 'Hi', parentId: elsewhere.id }).expect(422);
    expect(foreign.text).toContain('no longer there');
    const visitor = await t.request().post(`/blog/${post.slug}/comments`).type('form').send({ content: 'Hi' });
    expect([303, 403]).toContain(visitor.status);
  });

  it('stored comments never reach the page as markup (script, events, javascript:, style, hx-*)', async () => {
    const evil = '<script>alert(1)</script><img src=x onerror=alert(1)><a href="javascript:alert(1)" style="x" hx-post="/admin" data-hx-get="/x" hx-on:click="y">x</a> javascript:alert(2)';
    const res = await reader.post(`/blog/${post.slug}/comments`, { content: evil }).expect(303);
    const page = await other.agent.get(`/__discussion/${post.slug}`).expect(200);
    const li = commentOf(page.text, idOfLocation(res.headers.location));
    expect(li).toContain('&lt;script&gt;');
    // Only the partial's own tags: none of the typed ones, and no attribute from the text inside a tag.
    const tags = li.match(/<[a-z][^>]*>/g) ?? [];
    expect(new Set(tags.map((tag) => /^<([a-z]+)/.exec(tag)![1]))).toEqual(new Set(['li', 'p', 'strong', 'a', 'div', 'form', 'input', 'button', 'span']));
    for (const tag of tags) expect(tag).not.toMatch(/onerror|javascript:|style=|hx-post="\/admin"|data-hx-get|hx-on/);
    expect(li).toContain('<div class="comment-text" hx-disable>');
  });

  it('threads nest three levels; a reply to a third-level comment is stored at the third level', async () => {
    const p = await createPost(t.db, { authorId: author.user.id });
    const reply = async (who: SignedIn, content: string, parentId?: string) =>
      idOfLocation((await who.post(`/blog/${p.slug}/comments`, { content, ...(parentId ? { parentId } : {}) }).expect(303)).headers.location);
    const l1 = await reply(reader, 'level one');
    const l2 = await reply(other, 'level two', l1);
    const l3 = await reply(reader, 'level three', l2);
    const l4 = await reply(other, 'level four', l3);
    const stored = await t.db.selectFrom('blogComment').select(['id', 'parentId']).where('blogId', '=', p.id).execute();
    const parentOf = Object.fromEntries(stored.map((r) => [r.id, r.parentId]));
    expect(parentOf[l2]).toBe(l1);
    expect(parentOf[l3]).toBe(l2);
    expect(parentOf[l4]).toBe(l2);
    const page = await reader.agent.get(`/__discussion/${p.slug}`).expect(200);
    const top = commentOf(page.text, l1);
    const second = commentOf(top, l2);
    expect(second).toContain('level three');
    expect(second).toContain('level four');
    expect(commentOf(second, l3)).not.toContain('level four');
    // Three nested lists at most: l1's replies > l2's replies.
    expect((top.match(/<ol class="comment-list replies">/g) ?? []).length).toBe(2);
    // The reply's link opens a reply form: alone for htmx, as a page without JS (the comment quoted).
    const form = await reader.agent.get(`/blog/comments/${l3}/reply`).set('HX-Request', 'true').expect(200);
    expect(form.text).toMatch(/^<form id="comment-form-[0-9a-f-]+" class="comment-form"/);
    expect(form.text).toContain(`name="parentId" value="${l3}"`);
    const replyPage = await reader.agent.get(`/blog/comments/${l3}/reply`).expect(200);
    expect(replyPage.text).toContain('<html');
    expect(replyPage.text).toContain('level three');
    expect(replyPage.text).not.toContain('hx-post');
    await reader.agent.get(`/blog/comments/${crypto.randomUUID()}/reply`).expect(404);
    await reader.agent.get('/blog/comments/not-an-id/reply').expect(404);
    await t.request().get(`/blog/comments/${l3}/reply`).expect(303);
  });

  it('the author deletes their comment with its replies; an admin deletes any; others get 404; commentCount follows', async () => {
    const p = await createPost(t.db, { authorId: author.user.id });
    const c = async (who: SignedIn, content: string, parentId?: string) =>
      idOfLocation((await who.post(`/blog/${p.slug}/comments`, { content, ...(parentId ? { parentId } : {}) }).expect(303)).headers.location);
    const root = await c(reader, 'root');
    const child = await c(other, 'child', root);
    await c(reader, 'grandchild', child);
    const lone = await c(other, 'lone');
    expect(await countOf(p.id)).toBe(4);

    await other.post(`/blog/comments/${root}/delete`).expect(404);
    await author.post(`/blog/comments/${root}/delete`).expect(404); // the post's author is not the comment's
    await reader.post(`/blog/comments/not-an-id/delete`).expect(404);
    const gone = await reader.post(`/blog/comments/${root}/delete`).expect(303);
    expect(gone.headers.location).toBe(`/blog/${p.slug}#comments`);
    expect(await countOf(p.id)).toBe(1);
    expect(await rowsOf(p.id)).toBe(1);
    await reader.post(`/blog/comments/${root}/delete`).expect(404);

    const htmx = await admin.post(`/blog/comments/${lone}/delete`).set('HX-Request', 'true').expect(200);
    expect(htmx.text).toMatch(/^<section id="comments"/);
    expect(htmx.text).toContain('The comment is deleted.');
    expect(await countOf(p.id)).toBe(0);
    const audit = await t.db.selectFrom('activityLog').select(['userId', 'metadata']).where('action', '=', 'blog_comment_deleted').where('entityId', 'in', [root, lone]).execute();
    expect(audit).toHaveLength(2);
  });

  it('commentCount stays exact: 30 parallel comments make 30, then 10 parallel deletes leave 20', async () => {
    const p = await createPost(t.db, { authorId: author.user.id });
    const people = [reader, other, admin];
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => people[i % 3]!.post(`/blog/${p.slug}/comments`, { content: `parallel ${i}` })));
    expect(results.map((r) => r.status)).toEqual(Array(30).fill(303));
    expect(await countOf(p.id)).toBe(30);
    expect(await rowsOf(p.id)).toBe(30);
    const mine = results.filter((_, i) => i % 3 === 0).map((r) => idOfLocation(r.headers.location));
    // Deleting and replying at once: every reply either lands (counted) or is refused (its parent is gone).
    const mixed = await Promise.all([
      ...mine.map((id) => reader.post(`/blog/comments/${id}/delete`)),
      ...mine.map((id) => other.post(`/blog/${p.slug}/comments`, { content: 'late reply', parentId: id })),
    ]);
    expect(mixed.slice(0, 10).map((r) => r.status)).toEqual(Array(10).fill(303));
    expect(await countOf(p.id)).toBe(await rowsOf(p.id));
    expect(await countOf(p.id)).toBe(20);
  });

  it('commenting is rate limited (429 with a message; 422 with the message for htmx)', async () => {
    const fast = await signedInAs(t.app, t.db, 'student');
    for (let i = 0; i < RATE_LIMITS.blogComment.limit; i++) await hitRateLimit(t.db, RATE_LIMITS.blogComment, fast.user.id);
    const res = await fast.post(`/blog/${post.slug}/comments`, { content: 'one more' }).expect(429);
    expect(res.text).toContain('You are commenting very fast');
    expect(res.headers['retry-after']).toMatch(/^\d+$/);
    const htmx = await fast.post(`/blog/${post.slug}/comments`, { content: 'one more' }).set('HX-Request', 'true').expect(422);
    expect(htmx.text).toContain('You are commenting very fast');
    expect(htmx.text).toContain('one more');
  });
});

describe('upvotes', () => {
  let author: SignedIn;
  let voter: SignedIn;
  let post: { id: string; slug: string };
  let comment: { id: string };

  beforeAll(async () => {
    author = await signedInAs(t.app, t.db, 'student');
    voter = await signedInAs(t.app, t.db, 'student');
    post = await createPost(t.db);
    comment = await createComment(t.db, { blogId: post.id, authorId: author.user.id });
  });

  const upvotesOf = async (id: string) => (await t.db.selectFrom('blogComment').select('upvotes').where('id', '=', id).executeTakeFirstOrThrow()).upvotes;
  const votersOf = async (id: string) =>
    Number((await t.db.selectFrom('blogCommentUpvote').select((eb) => eb.fn.countAll().as('n')).where('commentId', '=', id).executeTakeFirstOrThrow()).n);

  it('toggles: htmx swaps the button (aria-pressed), no-JS goes back to the comment', async () => {
    const on = await voter.post(`/blog/comments/${comment.id}/upvote`).set('HX-Request', 'true').expect(200);
    expect(on.headers.vary).toMatch(/HX-Request/);
    expect(on.text).toMatch(new RegExp(`^ *<form method="post" action="/blog/comments/${comment.id}/upvote" hx-target="this"`));
    expect(on.text).toContain('aria-pressed="true"');
    expect(on.text).toContain('<span class="count">1</span>');
    const off = await voter.post(`/blog/comments/${comment.id}/upvote`).expect(303);
    expect(off.headers.location).toBe(`/blog/${post.slug}#comment-${comment.id}`);
    expect(await upvotesOf(comment.id)).toBe(0);
    const page = await voter.agent.get(`/__discussion/${post.slug}`).expect(200);
    expect(commentOf(page.text, comment.id)).toContain('aria-pressed="false"');
  });

  it('not on your own comment (422), not on a missing one (404)', async () => {
    const own = await author.post(`/blog/comments/${comment.id}/upvote`).expect(422);
    expect(own.text).toContain('You cannot upvote your own comment.');
    await voter.post(`/blog/comments/${crypto.randomUUID()}/upvote`).expect(404);
    const hidden = await createPost(t.db, { status: 'Pending' });
    const onHidden = await createComment(t.db, { blogId: hidden.id });
    await voter.post(`/blog/comments/${onHidden.id}/upvote`).expect(404);
  });

  it('50 parallel upvotes by 50 users count 50; one user twice at once ends consistent with the rows', async () => {
    const target = await createComment(t.db, { blogId: post.id, authorId: author.user.id });
    const users = await Promise.all(Array.from({ length: 50 }, () => signedInAs(t.app, t.db, 'student')));
    const res = await Promise.all(users.map((u) => u.post(`/blog/comments/${target.id}/upvote`)));
    expect(res.map((r) => r.status)).toEqual(Array(50).fill(303));
    expect(await upvotesOf(target.id)).toBe(50);
    expect(await votersOf(target.id)).toBe(50);
    const twice = await Promise.all([voter.post(`/blog/comments/${target.id}/upvote`), voter.post(`/blog/comments/${target.id}/upvote`)]);
    expect(twice.map((r) => r.status)).toEqual([303, 303]);
    expect(await upvotesOf(target.id)).toBe(await votersOf(target.id));
    expect(await upvotesOf(target.id)).toBe(50);
  });
});

describe('comment pages and budget', () => {
  it('a post with 200 comments: 50 threads a page, the discussion part within budget, a fixed number of queries', async () => {
    const author = await createUser(t.db);
    const viewer = await signedInAs(t.app, t.db, 'student');
    const small = await createPost(t.db, { authorId: author.id });
    const big = await createPost(t.db, { authorId: author.id });
    const people = await Promise.all(Array.from({ length: 8 }, (_, i) => createUser(t.db, { firstName: `Person${i}`, lastName: 'Commenter-Lastname' })));
    const words = 'a comment that says something about the post and links https://example.org/some/page for more'.split(' ');
    const text = (i: number) => Array.from({ length: 12 }, (_, k) => words[(i * 7 + k * 3) % words.length]).join(' ') + ` #${i}`;
    // 60 threads (created oldest first), 140 replies spread over the newest 50 threads at two levels.
    const base = Date.now() - 86_400_000;
    const threads = await t.db
      .insertInto('blogComment')
      .values(Array.from({ length: 60 }, (_, i) => ({ blogId: big.id, authorId: people[i % 8]!.id, content: text(i), createdAt: new Date(base + i * 60_000) })))
      .returning(['id', 'createdAt'])
      .execute();
    const replies = await t.db
      .insertInto('blogComment')
      .values(Array.from({ length: 70 }, (_, i) => ({ blogId: big.id, authorId: people[(i + 3) % 8]!.id, parentId: threads[10 + (i % 50)]!.id, content: text(100 + i), createdAt: new Date(base + 3_600_000 + i * 1000) })))
      .returning('id')
      .execute();
    await t.db
      .insertInto('blogComment')
      .values(Array.from({ length: 70 }, (_, i) => ({ blogId: big.id, authorId: people[(i + 5) % 8]!.id, parentId: replies[i]!.id, content: text(200 + i), createdAt: new Date(base + 7_200_000 + i * 1000) })))
      .execute();
    await sql`update blog set comment_count = 200 where id = ${big.id}`.execute(t.db);
    await createComment(t.db, { blogId: small.id });

    const few = await countQueries(t.db, () => viewer.agent.get(`/__discussion/${small.slug}`).expect(200));
    const many = await countQueries(t.db, () => viewer.agent.get(`/__discussion/${big.slug}`).expect(200));
    expect(many.count).toBe(few.count);
    const page = many.result.text;
    expect(page).toContain('Comments (200)');
    expect((page.match(/<li id="comment-/g) ?? []).length).toBe(50 + 140);
    expect(page).toContain(`href="/blog/${big.slug}?comments=2#comments" rel="next"`);
    // The newest thread first; the oldest ten are on page 2.
    expect(page.indexOf(`comment-${threads[59]!.id}`)).toBeLessThan(page.indexOf(`comment-${threads[10]!.id}`));
    expect(page).not.toContain(`comment-${threads[9]!.id}`);
    const size = gzippedSize(page);
    const framed = gzippedSize((await viewer.agent.get(`/__discussion/${big.slug}?page`).expect(200)).text);
    // The post page adds the post itself to this: leave it 2 KB of the page budget.
    expect(size, `discussion is ${size} bytes gzipped`).toBeLessThanOrEqual(10 * 1024);
    expect(framed, `discussion in the layout is ${framed} bytes gzipped`).toBeLessThanOrEqual(PAGE_BUDGET_BYTES - 2 * 1024);
    const second = await viewer.agent.get(`/__discussion/${big.slug}?comments=2`).expect(200);
    expect((second.text.match(/<li id="comment-/g) ?? []).length).toBe(10);
    expect(second.text).toContain('rel="prev"');

    // A reply in an older thread sends the reader to that thread's page.
    const res = await viewer.post(`/blog/${big.slug}/comments`, { content: 'late', parentId: threads[5]!.id }).expect(303);
    expect(res.headers.location).toMatch(new RegExp(`^/blog/${big.slug}\\?comments=2#comment-`));
  });
});
