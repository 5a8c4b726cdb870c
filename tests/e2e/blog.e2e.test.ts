import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { useTestApp } from '../setup/app.ts';
import { markSamePage, noSidewaysScroll, openWindow, screenshotPath, signInThroughForm, skipWithoutBrowser, useBrowser } from '../setup/browser.ts';
import { createAdmin, createBlogCategory, createUser } from '../setup/factories.ts';
import { waitForMailTo } from '../setup/outbox.ts';

const SLOW = { timeout: 15_000, interval: 100 };

const TITLE = 'Learning htmx on a slow connection';
const CONTENT = `## Why it felt fast

I study on a phone, often on a slow network. Three things helped:

- pages that work before any script loads
- small fragments instead of whole pages
- forms that still post without JavaScript

The [htmx documentation](https://htmx.org/docs/) explains the attributes.
`;
const COMMENTS = {
  js: { comment: 'This matches what I see on the bus every morning.', reply: 'Also: see https://example.com/slow for numbers.' },
  nojs: { comment: 'Works for me with scripts turned off, too.', reply: 'Agreed, the bus test is the real one.' },
};

type Person = { id: string; email: string; password: string; firstName: string; lastName: string | null };
const nameOf = (p: Person) => `${p.firstName} ${p.lastName}`;

/**
 * The blog from writing to discussion: a student (JavaScript off, 360 px) writes a post in
 * Markdown with tags and a category and sends it to moderation (5 of 20 points); an admin
 * (JavaScript on, 1280 px) approves it in place in /admin/blog and finds it on /blog; a reader with
 * JavaScript on reacts, comments and replies in place (htmx, no page load); a reader with it off
 * does the same through plain forms and the reply page (303 to #reactions and to the comment's
 * anchor); the author then sees every notification on the dashboard and the points earned.
 */
describe.skipIf(skipWithoutBrowser)('the blog in a browser', () => {
  const t = useTestApp();
  const b = useBrowser(() => t.app);

  interface Cast {
    author: Person;
    admin: Person;
    readers: Record<'js' | 'nojs', Person>;
    category: { id: string; name: string; slug: string };
  }
  let cast: Promise<Cast> | undefined;
  let written: Promise<{ slug: string }> | undefined;
  let approved: Promise<void> | undefined;
  const discussed: Partial<Record<'js' | 'nojs', Promise<void>>> = {};

  const signIn = (page: Page, who: Person, next: string) => signInThroughForm(page, b.url, who, next);

  const markPage = markSamePage;

  /** The reaction bar's buttons: [type, count, pressed]. */
  async function reactionBar(page: Page) {
    const buttons = page.locator('#reactions button[name="type"]');
    const out: Array<[string, string, string | null]> = [];
    for (let i = 0; i < (await buttons.count()); i++) {
      const button = buttons.nth(i);
      out.push([(await button.getAttribute('value'))!, (await button.locator('.count').textContent())!, await button.getAttribute('aria-pressed')]);
    }
    return out;
  }

  const commentsHeading = (page: Page) => page.locator('#comments-title').textContent();
  /** The comment (li.comment) whose own text is `text`. */
  const commentWith = (page: Page, text: string) => page.locator('li.comment', { has: page.locator(':scope > .comment-text', { hasText: text }) });

  function people(): Promise<Cast> {
    cast ??= (async () => ({
      author: await createUser(t.db, { firstName: 'Zara', lastName: 'Writes', points: 20 }),
      admin: await createAdmin(t.db, { firstName: 'Ade', lastName: 'Min' }),
      readers: {
        js: await createUser(t.db, { firstName: 'Ama', lastName: 'Script' }),
        nojs: await createUser(t.db, { firstName: 'Ben', lastName: 'Plain' }),
      },
      category: await createBlogCategory(t.db, { name: 'Study tips', slug: 'study-tips' }),
    }))();
    return cast;
  }

  /** The author writes the post without JavaScript on a phone and sends it to moderation. */
  function authorWrites(): Promise<{ slug: string }> {
    written ??= (async () => {
      const { author, category } = await people();
      const { context, page, problems, body } = await openWindow(b.browser, { javaScript: false, width: 360 });
      await signIn(page, author, '/blog/new');
      expect(await page.locator('h1').textContent()).toBe('Write a post');
      expect(await page.locator('main form[enctype="multipart/form-data"]').textContent()).toMatch(/costs 5 points\s+\(you have 20\)/);
      await page.getByLabel('Title', { exact: true }).fill(TITLE);
      await page.getByLabel('Your post').fill(CONTENT);
      await page.getByLabel('Tags (optional)').fill('htmx, slow networks');
      await page.getByLabel('Category (optional)').selectOption({ label: category.name });
      await noSidewaysScroll(page);
      await page.screenshot({ path: screenshotPath('blog-1-author-writes'), fullPage: true });
      await page.getByRole('button', { name: 'Send to moderation' }).click();

      await expect.poll(body, SLOW).toContain('Sent to moderation: an admin reviews it before it appears on the blog. 5 points were spent.');
      expect(new URL(page.url()).pathname).toBe('/account/posts');
      expect(await page.locator('main').textContent()).toContain('You have 15 points');
      const row = page.locator('table.data tbody tr', { hasText: TITLE });
      expect(await row.locator('td[data-label="Status"] .status').textContent()).toBe('Pending');
      // Not on the blog yet, and the title is not a link while it waits.
      expect(await row.getByRole('link', { name: TITLE, exact: true }).count()).toBe(0);
      await noSidewaysScroll(page);
      await page.screenshot({ path: screenshotPath('blog-2-author-pending'), fullPage: true });

      const post = await t.db.selectFrom('blog').select(['slug', 'status', 'pointsSpent']).where('authorId', '=', author.id).executeTakeFirstOrThrow();
      expect(post).toMatchObject({ status: 'Pending', pointsSpent: 5 });
      // Others do not see a Pending post.
      const visitor = await context.browser()!.newContext({ javaScriptEnabled: false });
      expect((await visitor.request.get(`${b.url}/blog/${post.slug}`)).status()).toBe(404);
      await visitor.close();

      expect(problems).toEqual([]);
      await context.close();
      return { slug: post.slug };
    })();
    return written;
  }

  /** The admin approves it in place in the moderation table (htmx), and finds it on the blog with its Markdown rendered. */
  function adminApproves(): Promise<void> {
    approved ??= (async () => {
      const { admin, author, category } = await people();
      const { slug } = await authorWrites();
      const { context, page, problems } = await openWindow(b.browser, { javaScript: true, width: 1280 });
      await signIn(page, admin, '/admin/blog');
      await expect.poll(() => page.locator('h1').textContent(), SLOW).toBe('Blog moderation');
      const row = page.locator('table.data tbody tr', { hasText: TITLE });
      expect(await row.textContent()).toContain(author.email);
      expect(await row.locator('td[data-label="Status"] .status').textContent()).toBe('Pending');
      expect(await row.locator('td[data-label="Category"]').textContent()).toBe(category.name);

      const stillSamePage = await markPage(page);
      await row.getByRole('button', { name: `Approve ${TITLE}` }).click();
      const swapped = page.locator(`table.data tbody tr:has(a[href="/blog/${slug}"])`);
      await expect.poll(() => swapped.locator('td[data-label="Status"] .status').textContent(), SLOW).toBe('Published');
      expect(await swapped.textContent()).toContain('Approved and published; the author was told.');
      expect(await swapped.getByRole('button', { name: `Feature ${TITLE}` }).count()).toBe(1);
      await stillSamePage();
      await page.screenshot({ path: screenshotPath('blog-3-admin-approved'), fullPage: true });
      await waitForMailTo(t.config.dataDir, author.email, `Published: ${TITLE}`);

      // On the blog: the card, then the post with its Markdown as HTML.
      await page.goto(`${b.url}/blog`);
      const card = page.locator('li.post-card', { hasText: TITLE });
      expect(await card.textContent()).toContain(`By ${nameOf(author)}`);
      expect(await card.locator('.post-topics').textContent()).toContain('#slow networks');
      await card.getByRole('link', { name: TITLE }).click();
      await expect.poll(() => page.locator('h1').textContent(), SLOW).toBe(TITLE);
      expect(new URL(page.url()).pathname).toBe(`/blog/${slug}`);
      const prose = page.locator('article.post .prose');
      expect(await prose.locator('h2').textContent()).toBe('Why it felt fast');
      expect(await prose.locator('ul > li').allTextContents()).toEqual(['pages that work before any script loads', 'small fragments instead of whole pages', 'forms that still post without JavaScript']);
      expect(await prose.getByRole('link', { name: 'htmx documentation' }).getAttribute('href')).toBe('https://htmx.org/docs/');
      expect(await page.locator('article.post .post-topics a.tag').allTextContents()).toEqual(['#htmx', '#slow networks']);
      expect(await page.locator('article.post .meta').first().textContent()).toContain(category.name);
      await page.screenshot({ path: screenshotPath('blog-4-post'), fullPage: true });

      expect(problems).toEqual([]);
      await context.close();
    })();
    return approved;
  }

  /** Reader A, JavaScript on: reacts, comments and replies to their own comment, all in place. */
  function readerWithScript(): Promise<void> {
    discussed.js ??= (async () => {
      const { readers } = await people();
      const { slug } = await authorWrites();
      await adminApproves();
      const { context, page, problems } = await openWindow(b.browser, { javaScript: true, width: 360 });
      await signIn(page, readers.js, `/blog/${slug}`);
      expect(await commentsHeading(page)).toBe('Comments (0)');
      const stillSamePage = await markPage(page);

      await page.locator('#reactions button[value="Like"]').click();
      await expect.poll(() => reactionBar(page), SLOW).toEqual([
        ['Like', '1', 'true'],
        ['Love', '0', 'false'],
        ['Insightful', '0', 'false'],
        ['Funny', '0', 'false'],
      ]);

      await page.getByLabel('Add a comment').fill(COMMENTS.js.comment);
      await page.getByRole('button', { name: 'Post comment' }).click();
      await expect.poll(() => commentsHeading(page), SLOW).toBe('Comments (1)');
      const mine = commentWith(page, COMMENTS.js.comment);
      expect(await mine.locator(':scope > .meta').textContent()).toContain(nameOf(readers.js));
      // The new-comment form is blank again.
      expect(await page.getByLabel('Add a comment').inputValue()).toBe('');

      // Reply: the link turns into a form in place.
      await mine.getByRole('link', { name: 'Reply' }).click();
      const replyForm = mine.locator('form.comment-form');
      await replyForm.getByLabel('Your reply').fill(COMMENTS.js.reply);
      await replyForm.getByRole('button', { name: 'Reply' }).click();
      await expect.poll(() => commentsHeading(page), SLOW).toBe('Comments (2)');
      const reply = commentWith(page, COMMENTS.js.reply);
      expect(await mine.locator('ol.replies > li.comment').count()).toBe(1);
      expect(await reply.locator(':scope > .comment-text').textContent()).toBe(COMMENTS.js.reply);
      // The link in the reply is clickable.
      expect(await reply.getByRole('link', { name: 'https://example.com/slow' }).count()).toBe(1);
      await stillSamePage();

      await noSidewaysScroll(page);
      await page.screenshot({ path: screenshotPath('blog-5-js-reader'), fullPage: true });
      expect(problems).toEqual([]);
      await context.close();
    })();
    return discussed.js;
  }

  /** Reader B, JavaScript off: the same through plain forms (303 to #reactions, to the comment's anchor). */
  function readerWithoutScript(): Promise<void> {
    discussed.nojs ??= (async () => {
      const { readers } = await people();
      const { slug } = await authorWrites();
      await readerWithScript();
      const { context, page, problems, body } = await openWindow(b.browser, { javaScript: false, width: 360 });
      await signIn(page, readers.nojs, `/blog/${slug}`);
      expect(await commentsHeading(page)).toBe('Comments (2)');

      await page.locator('#reactions button[value="Love"]').click();
      await page.waitForURL((url) => url.hash === '#reactions');
      expect(new URL(page.url()).pathname).toBe(`/blog/${slug}`);
      expect(await reactionBar(page)).toEqual([
        ['Like', '1', 'false'],
        ['Love', '1', 'true'],
        ['Insightful', '0', 'false'],
        ['Funny', '0', 'false'],
      ]);

      await page.getByLabel('Add a comment').fill(COMMENTS.nojs.comment);
      await page.getByRole('button', { name: 'Post comment' }).click();
      await page.waitForURL((url) => url.hash.startsWith('#comment-'));
      expect(await body()).toContain('Your comment is posted.');
      expect(await commentsHeading(page)).toBe('Comments (3)');
      const commentId = new URL(page.url()).hash.slice('#comment-'.length);
      expect(await page.locator(`#comment-${commentId} > .comment-text`).textContent()).toBe(COMMENTS.nojs.comment);

      // Upvote Ama's comment, then reply to it on the reply page.
      const theirs = commentWith(page, COMMENTS.js.comment);
      await theirs.locator(':scope > .comment-actions').getByRole('button', { name: 'Upvote 0' }).click();
      await page.waitForURL((url) => url.hash.startsWith('#comment-'));
      expect(await commentWith(page, COMMENTS.js.comment).locator(':scope > .comment-actions button[aria-pressed="true"]').textContent()).toBe('Upvote 1');

      await commentWith(page, COMMENTS.js.comment).locator(':scope > .comment-actions').getByRole('link', { name: 'Reply' }).click();
      await expect.poll(() => page.locator('h1').textContent(), SLOW).toBe(`Reply to ${nameOf(readers.js)}`);
      expect(await page.locator('blockquote').textContent()).toContain(COMMENTS.js.comment);
      await page.getByLabel('Your reply').fill(COMMENTS.nojs.reply);
      await page.getByRole('button', { name: 'Reply' }).click();
      await page.waitForURL((url) => url.pathname === `/blog/${slug}` && url.hash.startsWith('#comment-'));
      expect(await body()).toContain('Your reply is posted.');
      expect(await commentsHeading(page)).toBe('Comments (4)');
      const replyId = new URL(page.url()).hash.slice('#comment-'.length);
      // Under Ama's comment, beside her own reply.
      const replies = commentWith(page, COMMENTS.js.comment).locator(':scope > ol.replies > li.comment');
      expect(await replies.count()).toBe(2);
      expect(await page.locator(`#comment-${replyId} > .comment-text`).textContent()).toBe(COMMENTS.nojs.reply);
      expect(await page.locator(`#comment-${replyId} > .meta`).textContent()).toContain(nameOf(readers.nojs));

      await noSidewaysScroll(page);
      await page.screenshot({ path: screenshotPath('blog-6-nojs-reader'), fullPage: true });
      expect(problems).toEqual([]);
      await context.close();
    })();
    return discussed.nojs;
  }

  it('a student writes a post in Markdown without JavaScript and sends it to moderation for 5 points', () => authorWrites().then(() => undefined), 60_000);

  it('an admin approves it in place, and it is on the blog with its Markdown rendered', () => adminApproves(), 60_000);

  it('a reader with JavaScript reacts, comments and replies in place (360 px)', () => readerWithScript(), 60_000);

  it('a reader without JavaScript reacts, comments, upvotes and replies through plain forms (360 px)', () => readerWithoutScript(), 90_000);

  it('the author sees the approval, the comments, the reactions and the points earned on the dashboard', async () => {
    const { author, readers } = await people();
    const { slug } = await authorWrites();
    await readerWithoutScript();
    const { context, page, problems } = await openWindow(b.browser, { javaScript: true, width: 360 });
    await signIn(page, author, '/dashboard');
    // 20 - 5 for the post, + 1 per reaction and + 2 per commenter (once each): 21.
    expect(await page.locator('main > p.muted').first().textContent()).toBe('You have 21 points.');
    const notes = page.locator('section[aria-labelledby="my-notes"] li');
    const seen = (await notes.allTextContents()).map((n) => n.replace(/\s+/g, ' ').trim());
    const titles = await notes.locator('strong').allTextContents();
    // Ten in all, which is what the dashboard shows (a comment's notice and its points share a
    // transaction, so their order between them is not fixed: compared sorted).
    expect(titles.toSorted()).toEqual(
      [
        'Your post is published',
        'People are reacting to your post',
        'You earned 1 point',
        'New comment on your post',
        'You earned 2 points',
        'New comment on your post',
        'You earned 1 point',
        'New comment on your post',
        'You earned 2 points',
        'New comment on your post',
      ].toSorted(),
    );
    // The newest is Ben's reply (no points: his comment earned them already).
    expect(titles[0]).toBe('New comment on your post');
    expect(seen.some((n) => n.includes(`${nameOf(readers.js)} reacted to "${TITLE}" (Like).`))).toBe(true);
    expect(seen.some((n) => n.includes(`${nameOf(readers.nojs)} commented on "${TITLE}".`))).toBe(true);
    // Only one reaction notice within the hour, however many react.
    expect(titles.filter((x) => x === 'People are reacting to your post')).toHaveLength(1);
    // Each opens through the inbox (which marks it read), and on to the newest comment.
    const opener = await notes.first().getByRole('link', { name: 'Open' }).getAttribute('href');
    expect(opener).toMatch(/^\/notifications\/[0-9a-f-]{36}\/open$/);
    const followed = await page.request.get(new URL(opener!, page.url()).href, { maxRedirects: 0 });
    expect(followed.headers().location).toMatch(new RegExp(`^/blog/${slug}#comment-`));
    await page.screenshot({ path: screenshotPath('blog-7-author-dashboard'), fullPage: true });

    // Ama was told of Ben's reply to her comment; nobody of their own doing.
    const ama = await t.db.selectFrom('notification').select(['type', 'title']).where('userId', '=', readers.js.id).execute();
    expect(ama).toEqual([{ type: 'CommentReceived', title: 'New reply to your comment' }]);
    const ben = await t.db.selectFrom('notification').select('id').where('userId', '=', readers.nojs.id).execute();
    expect(ben).toEqual([]);

    await noSidewaysScroll(page);
    expect(problems).toEqual([]);
    await context.close();
  }, 120_000);
});
