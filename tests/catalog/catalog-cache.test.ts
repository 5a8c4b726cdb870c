import { Router } from 'express';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { setFlash } from '../../src/http/flash.ts';
import { PageCache } from '../../src/http/page-cache.ts';
import { useTestApp } from '../setup/app.ts';
import { createCourse, createTeacher } from '../setup/factories.ts';
import { newAgent } from '../setup/forms.ts';
import { signedInAs } from '../setup/users.ts';

// A route that leaves a flash message for a visitor who is not signed in, as some forms do.
const flashRoute = Router().get('/test/flash', (req, res) => {
  setFlash(req, 'info', 'A message for this visitor.');
  res.redirect(303, String(req.query.to));
});

describe('the anonymous catalog page is reused for a few seconds', () => {
  const t = useTestApp({ config: { CATALOG_CACHE_SECONDS: '5' }, extraRoutes: flashRoute });
  afterEach(() => vi.restoreAllMocks());

  /** A category of its own per test, with one published course in it already. */
  async function category(name: string) {
    const teacher = await createTeacher(t.db);
    await createCourse(t.db, { userId: teacher.id, title: `${name} First`, category: name });
    const url = `/courses?category=${encodeURIComponent(name)}`;
    const first = await t.request().get(url).expect(200);
    expect(first.text).toContain(`${name} First`);
    // Published after the first anonymous visit: a cached page does not show it yet.
    await createCourse(t.db, { userId: teacher.id, title: `${name} Second`, category: name });
    return url;
  }

  it('answers an anonymous visitor from the cache, and shows a course published once the few seconds are over', async () => {
    const url = await category('Cached Pottery');
    const again = await t.request().get(url).expect(200);
    expect(again.text).not.toContain('Cached Pottery Second');
    expect(again.headers['content-type']).toMatch(/^text\/html/);
    expect(again.headers['set-cookie']).toBeUndefined();

    const later = Date.now() + 5_100;
    vi.spyOn(Date, 'now').mockImplementation(() => later);
    const fresh = await t.request().get(url).expect(200);
    expect(fresh.text).toContain('Cached Pottery Second');
  });

  it('keys on the whole query string: another filter, sort or page is its own page', async () => {
    const url = await category('Keyed Weaving');
    for (const other of [`${url}&sort=newest`, `${url}&price=free`, `${url}&page=1`]) {
      const res = await t.request().get(other).expect(200);
      expect(res.text, other).toContain('Keyed Weaving Second');
    }
  });

  it('never serves a signed-in user the cached page, nor caches theirs', async () => {
    const url = await category('Signed Glasswork');
    const student = await signedInAs(t.app, t.db, 'student');
    const mine = await student.agent.get(url).expect(200);
    expect(mine.text).toContain('Signed Glasswork Second');
    expect(mine.text).toContain('Signed in as');
    // And the anonymous page did not become the signed-in one.
    const anonymous = await t.request().get(url).expect(200);
    expect(anonymous.text).not.toContain('Signed in as');
    expect(anonymous.text).not.toContain(student.csrf);
  });

  it('bypasses the cache for a visitor with a session: a pending flash message is shown, with the latest courses', async () => {
    const url = await category('Flash Carving');
    const visitor = newAgent(t.app);
    const shown = await visitor.get(`/test/flash?to=${encodeURIComponent(url)}`).redirects(1).expect(200);
    expect(shown.text).toContain('A message for this visitor.');
    expect(shown.text).toContain('Flash Carving Second');
    // The page with the message was not stored for others.
    const anonymous = await t.request().get(url).expect(200);
    expect(anonymous.text).not.toContain('A message for this visitor.');
  });

  it('does not cache a search: each one is recorded and links its own record', async () => {
    await category('Searched Basketry');
    const before = await t.db.selectFrom('searchAnalytics').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    const one = await t.request().get('/courses?q=basketry').expect(200);
    const two = await t.request().get('/courses?q=basketry').expect(200);
    expect(one.text).toContain('Searched Basketry Second');
    const after = await t.db.selectFrom('searchAnalytics').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    expect(Number(after.n) - Number(before.n)).toBe(2);
    expect(one.text).not.toBe(two.text);
  });
});

describe('the anonymous home page is reused too', () => {
  const t = useTestApp({ config: { CATALOG_CACHE_SECONDS: '5' } });

  it('for visitors only: a signed-in user sees a course published at once', async () => {
    const teacher = await createTeacher(t.db);
    await createCourse(t.db, { userId: teacher.id, title: 'Home Cached First' });
    expect((await t.request().get('/').expect(200)).text).toContain('Home Cached First');
    await createCourse(t.db, { userId: teacher.id, title: 'Home Cached Second' });
    expect((await t.request().get('/').expect(200)).text).not.toContain('Home Cached Second');
    const student = await signedInAs(t.app, t.db, 'student');
    expect((await student.agent.get('/').expect(200)).text).toContain('Home Cached Second');
  });
});

describe('the page cache itself', () => {
  it('forgets an entry after its time, and the least recently used first when full', () => {
    let now = 1_000;
    const cache = new PageCache({ ttlMs: 5_000, maxEntries: 2, now: () => now });
    cache.set('a', 'A', 'text/html');
    cache.set('b', 'B', 'text/html');
    expect(cache.get('a')?.body).toBe('A'); // a is now the most recently used
    cache.set('c', 'C', 'text/html');
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')?.body).toBe('A');
    expect(cache.size).toBe(2);
    now += 5_000;
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('c')).toBeUndefined();
    expect(cache.size).toBe(0);
  });
});
