import { beforeAll, describe, expect, it } from 'vitest';
import { hitRateLimit, RATE_LIMITS } from '../../src/http/rate-limit.ts';
import { useTestApp } from '../setup/app.ts';
import { createPost } from '../setup/factories.ts';
import { signedInAs, type SignedIn } from '../setup/users.ts';
import { discussionView } from './discussion-fixture.ts';

const t = useTestApp({ extraRoutes: discussionView(() => t.db) });

const likeCountOf = async (postId: string) => (await t.db.selectFrom('blog').select('likeCount').where('id', '=', postId).executeTakeFirstOrThrow()).likeCount;
const reactionsOf = (postId: string) => t.db.selectFrom('blogReaction').select(['userId', 'type']).where('blogId', '=', postId).execute();
/** The bar's buttons as "Type count pressed". */
const barOf = (html: string) =>
  [...html.matchAll(/<button type="submit" name="type" value="(\w+)"[^>]*aria-pressed="(true|false)">\w+ <span class="count">(\d+)<\/span>/g)].map((m) => `${m[1]} ${m[3]}${m[2] === 'true' ? ' mine' : ''}`);

describe('reactions', () => {
  let reader: SignedIn;
  let post: { id: string; slug: string };

  beforeAll(async () => {
    reader = await signedInAs(t.app, t.db, 'student');
    post = await createPost(t.db);
  });

  it('with htmx: add, change and remove swap the bar in place, the own reaction marked (aria-pressed)', async () => {
    const added = await reader.post(`/blog/${post.slug}/reactions`, { type: 'Love' }).set('HX-Request', 'true').expect(200);
    expect(added.headers.vary).toMatch(/HX-Request/);
    expect(added.text).toMatch(/^<div id="reactions"/);
    expect(barOf(added.text)).toEqual(['Like 0', 'Love 1 mine', 'Insightful 0', 'Funny 0']);
    expect(await likeCountOf(post.id)).toBe(1);

    const changed = await reader.post(`/blog/${post.slug}/reactions`, { type: 'Funny' }).set('HX-Request', 'true').expect(200);
    expect(barOf(changed.text)).toEqual(['Like 0', 'Love 0', 'Insightful 0', 'Funny 1 mine']);
    expect(await likeCountOf(post.id)).toBe(1);
    expect(await reactionsOf(post.id)).toEqual([{ userId: reader.user.id, type: 'Funny' }]);

    const removed = await reader.post(`/blog/${post.slug}/reactions`, { type: 'Funny' }).set('HX-Request', 'true').expect(200);
    expect(barOf(removed.text)).toEqual(['Like 0', 'Love 0', 'Insightful 0', 'Funny 0']);
    expect(await likeCountOf(post.id)).toBe(0);
    expect(await reactionsOf(post.id)).toEqual([]);
  });

  it('without JS: a plain form, 303 back to #reactions; others see the counts, visitors a sign-in link', async () => {
    const res = await reader.post(`/blog/${post.slug}/reactions`, { type: 'Insightful' }).expect(303);
    expect(res.headers.location).toBe(`/blog/${post.slug}#reactions`);
    const mine = await reader.agent.get(`/__discussion/${post.slug}`).expect(200);
    expect(barOf(mine.text)).toEqual(['Like 0', 'Love 0', 'Insightful 1 mine', 'Funny 0']);
    expect(mine.text).toContain(`<form method="post" action="/blog/${post.slug}/reactions"`);
    const other = await signedInAs(t.app, t.db, 'student');
    expect(barOf((await other.agent.get(`/__discussion/${post.slug}`).expect(200)).text)).toEqual(['Like 0', 'Love 0', 'Insightful 1', 'Funny 0']);
    const visitor = await t.request().get(`/__discussion/${post.slug}`).expect(200);
    expect(visitor.text).toContain('<span class="status">Insightful 1</span>');
    expect(visitor.text).toContain('Sign in to react');
    expect(visitor.text).not.toContain('name="type"');
    const anonymous = await t.request().post(`/blog/${post.slug}/reactions`).type('form').send({ type: 'Like' });
    expect([303, 403]).toContain(anonymous.status);
  });

  it('refuses an unknown type (422) and posts that are not Published (404)', async () => {
    const bad = await reader.post(`/blog/${post.slug}/reactions`, { type: 'Angry' }).expect(422);
    expect(bad.text).toContain('Choose Like, Love, Insightful or Funny.');
    const htmx = await reader.post(`/blog/${post.slug}/reactions`, {}).set('HX-Request', 'true').expect(422);
    expect(htmx.text).toMatch(/^<div id="reactions"/);
    expect(htmx.text).toContain('role="alert"');
    for (const status of ['Pending', 'Rejected', 'Approved'] as const) {
      const hidden = await createPost(t.db, { status });
      await reader.post(`/blog/${hidden.slug}/reactions`, { type: 'Like' }).expect(404);
    }
    await reader.post('/blog/no-such-post/reactions', { type: 'Like' }).expect(404);
  });

  it('likeCount stays exact: 50 users reacting at once make 50; half changing and half taking theirs back at once leave 25', async () => {
    const p = await createPost(t.db);
    const users = await Promise.all(Array.from({ length: 50 }, () => signedInAs(t.app, t.db, 'student')));
    const types = ['Like', 'Love', 'Insightful', 'Funny'];
    const first = await Promise.all(users.map((u, i) => u.post(`/blog/${p.slug}/reactions`, { type: types[i % 4]! })));
    expect(first.map((r) => r.status)).toEqual(Array(50).fill(303));
    expect(await likeCountOf(p.id)).toBe(50);
    expect(await reactionsOf(p.id)).toHaveLength(50);
    // Half change their reaction, half take it back, all at once.
    await Promise.all(users.map((u, i) => u.post(`/blog/${p.slug}/reactions`, { type: i % 2 ? types[i % 4]! : types[(i + 1) % 4]! })));
    expect(await likeCountOf(p.id)).toBe(25);
    expect(await reactionsOf(p.id)).toHaveLength(25);
    // One user twice at once: both answered, the counter matches the rows.
    const one = users[0]!;
    const twice = await Promise.all([one.post(`/blog/${p.slug}/reactions`, { type: 'Like' }), one.post(`/blog/${p.slug}/reactions`, { type: 'Like' })]);
    expect(twice.map((r) => r.status)).toEqual([303, 303]);
    expect(await likeCountOf(p.id)).toBe((await reactionsOf(p.id)).length);
  });

  it('reacting is rate limited (429 without JS, 422 with the message for htmx)', async () => {
    const fast = await signedInAs(t.app, t.db, 'student');
    for (let i = 0; i < RATE_LIMITS.blogReaction.limit; i++) await hitRateLimit(t.db, RATE_LIMITS.blogReaction, fast.user.id);
    const res = await fast.post(`/blog/${post.slug}/reactions`, { type: 'Like' }).expect(429);
    expect(res.text).toContain('Too many attempts');
    const htmx = await fast.post(`/blog/${post.slug}/reactions`, { type: 'Like' }).set('HX-Request', 'true').expect(422);
    expect(htmx.text).toMatch(/^<div id="reactions"/);
    expect(htmx.text).toContain('Too many attempts');
    expect(await reactionsOf(post.id)).not.toContainEqual({ userId: fast.user.id, type: 'Like' });
  });
});
