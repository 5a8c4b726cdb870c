import { describe, expect, it } from 'vitest';
import { dataSaverOn } from '../../src/features/video/data-saver.ts';
import { newKey } from '../../src/storage/index.ts';
import { primaryVariantKey, variantKey } from '../../src/storage/variants.ts';
import { useTestApp } from '../setup/app.ts';
import { createCourse, createPost, createTeacher } from '../setup/factories.ts';
import { signedInAs } from '../setup/users.ts';

/**
 * Data saver (issue 20): the /account choice (Automatic / On / Off), the Save-Data header while a
 * user has not chosen, and what it changes outside the player: pictures at their 320 px width only,
 * nothing loaded ahead; the anonymous page cache never hands one variant to the other.
 */

const checkedValue = (html: string) => /<input type="radio" name="dataSaver" value="(\w+)" checked/.exec(html)?.[1];

describe('data saver', () => {
  const t = useTestApp({ config: { CATALOG_CACHE_SECONDS: '60' } });

  it('follows the choice when one is made, else the Save-Data header', () => {
    expect(dataSaverOn({ choice: null, saveDataHeader: 'on' })).toBe(true);
    expect(dataSaverOn({ choice: undefined, saveDataHeader: 'On ' })).toBe(true);
    expect(dataSaverOn({ choice: null, saveDataHeader: undefined })).toBe(false);
    expect(dataSaverOn({ choice: null, saveDataHeader: 'off' })).toBe(false);
    expect(dataSaverOn({ choice: false, saveDataHeader: 'on' })).toBe(false);
    expect(dataSaverOn({ choice: true, saveDataHeader: undefined })).toBe(true);
  });

  it('is a setting on /account: Automatic until chosen, saved as On, Off and back to Automatic', async () => {
    const student = await signedInAs(t.app, t.db, 'student');
    const page = await student.agent.get('/account').expect(200);
    expect(page.text).toContain('<h2 id="data-saver-title">Data saver</h2>');
    expect(page.text).toContain('lessons start with the small video copy, pictures come in their small size and nothing is fetched before you ask for it.');
    expect(page.text).toContain('Automatic — follow my browser’s data saver (Save-Data)');
    expect(checkedValue(page.text)).toBe('auto');

    const stored = async () => (await t.db.selectFrom('user').select('dataSaver').where('id', '=', student.user.id).executeTakeFirstOrThrow()).dataSaver;
    for (const [choice, column, message] of [
      ['on', true, 'Data saver is on'],
      ['off', false, 'Data saver is off'],
      ['auto', null, 'Data saver follows your browser now'],
    ] as const) {
      const saved = await student.post('/account/data-saver', { dataSaver: choice });
      expect(saved.status).toBe(303);
      expect(saved.headers.location).toBe('/account#data-saver');
      expect(await stored()).toBe(column);
      const shown = await student.agent.get('/account');
      expect(shown.text).toContain(message);
      expect(checkedValue(shown.text)).toBe(choice);
    }
  });

  it('refuses anything else with 422 and the message at the field, and a form without its CSRF token', async () => {
    const student = await signedInAs(t.app, t.db, 'student', { dataSaver: true });
    for (const junk of [{ dataSaver: 'maybe' }, { dataSaver: '' }, {}] as Array<Record<string, string>>) {
      const refused = await student.post('/account/data-saver', junk);
      expect(refused.status).toBe(422);
      expect(refused.text).toContain('<p class="error-text" id="f-dataSaver-error">Choose Automatic, On or Off.</p>');
      // What was saved is shown, unchanged.
      expect(checkedValue(refused.text)).toBe('on');
    }
    await student.agent.post('/account/data-saver').type('form').send({ dataSaver: 'off' }).expect(403);
    await student.agent.post('/account/data-saver').type('form').send({ dataSaver: 'off', _csrf: 'forged' }).expect(403);
    expect((await t.db.selectFrom('user').select('dataSaver').where('id', '=', student.user.id).executeTakeFirstOrThrow()).dataSaver).toBe(true);
    // Signed out: the sign-in page, nothing saved.
    const visitor = await t.request().post('/account/data-saver').type('form').send({ dataSaver: 'on' });
    expect([302, 303, 403]).toContain(visitor.status);
  });

  /** A course with a stored picture in both widths, in a category of its own. */
  async function pictured(category: string) {
    const teacher = await createTeacher(t.db);
    const fileKey = primaryVariantKey(newKey('thumbnails', 'webp'));
    await createCourse(t.db, { userId: teacher.id, title: `${category} course`, category, fileKey });
    return { small: `/media/${variantKey(fileKey, 320)}`, large: `/media/${fileKey}`, url: `/courses?category=${encodeURIComponent(category)}` };
  }

  it('shows course pictures at 320 px only, lazily, on the catalog and the home page', async () => {
    const { small, large, url } = await pictured('Saver Pottery');
    const full = await t.request().get(url).expect(200);
    expect(full.text).toContain(`srcset="${small} 320w, ${large} 640w"`);
    expect(full.headers.vary).toMatch(/Save-Data/);

    const saver = await t.request().get(url).set('Save-Data', 'on').expect(200);
    expect(saver.text).toContain(`src="${small}"`);
    expect(saver.text).not.toContain(large);
    expect(saver.text).not.toContain('srcset');
    expect(saver.headers.vary).toMatch(/Save-Data/);

    // A signed-in student with data saver On, without the header; and Off wins over the header.
    const on = await signedInAs(t.app, t.db, 'student', { dataSaver: true });
    const mine = await on.agent.get(url).expect(200);
    expect(mine.text).toContain(`src="${small}"`);
    expect(mine.text).not.toContain(large);
    const off = await signedInAs(t.app, t.db, 'student', { dataSaver: false });
    expect((await off.agent.get(url).set('Save-Data', 'on')).text).toContain(`${large} 640w`);

    // The home page's featured courses: the same rule, and no eagerly loaded picture.
    const home = await t.request().get('/').set('Save-Data', 'on').expect(200);
    expect(home.text).not.toContain('srcset');
    expect(home.text).not.toMatch(/<img class="cover"(?![^>]*loading="lazy")[^>]*>/);
  });

  it('shows a blog cover at 320 px only with data saver on', async () => {
    const cover = primaryVariantKey(newKey('thumbnails', 'webp'));
    const post = await createPost(t.db, { coverImageKey: cover, title: 'Covered post' });
    const full = await t.request().get(`/blog/${post.slug}`).expect(200);
    expect(full.text).toContain(`/media/${cover} 640w`);
    const saver = await t.request().get(`/blog/${post.slug}`).set('Save-Data', 'on').expect(200);
    expect(saver.text).toContain(`<img class="post-cover" src="/media/${variantKey(cover, 320)}"`);
    // (The Open Graph tag names the large one for link previews: the browser never loads it.)
    expect(saver.text).not.toContain('srcset');
    expect(saver.text).not.toContain(`src="/media/${cover}"`);
    const list = await t.request().get('/blog').set('Save-Data', 'on').expect(200);
    expect(list.text).not.toContain(`/media/${cover}`);
  });

  it('the anonymous page cache keeps a page per variant: never the full page to Save-Data, nor the small one to others', async () => {
    const { small, large, url } = await pictured('Saver Weaving');
    // Each variant first, then each again (answered from the cache).
    for (let round = 0; round < 2; round++) {
      const full = await t.request().get(url).expect(200);
      expect(full.text, `round ${round}`).toContain(`${large} 640w`);
      expect(full.headers.vary).toMatch(/Save-Data/);
      const saver = await t.request().get(url).set('Save-Data', 'on').expect(200);
      expect(saver.text, `round ${round}`).not.toContain(large);
      expect(saver.text).toContain(small);
      expect(saver.headers.vary).toMatch(/Save-Data/);
    }
    // The other way round on a fresh URL: the Save-Data page cached first.
    const other = `${url}&sort=newest`;
    expect((await t.request().get(other).set('Save-Data', 'on').expect(200)).text).not.toContain(large);
    expect((await t.request().get(other).expect(200)).text).toContain(`${large} 640w`);
    const home = await t.request().get('/').set('Save-Data', 'on').expect(200);
    expect(home.text).not.toContain('srcset');
    const homeFull = await t.request().get('/').expect(200);
    expect(homeFull.headers.vary).toMatch(/Save-Data/);
  });
});
