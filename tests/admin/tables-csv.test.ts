import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { useTestApp } from '../setup/app.ts';
import { createAnnouncement } from '../setup/announcement-factories.ts';
import { createAdmin, createBlogCategory, createCourse, createEnrollment, createPost, createUser } from '../setup/factories.ts';
import { signedInAs } from '../setup/users.ts';

/**
 * The blog moderation table and the announcements lists on the admin table: their count and CSV
 * link, and the CSV of every row the filters select. An announcement's not-read list streams in
 * batches.
 */

describe('admin tables as CSV: blog moderation and announcements', () => {
  const t = useTestApp();

  it('blog: every post the filters select (not only the page), plain columns, a formula neutralised; drafts never', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    const category = await createBlogCategory(t.db, { name: 'Csv Blog Category' });
    const author = await createUser(t.db, { firstName: 'Ottilie', lastName: 'Writer', email: 'ottilie@blogcsv.example' });
    for (let i = 0; i < 22; i++) await createPost(t.db, { authorId: author.id, categoryId: category.id, status: 'Pending', title: `Queue ${i}` });
    const evil = await createPost(t.db, { authorId: author.id, categoryId: category.id, status: 'Published', title: '-2+3 tips', isFeatured: true, pointsSpent: 5, publishedAt: new Date('2026-10-01T09:30:00Z') });
    await createPost(t.db, { authorId: author.id, categoryId: category.id, status: 'Pending', title: 'Hidden draft', isDraft: true });
    await createPost(t.db, { authorId: author.id, status: 'Pending', title: 'Other category' });

    const page = await admin.agent.get(`/admin/blog?category=${category.id}&status=any`).expect(200);
    expect(page.text).toContain('23 posts');
    expect(page.text).toContain(`href="/admin/blog?sort=created&amp;dir=asc&amp;status=any&amp;category=${category.id}&amp;featured=any&amp;format=csv"`);

    const csv = await admin.agent.get(`/admin/blog?category=${category.id}&status=any&format=csv`).expect(200);
    expect(csv.headers['content-disposition']).toBe('attachment; filename="blog-posts.csv"');
    const lines = csv.text.trim().split('\n');
    expect(lines[0]).toBe('id,title,slug,author,email,category,status,featured,points,created at,published at,rejection reason');
    expect(lines).toHaveLength(24);
    expect(csv.text).not.toContain('Hidden draft');
    expect(csv.text).not.toContain('Other category');
    const row = lines.find((l) => l.startsWith(evil.id))!;
    expect(row).toContain(`,"'-2+3 tips",${evil.slug},Ottilie Writer,ottilie@blogcsv.example,Csv Blog Category,Published,yes,5,`);
    expect(row).toContain(',2026-10-01T09:30:00.000Z,');
    // The default filter (Pending) as on the page.
    const pending = await admin.agent.get(`/admin/blog?category=${category.id}&format=csv`).expect(200);
    expect(pending.text.trim().split('\n')).toHaveLength(23);
  });

  it('announcements: the list as CSV with each row\'s audience and reads among it; a teacher\'s list holds only their course', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    const teacher = await signedInAs(t.app, t.db, 'teacher');
    const course = await createCourse(t.db, { userId: teacher.user.id, title: 'Csv Announce Course' });
    const students = [];
    for (let i = 0; i < 3; i++) {
      const s = await createUser(t.db);
      await createEnrollment(t.db, { userId: s.id, courseId: course.id, status: 'Active' });
      students.push(s);
    }
    const left = await createUser(t.db);
    await createEnrollment(t.db, { userId: left.id, courseId: course.id, status: 'Cancelled' });
    const writer = await createAdmin(t.db);
    const ours = await createAnnouncement(t.db, { createdById: teacher.user.id, title: '=Course news', targetRole: 'CourseStudents', targetCourseId: course.id, isUrgent: true });
    // A reader still in the audience counts; one who left the course does not.
    await t.db.insertInto('announcementReadStatus').values([{ userId: students[0]!.id, announcementId: ours.id }, { userId: left.id, announcementId: ours.id }]).execute();
    const draft = await createAnnouncement(t.db, { createdById: writer.id, title: 'Draft to teachers', targetRole: 'AllTeachers', status: 'Draft', publishedAt: null });
    const teachers = (await t.db.selectFrom('user').select(sql<number>`count(*)::int`.as('n')).where('role', '=', 'teacher').executeTakeFirstOrThrow()).n;

    const page = await admin.agent.get('/admin/announcements').expect(200);
    expect(page.text).toContain('2 announcements');
    expect(page.text).toContain('href="/admin/announcements?sort=created&amp;dir=desc&amp;status=any&amp;target=any&amp;format=csv"');
    expect(page.text).toContain('1 / 3');

    const csv = await admin.agent.get('/admin/announcements?format=csv').expect(200);
    expect(csv.headers['content-disposition']).toBe('attachment; filename="announcements.csv"');
    const lines = csv.text.trim().split('\n');
    expect(lines[0]).toBe('id,title,audience,status,urgent,scheduled at,published at,ends at,audience size,reads');
    expect(lines).toHaveLength(3);
    expect(lines.find((l) => l.startsWith(ours.id))).toMatch(new RegExp(`^${ours.id},"'=Course news",Students of Csv Announce Course,Published,yes,,\\d{4}-[^,]+Z,,3,1$`));
    expect(lines.find((l) => l.startsWith(draft.id))).toBe(`${draft.id},Draft to teachers,All teachers,Draft,no,,,,${teachers},0`);
    const drafts = await admin.agent.get('/admin/announcements?status=Draft&format=csv').expect(200);
    expect(drafts.text.trim().split('\n')).toHaveLength(2);

    const list = await teacher.agent.get(`/teach/courses/${course.id}/announcements`).expect(200);
    expect(list.text).toContain(`href="/teach/courses/${course.id}/announcements?sort=created&amp;dir=desc&amp;status=any&amp;target=any&amp;format=csv"`);
    const mine = await teacher.agent.get(`/teach/courses/${course.id}/announcements?format=csv`).expect(200);
    expect(mine.text.trim().split('\n')).toHaveLength(2);
    expect(mine.text).not.toContain('Draft to teachers');
    const otherTeacher = await signedInAs(t.app, t.db, 'teacher');
    await otherTeacher.agent.get(`/teach/courses/${course.id}/announcements?format=csv`).expect(404);
    await teacher.agent.get('/admin/announcements?format=csv').expect(404);
  });

  it("an announcement's not-read CSV streams every one of 2,500 people (three batches), the readers left out", async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    const run = `nr${Date.now()}`;
    await sql`
      insert into "user" (first_name, last_name, email, role)
      select case when i = 1 then '@evil' else 'Teach' end, 'Er ' || i, ${run} || '-' || i || '@example.test', 'teacher'
      from generate_series(1, 2500) i`.execute(t.db.withoutPlugins());
    const a = await createAnnouncement(t.db, { targetRole: 'AllTeachers' });
    await sql`
      insert into announcement_read_status (user_id, announcement_id)
      select id, ${a.id}::uuid from "user" where email like ${`${run}-1_@example.test`}`.execute(t.db.withoutPlugins());
    const audience = (await t.db.selectFrom('user').select(sql<number>`count(*)::int`.as('n')).where('role', '=', 'teacher').executeTakeFirstOrThrow()).n;

    const csv = await admin.agent.get(`/admin/announcements/${a.id}?format=csv`).buffer(true).expect(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.headers['content-length']).toBeUndefined();
    const lines = csv.text.trim().split('\n');
    expect(lines[0]).toBe('name,email');
    // Ten readers (…-10 to …-19) are not listed; everyone else is, once.
    expect(lines).toHaveLength(audience - 10 + 1);
    expect(new Set(lines).size).toBe(lines.length);
    expect(csv.text).not.toContain(`${run}-15@example.test`);
    expect(csv.text).toContain(`"'@evil Er 1",${run}-1@example.test`);
  });
});
