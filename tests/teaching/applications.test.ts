import { describe, expect, it } from 'vitest';
import { useTestApp } from '../setup/app.ts';
import { expectWithinPageBudget } from '../setup/budget.ts';
import { createUser } from '../setup/factories.ts';
import { countQueries } from '../setup/queries.ts';
import { signedInAs } from '../setup/users.ts';

const application = {
  experience: 'Ten years teaching maths in secondary school.',
  subjects: 'Algebra, geometry',
  sampleLink: 'https://videos.example/sample',
  motivation: 'I want to reach students far from good schools.',
};

describe('teacher applications', () => {
  const t = useTestApp();

  it('a student applies once; the form says what is wrong and keeps what was typed', async () => {
    const student = await signedInAs(t.app, t.db, 'student');
    const page = await student.agent.get('/teach/apply').expect(200);
    expectWithinPageBudget(page);
    const bad = await student.post('/teach/apply', { ...application, sampleLink: 'javascript:alert(1)', motivation: '' });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('The sample link must start with http:// or https://.');
    expect(bad.text).toContain('Motivation is required.');
    expect(bad.text).toContain(application.experience);

    await student.post('/teach/apply', application).expect(303);
    const row = await t.db.selectFrom('teacherApplication').selectAll().where('userId', '=', student.user.id).executeTakeFirstOrThrow();
    expect(row.status).toBe('Pending');
    expect(row.applicationData).toEqual(application);

    const again = await student.post('/teach/apply', { ...application, subjects: 'Changed' });
    expect(again.status).toBe(303);
    const rows = await t.db.selectFrom('teacherApplication').select('applicationData').where('userId', '=', student.user.id).execute();
    expect(rows).toHaveLength(1);
    expect((rows[0]!.applicationData as { subjects: string }).subjects).toBe('Algebra, geometry');
    expect((await student.agent.get('/teach/apply')).text).toContain('is being reviewed');
  });

  it('an admin approves: the user becomes a teacher, is told, and the review is recorded', async () => {
    const student = await signedInAs(t.app, t.db, 'student');
    await student.post('/teach/apply', application).expect(303);
    const admin = await signedInAs(t.app, t.db, 'admin');
    const table = await admin.agent.get('/admin/teacher-applications').expect(200);
    expect(table.text).toContain(student.user.email);
    const { id } = await t.db.selectFrom('teacherApplication').select('id').where('userId', '=', student.user.id).executeTakeFirstOrThrow();

    await admin.post(`/admin/teacher-applications/${id}/approve`).expect(303);
    const reviewed = await t.db.selectFrom('teacherApplication').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(reviewed).toMatchObject({ status: 'Approved', reviewedBy: admin.user.id });
    expect(reviewed.reviewedAt).not.toBeNull();
    expect((await t.db.selectFrom('user').select('role').where('id', '=', student.user.id).executeTakeFirstOrThrow()).role).toBe('teacher');
    const notes = await t.db.selectFrom('notification').selectAll().where('userId', '=', student.user.id).execute();
    expect(notes).toMatchObject([{ type: 'AdminReply', title: 'You can teach on Edupeak now', read: false, link: '/teach' }]);

    // The new teacher's very next request may use /teach.
    await student.agent.get('/teach').expect(200);
    // A second decision finds it decided.
    const twice = await admin.post(`/admin/teacher-applications/${id}/reject`, { reason: 'Changed my mind' });
    expect(twice.status).toBe(303);
    expect((await t.db.selectFrom('teacherApplication').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status).toBe('Approved');
  });

  it('rejecting needs a reason; the applicant sees it and may apply again', async () => {
    const student = await signedInAs(t.app, t.db, 'student');
    await student.post('/teach/apply', application).expect(303);
    const admin = await signedInAs(t.app, t.db, 'admin');
    const { id } = await t.db.selectFrom('teacherApplication').select('id').where('userId', '=', student.user.id).executeTakeFirstOrThrow();

    const noReason = await admin.post(`/admin/teacher-applications/${id}/reject`, { reason: '' });
    expect(noReason.status).toBe(422);
    expect(noReason.text).toContain('A reason is required.');
    await admin.post(`/admin/teacher-applications/${id}/reject`, { reason: 'Please add a sample lesson.' }).expect(303);
    expect((await t.db.selectFrom('user').select('role').where('id', '=', student.user.id).executeTakeFirstOrThrow()).role).toBe('student');
    const note = await t.db.selectFrom('notification').selectAll().where('userId', '=', student.user.id).executeTakeFirstOrThrow();
    expect(note.message).toContain('Please add a sample lesson.');

    const page = await student.agent.get('/teach/apply');
    expect(page.text).toContain('Reason: Please add a sample lesson.');
    await student.post('/teach/apply', { ...application, sampleLink: 'https://videos.example/better' }).expect(303);
    const again = await t.db.selectFrom('teacherApplication').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(again).toMatchObject({ status: 'Pending', rejectionReason: null, reviewedBy: null });
  });

  it('two admins approving at once decide it once', async () => {
    const student = await signedInAs(t.app, t.db, 'student');
    await student.post('/teach/apply', application).expect(303);
    const [a1, a2] = [await signedInAs(t.app, t.db, 'admin'), await signedInAs(t.app, t.db, 'admin')];
    const { id } = await t.db.selectFrom('teacherApplication').select('id').where('userId', '=', student.user.id).executeTakeFirstOrThrow();
    await Promise.all([a1.post(`/admin/teacher-applications/${id}/approve`), a2.post(`/admin/teacher-applications/${id}/approve`)]);
    expect(await t.db.selectFrom('notification').select('id').where('userId', '=', student.user.id).execute()).toHaveLength(1);
  });

  it('the table filters by status, lists newest first, pages, and runs a fixed number of queries', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    const before = await countQueries(t.db, () => admin.agent.get('/admin/teacher-applications?status=all').expect(200));
    for (let i = 0; i < 25; i++) {
      const user = await createUser(t.db, { firstName: `Applicant${String(i).padStart(2, '0')}` });
      await t.db
        .insertInto('teacherApplication')
        .values({ userId: user.id, applicationData: JSON.stringify(application), status: i % 5 === 0 ? 'Rejected' : 'Pending', createdAt: new Date(Date.now() - (25 - i) * 60_000) })
        .execute();
    }
    const first = await countQueries(t.db, () => admin.agent.get('/admin/teacher-applications?status=Pending').expect(200));
    expect(first.count).toBe(before.count);
    const text = first.result.text;
    const count = async (status?: 'Pending') => {
      let q = t.db.selectFrom('teacherApplication').select((eb) => eb.fn.countAll<string>().as('n'));
      if (status) q = q.where('status', '=', status);
      return Number((await q.executeTakeFirstOrThrow()).n);
    };
    const pending = await count('Pending');
    expect(text).toContain(`Page 1 of ${Math.ceil(pending / 20)} (${pending})`);
    expect(text.indexOf('Applicant24')).toBeLessThan(text.indexOf('Applicant23'));
    expect(text).not.toContain('Applicant20');
    expectWithinPageBudget(first.result);

    const all = await admin.agent.get('/admin/teacher-applications?status=all').expect(200);
    const total = await count();
    expect(all.text).toContain(`Page 1 of ${Math.ceil(total / 20)} (${total})`);
    const second = await admin.agent.get('/admin/teacher-applications?status=all&page=2').expect(200);
    expect(second.text).toContain('Applicant00');
    const oldest = await admin.agent.get('/admin/teacher-applications?status=all&sort=createdAt&dir=asc').expect(200);
    expect(oldest.text.indexOf('Applicant00')).toBeGreaterThan(-1);
    await admin.agent.get('/admin/teacher-applications?status=bogus&page=-3&sort=drop%20table').expect(200);
  });

  it('only admins reach the review table', async () => {
    const teacher = await signedInAs(t.app, t.db, 'teacher');
    await teacher.agent.get('/admin/teacher-applications').expect(404);
    const student = await signedInAs(t.app, t.db, 'student');
    await student.agent.get('/admin/teacher-applications').expect(404);
    await t.request().get('/admin/teacher-applications').expect(303);
  });
});
