import { describe, expect, it } from 'vitest';
import { addMembership } from '../setup/admin-factories.ts';
import { useTestApp } from '../setup/app.ts';
import { submitForm, newAgent } from '../setup/forms.ts';
import { createChapter, createCourse, createLesson } from '../setup/factories.ts';
import { signedInAs } from '../setup/users.ts';

/**
 * Issue 21: a refused form opens with its error summary (views/components/_form_errors.eta): the
 * first thing in <main> after the heading and the flash, before the form; it takes focus on load
 * without JavaScript (autofocus on a tabindex=-1 box, role=alert) and each of its links leads to an
 * element that exists (href="#f-title" → id="f-title").
 */

function checkSummary(html: string, what: string) {
  const main = /<main\b[^>]*>([\s\S]*)<\/main>/.exec(html)?.[1] ?? '';
  expect(main, `${what}: a <main>`).not.toBe('');
  const summary = /<div class="form-errors"[^>]*>([\s\S]*?)<\/div>/.exec(main);
  expect(summary, `${what}: an error summary`).not.toBeNull();
  const open = /<div class="form-errors"[^>]*>/.exec(main)![0];
  expect(open, `${what}: the summary is announced and focused on load`).toMatch(/role="alert"/);
  expect(open).toMatch(/tabindex="-1"/);
  expect(open).toMatch(/\bautofocus\b/);
  // Before any field of the page's main content (at the top of the form or above it): read first, reached first.
  const at = main.indexOf(open);
  const firstField = main.search(/<(textarea|select)\b|<input\b(?![^>]*type="hidden")/);
  expect(firstField === -1 || at < firstField, `${what}: the summary comes before the fields`).toBe(true);
  // Only one element autofocuses: the summary.
  expect(html.match(/\bautofocus\b/g)?.length, `${what}: one autofocus`).toBe(1);
  const links = [...summary![1]!.matchAll(/href="#([^"]+)"/g)].map((m) => m[1]!);
  for (const id of links) expect(html, `${what}: the summary's link #${id} has its target`).toContain(`id="${id}"`);
  return links;
}

describe('error summaries at the top of refused forms', () => {
  const t = useTestApp();

  it('register: the summary first, each link to its field', async () => {
    const agent = newAgent(t.app);
    const res = await submitForm(agent, '/auth/register', '/auth/register', { firstName: '', lastName: '', email: 'not an email', password: 'x' });
    expect(res.status).toBe(422);
    const links = checkSummary(res.text, 'register');
    expect(links).toEqual(expect.arrayContaining(['f-firstName', 'f-email', 'f-password']));
  });

  it('sign in with a wrong password: the summary (a form-wide message) first', async () => {
    const agent = newAgent(t.app);
    const res = await submitForm(agent, '/auth/login', '/auth/login', { email: 'nobody@example.com', password: 'wrong-password' });
    expect(res.status).toBe(422);
    checkSummary(res.text, 'sign in');
  });

  it('new course, a blog post, the profile, a help request, applying to teach', async () => {
    const teacher = await signedInAs(t.app, t.db, 'teacher');
    const course = await teacher.post('/teach/courses/new', { title: '' });
    expect(course.status).toBe(422);
    expect(checkSummary(course.text, 'new course')).toContain('f-title');

    const student = await signedInAs(t.app, t.db, 'student', { points: 20 });
    const post = await student.post('/blog/new', { title: '', content: '' });
    expect(post.status).toBe(422);
    expect(checkSummary(post.text, 'blog post')).toEqual(expect.arrayContaining(['f-title', 'f-content']));

    const profile = await student.post('/account', { firstName: '', lastName: '' });
    expect(profile.status).toBe(422);
    expect(checkSummary(profile.text, 'profile')).toContain('f-firstName');

    const help = await student.post('/help/new', { subject: '', message: '' });
    expect(help.status).toBe(422);
    checkSummary(help.text, 'help request');

    const apply = await student.post('/teach/apply', {});
    expect(apply.status).toBe(422);
    checkSummary(apply.text, 'apply to teach');
  });

  it('an admin setting out of range', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    await addMembership(t.db, admin.user.id, 'SuperAdmin');
    const res = await admin.post('/admin/settings/learning.earlyUnlockPoints', { value: '-5' });
    expect(res.status).toBe(422);
    expect(checkSummary(res.text, 'admin setting')).toEqual(['f-value']);
  });

  it('captions refused on the teacher\'s lesson page: the summary at the top of that form, links to its fields', async () => {
    const teacher = await signedInAs(t.app, t.db, 'teacher');
    const course = await createCourse(t.db, { userId: teacher.user.id });
    const lesson = await createLesson(t.db, { chapterId: (await createChapter(t.db, { courseId: course.id })).id });
    const res = await teacher.agent
      .post(`/teach/lessons/${lesson.id}/captions?_csrf=${encodeURIComponent(teacher.csrf)}`)
      .field('language', 'not a language')
      .attach('captions', Buffer.from('not captions at all'), { filename: 'captions.vtt', contentType: 'text/vtt' });
    expect(res.status).toBe(422);
    const form = res.text.slice(res.text.indexOf('<section id="captions"'));
    const at = form.indexOf('<div class="form-errors"');
    expect(at).toBeGreaterThan(0);
    expect(at).toBeLessThan(form.indexOf('id="cap-file"'));
    expect(form.slice(at, form.indexOf('</div>', at))).toMatch(/autofocus/);
    const links = [...form.slice(at, form.indexOf('</div>', at)).matchAll(/href="#([^"]+)"/g)].map((m) => m[1]!);
    expect(links.length).toBeGreaterThan(0);
    for (const id of links) expect(res.text).toContain(`id="${id}"`);
  });

  it('the summary in Spanish and Arabic keeps its links and focus', async () => {
    for (const language of ['es', 'ar']) {
      const agent = newAgent(t.app).set('Accept-Language', language);
      const res = await submitForm(agent, '/auth/register', '/auth/register', { firstName: '', lastName: '', email: '', password: '' });
      expect(res.status).toBe(422);
      checkSummary(res.text, `register (${language})`);
    }
  });
});
