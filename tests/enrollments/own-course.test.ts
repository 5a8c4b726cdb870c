import { describe, expect, it } from 'vitest';
import { useTestApp } from '../setup/app.ts';
import { createChapter, createCourse, createLesson, createUser } from '../setup/factories.ts';
import { newAgent } from '../setup/forms.ts';
import { signedInAs } from '../setup/users.ts';

/** Rough edges a newcomer hit (issue 12): paying for one's own course; applying unconfirmed; a bare sign-in page. */
describe('first-day rough edges', () => {
  const t = useTestApp();

  it('a teacher never checks out for their own course: the page offers a preview, and enrolling leads there', async () => {
    const teacher = await signedInAs(t.app, t.db, 'teacher');
    const course = await createCourse(t.db, { userId: teacher.user.id, status: 'Published', price: 1250 });
    await createLesson(t.db, { chapterId: (await createChapter(t.db, { courseId: course.id })).id });
    const page = await teacher.agent.get(`/courses/${course.slug}`).expect(200);
    expect(page.text).toContain('You teach this course.');
    expect(page.text).toContain('Preview the lessons');
    expect(page.text).not.toContain('Enroll for $12.50');
    const res = await teacher.post(`/courses/${course.slug}/enroll`);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/learn/${course.slug}`);
    expect(await t.db.selectFrom('enrollment').select('id').where('courseId', '=', course.id).execute()).toEqual([]);
    await teacher.agent.get(`/learn/${course.slug}`).expect(302);
  });

  it('applying to teach needs a confirmed email address', async () => {
    const student = await signedInAs(t.app, t.db, 'student', { emailVerified: false });
    const page = await student.agent.get('/teach/apply').expect(200);
    expect(page.text).toContain('Please confirm your email address first');
    expect(page.text).not.toContain('action="/teach/apply"');
    const res = await student.post('/teach/apply', { experience: 'Ten years of teaching maths.', subjects: 'Maths', motivation: 'I like it a lot.' });
    expect(res.status).toBe(403);
    expect(await t.db.selectFrom('teacherApplication').select('id').where('userId', '=', student.user.id).execute()).toEqual([]);
  });

  it('a visitor sent to sign in is told why', async () => {
    const agent = newAgent(t.app);
    const redirect = await agent.get('/teach/apply');
    expect(redirect.status).toBe(303);
    const page = await agent.get(redirect.headers.location!).expect(200);
    expect(page.text).toContain('Sign in to apply to teach on Edupeak.');
    expect(page.text).toContain('Create a free account');
    const plain = await agent.get('/auth/login').expect(200);
    expect(plain.text).not.toContain('Sign in to ');
    await createUser(t.db);
  });
});
