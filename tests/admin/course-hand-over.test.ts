import { describe, expect, it } from 'vitest';
import { useTestApp } from '../setup/app.ts';
import { expectWithinPageBudget } from '../setup/budget.ts';
import { createCourse, createEnrollment, createUser } from '../setup/factories.ts';
import { countQueries } from '../setup/queries.ts';
import { signedInAs, type SignedIn } from '../setup/users.ts';

/**
 * An admin hands a teacher's course over to another teacher from the teacher's admin page
 * (features/admin/course-hand-over.ts): the new owner edits it and the old one no longer does;
 * students, progress and payments stay; a teacher with students who handed everything over can
 * delete their account. Bad input is a 422 that keeps what was typed; two hand-overs at once end
 * with one owner.
 */

describe('handing a course over to another teacher', () => {
  const t = useTestApp();

  async function teacherWithStudents() {
    const leaving = await signedInAs(t.app, t.db, 'teacher');
    const course = await createCourse(t.db, { userId: leaving.user.id, title: `Pottery ${leaving.user.id.slice(0, 6)}`, status: 'Published' });
    const students = await Promise.all([1, 2].map(() => createUser(t.db)));
    const enrollments = await Promise.all(students.map((s) => createEnrollment(t.db, { userId: s.id, courseId: course.id, status: 'Active' })));
    return { leaving, course, enrollments };
  }
  const ownerOf = async (courseId: string) => (await t.db.selectFrom('course').select('userId').where('id', '=', courseId).executeTakeFirstOrThrow()).userId;
  const handOver = (admin: SignedIn, fromId: string, fields: Record<string, string>) => admin.post(`/admin/users/${fromId}/hand-over`, fields);

  it('moves the course: the new teacher edits it, the old one is refused, students stay Active, one audit row; the old teacher may now delete their account', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    const { leaving, course, enrollments } = await teacherWithStudents();
    const taking = await signedInAs(t.app, t.db, 'teacher', { firstName: 'Grace', lastName: 'Hopper' });

    // Before: the page lists the course with its 2 students, and the teacher cannot leave.
    const page = await admin.agent.get(`/admin/users/${leaving.user.id}`).expect(200);
    expect(page.text).toContain('<h2 id="courses-title">Courses taught</h2>');
    expect(page.text).toContain(`<option value="${course.id}">${course.title} (2 students)</option>`);
    expect((await leaving.agent.get('/account/delete').expect(200)).text).toContain('Your account cannot be deleted while courses of yours have students.');

    const done = await handOver(admin, leaving.user.id, { courseId: course.id, email: `  ${taking.user.email.toUpperCase()} ` }).expect(303);
    expect(done.headers.location).toBe(`/admin/users/${leaving.user.id}`);
    const after = await admin.agent.get(done.headers.location!).expect(200);
    expect(after.text).toContain(`“${course.title}” is now taught by Grace Hopper. Its students, their progress and payments stay as they were.`);
    expect(after.text).not.toContain('id="courses-title"');

    expect(await ownerOf(course.id)).toBe(taking.user.id);
    await taking.agent.get(`/teach/courses/${course.id}`).expect(200);
    expect((await leaving.agent.get(`/teach/courses/${course.id}`)).status).toBe(404);
    const states = await t.db.selectFrom('enrollment').select('status').where('id', 'in', enrollments.map((e) => e.id)).execute();
    expect(states.map((s) => s.status)).toEqual(['Active', 'Active']);
    const audit = await t.db.selectFrom('activityLog').selectAll().where('entityId', '=', course.id).where('action', '=', 'course_handed_over').execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ userId: admin.user.id, entityType: 'course' });
    expect(audit[0]!.metadata).toMatchObject({ from: leaving.user.id, to: taking.user.id, title: course.title });
    // The activity log names it in the admin's words.
    expect((await admin.agent.get('/admin/activity').expect(200)).text).toContain('course handed over');

    // Nothing of theirs has students now: the deletion page offers the password form.
    const deletion = await leaving.agent.get('/account/delete').expect(200);
    expect(deletion.text).not.toContain('Your account cannot be deleted while courses of yours have students.');
  });

  it('refuses with 422, keeping what was typed and changing nothing: no email, not an address, no such person, a student, the same teacher, a banned teacher, a teacher leaving, no course chosen', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    const { leaving, course } = await teacherWithStudents();
    const student = await createUser(t.db);
    const banned = await createUser(t.db, { role: 'teacher', banned: true, banReason: 'spam' });
    const goingAway = await createUser(t.db, { role: 'teacher' });
    await t.db.updateTable('user').set({ deletionRequestedAt: new Date() }).where('id', '=', goingAway.id).execute();
    const cases: Array<[Record<string, string>, string]> = [
      [{ courseId: course.id, email: '' }, 'Enter the email address of the teacher who takes the course over.'],
      [{ courseId: course.id, email: 'not-an-address' }, 'Enter a valid email address, like name@example.com.'],
      [{ courseId: course.id, email: 'nobody-here@example.com' }, 'No one has an account with that email address.'],
      [{ courseId: course.id, email: student.email }, 'That person is not a teacher. Approve their application to teach first, or name a teacher.'],
      [{ courseId: course.id, email: leaving.user.email }, 'That is the course’s teacher already.'],
      [{ courseId: course.id, email: banned.email }, 'That person is banned: name a teacher who can work on the course.'],
      [{ courseId: course.id, email: goingAway.email }, 'That person asked for their account to be deleted: name another teacher.'],
      [{ courseId: 'nonsense', email: student.email }, 'Choose the course to hand over.'],
    ];
    for (const [fields, message] of cases) {
      const res = await handOver(admin, leaving.user.id, fields);
      expect(res.status, JSON.stringify(fields)).toBe(422);
      expect(res.text).toContain(message);
      expect(res.text).toContain('aria-invalid="true"');
      expect(res.text).toContain('<details open>');
      if (fields.email) expect(res.text).toContain(`value="${fields.email}"`);
    }
    expect(await ownerOf(course.id)).toBe(leaving.user.id);
    expect(await t.db.selectFrom('activityLog').select('id').where('action', '=', 'course_handed_over').where('entityId', '=', course.id).execute()).toEqual([]);
  });

  it('a course that is not this teacher’s (another’s, or handed over meanwhile) is 404; a teacher or student cannot hand over at all', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    const { leaving } = await teacherWithStudents();
    const other = await teacherWithStudents();
    const taking = await createUser(t.db, { role: 'teacher' });
    expect((await handOver(admin, leaving.user.id, { courseId: other.course.id, email: taking.email })).status).toBe(404);
    expect(await ownerOf(other.course.id)).toBe(other.leaving.user.id);
    // The teacher themself, through the admin URL: the admin area does not exist for them (404).
    expect((await handOver(other.leaving, other.leaving.user.id, { courseId: other.course.id, email: taking.email })).status).toBe(404);
    expect(await ownerOf(other.course.id)).toBe(other.leaving.user.id);
  });

  it('two admins handing the same course to two teachers at once: one owner in the end, and every answer a 303 or a 404', async () => {
    const [first, second] = await Promise.all([signedInAs(t.app, t.db, 'admin'), signedInAs(t.app, t.db, 'admin')]);
    const { leaving, course } = await teacherWithStudents();
    const [a, b] = await Promise.all([createUser(t.db, { role: 'teacher' }), createUser(t.db, { role: 'teacher' })]);
    const answers = await Promise.all([handOver(first!, leaving.user.id, { courseId: course.id, email: a.email }), handOver(second!, leaving.user.id, { courseId: course.id, email: b.email })]);
    expect(answers.map((r) => r.status).sort()).toEqual([303, 404]);
    const owner = await ownerOf(course.id);
    expect([a.id, b.id]).toContain(owner);
    const audit = await t.db.selectFrom('activityLog').select('metadata').where('action', '=', 'course_handed_over').where('entityId', '=', course.id).execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]!.metadata).toMatchObject({ from: leaving.user.id, to: owner });
  });

  it('the teacher’s admin page stays within the page budget, with one query more for their courses however many they teach', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    const few = await teacherWithStudents();
    const many = await teacherWithStudents();
    for (let i = 0; i < 30; i++) await createCourse(t.db, { userId: many.leaving.user.id, title: `Course ${i} of many` });
    const measure = async (id: string) => countQueries(t.db, () => admin.agent.get(`/admin/users/${id}`).expect(200));
    const small = await measure(few.leaving.user.id);
    const large = await measure(many.leaving.user.id);
    expect(large.count).toBe(small.count);
    const size = expectWithinPageBudget(large.result);
    console.log(`/admin/users/:id with 31 courses taught: ${size} bytes gzipped, ${large.count} queries`);
  });

  it('in Spanish: the section, a refusal and the flash', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    const { leaving, course } = await teacherWithStudents();
    const taking = await createUser(t.db, { role: 'teacher', firstName: 'Ada', lastName: 'Byron' });
    const page = await admin.agent.get(`/admin/users/${leaving.user.id}`).set('Accept-Language', 'es').expect(200);
    expect(page.text).toContain('Cursos que imparte');
    expect(page.text).toContain(`${course.title} (2 estudiantes)`);
    const refused = await handOver(admin, leaving.user.id, { courseId: course.id, email: 'nadie@example.com' }).set('Accept-Language', 'es');
    expect(refused.status).toBe(422);
    expect(refused.text).toContain('Nadie tiene una cuenta con ese correo.');
    await handOver(admin, leaving.user.id, { courseId: course.id, email: taking.email }).set('Accept-Language', 'es').expect(303);
    const after = await admin.agent.get(`/admin/users/${leaving.user.id}`).set('Accept-Language', 'es').expect(200);
    expect(after.text).toContain(`«${course.title}» ahora lo imparte Ada Byron.`);
  });
});
