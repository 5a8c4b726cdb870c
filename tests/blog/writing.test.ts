import { beforeAll, describe, expect, it } from 'vitest';
import { systemAudit } from '../../src/features/audit/activity.ts';
import { approvePost, rejectPost } from '../../src/features/blog/moderation.ts';
import { deriveExcerpt, plainText, readingTimeOf } from '../../src/features/blog/writing.ts';
import { parseTags } from '../../src/features/blog/tags.ts';
import { createStorage } from '../../src/storage/index.ts';
import { useTestApp } from '../setup/app.ts';
import { expectWithinPageBudget } from '../setup/budget.ts';
import { createAdmin, createBlogCategory, createCourse, createPost, createUser } from '../setup/factories.ts';
import { pngImage } from '../setup/media.ts';
import { countQueries } from '../setup/queries.ts';
import { signedInAs } from '../setup/users.ts';

const t = useTestApp();

const pointsOf = async (userId: string) => (await t.db.selectFrom('user').select('points').where('id', '=', userId).executeTakeFirstOrThrow()).points;
const postsOf = (authorId: string) => t.db.selectFrom('blog').selectAll().where('authorId', '=', authorId).orderBy('createdAt').execute();
const tagsOf = async (blogId: string) =>
  (await t.db.selectFrom('blogTag').select(['name', 'slug']).where('blogId', '=', blogId).orderBy('slug').execute());
const idFromEdit = (location: string) => /^\/blog\/posts\/([0-9a-f-]{36})\/edit$/.exec(location)?.[1] ?? '';

/**
 * The page's markup after <body> (the layout's own hx-headers is not user input), with every quoted
 * attribute value emptied: escaped user text inside value="..." is inert, so only tags remain.
 */
const markupOf = (html: string) => html.replace(/^[\s\S]*?<body[^>]*>/, '').replace(/="[^"]*"/g, '=""').replace(/='[^']*'/g, "=''");

const writer = (overrides: object = {}) => signedInAs(t.app, t.db, 'student', { points: 20, ...overrides });

/** Live markup a reader's browser would act on: a tag (not escaped text) carrying one of these. */
const LIVE = /<[a-z][^<>]*\s(?:on[a-z]+|style|hx-[a-z-]+|data-hx-[a-z-]+)\s*=|<script|<iframe|<a\s[^<>]*href\s*=\s*["']?\s*javascript:/i;

describe('writing helpers', () => {
  it('excerpt: the first ~160 characters of the rendered text, cut at a word; reading time: words / 200, at least 1', () => {
    const words = Array.from({ length: 450 }, (_, i) => `word${i}`).join(' ');
    const html = `<h2>Intro</h2><p>${words} &amp; more</p>`;
    const excerpt = deriveExcerpt(html);
    expect(excerpt.length).toBeLessThanOrEqual(161);
    expect(excerpt).toMatch(/^Intro word0 word1 .* word\d+…$/);
    expect(readingTimeOf(html)).toBe(3);
    expect(readingTimeOf('<p>Hi</p>')).toBe(1);
    expect(deriveExcerpt('<p>Fish &amp; chips &lt;3</p>')).toBe('Fish & chips <3');
    expect(plainText('<p>a</p><p>b</p>')).toBe('a b');
  });

  it('tags: comma-separated, slugged, unique per post, at most 5, names of at most 30 characters', () => {
    expect(parseTags(' Python, web  apps,, Web-Apps , café ')).toEqual({
      ok: true,
      tags: [
        { name: 'Python', slug: 'python' },
        { name: 'web apps', slug: 'web-apps' },
        { name: 'café', slug: 'cafe' },
      ],
    });
    expect(parseTags('a,b,c,d,e,f')).toMatchObject({ ok: false, message: 'At most 5 tags, please (you typed 6).' });
    expect(parseTags('x'.repeat(31))).toMatchObject({ ok: false });
    expect(parseTags('!!!')).toMatchObject({ ok: false });
    expect(parseTags('')).toEqual({ ok: true, tags: [] });
  });
});

describe('/blog/new', () => {
  it('asks visitors to sign in, refuses unverified users, shows the form to verified ones within budget', async () => {
    const visitor = await t.request().get('/blog/new');
    expect(visitor.status).toBe(303);
    expect(visitor.headers.location).toBe('/auth/login?next=%2Fblog%2Fnew');
    const unverified = await signedInAs(t.app, t.db, 'student', { emailVerified: false });
    expect((await unverified.agent.get('/blog/new')).status).toBe(403);
    expect((await unverified.post('/blog/new', { title: 'x', content: 'y' })).status).toBe(403);

    const category = await createBlogCategory(t.db, { name: 'Study tips' });
    const course = await createCourse(t.db, { title: 'Published course', status: 'Published' });
    await createCourse(t.db, { title: 'Secret draft course', status: 'Draft' });
    const me = await writer();
    const page = await me.agent.get('/blog/new').expect(200);
    expect(page.text).toContain(`action="/blog/new?_csrf=${encodeURIComponent(me.csrf)}" enctype="multipart/form-data"`);
    expect(page.text).toContain(`<option value="${category.id}">Study tips</option>`);
    expect(page.text).toContain(`<option value="${course.id}">Published course</option>`);
    expect(page.text).not.toContain('Secret draft course');
    expect(page.text).toContain('costs <strong>5 points</strong> (you have 20)');
    expectWithinPageBudget(page);
  });

  it('"Save draft" keeps a draft: rendered HTML and the Markdown source, derived excerpt, reading time, tags; nothing charged', async () => {
    const me = await writer();
    const category = await createBlogCategory(t.db);
    const res = await me.post('/blog/new', {
      title: '  My first post  ',
      content: '# Hello\n\nSome **bold** text and [a link](https://example.com).',
      tags: 'Python, web apps, python',
      categoryId: category.id,
      intent: 'draft',
    });
    expect(res.status).toBe(303);
    const [post] = await postsOf(me.user.id);
    expect(res.headers.location).toBe(`/blog/posts/${post!.id}/edit`);
    expect(post).toMatchObject({
      title: 'My first post',
      slug: 'my-first-post',
      isDraft: true,
      status: 'Pending',
      pointsSpent: 0,
      contentMarkdown: '# Hello\n\nSome **bold** text and [a link](https://example.com).',
      content: '<h2>Hello</h2>\n<p>Some <strong>bold</strong> text and <a href="https://example.com" rel="nofollow noopener">a link</a>.</p>',
      excerpt: 'Hello Some bold text and a link.',
      readingTime: 1,
      categoryId: category.id,
      seoTitle: null,
    });
    expect(await tagsOf(post!.id)).toEqual([
      { name: 'Python', slug: 'python' },
      { name: 'web apps', slug: 'web-apps' },
    ]);
    expect(await pointsOf(me.user.id)).toBe(20);
    const edit = await me.agent.get(res.headers.location!).expect(200);
    expect(edit.text).toContain('Draft saved.');
    expect(edit.text).toContain('value="Python, web apps"');
  });

  it('"Send to moderation" with a cover: Pending, charged once, the cover re-encoded under covers/ and shown by /media to the author and admins only until published', async () => {
    const me = await writer({ points: 7 });
    const res = await me.agent
      .post(`/blog/new?_csrf=${encodeURIComponent(me.csrf)}`)
      .field('title', 'With a cover')
      .field('content', 'Text')
      .field('intent', 'submit')
      .attach('cover', await pngImage(1600, 900), 'photo.png');
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/account/posts');
    const [post] = await postsOf(me.user.id);
    expect(post).toMatchObject({ isDraft: false, status: 'Pending', pointsSpent: 5, pointsRequired: 5 });
    expect(post!.coverImageKey).toMatch(/^covers\/\d{4}\/\d{2}\/[0-9a-f-]{36}-640w\.webp$/);
    expect(await pointsOf(me.user.id)).toBe(2);
    const small = post!.coverImageKey!.replace('-640w', '-320w');
    const storage = createStorage(t.config);
    expect((await storage.head(post!.coverImageKey!))?.contentType).toBe('image/webp');
    expect(await storage.head(small)).toBeDefined();

    const list = await me.agent.get('/account/posts').expect(200);
    expect(list.text).toContain('Sent to moderation');
    expect(list.text).toContain('5 points were spent.');

    const other = await writer();
    const admin = await signedInAs(t.app, t.db, 'admin');
    for (const key of [post!.coverImageKey!, small]) {
      expect((await me.agent.get(`/media/${key}`)).status).toBe(200);
      expect((await admin.agent.get(`/media/${key}`)).status).toBe(200);
      expect((await other.agent.get(`/media/${key}`)).status).toBe(404);
      expect((await t.request().get(`/media/${key}`)).status).toBe(404);
    }
    await approvePost(t.db, systemAudit(admin.user.id), post!.id);
    const open = await t.request().get(`/media/${small}`);
    expect(open.status).toBe(200);
    expect(open.headers['cache-control']).toBe('public, max-age=86400');
  });

  it('too few points: 422, the form kept with how many are missing and how to earn them; nothing saved', async () => {
    const me = await writer({ points: 2 });
    const res = await me.post('/blog/new', { title: 'Not yet', content: 'Body text', tags: 'alpha', intent: 'submit' });
    expect(res.status).toBe(422);
    expect(res.text).toContain('You need 3 more points: complete lessons and earn badges to get them.');
    expect(res.text).toContain('value="Not yet"');
    expect(res.text).toContain('>Body text</textarea>');
    expect(await postsOf(me.user.id)).toEqual([]);
    expect(await pointsOf(me.user.id)).toBe(2);
  });

  it('refuses bad input with 422 and a message per field, never a 500', async () => {
    const me = await writer();
    const draftCourse = await createCourse(t.db, { status: 'Draft' });
    const cases: Array<[Record<string, string>, string, string]> = [
      [{ title: '', content: 'x' }, 'title', 'Title is required.'],
      [{ title: 'x'.repeat(201), content: 'x' }, 'title', 'Title must be at most 200 characters.'],
      [{ title: 'Ok', content: '   ' }, 'content', 'The post is required.'],
      [{ title: 'Ok', content: 'x'.repeat(100_001) }, 'content', 'The post must be at most 100000 characters.'],
      [{ title: 'Ok', content: 'x', excerpt: 'e'.repeat(301) }, 'excerpt', 'Excerpt must be at most 300 characters.'],
      [{ title: 'Ok', content: 'x', seoTitle: 's'.repeat(71) }, 'seoTitle', 'Search title must be at most 70 characters.'],
      [{ title: 'Ok', content: 'x', seoDescription: 's'.repeat(161) }, 'seoDescription', 'Search description must be at most 160 characters.'],
      [{ title: 'Ok', content: 'x', tags: 'a,b,c,d,e,f' }, 'tags', 'At most 5 tags, please (you typed 6).'],
      [{ title: 'Ok', content: 'x', categoryId: 'nope' }, 'categoryId', 'Choose a category from the list.'],
      [{ title: 'Ok', content: 'x', categoryId: '00000000-0000-4000-8000-000000000000' }, 'categoryId', 'That category no longer exists: choose another.'],
      [{ title: 'Ok', content: 'x', courseId: draftCourse.id }, 'courseId', 'Link a published course, or none.'],
      [{ title: 'Two\nlines', content: 'x' }, 'title', 'Title must be one line.'],
    ];
    for (const [fields, field, message] of cases) {
      const res = await me.agent.post(`/blog/new?_csrf=${encodeURIComponent(me.csrf)}`).field({ intent: 'submit', ...fields });
      expect(res.status, JSON.stringify(fields).slice(0, 80)).toBe(422);
      expect(res.text).toContain(`id="f-${field}-error">${message.replace(/"/g, '&quot;')}</p>`);
    }
    // Arrays where one value belongs, and a file that is not an image.
    const twice = await me.agent.post(`/blog/new?_csrf=${encodeURIComponent(me.csrf)}`).field('title', 'A').field('title', 'B').field('content', 'x');
    expect(twice.status).toBe(422);
    const exe = await me.agent
      .post(`/blog/new?_csrf=${encodeURIComponent(me.csrf)}`)
      .field({ title: 'Ok', content: 'x' })
      .attach('cover', Buffer.concat([Buffer.from('MZ'), Buffer.alloc(500)]), 'cover.png');
    expect(exe.status).toBe(422);
    expect(exe.text).toContain('That file is not an image we accept (JPEG, PNG or WebP).');
    expect(await postsOf(me.user.id)).toEqual([]);
    expect(await pointsOf(me.user.id)).toBe(20);
  });

  it('a post of 100,000 characters (multi-byte ones too) comes through the multipart form', async () => {
    const me = await writer();
    const content = 'é'.repeat(100_000);
    const res = await me.agent.post(`/blog/new?_csrf=${encodeURIComponent(me.csrf)}`).field({ title: 'Long one', content, intent: 'draft' });
    expect(res.status).toBe(303);
    const [post] = await postsOf(me.user.id);
    expect(post!.contentMarkdown).toHaveLength(100_000);
    expect(post!.excerpt).toMatch(/^é{160}…$/);
  });

  it('slugs are unique (-2, -3 ...), never the blog\'s own words, also when 10 posts with one title race', async () => {
    const me = await writer();
    const slugOf = async (title: string) => {
      const res = await me.post('/blog/new', { title, content: 'x', intent: 'draft' });
      expect(res.status).toBe(303);
      return (await t.db.selectFrom('blog').select('slug').where('id', '=', idFromEdit(res.headers.location!)).executeTakeFirstOrThrow()).slug;
    };
    expect(await slugOf('Same title')).toBe('same-title');
    expect(await slugOf('Same title!')).toBe('same-title-2');
    expect(await slugOf('New')).toBe('new-2');
    expect(await slugOf('Posts')).toBe('posts-2');
    expect(await slugOf('Feed')).toBe('feed-2');
    expect(await slugOf('Новости')).toBe('post');

    const racer = await writer();
    const results = await Promise.all(Array.from({ length: 10 }, () => racer.post('/blog/new', { title: 'Race day', content: 'x', intent: 'draft' })));
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(303));
    const slugs = (await postsOf(racer.user.id)).map((p) => p.slug).sort();
    expect(new Set(slugs).size).toBe(10);
    expect(slugs).toContain('race-day');
  });

  it('posting is rate limited per user: the 11th post in an hour is a 429 with a clear message', async () => {
    const me = await writer();
    for (let i = 0; i < 10; i++) expect((await me.post('/blog/new', { title: `Post ${i}`, content: 'x', intent: 'draft' })).status).toBe(303);
    const res = await me.post('/blog/new', { title: 'One more', content: 'x', intent: 'draft' });
    expect(res.status).toBe(429);
    expect(res.text).toContain('You have written or sent 10 posts in the last hour. Please wait');
    expect(res.headers['retry-after']).toMatch(/^\d+$/);
    // Another author is not affected.
    expect((await (await writer()).post('/blog/new', { title: 'Mine', content: 'x' })).status).toBe(303);
  });
});

describe('sending, editing and deleting', () => {
  let admin: { id: string };
  beforeAll(async () => {
    admin = await createAdmin(t.db);
  });

  it('10 parallel sends of drafts with points for 3 make exactly 3 Pending posts, points never below zero', async () => {
    const me = await writer({ points: 15 });
    const drafts = await Promise.all(Array.from({ length: 10 }, () => createPost(t.db, { authorId: me.user.id, status: 'Pending', isDraft: true })));
    const results = await Promise.all(drafts.map((d) => me.post(`/blog/posts/${d.id}/submit`)));
    expect(results.filter((r) => r.status === 303)).toHaveLength(3);
    const refused = results.filter((r) => r.status === 422);
    expect(refused).toHaveLength(7);
    expect(refused[0]!.text).toContain('You need 5 more points: complete lessons and earn badges to get them.');
    expect(await pointsOf(me.user.id)).toBe(0);
    expect((await postsOf(me.user.id)).filter((p) => !p.isDraft)).toHaveLength(3);
  });

  it('the author edits a draft (stays a draft), a Pending post (stays Pending), a Rejected post (back to moderation, free) and a Published one (back to moderation)', async () => {
    const me = await writer({ points: 5 });
    const created = await me.post('/blog/new', { title: 'Drafty', content: 'one', tags: 'a, b', intent: 'draft' });
    const id = idFromEdit(created.headers.location!);
    const page = await me.agent.get(`/blog/posts/${id}/edit`).expect(200);
    expect(page.text).toContain('>one</textarea>');
    expect(page.text).toContain('value="a, b"');
    expectWithinPageBudget(page);

    await me.post(`/blog/posts/${id}/edit`, { title: 'Drafty 2', content: 'two', tags: '', intent: 'draft' }).expect(303);
    expect((await postsOf(me.user.id))[0]).toMatchObject({ title: 'Drafty 2', slug: 'drafty', isDraft: true, contentMarkdown: 'two' });
    expect(await tagsOf(id)).toEqual([]);

    await me.post(`/blog/posts/${id}/edit`, { title: 'Drafty 3', content: 'three', intent: 'submit' }).expect(303);
    expect((await postsOf(me.user.id))[0]).toMatchObject({ isDraft: false, status: 'Pending', pointsSpent: 5 });
    expect(await pointsOf(me.user.id)).toBe(0);
    await me.post(`/blog/posts/${id}/edit`, { title: 'Drafty 4', content: 'four', intent: 'save' }).expect(303);
    expect((await postsOf(me.user.id))[0]).toMatchObject({ title: 'Drafty 4', status: 'Pending' });

    await rejectPost(t.db, systemAudit(admin.id), id, 'Needs an example');
    expect(await pointsOf(me.user.id)).toBe(5);
    const rejectedPage = await me.agent.get(`/blog/posts/${id}/edit`).expect(200);
    expect(rejectedPage.text).toContain('Needs an example');
    expect(rejectedPage.text).toContain('Save and send to moderation');
    await me.post(`/blog/posts/${id}/edit`, { title: 'Drafty 5', content: 'five, with an example', intent: 'save' }).expect(303);
    expect((await postsOf(me.user.id))[0]).toMatchObject({ status: 'Pending', pointsSpent: 0, contentMarkdown: 'five, with an example' });
    expect(await pointsOf(me.user.id)).toBe(5);

    await approvePost(t.db, systemAudit(admin.id), id);
    await me.post(`/blog/posts/${id}/edit`, { title: 'Drafty 6', content: 'six', intent: 'save' }).expect(303);
    expect((await postsOf(me.user.id))[0]).toMatchObject({ status: 'Pending', title: 'Drafty 6', slug: 'drafty' });
    expect(await pointsOf(me.user.id)).toBe(5);
  });

  it('nobody edits, sends or deletes another author\'s post: 404 (also for admins and bad ids)', async () => {
    const owner = await writer();
    const post = await createPost(t.db, { authorId: owner.user.id, status: 'Pending', isDraft: true, title: 'Owned' });
    const other = await writer();
    const adminAgent = await signedInAs(t.app, t.db, 'admin');
    for (const someone of [other, adminAgent]) {
      expect((await someone.agent.get(`/blog/posts/${post.id}/edit`)).status).toBe(404);
      expect((await someone.post(`/blog/posts/${post.id}/edit`, { title: 'Mine now', content: 'x' })).status).toBe(404);
      expect((await someone.post(`/blog/posts/${post.id}/submit`)).status).toBe(404);
      expect((await someone.post(`/blog/posts/${post.id}/delete`)).status).toBe(404);
    }
    expect((await other.agent.get('/blog/posts/not-an-id/edit')).status).toBe(404);
    expect((await other.post('/blog/posts/not-an-id/delete')).status).toBe(404);
    expect((await t.request().get(`/blog/posts/${post.id}/edit`)).status).toBe(303);
    expect((await postsOf(owner.user.id))[0]).toMatchObject({ title: 'Owned', isDraft: true });
  });

  it('deleting a Pending post refunds it and removes its cover; a published post cannot be deleted by its author', async () => {
    const me = await writer({ points: 5 });
    const sent = await me.agent
      .post(`/blog/new?_csrf=${encodeURIComponent(me.csrf)}`)
      .field({ title: 'Short-lived', content: 'x', intent: 'submit' })
      .attach('cover', await pngImage(800, 450), 'c.png');
    expect(sent.status).toBe(303);
    const [post] = await postsOf(me.user.id);
    expect(await pointsOf(me.user.id)).toBe(0);
    const del = await me.post(`/blog/posts/${post!.id}/delete`);
    expect(del.status).toBe(303);
    expect(await pointsOf(me.user.id)).toBe(5);
    expect(await postsOf(me.user.id)).toEqual([]);
    const storage = createStorage(t.config);
    expect(await storage.head(post!.coverImageKey!)).toBeUndefined();
    expect(await storage.head(post!.coverImageKey!.replace('-640w', '-320w'))).toBeUndefined();
    expect((await me.agent.get('/account/posts')).text).toContain('Deleted &quot;Short-lived&quot;. 5 points were refunded.');

    const published = await createPost(t.db, { authorId: me.user.id });
    const refused = await me.post(`/blog/posts/${published.id}/delete`);
    expect(refused.status).toBe(409);
    expect(refused.text).toContain('A published post cannot be deleted by its author; ask an admin.');
  });

  it('replacing and removing the cover deletes the old files after the save', async () => {
    const me = await writer();
    const first = await me.agent
      .post(`/blog/new?_csrf=${encodeURIComponent(me.csrf)}`)
      .field({ title: 'Covered', content: 'x', intent: 'draft' })
      .attach('cover', await pngImage(800, 450), 'a.png');
    const id = idFromEdit(first.headers.location!);
    const storage = createStorage(t.config);
    const keyOf = async () => (await t.db.selectFrom('blog').select('coverImageKey').where('id', '=', id).executeTakeFirstOrThrow()).coverImageKey;
    const old = (await keyOf())!;
    await me.agent
      .post(`/blog/posts/${id}/edit?_csrf=${encodeURIComponent(me.csrf)}`)
      .field({ title: 'Covered', content: 'x', intent: 'draft' })
      .attach('cover', await pngImage(900, 500), 'b.png')
      .expect(303);
    const replaced = (await keyOf())!;
    expect(replaced).not.toBe(old);
    expect(await storage.head(old)).toBeUndefined();
    expect(await storage.head(replaced)).toBeDefined();
    await me.post(`/blog/posts/${id}/edit`, { title: 'Covered', content: 'x', intent: 'draft', removeCover: 'on' }).expect(303);
    expect(await keyOf()).toBeNull();
    expect(await storage.head(replaced)).toBeUndefined();
  });
});

describe('stored XSS', () => {
  it('scripts, event handlers, javascript: links, style and htmx attributes never reach the stored HTML or the author\'s pages as live markup', async () => {
    const me = await writer();
    const evil = '<script>alert(1)</script><img src=x onerror=alert(2)><b hx-get="/admin" hx-trigger="load" hx-on:click="x" data-hx-post="/y" style="color:red">b</b>';
    const markdown = [
      evil,
      '[click](javascript:alert(3))',
      '[click2](JaVaScRiPt:alert(4))',
      '<a href="javascript:alert(5)" onclick="alert(6)">a</a>',
      '<div hx-get="/x" hx-trigger="load">d</div>',
      '![img](https://evil.example/x.png)',
    ].join('\n\n');
    const res = await me.post('/blog/new', {
      title: evil,
      content: markdown,
      excerpt: evil,
      tags: '<b hx-get="/x">t</b>, <script>x</script>',
      seoTitle: '<script>a</script><i onclick=1>',
      seoDescription: '<b style="x" hx-post="/z">d</b>',
      intent: 'draft',
    });
    expect(res.status).toBe(303);
    const [post] = await postsOf(me.user.id);
    expect(post!.content).not.toMatch(LIVE);
    expect(post!.content).not.toMatch(/<img|<div|<b\b/i);
    // Plain-text fields are kept as typed and escaped wherever shown.
    expect(post!.title).toBe(evil);

    const pages = [await me.agent.get(`/blog/posts/${post!.id}/edit`).expect(200), await me.agent.get('/account/posts').expect(200)];
    for (const page of pages) {
      expect(markupOf(page.text)).not.toMatch(LIVE);
      expect(page.text).not.toContain('<script>alert');
    }
    expect(pages[0]!.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    // The post page (helper G) once it exists: the same rule for the author and for readers after approval.
    const admin = await createAdmin(t.db);
    await t.db.updateTable('blog').set({ isDraft: false }).where('id', '=', post!.id).execute();
    await approvePost(t.db, systemAudit(admin.id), post!.id);
    const postPage = await t.request().get(`/blog/${post!.slug}`);
    if (postPage.status === 200) {
      expect(postPage.text).not.toContain('<script>alert');
      // A live link (an <a> tag), not the escaped text of one ("&lt;a href=...") that the post may show.
      expect(postPage.text).not.toMatch(/<a\s[^<>]*href\s*=\s*["']?\s*javascript:/i);
      expect(postPage.text).toMatch(/&lt;a href=("|&quot;)javascript:alert\(5\)/);
      // The page's own htmx attributes (reactions, comments) are fine; none may carry the post's values.
      // Only real tags count: the post's escaped text may show `hx-get="/admin"` as words.
      const tags = postPage.text.match(/<[a-z][^<>]*>/gi) ?? [];
      expect(tags.filter((tag) => /\s(?:on[a-z]+|hx-(?:get|post|trigger|on)[a-z:-]*|data-hx-[a-z-]+)\s*=\s*["']?(?:\/admin|\/x|\/y|\/z|x"|alert)/i.test(tag))).toEqual([]);
    }
  });
});

describe('/account/posts', () => {
  it('lists only my posts with their state (Draft, Pending, Rejected with the reason, Published with a link), every cell labelled', async () => {
    const me = await writer();
    const other = await createUser(t.db);
    await createPost(t.db, { authorId: other.id, title: 'Not mine' });
    await createPost(t.db, { authorId: me.user.id, title: 'A draft', status: 'Pending', isDraft: true });
    await createPost(t.db, { authorId: me.user.id, title: 'Waiting', status: 'Pending' });
    await createPost(t.db, { authorId: me.user.id, title: 'Refused', status: 'Rejected', rejectionReason: 'Off topic <b>x</b>' });
    const live = await createPost(t.db, { authorId: me.user.id, title: 'Live one' });
    await createPost(t.db, { authorId: me.user.id, title: 'Taken down', status: 'Approved' });
    const page = await me.agent.get('/account/posts').expect(200);
    expectWithinPageBudget(page);
    expect(page.text).not.toContain('Not mine');
    expect(page.text).toContain('<span class="status status-draft">Draft</span>');
    expect(page.text).toContain('<span class="status status-pending">Pending</span>');
    expect(page.text).toContain('<span class="status status-rejected">Rejected</span><br><span class="muted pre-line">Off topic &lt;b&gt;x&lt;/b&gt;</span>');
    expect(page.text).toContain(`<a href="/blog/${live.slug}">Live one</a>`);
    expect(page.text).toContain('<span class="status status-unpublished">Unpublished</span>');
    expect(page.text).toContain('href="/account/posts" aria-current="page"');
    for (const cell of page.text.match(/<td[^>]*>/g) ?? []) expect(cell).toMatch(/data-label=|class="[^"]*actions|<td class/);
  });

  it('the page costs the same number of queries with 3 posts or 40, and pages by 20', async () => {
    const me = await writer();
    for (let i = 0; i < 3; i++) await createPost(t.db, { authorId: me.user.id });
    const few = await countQueries(t.db, () => me.agent.get('/account/posts').expect(200));
    for (let i = 0; i < 37; i++) await createPost(t.db, { authorId: me.user.id });
    const many = await countQueries(t.db, () => me.agent.get('/account/posts').expect(200));
    expect(many.count).toBe(few.count);
    expect(many.result.text).toContain('Page 1 of 2 (40)');
    expect((many.result.text.split('<tbody>')[1]!.match(/<tr>/g) ?? []).length).toBe(20);
  });
});
