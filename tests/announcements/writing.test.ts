import { describe, expect, it } from 'vitest';
import { useTestApp } from '../setup/app.ts';
import { createAnnouncement } from '../setup/announcement-factories.ts';
import { expectWithinPageBudget } from '../setup/budget.ts';
import { createAdmin, createCourse, createEnrollment, createTeacher, createUser } from '../setup/factories.ts';
import { countQueries } from '../setup/queries.ts';
import { signedInAs } from '../setup/users.ts';

const t = useTestApp();

const teacherWithCourse = async () => {
  const me = await signedInAs(t.app, t.db, 'teacher');
  const course = await createCourse(t.db, { userId: me.user.id, title: 'Python 101' });
  return { ...me, course, base: `/teach/courses/${course.id}/announcements` };
};
const admin = () => signedInAs(t.app, t.db, 'admin');
const rowOf = (id: string) => t.db.selectFrom('announcement').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const idFrom = (location: string | undefined) => /\/announcements\/([0-9a-f-]{36})$/.exec(location ?? '')?.[1] ?? '';
const actionsOf = async (id: string) =>
  (await t.db.selectFrom('activityLog').select('action').where('entityId', '=', id).orderBy('createdAt').execute()).map((r) => r.action);
/** A datetime-local value (UTC writers) `minutes` from now. */
const local = (minutes: number) => new Date(Date.now() + minutes * 60_000).toISOString().slice(0, 16);

describe('a teacher writes to their own course only', () => {
  it("another teacher's course: its announcement pages are 404 and nothing can be posted there", async () => {
    const me = await signedInAs(t.app, t.db, 'teacher');
    const theirs = await createCourse(t.db);
    const a = await createAnnouncement(t.db, { targetRole: 'CourseStudents', targetCourseId: theirs.id });
    const base = `/teach/courses/${theirs.id}/announcements`;
    for (const path of [base, `${base}/new`, `${base}/${a.id}`, `${base}/${a.id}/edit`]) expect((await me.agent.get(path)).status, path).toBe(404);
    const posted = await me.post(`${base}/new`, { title: 'Hi', body: 'Hello', intent: 'publish' });
    expect(posted.status).toBe(404);
    expect((await me.post(`${base}/${a.id}/end`)).status).toBe(404);
    expect((await rowOf(a.id)).status).toBe('Published');
  });

  it('an announcement to everyone or to another course from the course route is refused (422), never widened; the stored row targets only their course', async () => {
    const me = await teacherWithCourse();
    const other = await createCourse(t.db);
    const before = await t.db.selectFrom('announcement').select('id').execute();

    const wide = await me.post(`${me.base}/new`, { title: 'To all', body: 'Hello all', targetRole: 'AllUsers', intent: 'publish' });
    expect(wide.status).toBe(422);
    expect(wide.text).toContain('goes to the students of that course only');
    expect(wide.text).toContain('value="To all"');
    const elsewhere = await me.post(`${me.base}/new`, { title: 'To other', body: 'Hello', targetRole: 'CourseStudents', targetCourseId: other.id, intent: 'publish' });
    expect(elsewhere.status).toBe(422);
    expect(await t.db.selectFrom('announcement').select('id').execute()).toHaveLength(before.length);

    const ok = await me.post(`${me.base}/new`, { title: 'Week 1', body: 'Welcome', intent: 'publish' });
    expect(ok.status).toBe(303);
    const row = await rowOf(idFrom(ok.headers.location));
    expect(row).toMatchObject({ targetRole: 'CourseStudents', targetCourseId: me.course.id, targetUserIds: [], status: 'Published', createdById: me.user.id });

    // Editing cannot widen it either.
    const widened = await me.post(`${me.base}/${row.id}/edit`, { title: 'Week 1', body: 'Welcome', targetRole: 'AllStudents', intent: 'save' });
    expect(widened.status).toBe(422);
    expect((await rowOf(row.id)).targetRole).toBe('CourseStudents');
  });

  it("an admin's announcement to another audience is not reachable from a course route", async () => {
    const me = await teacherWithCourse();
    const a = await createAnnouncement(t.db, { targetRole: 'AllStudents' });
    expect((await me.agent.get(`${me.base}/${a.id}`)).status).toBe(404);
    expect((await me.post(`${me.base}/${a.id}/delete`)).status).toBe(404);
  });
});

describe('the form', () => {
  it('chosen students by email: a teacher address and an unknown one are named in a 422, what was typed kept', async () => {
    const me = await admin();
    const student = await createUser(t.db, { email: 'sam.student@example.test' });
    await createTeacher(t.db, { email: 'tess.teacher@example.test' });
    const res = await me.post('/admin/announcements/new', {
      title: 'Room change',
      body: 'We meet in **room 4**.',
      targetRole: 'SpecificStudents',
      targetUserIds: 'sam.student@example.test\nTess.Teacher@example.test, nobody@example.test',
      intent: 'publish',
    });
    expect(res.status).toBe(422);
    expect(res.text).toContain('Not a student: tess.teacher@example.test.');
    expect(res.text).toContain('nobody@example.test');
    expect(res.text).toContain('value="Room change"');
    expect(res.text).toContain('We meet in **room 4**.');
    expect(res.text).toContain('Tess.Teacher@example.test, nobody@example.test');

    const ok = await me.post('/admin/announcements/new', { title: 'Room change', body: 'Room 4', targetRole: 'SpecificStudents', targetUserIds: 'SAM.student@example.test', intent: 'draft' });
    expect(ok.status).toBe(303);
    expect((await rowOf(idFrom(ok.headers.location))).targetUserIds).toEqual([student.id]);
  });

  it('Markdown is rendered and sanitised: no <script>, no htmx attribute is ever stored', async () => {
    const me = await admin();
    const body = 'Hello **all**\n\n<script>alert(1)</script>\n\n<div hx-get="/account" hx-trigger="load">x</div>\n\n[link](javascript:alert(1))';
    const res = await me.post('/admin/announcements/new', { title: 'Safe', body, targetRole: 'AllUsers', intent: 'draft' });
    expect(res.status).toBe(303);
    const row = await rowOf(idFrom(res.headers.location));
    expect(row.bodyMarkdown).toBe(body);
    expect(row.body).toContain('<strong>all</strong>');
    // What was typed as HTML is shown as text (escaped), never as a live tag or attribute.
    expect(row.body).not.toMatch(/<script|<div|<[a-z][^<>]*\shx-[a-z-]+\s*=|href="javascript:/i);
    expect(row.body).toContain('&lt;script&gt;');
    const page = await me.agent.get(`/admin/announcements/${row.id}`);
    expect(page.text).toContain('hx-disable');
  });

  it('a title, a body and a known audience are required; an end before the start is refused', async () => {
    const me = await admin();
    const res = await me.post('/admin/announcements/new', { title: ' ', body: '', targetRole: 'Everyone', intent: 'draft' });
    expect(res.status).toBe(422);
    expect(res.text).toContain('Title is required.');
    expect(res.text).toContain('The announcement is required.');
    expect(res.text).toContain('Choose who the announcement is for.');
    const ends = await me.post('/admin/announcements/new', { title: 'T', body: 'B', targetRole: 'AllUsers', scheduledAt: local(120), expiresAt: local(60), intent: 'publish' });
    expect(ends.status).toBe(422);
    expect(ends.text).toContain('The end must come after the publishing time.');
    // 20,000 characters are the most; multi-byte ones come through the form (its own 1 MB limit).
    const long = await me.post('/admin/announcements/new', { title: 'Long', body: 'é'.repeat(20_001), targetRole: 'AllUsers', intent: 'draft' });
    expect(long.status).toBe(422);
    expect(long.text).toContain('The announcement must be at most 20,000 characters.');
    const longest = await me.post('/admin/announcements/new', { title: 'Long', body: 'é'.repeat(20_000), targetRole: 'AllUsers', intent: 'draft' });
    expect(longest.status).toBe(303);
    const course = await me.post('/admin/announcements/new', { title: 'T', body: 'B', targetRole: 'CourseStudents', intent: 'draft' });
    expect(course.status).toBe(422);
    expect(course.text).toContain('Choose the course whose students it is for.');
  });
});

describe('status', () => {
  it('Save draft keeps it a Draft that no one sees; Publish now publishes it', async () => {
    const me = await admin();
    const res = await me.post('/admin/announcements/new', { title: 'Draft one', body: 'Soon', targetRole: 'AllUsers', intent: 'draft' });
    const id = idFrom(res.headers.location);
    expect(await rowOf(id)).toMatchObject({ status: 'Draft', publishedAt: null });
    const published = await me.post(`/admin/announcements/${id}/publish`);
    expect(published.status).toBe(303);
    const row = await rowOf(id);
    expect(row.status).toBe('Published');
    expect(row.publishedAt).not.toBeNull();
    expect(await actionsOf(id)).toEqual(['announcement_created', 'announcement_published']);
    // Once is enough: a second click is a 409, not a second publish.
    expect((await me.post(`/admin/announcements/${id}/publish`)).status).toBe(409);
  });

  it('a publishing time in the future schedules it; one in the past publishes it at once', async () => {
    const me = await admin();
    const later = await me.post('/admin/announcements/new', { title: 'Later', body: 'B', targetRole: 'AllUsers', scheduledAt: local(90), intent: 'publish' });
    const scheduled = await rowOf(idFrom(later.headers.location));
    expect(scheduled).toMatchObject({ status: 'Scheduled', publishedAt: null });
    expect(scheduled.scheduledAt!.getTime()).toBeGreaterThan(Date.now() + 80 * 60_000);

    const past = await me.post('/admin/announcements/new', { title: 'Past', body: 'B', targetRole: 'AllUsers', scheduledAt: local(-90), intent: 'publish' });
    const row = await rowOf(idFrom(past.headers.location));
    expect(row.status).toBe('Published');
    expect(Math.abs(row.publishedAt!.getTime() - Date.now())).toBeLessThan(60_000);
  });

  it('the publishing time is read on the writer\'s clock', async () => {
    const me = await signedInAs(t.app, t.db, 'admin', { timeZone: 'Europe/Berlin' });
    const res = await me.post('/admin/announcements/new', { title: 'Berlin', body: 'B', targetRole: 'AllUsers', scheduledAt: '2030-01-15T09:00', intent: 'publish' });
    expect((await rowOf(idFrom(res.headers.location))).scheduledAt!.toISOString()).toBe('2030-01-15T08:00:00.000Z');
  });

  it('editing a Published announcement keeps it Published, its read marks and its viewCount', async () => {
    const me = await admin();
    const a = await createAnnouncement(t.db, { createdById: me.user.id, viewCount: 2 });
    const readers = await Promise.all([createUser(t.db), createUser(t.db)]);
    await t.db.insertInto('announcementReadStatus').values(readers.map((r) => ({ userId: r.id, announcementId: a.id }))).execute();
    const res = await me.post(`/admin/announcements/${a.id}/edit`, { title: 'Exam dates (updated)', body: 'New rooms', targetRole: 'AllUsers', intent: 'save' });
    expect(res.status).toBe(303);
    const row = await rowOf(a.id);
    expect(row).toMatchObject({ status: 'Published', title: 'Exam dates (updated)', viewCount: 2 });
    expect(row.publishedAt!.getTime()).toBe(a.publishedAt!.getTime());
    expect(await t.db.selectFrom('announcementReadStatus').select('userId').where('announcementId', '=', a.id).execute()).toHaveLength(2);
  });

  it('End now expires it; an ended one is no longer edited', async () => {
    const me = await teacherWithCourse();
    const a = await createAnnouncement(t.db, { createdById: me.user.id, targetRole: 'CourseStudents', targetCourseId: me.course.id });
    const res = await me.post(`${me.base}/${a.id}/end`);
    expect(res.status).toBe(303);
    expect((await rowOf(a.id)).status).toBe('Expired');
    expect(await actionsOf(a.id)).toEqual(['announcement_expired']);
    const edit = await me.agent.get(`${me.base}/${a.id}/edit`);
    expect(edit.status).toBe(303);
    expect((await me.post(`${me.base}/${a.id}/edit`, { title: 'x', body: 'y', intent: 'save' })).status).toBe(409);
  });

  it('a teacher deletes a draft but not a published announcement; an admin may delete any', async () => {
    const me = await teacherWithCourse();
    const draft = await createAnnouncement(t.db, { createdById: me.user.id, targetRole: 'CourseStudents', targetCourseId: me.course.id, status: 'Draft', publishedAt: null });
    const live = await createAnnouncement(t.db, { createdById: me.user.id, targetRole: 'CourseStudents', targetCourseId: me.course.id });
    expect((await me.post(`${me.base}/${draft.id}/delete`)).status).toBe(303);
    expect(await t.db.selectFrom('announcement').select('id').where('id', '=', draft.id).execute()).toEqual([]);
    const refused = await me.post(`${me.base}/${live.id}/delete`);
    expect(refused.status).toBe(409);
    expect(refused.text).toContain('end it instead');
    const boss = await admin();
    expect((await boss.post(`/admin/announcements/${live.id}/delete`)).status).toBe(303);
    expect(await t.db.selectFrom('announcement').select('id').where('id', '=', live.id).execute()).toEqual([]);
  });
});

describe('urgent mail from the forms', () => {
  it('saving an urgent one with a past time publishes it and queues its audience\'s mail at once; marking a live one urgent later mails those not yet mailed', async () => {
    const me = await teacherWithCourse();
    const students = [await createUser(t.db), await createUser(t.db)];
    for (const s of students) await createEnrollment(t.db, { userId: s.id, courseId: me.course.id, status: 'Active' });
    const res = await me.post(`${me.base}/new`, { title: 'Closed', body: 'No class today', scheduledAt: local(-5), isUrgent: 'on', intent: 'publish' });
    expect(res.status).toBe(303);
    const id = idFrom(res.headers.location);
    const queued = await t.db.selectFrom('mailOutbox').select('userId').where('announcementId', '=', id).execute();
    expect(queued.map((q) => q.userId).sort()).toEqual(students.map((s) => s.id).sort());

    const plain = await createAnnouncement(t.db, { createdById: me.user.id, targetRole: 'CourseStudents', targetCourseId: me.course.id });
    await me.post(`${me.base}/${plain.id}/edit`, { title: 'Now urgent', body: 'Read this', intent: 'save' });
    expect(await t.db.selectFrom('mailOutbox').select('userId').where('announcementId', '=', plain.id).execute()).toEqual([]);
    await me.post(`${me.base}/${plain.id}/edit`, { title: 'Now urgent', body: 'Read this', isUrgent: 'on', intent: 'save' });
    expect(await t.db.selectFrom('mailOutbox').select('userId').where('announcementId', '=', plain.id).execute()).toHaveLength(2);
  });
});

describe('who may write', () => {
  it('students and teachers get 404 from the admin pages; students from the course pages', async () => {
    const a = await createAnnouncement(t.db);
    const student = await signedInAs(t.app, t.db, 'student');
    const teacher = await signedInAs(t.app, t.db, 'teacher');
    const course = await createCourse(t.db);
    for (const who of [student, teacher]) {
      expect((await who.agent.get('/admin/announcements')).status).toBe(404);
      expect((await who.agent.get(`/admin/announcements/${a.id}`)).status).toBe(404);
      expect((await who.post(`/admin/announcements/${a.id}/end`)).status).toBe(404);
    }
    expect((await student.agent.get(`/teach/courses/${course.id}/announcements`)).status).toBe(404);
    expect((await rowOf(a.id)).status).toBe('Published');
  });
});

describe('attachments', () => {
  it('a PDF is attached (key and name in step), removed again; a program is refused', async () => {
    const me = await admin();
    const a = await createAnnouncement(t.db, { createdById: me.user.id, status: 'Draft', publishedAt: null });
    const pdf = Buffer.from('%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n');
    const res = await me.agent.post(`/admin/announcements/${a.id}/attachments?_csrf=${encodeURIComponent(me.csrf)}`).attach('file', pdf, 'Exam rooms.pdf');
    expect(res.status, res.text.slice(0, 300)).toBe(303);
    let row = await rowOf(a.id);
    expect(row.attachmentNames).toEqual(['Exam rooms.pdf']);
    expect(row.attachmentKeys[0]).toMatch(/^announcements\/\d{4}\/\d{2}\/[0-9a-f-]+\.pdf$/);

    const exe = await me.agent
      .post(`/admin/announcements/${a.id}/attachments?_csrf=${encodeURIComponent(me.csrf)}`)
      .attach('file', Buffer.concat([Buffer.from('MZ'), Buffer.alloc(500)]), 'setup.pdf');
    expect(exe.status).toBe(422);
    expect(exe.text).toContain('not a type we accept');

    const removed = await me.post(`/admin/announcements/${a.id}/attachments/delete`, { key: row.attachmentKeys[0]! });
    expect(removed.status).toBe(303);
    row = await rowOf(a.id);
    expect(row.attachmentKeys).toEqual([]);
    expect(row.attachmentNames).toEqual([]);
  });

  it('at most five files', async () => {
    const me = await admin();
    const keys = [1, 2, 3, 4, 5].map((n) => `announcements/2026/11/00000000-0000-4000-8000-00000000000${n}.txt`);
    const a = await createAnnouncement(t.db, { createdById: me.user.id, attachmentKeys: keys, attachmentNames: keys.map((_, i) => `f${i}.txt`) });
    const res = await me.agent.post(`/admin/announcements/${a.id}/attachments?_csrf=${encodeURIComponent(me.csrf)}`).attach('file', Buffer.from('hello\n'), 'six.txt');
    expect(res.status).toBe(422);
    expect(res.text).toContain('at most 5 files');
    expect((await rowOf(a.id)).attachmentKeys).toHaveLength(5);
  });
});

describe('figures for the writer', () => {
  it('audience size, reads among the current audience, read %, who has not read it (newest enrolment first) and the CSV', async () => {
    const me = await teacherWithCourse();
    const students: Array<{ id: string; email: string }> = [];
    for (let i = 0; i < 4; i++) {
      const s = await createUser(t.db, { firstName: `Stu${i}`, lastName: 'Dent', email: `stu${i}-${me.course.id.slice(0, 8)}@example.test` });
      await createEnrollment(t.db, { userId: s.id, courseId: me.course.id, status: 'Active', createdAt: new Date(Date.now() - (10 - i) * 86_400_000) });
      students.push(s);
    }
    const a = await createAnnouncement(t.db, { createdById: me.user.id, targetRole: 'CourseStudents', targetCourseId: me.course.id });
    // One reader still in the audience, one who left the course since (counts neither way).
    const left = await createUser(t.db);
    await createEnrollment(t.db, { userId: left.id, courseId: me.course.id, status: 'Cancelled' });
    await t.db.insertInto('announcementReadStatus').values([{ userId: students[0]!.id, announcementId: a.id }, { userId: left.id, announcementId: a.id }]).execute();

    const page = await me.agent.get(`${me.base}/${a.id}`);
    expect(page.status).toBe(200);
    const text = page.text.replace(/\s+/g, ' ');
    expect(text).toContain('<strong>4</strong> in the audience');
    expect(text).toContain('<strong>1</strong> read it');
    expect(text).toContain('<strong>25%</strong> read');
    const order = ['Stu3', 'Stu2', 'Stu1'].map((n) => text.indexOf(`${n} Dent`));
    expect(order.every((i) => i > 0)).toBe(true);
    expect(order).toEqual([...order].sort((x, y) => x - y));
    expect(text).not.toContain('Stu0 Dent');

    const csv = await me.agent.get(`${me.base}/${a.id}?format=csv`);
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    const lines = csv.text.trim().split('\n');
    expect(lines[0]).toBe('name,email');
    expect(lines.slice(1).sort()).toEqual([1, 2, 3].map((i) => `Stu${i} Dent,${students[i]!.email}`).sort());
  });
});

describe('budgets and query counts', () => {
  it('the admin list stays within the page budget with the same number of queries for 5 and 25 announcements', async () => {
    const me = await admin();
    const writer = await createAdmin(t.db);
    await t.db.deleteFrom('announcement').execute();
    const add = (n: number) =>
      Promise.all(Array.from({ length: n }, (_, i) => createAnnouncement(t.db, { createdById: writer.id, title: `Note ${i} ${'words '.repeat(20)}`, isUrgent: i % 2 === 0 })));
    await add(5);
    const few = await countQueries(t.db, () => me.agent.get('/admin/announcements'));
    expect(few.result.status).toBe(200);
    await add(20);
    const many = await countQueries(t.db, () => me.agent.get('/admin/announcements'));
    expect(many.result.text).toContain('Page 1 of 2');
    expectWithinPageBudget(many.result);
    expect(many.count).toBe(few.count);
  });

  it("an announcement's figures page stays within the budget with the same number of queries for 5 and 50 readers", async () => {
    const me = await teacherWithCourse();
    const a = await createAnnouncement(t.db, { createdById: me.user.id, targetRole: 'CourseStudents', targetCourseId: me.course.id, body: `<p>${'text '.repeat(400)}</p>` });
    /** `n` more students of the course, the first `readers` of whom have read it. */
    const enrol = async (n: number, readers: number) => {
      for (let i = 0; i < n; i++) {
        const s = await createUser(t.db);
        await createEnrollment(t.db, { userId: s.id, courseId: me.course.id, status: 'Active' });
        if (i < readers) await t.db.insertInto('announcementReadStatus').values({ userId: s.id, announcementId: a.id }).execute();
      }
    };
    await enrol(10, 5);
    const few = await countQueries(t.db, () => me.agent.get(`${me.base}/${a.id}`));
    expect(few.result.status).toBe(200);
    expect(few.result.text).toContain('<strong>5</strong> read it');
    // 50 readers, and 60 who have not read it: two pages of the table.
    await enrol(100, 45);
    expect((await me.agent.get(`${me.base}/${a.id}`)).text).toContain('<strong>50</strong> read it');
    const many = await countQueries(t.db, () => me.agent.get(`${me.base}/${a.id}`));
    expect(many.result.text).toContain('Page 1 of 2');
    expectWithinPageBudget(many.result);
    expect(many.count).toBe(few.count);
    // The course's list too.
    const list = await countQueries(t.db, () => me.agent.get(me.base));
    expectWithinPageBudget(list.result);
  });
});
