import { beforeEach, describe, expect, it } from 'vitest';
import { useTestApp } from '../setup/app.ts';
import { expectWithinPageBudget } from '../setup/budget.ts';
import { createChapter, createCourse, createEnrollment, createLesson, createUser } from '../setup/factories.ts';
import { newAgent, submitForm } from '../setup/forms.ts';
import { signedInAs } from '../setup/users.ts';

/** Issue 12.5: a time zone on the profile, guessed at sign-up, and every date shown and typed in it. */

describe('the reader’s time zone', () => {
  const t = useTestApp();
  beforeEach(async () => {
    await t.db.deleteFrom('rateLimit').execute();
  });

  const register = (email: string, extra: Record<string, string> = {}) =>
    submitForm(newAgent(t.app), '/auth/register', '/auth/register', { firstName: 'Kenji', lastName: 'Sato', email, password: 'a long enough password', ...extra });
  const zoneOf = async (email: string) => (await t.db.selectFrom('user').select('timeZone').where('email', '=', email).executeTakeFirstOrThrow()).timeZone;

  it('registration keeps the zone the browser posted; none or nonsense is UTC', async () => {
    const page = await t.request().get('/auth/register').expect(200);
    expect(page.text).toContain('<input type="hidden" name="timeZone" value="" data-tz="fill">');
    expect(page.text).toMatch(/<script src="\/static\/js\/time-zone\.[0-9a-f]+\.js" defer><\/script>/);

    expect((await register('tokyo@example.test', { timeZone: 'Asia/Tokyo' })).status).toBe(200);
    expect(await zoneOf('tokyo@example.test')).toBe('Asia/Tokyo');
    await register('kolkata@example.test', { timeZone: 'Asia/Kolkata' });
    expect(await zoneOf('kolkata@example.test')).toBe('Asia/Kolkata');
    await register('nojs@example.test');
    expect(await zoneOf('nojs@example.test')).toBe('UTC');
    const odd = await register('odd@example.test', { timeZone: 'Mars/Olympus' });
    expect(odd.status).toBe(200);
    expect(odd.text).toContain('Check your email');
    expect(await zoneOf('odd@example.test')).toBe('UTC');
    await register('offset@example.test', { timeZone: '+05:30' });
    expect(await zoneOf('offset@example.test')).toBe('UTC');
  });

  it('the profile form changes the zone; a wrong one is a 422 that keeps what was typed; the page stays within budget', async () => {
    const me = await signedInAs(t.app, t.db, 'student', { firstName: 'Ines' });
    const page = await me.agent.get('/account').expect(200);
    expect(page.text).toContain('<input id="f-timeZone" name="timeZone" list="time-zones" value="UTC"');
    expect(page.text).toContain('<option value="Europe/Berlin">');
    expect(page.text).toContain('data-tz="button" hidden');
    const size = expectWithinPageBudget(page);
    console.info(`/account with ${page.text.match(/<option /g)!.length} time zones: ${size} bytes gzipped`);

    const saved = await me.post('/account', { firstName: 'Ines', timeZone: 'Europe/Berlin' });
    expect(saved.status).toBe(303);
    expect(await zoneOf(me.user.email)).toBe('Europe/Berlin');

    const wrong = await me.post('/account', { firstName: 'Inès', designation: 'Pilot', timeZone: 'Europe/Atlantis' });
    expect(wrong.status).toBe(422);
    expect(wrong.text).toContain('Choose a time zone from the list, such as Europe/Berlin or America/New_York.');
    expect(wrong.text).toContain('value="Europe/Atlantis"');
    expect(wrong.text).toContain('aria-invalid="true"');
    expect(wrong.text).toContain('value="Inès"');
    expect(wrong.text).toContain('value="Pilot"');
    expect(await zoneOf(me.user.email)).toBe('Europe/Berlin');
    expect((await me.post('/account', { firstName: 'Ines', timeZone: '' })).status).toBe(422);
  });

  it('a payment at 23:30 UTC shows as the next day to a reader in Tokyo, the same day in UTC', async () => {
    const course = await createCourse(t.db, { title: 'Late Night Course', price: 1500 });
    const at = new Date('2026-11-27T23:30:00Z');
    const payAt = async (zone: string) => {
      const me = await signedInAs(t.app, t.db, 'student', { timeZone: zone });
      const enrollment = await createEnrollment(t.db, { userId: me.user.id, courseId: course.id, status: 'Active', amount: 1500 });
      await t.db
        .insertInto('paymentTransaction')
        .values({ enrollmentId: enrollment.id, amount: 1500, status: 'Completed', stripePaymentId: `pi_tz_${enrollment.id}`, paymentMethod: 'card', createdAt: at })
        .execute();
      return (await me.agent.get('/account/payments').expect(200)).text;
    };
    expect(await payAt('Asia/Tokyo')).toContain('28 Nov 2026');
    const inUtc = await payAt('UTC');
    expect(inUtc).toContain('27 Nov 2026');
    expect(inUtc).not.toContain('28 Nov 2026');
  });

  it('the dashboard dates its notifications in the reader’s zone', async () => {
    const me = await signedInAs(t.app, t.db, 'student', { timeZone: 'America/New_York' });
    await t.db
      .insertInto('notification')
      .values({ userId: me.user.id, title: 'Welcome aboard', message: 'Hello', type: 'AdminReply', createdAt: new Date('2026-11-27T03:30:00Z') })
      .execute();
    const dashboard = await me.agent.get('/dashboard').expect(200);
    expect(dashboard.text).toContain('Welcome aboard');
    expect(dashboard.text).toContain('26 Nov 2026');
  });

  it('a teacher in Asia/Kolkata schedules a lesson for 09:00 their time: stored 03:30 UTC, shown back as 09:00', async () => {
    const teacher = await signedInAs(t.app, t.db, 'teacher', { timeZone: 'Asia/Kolkata' });
    const course = await createCourse(t.db, { userId: teacher.user.id, status: 'Draft' });
    const chapter = await createChapter(t.db, { courseId: course.id, status: 'Published' });
    const lesson = await createLesson(t.db, { chapterId: chapter.id, status: 'Draft' });

    const res = await teacher.post(`/teach/lessons/${lesson.id}/publish`, { status: 'Scheduled', releaseAt: '2036-12-01T09:00', from: 'lesson' });
    expect(res.status).toBe(303);
    const stored = await t.db.selectFrom('lesson').select(['status', 'releaseAt']).where('id', '=', lesson.id).executeTakeFirstOrThrow();
    expect(stored.status).toBe('Scheduled');
    expect(new Date(stored.releaseAt!).toISOString()).toBe('2036-12-01T03:30:00.000Z');

    const page = await teacher.agent.get(`/teach/lessons/${lesson.id}`).expect(200);
    expect(page.text).toContain('value="2036-12-01T09:00"');
    expect(page.text).toContain('Release at (Asia/Kolkata, for Scheduled)');
    const structure = await teacher.agent.get(`/teach/courses/${course.id}`).expect(200);
    expect(structure.text).toContain('Scheduled for 1 Dec 2036, 09:00 (Asia/Kolkata)');

    // A chapter too, and across a DST change: 02:30 on Berlin's spring-forward night is 03:30 CEST.
    const berliner = await signedInAs(t.app, t.db, 'teacher', { timeZone: 'Europe/Berlin' });
    const theirs = await createCourse(t.db, { userId: berliner.user.id, status: 'Draft' });
    const ch = await createChapter(t.db, { courseId: theirs.id, status: 'Draft' });
    // A chapter is scheduled only with a lesson in it (issue 23).
    await createLesson(t.db, { chapterId: ch.id });
    expect((await berliner.post(`/teach/chapters/${ch.id}/publish`, { status: 'Scheduled', releaseAt: '2037-03-29T02:30' })).status).toBe(303);
    const chRow = await t.db.selectFrom('chapter').select('releaseAt').where('id', '=', ch.id).executeTakeFirstOrThrow();
    expect(new Date(chRow.releaseAt!).toISOString()).toBe('2037-03-29T01:30:00.000Z');

    // In the past on the teacher's clock: refused, naming the zone.
    const past = await teacher.post(`/teach/lessons/${lesson.id}/publish`, { status: 'Scheduled', releaseAt: '2020-01-01T09:00', from: 'lesson' });
    expect(past.status).toBe(422);
    expect(past.text).toContain('A scheduled release needs a date and time in the future (Asia/Kolkata).');
  });

  it('a ban "until" day ends at midnight on the teacher’s clock', async () => {
    const teacher = await signedInAs(t.app, t.db, 'teacher', { timeZone: 'Asia/Tokyo' });
    const course = await createCourse(t.db, { userId: teacher.user.id });
    const student = await createUser(t.db);
    const enrollment = await createEnrollment(t.db, { userId: student.id, courseId: course.id, status: 'Active' });
    const res = await teacher.post(`/teach/courses/${course.id}/students/${enrollment.id}/ban`, { banType: 'Temporary', banUntil: '2036-12-03', reason: 'Spamming the forum' });
    expect(res.status).toBe(303);
    const row = await t.db.selectFrom('enrollment').select('banUntil').where('id', '=', enrollment.id).executeTakeFirstOrThrow();
    expect(new Date(row.banUntil!).toISOString()).toBe('2036-12-03T14:59:59.999Z');
    const table = await teacher.agent.get(`/teach/courses/${course.id}/students`).expect(200);
    expect(table.text).toContain('Banned until 3 Dec 2036');
  });

  it('admin date filters are whole days on the admin’s clock', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin', { timeZone: 'Asia/Tokyo' });
    const course = await createCourse(t.db, { title: 'Filtered By Day Course', price: 900 });
    const buyer = await createUser(t.db);
    const enrollment = await createEnrollment(t.db, { userId: buyer.id, courseId: course.id, status: 'Active', amount: 900 });
    // 23:30 UTC on 27 Nov is 08:30 on 28 Nov in Tokyo.
    await t.db
      .insertInto('paymentTransaction')
      .values({ enrollmentId: enrollment.id, amount: 900, status: 'Completed', stripePaymentId: `pi_day_${enrollment.id}`, paymentMethod: 'card', createdAt: new Date('2026-11-27T23:30:00Z') })
      .execute();
    const on28 = await admin.agent.get('/admin/payments?from=2026-11-28&to=2026-11-28').expect(200);
    expect(on28.text).toContain('Filtered By Day Course');
    expect(on28.text).toContain('28 Nov 2026');
    const on27 = await admin.agent.get('/admin/payments?from=2026-11-27&to=2026-11-27').expect(200);
    expect(on27.text).not.toContain('Filtered By Day Course');
  });
});
