import { describe, expect, it } from 'vitest';
import { useTestApp } from '../setup/app.ts';
import { createBlogCategory, createPost } from '../setup/factories.ts';
import { signedInAs, type SignedIn } from '../setup/users.ts';

const t = useTestApp();

function post(who: SignedIn, path: string, fields: Record<string, string> = {}) {
  return who.agent.post(path).type('form').send({ ...fields, _csrf: who.csrf });
}
const categoryBySlug = (slug: string) => t.db.selectFrom('blogCategory').selectAll().where('slug', '=', slug).executeTakeFirst();
const actionsOn = async (id: string) =>
  (await t.db.selectFrom('activityLog').select('action').where('entityId', '=', id).orderBy('createdAt').execute()).map((r) => r.action);

describe('admin: blog categories', () => {
  it('lists the categories with their number of posts, and adds one (slug derived from the name when empty); audited', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    const existing = await createBlogCategory(t.db, { name: 'Zebra notes', slug: 'zebra-notes' });
    await createPost(t.db, { categoryId: existing.id });
    await createPost(t.db, { categoryId: existing.id, status: 'Pending' });

    const page = await admin.agent.get('/admin/blog/categories').expect(200);
    const row = page.text.slice(page.text.indexOf(`<tr id="c-${existing.id}">`));
    expect(row).toMatch(/<td data-label="Posts" class="num">2<\/td>/);
    expect(page.text).toContain(`href="/admin/blog/categories/${existing.id}"`);

    const res = await post(admin, '/admin/blog/categories', { name: 'Café Étude & Focus', slug: '', description: 'Deep work.' }).expect(303);
    expect(res.headers.location).toBe('/admin/blog/categories');
    const made = await categoryBySlug('cafe-etude-focus');
    expect(made).toMatchObject({ name: 'Café Étude & Focus', description: 'Deep work.' });
    expect(await actionsOn(made!.id)).toEqual(['blog_category_created']);
    const after = await admin.agent.get('/admin/blog/categories').expect(200);
    expect(after.text).toContain('Category &quot;Café Étude &amp; Focus&quot; added.');

    // A typed slug is kept (lower-cased); no description is null.
    await post(admin, '/admin/blog/categories', { name: 'Exam Prep', slug: 'Exams' }).expect(303);
    expect(await categoryBySlug('exams')).toMatchObject({ name: 'Exam Prep', description: null });
  });

  it('invalid or duplicate input: 422 with the form kept and a message per field; nothing is made', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    await createBlogCategory(t.db, { name: 'Taken name', slug: 'taken-slug' });
    await createBlogCategory(t.db, { name: 'Something else', slug: 'derived-clash' });
    const before = (await t.db.selectFrom('blogCategory').select('id').execute()).length;

    const empty = await post(admin, '/admin/blog/categories', { name: '  ', slug: '', description: 'kept text' }).expect(422);
    expect(empty.text).toContain('Enter a name.');
    expect(empty.text).toContain('kept text');
    const badSlug = await post(admin, '/admin/blog/categories', { name: 'Fine', slug: 'Not a slug!' }).expect(422);
    expect(badSlug.text).toContain('Use lower-case letters, digits and single dashes');
    expect(badSlug.text).toContain('value="Not a slug!"');
    const noLetters = await post(admin, '/admin/blog/categories', { name: '!!!' }).expect(422);
    expect(noLetters.text).toContain('Type a slug');
    const dupName = await post(admin, '/admin/blog/categories', { name: 'Taken name', slug: 'other-slug' }).expect(422);
    expect(dupName.text).toContain('A category with this name exists already.');
    const dupSlug = await post(admin, '/admin/blog/categories', { name: 'Other name', slug: 'taken-slug' }).expect(422);
    expect(dupSlug.text).toContain('A category with this slug exists already.');
    // A derived slug that is taken is the same 422.
    const derived = await post(admin, '/admin/blog/categories', { name: 'Derived clash' }).expect(422);
    expect(derived.text).toContain('A category with this slug exists already.');
    const long = await post(admin, '/admin/blog/categories', { name: 'x'.repeat(61) }).expect(422);
    expect(long.text).toContain('60 characters');
    // A repeated field is not text: 422, never 500.
    await admin.agent.post('/admin/blog/categories').type('form').send(`name=a&name=b&_csrf=${encodeURIComponent(admin.csrf)}`).expect(422);

    expect((await t.db.selectFrom('blogCategory').select('id').execute()).length).toBe(before);
  });

  it('twenty admins adding the same category at once: one made, the others 422', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    const answers = await Promise.all(Array.from({ length: 20 }, () => post(admin, '/admin/blog/categories', { name: 'Race day' })));
    expect(answers.filter((r) => r.status === 303)).toHaveLength(1);
    expect(answers.filter((r) => r.status === 422)).toHaveLength(19);
    expect(await t.db.selectFrom('blogCategory').select('id').where('slug', '=', 'race-day').execute()).toHaveLength(1);
  });

  it('edits a category (name, slug, description); duplicates 422; audited', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    const c = await createBlogCategory(t.db, { name: 'Old name', slug: 'old-name', description: 'Old text' });
    await createBlogCategory(t.db, { name: 'Neighbour', slug: 'neighbour' });
    const form = await admin.agent.get(`/admin/blog/categories/${c.id}`).expect(200);
    expect(form.text).toContain('value="Old name"');
    expect(form.text).toContain('Old text');

    const dup = await post(admin, `/admin/blog/categories/${c.id}`, { name: 'Neighbour', slug: 'old-name' }).expect(422);
    expect(dup.text).toContain('A category with this name exists already.');
    expect(dup.text).toContain('value="Neighbour"');

    await post(admin, `/admin/blog/categories/${c.id}`, { name: 'New name', slug: 'new-name', description: '' }).expect(303);
    expect(await t.db.selectFrom('blogCategory').selectAll().where('id', '=', c.id).executeTakeFirstOrThrow()).toMatchObject({
      name: 'New name',
      slug: 'new-name',
      description: null,
    });
    // Saving with its own name and slug is not a duplicate of itself.
    await post(admin, `/admin/blog/categories/${c.id}`, { name: 'New name', slug: 'new-name' }).expect(303);
    expect(await actionsOn(c.id)).toEqual(['blog_category_updated', 'blog_category_updated']);
  });

  it('deletes a category: its posts stay, without a category; audited', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    const c = await createBlogCategory(t.db);
    const p = await createPost(t.db, { categoryId: c.id });
    const form = await admin.agent.get(`/admin/blog/categories/${c.id}`).expect(200);
    expect(form.text).toContain('Its 1 post stay on the blog, without a category.');
    await post(admin, `/admin/blog/categories/${c.id}/delete`).expect(303);
    expect(await categoryBySlug(c.slug)).toBeUndefined();
    const kept = await t.db.selectFrom('blog').select(['id', 'categoryId', 'status']).where('id', '=', p.id).executeTakeFirstOrThrow();
    expect(kept).toMatchObject({ categoryId: null, status: 'Published' });
    expect(await actionsOn(c.id)).toEqual(['blog_category_deleted']);
    // Deleted already: 404.
    await post(admin, `/admin/blog/categories/${c.id}/delete`).expect(404);
  });

  it('bad ids are 404; non-admins get 404', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    await admin.agent.get('/admin/blog/categories/nope').expect(404);
    await admin.agent.get('/admin/blog/categories/00000000-0000-4000-8000-000000000000').expect(404);
    await post(admin, '/admin/blog/categories/00000000-0000-4000-8000-000000000000', { name: 'x' }).expect(404);
    await post(admin, '/admin/blog/categories/nope/delete').expect(404);
    const c = await createBlogCategory(t.db);
    for (const role of ['student', 'teacher'] as const) {
      const who = await signedInAs(t.app, t.db, role);
      await who.agent.get('/admin/blog/categories').expect(404);
      await post(who, '/admin/blog/categories', { name: 'Sneaky' }).expect(404);
      await post(who, `/admin/blog/categories/${c.id}`, { name: 'Sneaky' }).expect(404);
      await post(who, `/admin/blog/categories/${c.id}/delete`).expect(404);
    }
    expect(await categoryBySlug(c.slug)).toBeDefined();
    expect(await categoryBySlug('sneaky')).toBeUndefined();
  });
});
