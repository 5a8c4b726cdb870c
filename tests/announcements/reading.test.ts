import { beforeEach, describe, expect, it } from 'vitest';
import { useTestApp } from '../setup/app.ts';
import { createAnnouncement } from '../setup/announcement-factories.ts';
import { expectWithinPageBudget } from '../setup/budget.ts';
import { createCourse, createEnrollment, createTeacher, createUser } from '../setup/factories.ts';
import { countQueries } from '../setup/queries.ts';
import { signedInAs } from '../setup/users.ts';

const t = useTestApp();

/** The announcement titles of the list, in order. */
const titlesOf = (html: string) => [...html.matchAll(/<h2><a href="\/announcements\/[^"]+">([^<]*)<\/a><\/h2>/g)].map((m) => m[1]);
/** The list item of one title. */
const itemOf = (html: string, title: string) => {
  const at = html.indexOf(`>${title}</a></h2>`);
  return html.slice(html.lastIndexOf('<li', at), html.indexOf('</li>', at));
};
const minutesAgo = (n: number) => new Date(Date.now() - n * 60_000);
const readRows = (announcementId: string) => t.db.selectFrom('announcementReadStatus').selectAll().where('announcementId', '=', announcementId).execute();

beforeEach(async () => {
  await t.db.deleteFrom('announcement').execute();
});

describe('GET /announcements', () => {
  it('lists the Published announcements addressed to the reader, newest first, with date, writer, course, excerpt, and the unread and urgent ones marked', async () => {
    const reader = await signedInAs(t.app, t.db, 'student');
    const writer = await createTeacher(t.db, { firstName: 'Rosa', lastName: 'Parks' });
    const course = await createCourse(t.db, { userId: writer.id, title: 'Algebra one' });
    await createEnrollment(t.db, { userId: reader.user.id, courseId: course.id });

    const read = await createAnnouncement(t.db, { title: 'Welcome', publishedAt: minutesAgo(60) });
    await t.db.insertInto('announcementReadStatus').values({ announcementId: read.id, userId: reader.user.id }).execute();
    await createAnnouncement(t.db, {
      title: 'Quiz moved',
      createdById: writer.id,
      targetRole: 'CourseStudents',
      targetCourseId: course.id,
      isUrgent: true,
      publishedAt: minutesAgo(5),
      body: `<p>The quiz is <strong>on Friday</strong> &amp; in room 4. ${'More words here. '.repeat(30)}</p>`,
    });
    await createAnnouncement(t.db, { title: 'Students only', targetRole: 'AllStudents', publishedAt: minutesAgo(30) });
    // Not shown: not Published, or not for this reader.
    await createAnnouncement(t.db, { title: 'A draft', status: 'Draft', publishedAt: null });
    await createAnnouncement(t.db, { title: 'Later', status: 'Scheduled', publishedAt: null, scheduledAt: new Date(Date.now() + 3_600_000) });
    await createAnnouncement(t.db, { title: 'Gone', status: 'Expired', publishedAt: minutesAgo(600) });
    await createAnnouncement(t.db, { title: 'Teachers only', targetRole: 'AllTeachers' });

    const res = await reader.agent.get('/announcements').expect(200);
    expect(titlesOf(res.text)).toEqual(['Quiz moved', 'Students only', 'Welcome']);
    expect(res.text).toContain('3 announcements');
    const urgent = itemOf(res.text, 'Quiz moved');
    expect(urgent).toContain('class="announcement-item unread"');
    expect(urgent).toContain('<span class="status status-unread">Unread</span>');
    expect(urgent).toContain('<span class="status status-urgent">Urgent</span>');
    expect(urgent).toContain('Rosa Parks · Algebra one');
    // A plain-text excerpt: tags gone, entities read, cut at a word.
    expect(urgent).toContain('The quiz is on Friday &amp; in room 4. More words');
    expect(urgent).not.toContain('&lt;strong');
    expect(urgent).toContain('…</p>');
    expect(urgent).toMatch(/<time datetime="[^"]+">/);
    const old = itemOf(res.text, 'Welcome');
    expect(old).not.toContain('Unread');
    expect(old).not.toContain('Urgent');
    // The list links to the inbox.
    expect(res.text).toContain('<a href="/notifications">Notifications</a>');
  });

  it('says so when there is nothing, and pages 20 at a time', async () => {
    const reader = await signedInAs(t.app, t.db, 'student');
    expect((await reader.agent.get('/announcements').expect(200)).text).toContain('No announcements for you yet');

    const writer = await createTeacher(t.db);
    for (let i = 0; i < 23; i++) await createAnnouncement(t.db, { title: `News ${i}`, createdById: writer.id, publishedAt: minutesAgo(i) });
    const first = await reader.agent.get('/announcements').expect(200);
    expect(titlesOf(first.text)).toHaveLength(20);
    expect(titlesOf(first.text)[0]).toBe('News 0');
    expect(first.text).toContain('href="/announcements?page=2" rel="next"');
    const second = await reader.agent.get('/announcements?page=2').expect(200);
    expect(titlesOf(second.text)).toEqual(['News 20', 'News 21', 'News 22']);
    // Odd page values fall back to the first page, never a 500.
    for (const q of ['page=-1', 'page=abc', 'page[]=2', 'page=99999999']) await reader.agent.get(`/announcements?${q}`).expect(200);
  });

  it('sends visitors to sign in', async () => {
    const res = await t.request().get('/announcements').expect(303);
    expect(res.headers.location).toBe('/auth/login?next=%2Fannouncements');
    await t.request().get(`/announcements/${crypto.randomUUID()}`).expect(303);
  });

  it('stays within the page budget with the same number of queries for 5 and 50 announcements', async () => {
    const reader = await signedInAs(t.app, t.db, 'student');
    const writer = await createTeacher(t.db);
    const course = await createCourse(t.db, { userId: writer.id });
    await createEnrollment(t.db, { userId: reader.user.id, courseId: course.id });
    const make = async (n: number) => {
      for (let i = 0; i < n; i++) {
        await createAnnouncement(t.db, {
          title: `Announcement with a longer title number ${i}`,
          createdById: writer.id,
          targetRole: i % 2 ? 'CourseStudents' : 'AllStudents',
          targetCourseId: i % 2 ? course.id : null,
          isUrgent: i % 5 === 0,
          body: `<p>${'A paragraph of news for the students of the course. '.repeat(40)}</p>`,
        });
      }
    };
    await make(5);
    const few = await countQueries(t.db, () => reader.agent.get('/announcements').expect(200));
    await make(45);
    const many = await countQueries(t.db, () => reader.agent.get('/announcements').expect(200));
    expect(titlesOf(many.result.text)).toHaveLength(20);
    expect(many.count).toBe(few.count);
    expectWithinPageBudget(many.result);
  });
});

describe('GET /announcements/:id', () => {
  it('shows the announcement (body in hx-disable, attachments linked by name) and marks it read once', async () => {
    const reader = await signedInAs(t.app, t.db, 'student');
    const writer = await createTeacher(t.db, { firstName: 'Ada', lastName: 'King' });
    const a = await createAnnouncement(t.db, {
      title: 'Field trip',
      createdById: writer.id,
      body: '<p>Bring <em>boots</em>.</p>',
      attachmentKeys: ['announcements/2026/abc123.pdf', 'announcements/2026/def456.png'],
      attachmentNames: ['Permission form.pdf', 'Map.png'],
    });

    const res = await reader.agent.get(`/announcements/${a.id}`).expect(200);
    expect(res.text).toContain('<h1 id="announcement-title">Field trip</h1>');
    expect(res.text).toContain('By Ada King');
    expect(res.text).toContain('<div class="prose" hx-disable><p>Bring <em>boots</em>.</p></div>');
    expect(res.text).toContain('<a href="/media/announcements/2026/abc123.pdf"><svg class="icon" aria-hidden="true"><use href="#i-file"/></svg>Permission form.pdf</a>');
    expect(res.text).toContain('Map.png</a>');
    // Read now: one row, one view; opening it again changes nothing.
    expect(await readRows(a.id)).toHaveLength(1);
    await reader.agent.get(`/announcements/${a.id}`).expect(200);
    expect(await readRows(a.id)).toHaveLength(1);
    const row = await t.db.selectFrom('announcement').select('viewCount').where('id', '=', a.id).executeTakeFirstOrThrow();
    expect(row.viewCount).toBe(1);
    // The list no longer marks it unread.
    const list = await reader.agent.get('/announcements').expect(200);
    expect(itemOf(list.text, 'Field trip')).not.toContain('Unread');
  });

  it('a link prefetch does not mark it read', async () => {
    const reader = await signedInAs(t.app, t.db, 'student');
    const a = await createAnnouncement(t.db);
    await reader.agent.get(`/announcements/${a.id}`).set('Sec-Purpose', 'prefetch').expect(200);
    expect(await readRows(a.id)).toHaveLength(0);
  });

  it('answers 404 for unknown ids, odd ids, and announcements that are not Published or not for the reader, and marks nothing', async () => {
    const reader = await signedInAs(t.app, t.db, 'student');
    const hidden = [
      await createAnnouncement(t.db, { status: 'Draft', publishedAt: null }),
      await createAnnouncement(t.db, { status: 'Scheduled', publishedAt: null, scheduledAt: new Date(Date.now() + 60_000) }),
      await createAnnouncement(t.db, { status: 'Expired' }),
      await createAnnouncement(t.db, { targetRole: 'AllTeachers' }),
      await createAnnouncement(t.db, { targetRole: 'SpecificStudents', targetUserIds: [(await createUser(t.db)).id] }),
    ];
    for (const a of hidden) {
      await reader.agent.get(`/announcements/${a.id}`).expect(404);
      expect(await readRows(a.id)).toHaveLength(0);
    }
    await reader.agent.get(`/announcements/${crypto.randomUUID()}`).expect(404);
    await reader.agent.get('/announcements/not-a-uuid').expect(404);
    await reader.agent.get("/announcements/'%20or%201=1--").expect(404);
  });

  it('stays within the page budget with the same number of queries for 1 and 10 attachments', async () => {
    const reader = await signedInAs(t.app, t.db, 'student');
    const keys = (n: number) => Array.from({ length: n }, (_, i) => `announcements/2026/file-${i}-${crypto.randomUUID()}.pdf`);
    const one = await createAnnouncement(t.db, { attachmentKeys: keys(1), attachmentNames: ['a.pdf'] });
    const ten = await createAnnouncement(t.db, {
      body: `<p>${'Long text. '.repeat(3000)}</p>`,
      attachmentKeys: keys(10),
      attachmentNames: Array.from({ length: 10 }, (_, i) => `Handout ${i}.pdf`),
    });
    const first = await countQueries(t.db, () => reader.agent.get(`/announcements/${one.id}`).expect(200));
    const second = await countQueries(t.db, () => reader.agent.get(`/announcements/${ten.id}`).expect(200));
    expect(second.count).toBe(first.count);
    expectWithinPageBudget(second.result);
    // Read already: one query fewer (no mark).
    const again = await countQueries(t.db, () => reader.agent.get(`/announcements/${ten.id}`).expect(200));
    expect(again.count).toBe(first.count - 1);
  });
});

describe('who an announcement reaches', () => {
  it('a course announcement: only Active, unbanned students of that course; never a student of another course, a banned student or a teacher of another course', async () => {
    const teacher = await createTeacher(t.db);
    const course = await createCourse(t.db, { userId: teacher.id });
    const other = await createCourse(t.db);
    const student = await signedInAs(t.app, t.db, 'student');
    const elsewhere = await signedInAs(t.app, t.db, 'student');
    const banned = await signedInAs(t.app, t.db, 'student');
    const pending = await signedInAs(t.app, t.db, 'student');
    const otherTeacher = await signedInAs(t.app, t.db, 'teacher');
    await createEnrollment(t.db, { userId: student.user.id, courseId: course.id });
    await createEnrollment(t.db, { userId: elsewhere.user.id, courseId: other.id });
    await createEnrollment(t.db, { userId: banned.user.id, courseId: course.id, banned: true, banType: 'Permanent', banReason: 'spam' });
    await createEnrollment(t.db, { userId: pending.user.id, courseId: course.id, status: 'Pending' });
    await createCourse(t.db, { userId: otherTeacher.user.id });
    const a = await createAnnouncement(t.db, { title: 'Course news', createdById: teacher.id, targetRole: 'CourseStudents', targetCourseId: course.id });

    expect(titlesOf((await student.agent.get('/announcements').expect(200)).text)).toEqual(['Course news']);
    await student.agent.get(`/announcements/${a.id}`).expect(200);
    for (const who of [elsewhere, banned, pending, otherTeacher]) {
      expect(titlesOf((await who.agent.get('/announcements').expect(200)).text), who.user.email).toEqual([]);
      await who.agent.get(`/announcements/${a.id}`).expect(404);
    }
    // A temporary ban that has run out no longer keeps the student out.
    await t.db.updateTable('enrollment').set({ banType: 'Temporary', banUntil: minutesAgo(1) }).where('userId', '=', banned.user.id).execute();
    await banned.agent.get(`/announcements/${a.id}`).expect(200);
  });

  it('AllStudents reaches a student with an Active enrollment and not one without; SpecificStudents only the listed students', async () => {
    const enrolled = await signedInAs(t.app, t.db, 'student');
    const notEnrolled = await signedInAs(t.app, t.db, 'student');
    const listed = await signedInAs(t.app, t.db, 'student');
    const listedTeacher = await signedInAs(t.app, t.db, 'teacher');
    await createEnrollment(t.db, { userId: enrolled.user.id });
    const all = await createAnnouncement(t.db, { title: 'For students', targetRole: 'AllStudents' });
    const some = await createAnnouncement(t.db, { title: 'For some', targetRole: 'SpecificStudents', targetUserIds: [listed.user.id, listedTeacher.user.id] });

    expect(titlesOf((await enrolled.agent.get('/announcements').expect(200)).text)).toEqual(['For students']);
    expect(titlesOf((await notEnrolled.agent.get('/announcements').expect(200)).text)).toEqual([]);
    await notEnrolled.agent.get(`/announcements/${all.id}`).expect(404);
    expect(titlesOf((await listed.agent.get('/announcements').expect(200)).text)).toEqual(['For some']);
    await enrolled.agent.get(`/announcements/${some.id}`).expect(404);
    // A listed id whose role is not student is not reached.
    await listedTeacher.agent.get(`/announcements/${some.id}`).expect(404);
  });
});
