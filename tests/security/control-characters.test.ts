import { describe, expect, it } from 'vitest';
import { useTestApp } from '../setup/app.ts';
import { createCourse } from '../setup/factories.ts';
import { signedInAs } from '../setup/users.ts';

/** One NUL byte used to give a 500 (PostgreSQL refuses \0 in text) and an error_log row each time. */
describe('control characters are refused at the edge', () => {
  const t = useTestApp();
  const errorRows = async () => Number((await t.db.selectFrom('errorLog').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

  it('a NUL in a path or a query is a 400, for anyone, and writes no error_log row', async () => {
    const course = await createCourse(t.db, { status: 'Published' });
    const before = await errorRows();
    for (const url of [
      '/courses?q=a%00b',
      '/courses?category=%00',
      '/courses?level=%01',
      '/courses/a%00b',
      `/courses/${course.slug}%00`,
      '/courses?q=a%1bb',
      '/auth/login?next=%00',
      '/auth/verify?token=a%00b',
      '/auth/reset?token=%00',
      '/certificates/%00',
      '/media/x%00y',
      '/?x=%7f',
    ]) {
      const res = await t.request().get(url);
      expect(res.status, url).toBe(400);
      expect(res.text, url).toContain('control character');
    }
    // A tab in a search box is no threat: it still searches.
    expect((await t.request().get('/courses?q=a%09b')).status).toBe(200);
    expect(await errorRows()).toBe(before);
  });

  it('signed in, a control character in any form field is a 422 naming the field, and nothing is changed', async () => {
    const student = await signedInAs(t.app, t.db, 'student');
    const res = await student.post('/account', { firstName: 'Ada\u0000', lastName: 'Lovelace' });
    expect(res.status).toBe(422);
    expect(res.text).toContain('“firstName”');
    const row = await t.db.selectFrom('user').select('firstName').where('id', '=', student.user.id).executeTakeFirstOrThrow();
    expect(row.firstName).toBe(student.user.firstName);

    const teacher = await signedInAs(t.app, t.db, 'teacher');
    for (const [field, value] of [
      ['title', 'Intro\u0000'],
      ['description', 'line one\u000bline two'],
      ['smallDescription', '\u001b[31mred'],
    ] as const) {
      const post = await teacher.post('/teach/courses/new', { title: 'A course', smallDescription: 'Short', description: 'Long', level: 'Beginner', category: 'Programming', price: '0', duration: '60', [field]: value });
      expect(post.status, field).toBe(422);
      expect(post.text, field).toContain(`“${field}”`);
    }
    expect(await t.db.selectFrom('course').select('id').where('userId', '=', teacher.user.id).execute()).toHaveLength(0);
  });

  it('signed out forms too: sign-in, register and reset answer 422, never 500', async () => {
    const before = await errorRows();
    for (const [path, fields] of [
      ['/auth/login', { email: 'a@example.test\u0000', password: 'x' }],
      ['/auth/register', { firstName: 'A\u0000', lastName: 'B', email: 'new@example.test', password: 'long enough password' }],
      ['/auth/forgot', { email: '\u0000@example.test' }],
    ] as const) {
      const res = await t.request().post(path).type('form').send(fields);
      expect(res.status, path).toBe(422);
    }
    expect(await errorRows()).toBe(before);
  });

  it('tabs and newlines in multi-line fields are kept', async () => {
    const teacher = await signedInAs(t.app, t.db, 'teacher');
    const post = await teacher.post('/teach/courses/new', {
      title: 'Tabs and lines',
      smallDescription: 'Short',
      description: 'first line\r\nsecond\tline',
      level: 'Beginner',
      category: 'Programming',
      price: '0',
      duration: '60',
    });
    expect(post.status, post.text.slice(0, 300)).toBe(303);
    const course = await t.db.selectFrom('course').select('description').where('userId', '=', teacher.user.id).executeTakeFirstOrThrow();
    expect(course.description).toContain('second\tline');
  });
});
