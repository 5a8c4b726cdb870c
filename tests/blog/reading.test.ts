import { beforeEach, describe, expect, it } from 'vitest';
import { useTestApp } from '../setup/app.ts';
import { expectWithinPageBudget } from '../setup/budget.ts';
import { createBlogCategory, createComment, createCourse, createPost, createUser } from '../setup/factories.ts';
import { newAgent } from '../setup/forms.ts';
import { countQueries } from '../setup/queries.ts';
import { signedInAs } from '../setup/users.ts';

const t = useTestApp();

/** The post titles of a list page, in order. */
const titlesOf = (html: string) => [...html.matchAll(/<h3><a href="\/blog\/[^"]+">([^<]*)<\/a><\/h3>/g)].map((m) => m[1]);
const viewsOf = async (id: string) => (await t.db.selectFrom('blog').select('viewCount').where('id', '=', id).executeTakeFirstOrThrow()).viewCount;
const minutesAgo = (n: number) => new Date(Date.now() - n * 60_000);
const tag = (blogId: string, name: string, slug = name.toLowerCase()) => t.db.insertInto('blogTag').values({ blogId, name, slug }).execute();

const HOSTILE = `<script>alert(1)</script><img src=x onerror="alert(2)"><a hx-get="/admin" hx-trigger="load">x</a>"'&`;

beforeEach(async () => {
  await t.db.deleteFrom('blog').execute();
  await t.db.deleteFrom('blogCategory').execute();
});

describe('GET /blog', () => {
  it('lists Published posts only, featured first, then newest; drafts, Pending, Rejected and unpublished posts are not there', async () => {
    await createPost(t.db, { title: 'Old news', publishedAt: minutesAgo(300) });
    await createPost(t.db, { title: 'Fresh news', publishedAt: minutesAgo(1) });
    await createPost(t.db, { title: 'Featured but older', isFeatured: true, publishedAt: minutesAgo(600) });
    await createPost(t.db, { title: 'A draft', status: 'Pending', isDraft: true });
    await createPost(t.db, { title: 'Waiting', status: 'Pending' });
    await createPost(t.db, { title: 'Refused', status: 'Rejected', rejectionReason: 'no' });
    await createPost(t.db, { title: 'Taken off', status: 'Approved', publishedAt: minutesAgo(5) });

    const res = await t.request().get('/blog').expect(200);
    expect(titlesOf(res.text)).toEqual(['Featured but older', 'Fresh news', 'Old news']);
    expect(res.text).toContain('3 posts');
    expect(res.text).toContain('Featured</span>');
    // The nav links the blog; the list announces its feed.
    expect(res.text).toContain('<a href="/blog">Blog</a>');
    expect(res.text).toContain('<link rel="alternate" type="application/atom+xml" title="Edupeak blog" href="/blog/feed.xml">');
  });

  it('shows each card with author, date, reading time, category, tags, counts and a lazy cover with width and height', async () => {
    const category = await createBlogCategory(t.db, { name: 'Study tips', slug: 'study-tips' });
    const author = await createUser(t.db, { firstName: 'Zoë', lastName: 'Ångström' });
    const post = await createPost(t.db, {
      title: 'How I learn',
      excerpt: 'Short sessions, every day.',
      authorId: author.id,
      categoryId: category.id,
      readingTime: 7,
      likeCount: 3,
      commentCount: 1,
      coverImageKey: 'covers/2026/cover-640.webp',
    });
    await tag(post.id, 'Habits');
    // Cards beyond the first row: lazy.
    for (let i = 0; i < 3; i++) await createPost(t.db, { publishedAt: minutesAgo(10 + i), coverImageKey: 'covers/2026/other-640.webp' });

    const res = await t.request().get('/blog').expect(200);
    const start = res.text.indexOf('<li class="card post-card">');
    const card = res.text.slice(start, res.text.indexOf('</li>', start) + 5);
    expect(card).toContain('How I learn');
    expect(card).toContain('Short sessions, every day.');
    expect(card).toContain('By Zoë Ångström');
    expect(card).toContain('7 min read');
    expect(card).toContain('<a href="/blog?category=study-tips">Study tips</a>');
    expect(card).toContain('<a class="tag" href="/blog?tag=habits">#Habits</a>');
    expect(card).toContain('3 reactions');
    expect(card).toContain('1 comment<');
    expect(card).toMatch(/<img class="cover" src="\/media\/[^"]+" srcset="[^"]+" sizes="[^"]+" width="320" height="180" alt="">/);
    expect(res.text).toMatch(/<img class="cover"[^>]+loading="lazy">/);
  });

  it('filters by category and by tag (links keep the filter), and says so when nothing matches', async () => {
    const tips = await createBlogCategory(t.db, { name: 'Tips', slug: 'tips' });
    const news = await createBlogCategory(t.db, { name: 'News', slug: 'news' });
    const a = await createPost(t.db, { title: 'Tip one', categoryId: tips.id });
    await createPost(t.db, { title: 'News one', categoryId: news.id });
    const c = await createPost(t.db, { title: 'Tip two', categoryId: tips.id, publishedAt: minutesAgo(10) });
    await tag(a.id, 'Python');
    await tag(c.id, 'Rust');
    // A tag on an unpublished post does not bring it in.
    const hidden = await createPost(t.db, { title: 'Hidden tip', status: 'Pending', categoryId: tips.id });
    await tag(hidden.id, 'Python');

    const byCategory = await t.request().get('/blog?category=tips').expect(200);
    expect(titlesOf(byCategory.text)).toEqual(['Tip one', 'Tip two']);
    expect(byCategory.text).toContain('<h1>Posts in Tips</h1>');
    expect(byCategory.text).toContain('<option value="tips" selected>Tips</option>');

    const byTag = await t.request().get('/blog?tag=python').expect(200);
    expect(titlesOf(byTag.text)).toEqual(['Tip one']);
    expect(byTag.text).toContain('<h1>Posts tagged Python</h1>');
    // Searching from a tag's page keeps the tag.
    expect(byTag.text).toContain('<input type="hidden" name="tag" value="python">');

    const both = await t.request().get('/blog?category=news&tag=python').expect(200);
    expect(titlesOf(both.text)).toEqual([]);
    expect(both.text).toContain('No post matches');

    // Odd filter values are ignored, never a 500.
    for (const q of ['category=%27%3B--', 'tag=%3Cscript%3E', 'page=-3', 'page=abc', 'category[]=x', 'q[]=a']) {
      await t.request().get(`/blog?${q}`).expect(200);
    }
  });

  it('searches like the catalog: every word a prefix, in title, excerpt or text; nothing found is said plainly', async () => {
    await createPost(t.db, { title: 'Python for data work', contentMarkdown: 'pandas and numpy' });
    await createPost(t.db, { title: 'Gardening', excerpt: 'Tomatoes on a balcony', contentMarkdown: 'soil' });
    await createPost(t.db, { title: 'Cooking', contentMarkdown: 'Pythonic recipes? No: pasta.' });
    await createPost(t.db, { title: 'Python drafts', status: 'Pending' });

    expect(titlesOf((await t.request().get('/blog?q=pyth').expect(200)).text)).toEqual(['Python for data work', 'Cooking']);
    expect(titlesOf((await t.request().get('/blog?q=tomat').expect(200)).text)).toEqual(['Gardening']);
    expect(titlesOf((await t.request().get('/blog?q=python+numpy').expect(200)).text)).toEqual(['Python for data work']);
    const none = await t.request().get('/blog?q=zzzqqq').expect(200);
    expect(titlesOf(none.text)).toEqual([]);
    expect(none.text).toContain('0 posts for &quot;zzzqqq&quot;');
    expect(none.text).toContain('No post matches');
    // tsquery syntax and LIKE wildcards are only text.
    for (const q of ["':*&|!()", '%_', 'a & b | !c', '"unclosed']) await t.request().get(`/blog?q=${encodeURIComponent(q)}`).expect(200);
  });

  it('pages by 20 with Previous/Next links; a page beyond the last is empty, not an error', async () => {
    for (let i = 0; i < 23; i++) await createPost(t.db, { title: `Numbered ${String(i).padStart(2, '0')}`, publishedAt: minutesAgo(i) });
    const first = await t.request().get('/blog').expect(200);
    expect(titlesOf(first.text)).toHaveLength(20);
    expect(titlesOf(first.text)[0]).toBe('Numbered 00');
    expect(first.text).toContain('<a href="/blog?page=2" rel="next">Next</a>');
    const second = await t.request().get('/blog?page=2').expect(200);
    expect(titlesOf(second.text)).toEqual(['Numbered 20', 'Numbered 21', 'Numbered 22']);
    expect(second.text).toContain('rel="prev"');
    expect(titlesOf((await t.request().get('/blog?page=9').expect(200)).text)).toEqual([]);
  });

  it('an empty blog says so, and invites a signed-in reader to write', async () => {
    expect((await t.request().get('/blog').expect(200)).text).toContain('No posts yet.');
    const reader = await signedInAs(t.app, t.db, 'student');
    const res = await reader.agent.get('/blog').expect(200);
    expect(res.text).toContain('<a href="/blog/new">Write the first one</a>');
  });

  it('fits the page budget with 20 long posts, and runs the same number of queries for 3 posts as for 40', async () => {
    const category = await createBlogCategory(t.db);
    const reader = await signedInAs(t.app, t.db, 'student');
    const make = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const post = await createPost(t.db, {
          title: `A rather long post title about learning number ${i} on a slow connection`,
          excerpt: 'An excerpt of a reasonable length that tells the reader what the post is about, in two lines or so, as most do. '.repeat(2),
          categoryId: category.id,
          coverImageKey: `covers/2026/cover-${i}-640.webp`,
          publishedAt: minutesAgo(i),
        });
        for (const name of ['Learning', 'Habits', 'Tools', 'Offline', 'Phones']) await tag(post.id, `${name}${i}`);
      }
    };
    await make(3);
    const few = await countQueries(t.db, () => reader.agent.get('/blog').expect(200));
    await make(37);
    const many = await countQueries(t.db, () => reader.agent.get('/blog').expect(200));
    expect(titlesOf(many.result.text)).toHaveLength(20);
    expect(many.count).toBe(few.count);
    expectWithinPageBudget(many.result);
    expectWithinPageBudget(await t.request().get('/blog').expect(200));
  });
});

describe('GET /blog/:slug', () => {
  it('shows the post: title, author, date, reading time, category, tags linking to the list, linked course, cover with width and height, content inside hx-disable', async () => {
    const category = await createBlogCategory(t.db, { name: 'Tips', slug: 'tips' });
    const course = await createCourse(t.db, { title: 'Web basics', slug: 'web-basics', status: 'Published' });
    const post = await createPost(t.db, {
      title: 'Reading on the bus',
      content: '<p>Download the lesson <strong>first</strong>.</p>',
      readingTime: 4,
      categoryId: category.id,
      courseId: course.id,
      coverImageKey: 'covers/2026/bus-640.webp',
    });
    await tag(post.id, 'Offline');

    const res = await t.request().get(`/blog/${post.slug}`).expect(200);
    expect(res.text).toContain('<h1 id="post-title">Reading on the bus</h1>');
    expect(res.text).toContain('4 min read');
    expect(res.text).toContain('<a href="/blog?category=tips">Tips</a>');
    expect(res.text).toContain('<a class="tag" href="/blog?tag=offline">#Offline</a>');
    expect(res.text).toContain('From the course <a href="/courses/web-basics">Web basics</a>');
    expect(res.text).toMatch(/<img class="post-cover" src="\/media\/covers\/2026\/bus-640\.webp" srcset="[^"]+" sizes="[^"]+" width="640" height="360" alt="">/);
    expect(res.text).toContain('<div class="prose" hx-disable><p>Download the lesson <strong>first</strong>.</p></div>');
    // The discussion: reactions bar and comments; a visitor is asked to sign in.
    expect(res.text).toContain('id="reactions"');
    expect(res.text).toContain('id="comments"');
    expect(res.text).toContain('to join the discussion');
    // A visitor sees no forms: the page does not load htmx.
    expect(res.text).not.toContain('htmx.min');

    const reader = await signedInAs(t.app, t.db, 'student');
    const signedIn = await reader.agent.get(`/blog/${post.slug}`).expect(200);
    expect(signedIn.text).toContain(`hx-post="/blog/${post.slug}/reactions"`);
    expect(signedIn.text).toContain('htmx.min');
    // A course that is not out is not linked.
    await t.db.updateTable('course').set({ status: 'Draft' }).where('id', '=', course.id).execute();
    expect((await t.request().get(`/blog/${post.slug}`).expect(200)).text).not.toContain('From the course');
  });

  it('answers 404 for a missing slug and for odd ones, never a 500', async () => {
    await t.request().get('/blog/no-such-post').expect(404);
    await t.request().get(`/blog/${'x'.repeat(400)}`).expect(404);
    await t.request().get('/blog/%27%20or%201%3D1').expect(404);
  });

  it('a draft, a Pending, a Rejected and an unpublished post: 404 for visitors and other users, shown to the author (with its state and the reason) and admins', async () => {
    const author = await signedInAs(t.app, t.db, 'student');
    const other = await signedInAs(t.app, t.db, 'student');
    const teacher = await signedInAs(t.app, t.db, 'teacher');
    const admin = await signedInAs(t.app, t.db, 'admin');
    const cases = [
      { post: await createPost(t.db, { authorId: author.user.id, status: 'Pending', isDraft: true }), says: 'This post is a draft.' },
      { post: await createPost(t.db, { authorId: author.user.id, status: 'Pending' }), says: 'waiting for moderation' },
      { post: await createPost(t.db, { authorId: author.user.id, status: 'Rejected', rejectionReason: 'Please add <sources> & links', rejectedAt: new Date() }), says: 'was not approved' },
      { post: await createPost(t.db, { authorId: author.user.id, status: 'Approved', publishedAt: minutesAgo(60) }), says: 'taken off the blog' },
    ];
    for (const { post, says } of cases) {
      const path = `/blog/${post.slug}`;
      await t.request().get(path).expect(404);
      await other.agent.get(path).expect(404);
      await teacher.agent.get(path).expect(404);
      const own = await author.agent.get(path).expect(200);
      expect(own.text, post.status).toContain(says);
      expect(own.text).toContain('Only you and the admins can see it.');
      expect(own.text).toContain('<meta name="robots" content="noindex">');
      expect(own.text).not.toContain('id="comments"');
      expect(own.text).toContain(`<a href="/blog/posts/${post.id}/edit">Edit</a>`);
      const asAdmin = await admin.agent.get(path).expect(200);
      expect(asAdmin.text).toContain('Only its author and the admins can see it.');
      expect(asAdmin.text).not.toContain('/edit">Edit</a>');
      // None of them counts a view.
      expect(await viewsOf(post.id)).toBe(0);
    }
    const rejected = await author.agent.get(`/blog/${cases[2]!.post.slug}`).expect(200);
    expect(rejected.text).toContain('Reason given: <span class="pre-line">Please add &lt;sources&gt; &amp; links</span>');
    // Not on the list either, even for the author.
    expect(titlesOf((await author.agent.get('/blog').expect(200)).text)).toEqual([]);
  });

  it('counts a view once per viewer session (a visitor: a cookie, no stored session): two visitors make 2; not the author, htmx, prefetch, HEAD or a crawler', async () => {
    const author = await signedInAs(t.app, t.db, 'student');
    const post = await createPost(t.db, { authorId: author.user.id });
    const path = `/blog/${post.slug}`;

    const sessionRows = async () => (await t.db.selectFrom('httpSession').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n;
    const rowsBefore = await sessionRows();
    const first = newAgent(t.app);
    const counted = await first.get(path).expect(200);
    // A visitor's counted posts ride in a browser-session cookie, not a stored session.
    expect(String(counted.headers['set-cookie'])).toMatch(/^edupeak\.blogviews=[0-9a-f]{12}; Path=\/blog; HttpOnly; SameSite=Lax$/);
    expect(await sessionRows()).toBe(rowsBefore);
    await first.get(path).expect(200);
    await first.get(`${path}?comments=2`).expect(200);
    expect(await viewsOf(post.id)).toBe(1);

    const second = newAgent(t.app);
    await second.get(path).expect(200);
    expect(await viewsOf(post.id)).toBe(2);

    const reader = await signedInAs(t.app, t.db, 'student');
    await reader.agent.get(path).set('HX-Request', 'true').expect(200);
    await reader.agent.get(path).set('Sec-Purpose', 'prefetch').expect(200);
    await reader.agent.get(path).set('Sec-Fetch-Dest', 'image').expect(200);
    await reader.agent.head(path).expect(200);
    await t.request().get(path).set('User-Agent', 'Mozilla/5.0 (compatible; Googlebot/2.1)').expect(200);
    await author.agent.get(path).expect(200);
    await author.agent.get(path).expect(200);
    expect(await viewsOf(post.id)).toBe(2);
    await reader.agent.get(path).expect(200);
    await reader.agent.get(path).expect(200);
    expect(await viewsOf(post.id)).toBe(3);
  });

  it('counts exactly under 20 parallel first views from 20 sessions', async () => {
    const post = await createPost(t.db);
    await Promise.all(Array.from({ length: 20 }, () => newAgent(t.app).get(`/blog/${post.slug}`).expect(200)));
    expect(await viewsOf(post.id)).toBe(20);
  });

  it('description and Open Graph meta come from the SEO fields (escaped), else the title and excerpt; og:image is the absolute cover URL', async () => {
    const seo = await createPost(t.db, {
      title: 'Plain title',
      seoTitle: 'SEO "title" <b>& more</b>',
      seoDescription: 'Described "here" <i>&</i> there',
      excerpt: 'Not this',
      coverImageKey: 'covers/2026/og-640.webp',
    });
    const res = await t.request().get(`/blog/${seo.slug}`).expect(200);
    const head = res.text.slice(0, res.text.indexOf('</head>'));
    expect(head).toContain('<title>SEO &quot;title&quot; &lt;b&gt;&amp; more&lt;/b&gt; · Edupeak</title>');
    expect(head).toContain('<meta name="description" content="Described &quot;here&quot; &lt;i&gt;&amp;&lt;/i&gt; there">');
    expect(head).toContain('<meta property="og:type" content="article">');
    expect(head).toContain('<meta property="og:title" content="SEO &quot;title&quot; &lt;b&gt;&amp; more&lt;/b&gt;">');
    expect(head).toContain('<meta property="og:description" content="Described &quot;here&quot; &lt;i&gt;&amp;&lt;/i&gt; there">');
    expect(head).toContain(`<meta property="og:url" content="http://edupeak.test/blog/${seo.slug}">`);
    expect(head).toContain('<meta property="og:image" content="http://edupeak.test/media/covers/2026/og-640.webp">');
    expect(head).not.toContain('<b>');

    const plain = await createPost(t.db, { title: 'Just a title', excerpt: 'Just an excerpt' });
    const head2 = (await t.request().get(`/blog/${plain.slug}`).expect(200)).text.split('</head>')[0]!;
    expect(head2).toContain('<meta name="description" content="Just an excerpt">');
    expect(head2).toContain('<meta property="og:title" content="Just a title">');
    expect(head2).not.toContain('og:image');

    // An unpublished post's cover is not offered to crawlers.
    const author = await signedInAs(t.app, t.db, 'student');
    const pending = await createPost(t.db, { authorId: author.user.id, status: 'Pending', coverImageKey: 'covers/2026/p-640.webp' });
    expect((await author.agent.get(`/blog/${pending.slug}`).expect(200)).text).not.toContain('og:image');
  });

  it('markup in titles, excerpts, tags, SEO fields, category names and author names never reaches /blog, the post page or the home page as live markup', async () => {
    const category = await createBlogCategory(t.db, { name: `Cat ${HOSTILE}`, slug: 'hostile' });
    const author = await createUser(t.db, { firstName: `<script>x</script>`, lastName: '<b hx-get="/x">' });
    const post = await createPost(t.db, { title: `T ${HOSTILE}`, excerpt: `E ${HOSTILE}`, seoTitle: `S ${HOSTILE}`, seoDescription: `D ${HOSTILE}`, categoryId: category.id, authorId: author.id });
    await tag(post.id, `G ${HOSTILE}`, 'hostile-tag');
    for (const path of ['/blog', `/blog/${post.slug}`, '/', '/blog?tag=hostile-tag', '/blog?q=%3Cscript%3E']) {
      const res = await t.request().get(path).expect(200);
      expect(res.text, path).not.toContain('<script>alert');
      expect(res.text, path).not.toContain('<script>x');
      expect(res.text, path).not.toMatch(/<img src=x/);
      expect(res.text, path).not.toMatch(/<a hx-get=|<b hx-get/);
      expect(res.text, path).not.toContain('onerror="alert');
    }
    const page = await t.request().get(`/blog/${post.slug}`).expect(200);
    expect(page.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('a post with 200 comments stays within the page budget, with the same number of queries as with 5', async () => {
    const reader = await signedInAs(t.app, t.db, 'student');
    const post = await createPost(t.db);
    const commenters = await Promise.all(Array.from({ length: 5 }, () => createUser(t.db)));
    const addComments = async (n: number, offset: number) => {
      for (let i = 0; i < n; i++) {
        const parent = i % 4 === 3 ? (await t.db.selectFrom('blogComment').select('id').where('blogId', '=', post.id).orderBy('createdAt', 'desc').limit(1).executeTakeFirst())?.id : undefined;
        await createComment(t.db, { blogId: post.id, authorId: commenters[(i + offset) % 5]!.id, parentId: parent ?? null, content: `Comment ${i + offset}: a thoughtful remark of a usual length.` });
      }
      await t.db.updateTable('blog').set({ commentCount: (eb) => eb.selectFrom('blogComment').select((e) => e.fn.countAll<number>().as('n')).where('blogId', '=', post.id) }).where('id', '=', post.id).execute();
    };
    await addComments(5, 0);
    await reader.agent.get(`/blog/${post.slug}`).expect(200); // the view counts once: later requests do not
    const few = await countQueries(t.db, () => reader.agent.get(`/blog/${post.slug}`).expect(200));
    await addComments(195, 5);
    const many = await countQueries(t.db, () => reader.agent.get(`/blog/${post.slug}`).expect(200));
    expect(many.count).toBe(few.count);
    expectWithinPageBudget(many.result);
    expectWithinPageBudget(await t.request().get(`/blog/${post.slug}`).expect(200));
  });
});

describe('the home page', () => {
  it('lists Published posts only, and their links open the posts', async () => {
    const shown = await createPost(t.db, { title: 'On the home page' });
    await createPost(t.db, { title: 'Pending one', status: 'Pending' });
    await createPost(t.db, { title: 'Draft one', isDraft: true, status: 'Pending' });
    const home = await t.request().get('/').expect(200);
    expect(home.text).toContain('On the home page');
    expect(home.text).not.toContain('Pending one');
    expect(home.text).not.toContain('Draft one');
    const links = [...home.text.matchAll(/href="(\/blog\/[^"]+)"/g)].map((m) => m[1]!);
    expect(links).toContain(`/blog/${shown.slug}`);
    for (const link of links) await t.request().get(link).expect(200);
  });
});
