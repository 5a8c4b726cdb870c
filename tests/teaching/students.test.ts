import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Router } from 'express';
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { studentRoutes } from '../../src/features/teaching/students.ts';
import { requireRole } from '../../src/http/guards.ts';
import { formatDate } from '../../src/lib/dates.ts';
import { createDiskStorage } from '../../src/storage/index.ts';
import { silentLogger, useTestApp } from '../setup/app.ts';
import { expectWithinPageBudget } from '../setup/budget.ts';
import { createChapter, createCourse, createEnrollment, createLesson, createUser } from '../setup/factories.ts';
import { countQueries } from '../setup/queries.ts';
import { signedInAs, type SignedIn } from '../setup/users.ts';

// src/app.ts does not mount the router yet: mount it here behind the same guard as /teach.
let routes: Router;
const extra = Router();
extra.use('/teach', requireRole('teacher', 'admin'), (req, res, next) => routes(req, res, next));

const DAY = 86_400_000;
const isoDay = (offsetDays: number) => new Date(Date.now() + offsetDays * DAY).toISOString().slice(0, 10);

/** The `<tr>` of one enrollment in the table's HTML ('' when it is not on the page). */
function rowOf(html: string, enrollmentId: string): string {
  const start = html.indexOf(`<tr id="e-${enrollmentId}">`);
  return start < 0 ? '' : html.slice(start, html.indexOf('</tr>', start));
}

/** Posts a urlencoded form as a browser would: repeated names for checkboxes, the CSRF token, a Referer. */
function postForm(who: SignedIn, path: string, fields: Record<string, string | string[]>, referer?: string) {
  const body = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) for (const v of [value].flat()) body.append(name, v);
  body.append('_csrf', who.csrf);
  const req = who.agent.post(path).type('form');
  if (referer) req.set('Referer', `http://127.0.0.1${referer}`);
  return req.send(body.toString());
}

describe('teacher: students table', () => {
  const t = useTestApp({ extraRoutes: extra });
  beforeAll(() => {
    const storage = createDiskStorage(mkdtempSync(path.join(os.tmpdir(), 'edupeak-students-')));
    routes = studentRoutes({ db: t.db, certificates: { db: t.db, storage, baseUrl: 'http://edupeak.test', logger: silentLogger } });
  });

  async function teacherWithCourse() {
    const teacher = await signedInAs(t.app, t.db, 'teacher');
    const course = await createCourse(t.db, { userId: teacher.user.id, title: 'Physics & Friends' });
    const table = `/teach/courses/${course.id}/students`;
    return { teacher, course, table };
  }

  // pg returns an enum array as text unless it is cast to text[].
  const enrollmentOf = (id: string) =>
    t.db.selectFrom('enrollment').selectAll().select(sql<string[]>`tags::text[]`.as('tags')).where('id', '=', id).executeTakeFirstOrThrow();

  it('shows each student with progress over counted lessons only, last activity, tags, ban and certificate', async () => {
    const { teacher, course, table } = await teacherWithCourse();
    const chapter = await createChapter(t.db, { courseId: course.id });
    const counted = await Promise.all([1, 2, 3, 4].map((position) => createLesson(t.db, { chapterId: chapter.id, position })));
    const draft = await createLesson(t.db, { chapterId: chapter.id, status: 'Draft', position: 5 });
    const scheduled = await createLesson(t.db, { chapterId: chapter.id, status: 'Scheduled', releaseAt: new Date(Date.now() + 7 * DAY), position: 6 });
    const draftChapter = await createChapter(t.db, { courseId: course.id, status: 'Draft' });
    const inDraftChapter = await createLesson(t.db, { chapterId: draftChapter.id });

    const ada = await createUser(t.db, { firstName: 'Ada', lastName: 'Lovelace', email: 'ada-students@example.test' });
    const bob = await createUser(t.db, { firstName: 'Bob', lastName: 'Builder' });
    const active = new Date('2026-11-20T10:00:00Z');
    const a = await createEnrollment(t.db, { courseId: course.id, userId: ada.id, lastActivityAt: active, tags: ['NeedsHelp', 'TopPerformer'] });
    const b = await createEnrollment(t.db, { courseId: course.id, userId: bob.id, status: 'Pending', banned: true, banType: 'Permanent', banReason: 'Shared answers' });
    await t.db.updateTable('enrollment').set({ certificateEarned: true, certificateIssuedAt: new Date('2026-11-21T00:00:00Z') }).where('id', '=', a.id).execute();
    const done = [counted[0]!, counted[1]!, counted[2]!, draft, scheduled, inDraftChapter];
    await t.db.insertInto('lessonProgress').values(done.map((l) => ({ userId: ada.id, lessonId: l.id, completed: true }))).execute();
    await t.db.insertInto('lessonProgress').values({ userId: ada.id, lessonId: counted[3]!.id, completed: false }).execute();
    // Progress in another course does not count here.
    const elsewhere = await createLesson(t.db);
    await t.db.insertInto('lessonProgress').values({ userId: bob.id, lessonId: elsewhere.id, completed: true }).execute();

    const page = await teacher.agent.get(table).expect(200);
    expect(page.text).toContain(`href="/teach/courses/${course.id}"`);
    expect(page.text).toContain('Physics &amp; Friends');
    const rowA = rowOf(page.text, a.id);
    expect(rowA).toContain('Ada Lovelace');
    expect(rowA).toContain('ada-students@example.test');
    expect(rowA).toContain('3 / 4 (75%)');
    expect(rowA).toContain(formatDate(active));
    expect(rowA).toContain('Top performer, Needs help');
    expect(rowA).toContain('Issued on 21 Nov 2026');
    expect(rowA).toContain('Not banned');
    expect(rowA).toContain('/certificate/revoke');
    expect(rowA).toContain('name="_csrf"');
    const rowB = rowOf(page.text, b.id);
    expect(rowB).toContain('0 / 4 (0%)');
    expect(rowB).toContain('never');
    expect(rowB).toContain('status-pending');
    expect(rowB).toContain('Banned permanently');
    expect(rowB).toContain('Shared answers');
    expect(rowB).toContain('/unban');
    expect(rowB).not.toContain('/certificate/revoke');

    const admin = await signedInAs(t.app, t.db, 'admin');
    expect(rowOf((await admin.agent.get(table).expect(200)).text, a.id)).toContain('3 / 4 (75%)');
  });

  it('filters by status, tag and name or email (with % and _ taken literally)', async () => {
    const { teacher, course, table } = await teacherWithCourse();
    const make = async (firstName: string, extra: Parameters<typeof createEnrollment>[1] = {}) =>
      createEnrollment(t.db, { courseId: course.id, userId: (await createUser(t.db, { firstName, lastName: 'Fan' })).id, ...extra });
    const percent = await make('100%', { tags: ['TopPerformer'] });
    const zeros = await make('1000', { status: 'Cancelled' });
    const underscore = await make('Snake_case', { status: 'Pending', tags: ['SlowLearner', 'NeedsHelp'] });
    const plain = await make('Snakexcase');
    const byEmail = await createEnrollment(t.db, { courseId: course.id, userId: (await createUser(t.db, { email: 'unique-mailbox@example.test' })).id });
    const ids = (html: string) => [percent, zeros, underscore, plain, byEmail].filter((e) => rowOf(html, e.id)).map((e) => e.id);

    expect(ids((await teacher.agent.get(table).expect(200)).text)).toHaveLength(5);
    expect(ids((await teacher.agent.get(`${table}?status=Cancelled`)).text)).toEqual([zeros.id]);
    expect(ids((await teacher.agent.get(`${table}?status=Pending`)).text)).toEqual([underscore.id]);
    expect(ids((await teacher.agent.get(`${table}?tag=NeedsHelp`)).text)).toEqual([underscore.id]);
    expect(ids((await teacher.agent.get(`${table}?tag=TopPerformer`)).text)).toEqual([percent.id]);
    expect(ids((await teacher.agent.get(`${table}?q=${encodeURIComponent('0%')}`)).text)).toEqual([percent.id]);
    expect(ids((await teacher.agent.get(`${table}?q=${encodeURIComponent('snake_')}`)).text)).toEqual([underscore.id]);
    expect(ids((await teacher.agent.get(`${table}?q=UNIQUE-MAILBOX`)).text)).toEqual([byEmail.id]);
    expect(ids((await teacher.agent.get(`${table}?q=${encodeURIComponent('100% Fan')}`)).text)).toEqual([percent.id]);
    const none = await teacher.agent.get(`${table}?status=Active&tag=SlowLearner`).expect(200);
    expect(ids(none.text)).toEqual([]);
    expect(none.text).toContain('No students match these filters.');
    // A bad filter value is dropped, never an error.
    expect(ids((await teacher.agent.get(`${table}?status=Nope&tag=Nope&sort=drop+table&dir=up&page=x`).expect(200)).text)).toHaveLength(5);
  });

  it('sorts by progress and by name, both ways', async () => {
    const { teacher, course, table } = await teacherWithCourse();
    const chapter = await createChapter(t.db, { courseId: course.id });
    const lessons = await Promise.all([1, 2, 3].map((position) => createLesson(t.db, { chapterId: chapter.id, position })));
    const students: string[] = [];
    for (const [name, completed] of [['Carla', 1], ['Anna', 3], ['Bert', 0], ['dora', 2]] as const) {
      const user = await createUser(t.db, { firstName: name, lastName: 'Zed' });
      await createEnrollment(t.db, { courseId: course.id, userId: user.id });
      if (completed) await t.db.insertInto('lessonProgress').values(lessons.slice(0, completed).map((l) => ({ userId: user.id, lessonId: l.id, completed: true }))).execute();
      students.push(name);
    }
    const order = async (query: string) => {
      const html = (await teacher.agent.get(`${table}?${query}`).expect(200)).text;
      return students.map((n) => [n, html.indexOf(`${n} Zed`)] as const).sort((x, y) => x[1] - y[1]).map(([n]) => n);
    };
    expect(await order('sort=progress&dir=desc')).toEqual(['Anna', 'dora', 'Carla', 'Bert']);
    expect(await order('sort=progress&dir=asc')).toEqual(['Bert', 'Carla', 'dora', 'Anna']);
    expect(await order('sort=name&dir=asc')).toEqual(['Anna', 'Bert', 'Carla', 'dora']);
    expect(await order('sort=name&dir=desc')).toEqual(['dora', 'Carla', 'Bert', 'Anna']);
    const page = await teacher.agent.get(`${table}?sort=name&dir=asc&status=Active`);
    // Sort links keep the filters; the filter form keeps the sort. (A filter that matches rows: with
    // none, the page shows an empty state instead of the table.)
    expect(page.text).toContain(`href="${table}?sort=progress&amp;dir=desc&amp;status=Active"`);
    expect(page.text).toContain('aria-sort="ascending"');
    expect(page.text).toContain('name="sort" value="name"');
  });

  it('pages 25 students as 20 + 5, in a fixed number of queries, within the page budget', async () => {
    const { teacher, course, table } = await teacherWithCourse();
    const chapter = await createChapter(t.db, { courseId: course.id });
    const lesson = await createLesson(t.db, { chapterId: chapter.id });
    const addStudents = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const user = await createUser(t.db);
        await createEnrollment(t.db, {
          courseId: course.id,
          userId: user.id,
          lastActivityAt: new Date(),
          tags: ['TopPerformer', 'ActiveCommunicator'],
          ...(i % 2 ? { banned: true, banType: 'Temporary', banUntil: new Date(Date.now() + 9 * DAY), banReason: 'Posted the same long complaint in every discussion thread of the course.' } : {}),
          ...(i % 3 ? { certificateEarned: true, certificateIssuedAt: new Date() } : {}),
        });
        await t.db.insertInto('lessonProgress').values({ userId: user.id, lessonId: lesson.id, completed: true }).execute();
      }
    };
    await addStudents(3);
    const few = await countQueries(t.db, () => teacher.agent.get(table).expect(200));
    await addStudents(22);
    for (const sort of ['enrolledAt', 'progress']) {
      const many = await countQueries(t.db, () => teacher.agent.get(`${table}?sort=${sort}`).expect(200));
      expect(many.count, many.queries.join('\n')).toBe(few.count);
      expect(many.result.text.match(/<tr id="e-/g)).toHaveLength(20);
      expectWithinPageBudget(many.result);
    }
    const first = await teacher.agent.get(table).expect(200);
    expect(first.text).toContain('Page 1 of 2 (25)');
    expect(first.text).toMatch(new RegExp(`href="${table}\\?page=2[^"]*" rel="next"`));
    const second = await teacher.agent.get(`${table}?page=2`).expect(200);
    expect(second.text.match(/<tr id="e-/g)).toHaveLength(5);
    expect(second.text).toContain('Page 2 of 2 (25)');
    expect(second.text).toContain('1 / 1 (100%)');
  });

  it('sets and replaces tags; an unknown tag is refused with 422 and changes nothing', async () => {
    const { teacher, course, table } = await teacherWithCourse();
    const e = await createEnrollment(t.db, { courseId: course.id });
    const action = `${table}/${e.id}/tags`;
    const from = `${table}?sort=name&dir=asc&page=1`;

    const set = await postForm(teacher, action, { tags: ['NeedsHelp', 'SlowLearner', 'NeedsHelp'] }, from);
    expect(set.status).toBe(303);
    expect(set.headers.location).toBe(from);
    expect((await enrollmentOf(e.id)).tags).toEqual(['NeedsHelp', 'SlowLearner']);

    await postForm(teacher, action, { tags: 'TopPerformer' }, from).expect(303);
    expect((await enrollmentOf(e.id)).tags).toEqual(['TopPerformer']);
    const page = await teacher.agent.get(from).expect(200);
    expect(page.text).toContain('Tags saved for');
    expect(rowOf(page.text, e.id)).toContain('value="TopPerformer" checked');

    const bad = await postForm(teacher, action, { tags: ['NeedsHelp', 'Genius'] }, from);
    expect(bad.status).toBe(422);
    expect(rowOf(bad.text, e.id)).toContain('Choose tags from the list.');
    expect((await enrollmentOf(e.id)).tags).toEqual(['TopPerformer']);

    // No box ticked: no field at all, and the tags are cleared. Without a Referer: back to the table.
    const cleared = await postForm(teacher, action, {});
    expect(cleared.status).toBe(303);
    expect(cleared.headers.location).toBe(table);
    expect((await enrollmentOf(e.id)).tags).toEqual([]);
    // A Referer elsewhere is not followed.
    expect((await postForm(teacher, action, {}, '/admin/enrollments')).headers.location).toBe(table);
  });

  it('bans temporarily (a future day and a reason, else 422 and nothing changes), permanently, and lifts the ban', async () => {
    const { teacher, course, table } = await teacherWithCourse();
    const e = await createEnrollment(t.db, { courseId: course.id });
    const ban = `${table}/${e.id}/ban`;
    const from = `${table}?status=Active`;
    const refused = async (fields: Record<string, string>, message: string) => {
      const res = await postForm(teacher, ban, fields, from);
      expect(res.status).toBe(422);
      const row = rowOf(res.text, e.id);
      expect(row).toContain(message);
      expect(row).toContain('<details open>');
      expect(res.text).toContain('role="alert"');
      const saved = await enrollmentOf(e.id);
      expect(saved.banned).toBeFalsy();
      expect(saved.banReason).toBeNull();
      return row;
    };
    const kept = await refused({ banType: 'Temporary', reason: 'Spamming the forum' }, 'Enter the last day of a temporary ban');
    expect(kept).toContain('value="Spamming the forum"');
    await refused({ banType: 'Temporary', banUntil: isoDay(-1), reason: 'Spamming the forum' }, 'A temporary ban must end in the future.');
    await refused({ banType: 'Temporary', banUntil: '2030-02-30', reason: 'Spamming the forum' }, 'Enter the last day of a temporary ban');
    await refused({ banType: 'Temporary', banUntil: isoDay(5), reason: ' x ' }, 'at least 3 characters');
    await refused({ banType: 'Temporary', banUntil: isoDay(5), reason: 'x'.repeat(501) }, '500 characters');
    await refused({ banType: 'Forever', reason: 'Spamming the forum' }, 'Choose a temporary or a permanent ban.');

    const day = isoDay(5);
    const ok = await postForm(teacher, ban, { banType: 'Temporary', banUntil: day, reason: '  Spamming the forum ' }, from);
    expect(ok.status).toBe(303);
    expect(ok.headers.location).toBe(from);
    expect(await enrollmentOf(e.id)).toMatchObject({ banned: true, banType: 'Temporary', banUntil: new Date(`${day}T23:59:59.999Z`), banReason: 'Spamming the forum' });
    const page = await teacher.agent.get(from).expect(200);
    expect(rowOf(page.text, e.id)).toContain(`Banned until ${formatDate(`${day}T12:00:00Z`)}`);
    expect(rowOf(page.text, e.id)).toContain('Spamming the forum');

    await postForm(teacher, `${table}/${e.id}/unban`, {}, from).expect(303);
    expect(await enrollmentOf(e.id)).toMatchObject({ banned: false, banType: null, banUntil: null, banReason: null });

    // Permanent: no end date, whatever was typed in the date field.
    await postForm(teacher, ban, { banType: 'Permanent', banUntil: day, reason: 'Harassed other students' }, from).expect(303);
    expect(await enrollmentOf(e.id)).toMatchObject({ banned: true, banType: 'Permanent', banUntil: null, banReason: 'Harassed other students' });
    expect(rowOf((await teacher.agent.get(from)).text, e.id)).toContain('Banned permanently');
  });

  it('revokes an issued certificate; without one the answer is 422', async () => {
    const { teacher, course, table } = await teacherWithCourse();
    const e = await createEnrollment(t.db, { courseId: course.id });
    const revoke = `${table}/${e.id}/certificate/revoke`;
    const none = await postForm(teacher, revoke, {}, table);
    expect(none.status).toBe(422);
    expect(rowOf(none.text, e.id)).toContain('This student has no certificate to revoke.');
    expect((await enrollmentOf(e.id)).certificateRevoked).toBe(false);

    await t.db.updateTable('enrollment').set({ certificateEarned: true, certificateIssuedAt: new Date() }).where('id', '=', e.id).execute();
    const before = Date.now();
    await postForm(teacher, revoke, {}, table).expect(303);
    const saved = await enrollmentOf(e.id);
    expect(saved.certificateRevoked).toBe(true);
    expect(saved.certificateRevokedAt!.getTime()).toBeGreaterThanOrEqual(before - 1000);
    const row = rowOf((await teacher.agent.get(table)).text, e.id);
    expect(row).toContain(`Revoked on ${formatDate(saved.certificateRevokedAt!)}`);
    expect(row).not.toContain('/certificate/revoke');
    // Revoked already: nothing to revoke.
    expect((await postForm(teacher, revoke, {}, table)).status).toBe(422);
  });

  it('404 for another teacher, a student, an enrollment of another course and malformed ids; nothing changes', async () => {
    const { teacher, course, table } = await teacherWithCourse();
    const e = await createEnrollment(t.db, { courseId: course.id, tags: ['NeedsHelp'] });
    await t.db.updateTable('enrollment').set({ certificateEarned: true }).where('id', '=', e.id).execute();
    const other = await signedInAs(t.app, t.db, 'teacher');
    const student = await signedInAs(t.app, t.db, 'student');
    const actions: Array<[string, Record<string, string>]> = [
      ['tags', { tags: 'TopPerformer' }],
      ['ban', { banType: 'Permanent', reason: 'No reason at all' }],
      ['unban', {}],
      ['certificate/revoke', {}],
    ];
    for (const who of [other, student]) {
      await who.agent.get(table).expect(404);
      for (const [action, fields] of actions) await postForm(who, `${table}/${e.id}/${action}`, fields).expect(404);
    }
    // The owner, but an enrollment of another course (or no enrollment at all) under this course's address.
    const foreign = await createEnrollment(t.db, { tags: ['NeedsHelp'] });
    await t.db.updateTable('enrollment').set({ certificateEarned: true }).where('id', '=', foreign.id).execute();
    for (const [action, fields] of actions) {
      await postForm(teacher, `${table}/${foreign.id}/${action}`, fields).expect(404);
      await postForm(teacher, `${table}/not-a-uuid/${action}`, fields).expect(404);
    }
    await teacher.agent.get('/teach/courses/not-a-uuid/students').expect(404);
    for (const id of [e.id, foreign.id]) {
      expect(await enrollmentOf(id)).toMatchObject({ tags: ['NeedsHelp'], banned: null, certificateRevoked: false });
    }
    expect(await t.db.selectFrom('activityLog').select('id').where('entityId', 'in', [e.id, foreign.id]).execute()).toEqual([]);
  });

  it('writes an activity_log row for every action', async () => {
    const { teacher, course, table } = await teacherWithCourse();
    const e = await createEnrollment(t.db, { courseId: course.id });
    await t.db.updateTable('enrollment').set({ certificateEarned: true }).where('id', '=', e.id).execute();
    await postForm(teacher, `${table}/${e.id}/tags`, { tags: ['TopPerformer', 'NeedsHelp'] }).expect(303);
    await postForm(teacher, `${table}/${e.id}/ban`, { banType: 'Permanent', reason: 'Cheating on quizzes' }).expect(303);
    await postForm(teacher, `${table}/${e.id}/unban`, {}).expect(303);
    await postForm(teacher, `${table}/${e.id}/certificate/revoke`, {}).expect(303);
    const log = await t.db.selectFrom('activityLog').selectAll().where('entityId', '=', e.id).orderBy('createdAt').orderBy('id').execute();
    expect(log.map((r) => r.action)).toEqual(['student_tagged', 'student_banned', 'student_unbanned', 'certificate_revoked']);
    for (const row of log) {
      expect(row).toMatchObject({ userId: teacher.user.id, entityType: 'enrollment' });
      expect(row.ipAddress).toBeTruthy();
      expect(row.userAgent).toContain('Firefox');
      expect(row.metadata).toMatchObject({ courseId: course.id, studentId: e.userId });
    }
    expect(log[0]!.metadata).toMatchObject({ tags: ['TopPerformer', 'NeedsHelp'] });
    expect(log[1]!.metadata).toMatchObject({ banType: 'Permanent', banUntil: null, reason: 'Cheating on quizzes' });
  });

  it('revoking twice at once, and lifting a ban twice, each write one row; issuing again writes certificate_reissued once', async () => {
    const { teacher, course, table } = await teacherWithCourse();
    const e = await createEnrollment(t.db, { courseId: course.id, banned: true, banType: 'Permanent', banReason: 'Rude' });
    await t.db.updateTable('enrollment').set({ certificateEarned: true, certificateIssuedAt: new Date() }).where('id', '=', e.id).execute();
    const actions = async () => (await t.db.selectFrom('activityLog').select('action').where('entityId', '=', e.id).orderBy('createdAt').orderBy('id').execute()).map((r) => r.action);

    const revokes = await Promise.all([1, 2].map(() => postForm(teacher, `${table}/${e.id}/certificate/revoke`, {}, table)));
    expect(revokes.map((r) => r.status).sort()).toEqual([303, 422]);
    await postForm(teacher, `${table}/${e.id}/unban`, {}, table).expect(303);
    await postForm(teacher, `${table}/${e.id}/unban`, {}, table).expect(303);
    expect(await actions()).toEqual(['certificate_revoked', 'student_unbanned']);

    const issued = await postForm(teacher, `${table}/${e.id}/certificate/issue`, {}, table);
    expect(issued.status).toBe(303);
    expect(await enrollmentOf(e.id)).toMatchObject({ certificateEarned: true, certificateRevoked: false });
    expect((await enrollmentOf(e.id)).certificateKey).toMatch(/^certificates\//);
    // Valid now: nothing to issue again.
    const again = await postForm(teacher, `${table}/${e.id}/certificate/issue`, {}, table);
    expect(again.status).toBe(422);
    expect(rowOf(again.text, e.id)).toContain('Only a revoked certificate can be issued again.');
    expect(await actions()).toEqual(['certificate_revoked', 'student_unbanned', 'certificate_reissued']);
    const reissued = await t.db.selectFrom('activityLog').selectAll().where('entityId', '=', e.id).where('action', '=', 'certificate_reissued').executeTakeFirstOrThrow();
    expect(reissued).toMatchObject({ userId: teacher.user.id, entityType: 'enrollment' });
    expect(reissued.metadata).toMatchObject({ courseId: course.id, studentId: e.userId });
  });
});
