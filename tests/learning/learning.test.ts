import { sql } from 'kysely';
import { hasSevenDayStreak } from '../../src/features/learning/badges.ts';
import { describe, expect, it } from 'vitest';
import { useTestApp } from '../setup/app.ts';
import { expectWithinPageBudget } from '../setup/budget.ts';
import { createChapter, createCourse, createEnrollment, createLesson } from '../setup/factories.ts';
import { countQueries } from '../setup/queries.ts';
import { signedInAs } from '../setup/users.ts';

const days = (n: number) => new Date(Date.now() + n * 86_400_000);

describe('learning a course', () => {
  const t = useTestApp();

  async function enrolledStudent(points = 0) {
    const course = await createCourse(t.db, { title: 'Learning Course' });
    const chapter = await createChapter(t.db, { courseId: course.id, title: 'Chapter one' });
    const lessons = [
      await createLesson(t.db, { chapterId: chapter.id, title: 'Lesson A' }),
      await createLesson(t.db, { chapterId: chapter.id, title: 'Lesson B' }),
    ];
    const draft = await createLesson(t.db, { chapterId: chapter.id, title: 'Draft lesson', status: 'Draft' });
    const later = await createLesson(t.db, { chapterId: chapter.id, title: 'Later lesson', status: 'Scheduled', releaseAt: days(5) });
    const student = await signedInAs(t.app, t.db, 'student', { points });
    const enrollment = await createEnrollment(t.db, { userId: student.user.id, courseId: course.id, status: 'Active' });
    return { course, chapter, lessons, draft, later, student, enrollment };
  }

  it('the player opens at the first lesson not yet completed; completion toggles, with and without htmx', async () => {
    const { course, lessons, student } = await enrolledStudent();
    expect((await student.agent.get(`/learn/${course.slug}`)).headers.location).toBe(`/learn/${course.slug}/lessons/${lessons[0]!.id}`);

    const done = await student.post(`/learn/${course.slug}/lessons/${lessons[0]!.id}/complete`);
    expect(done.status).toBe(303);
    expect(done.headers.location).toBe(`/learn/${course.slug}/lessons/${lessons[0]!.id}`);
    expect((await student.agent.get(`/learn/${course.slug}`)).headers.location).toBe(`/learn/${course.slug}/lessons/${lessons[1]!.id}`);

    // With htmx: the button and the progress bar come back as a fragment. Progress leaves out the
    // draft and the scheduled lesson: 1 of 2.
    const htmx = await student.agent
      .post(`/learn/${course.slug}/lessons/${lessons[0]!.id}/complete`)
      .set('HX-Request', 'true')
      .set('x-csrf-token', student.csrf)
      .type('form')
      .send({});
    expect(htmx.status).toBe(200);
    expect(htmx.text).toMatch(/^<div id="completion"/);
    expect(htmx.text).toContain('0 of 2 lessons');
    expect(htmx.text).toContain('Mark as completed');
    const again = await student.agent
      .post(`/learn/${course.slug}/lessons/${lessons[0]!.id}/complete`)
      .set('HX-Request', 'true')
      .set('x-csrf-token', student.csrf)
      .type('form')
      .send({});
    expect(again.text).toContain('1 of 2 lessons · 50%');
    expect(again.text).toMatch(/<use href="#i-check"\/><\/svg>Completed · mark as not done/);
    // The contents' tick for this lesson comes along, swapped out of band.
    expect(again.text).toMatch(new RegExp(`<a id="toc-${lessons[0]!.id}" href="[^"]+" hx-swap-oob="true"><svg class="icon done" aria-hidden="true"><use href="#i-check"/></svg> `));
    expect(htmx.text).toMatch(new RegExp(`<a id="toc-${lessons[0]!.id}" href="[^"]+" hx-swap-oob="true">(?!<svg)`));
  });

  it('records activity: StartedCourse once, ViewedLesson, CompletedLesson, lastActivityAt; opening lessons writes no login_session (signing in does)', async () => {
    const { course, lessons, student, enrollment } = await enrolledStudent();
    await student.agent.get(`/learn/${course.slug}/lessons/${lessons[0]!.id}`).expect(200);
    await student.agent.get(`/learn/${course.slug}/lessons/${lessons[1]!.id}`).expect(200);
    await student.post(`/learn/${course.slug}/lessons/${lessons[1]!.id}/complete`).expect(303);
    const types = (await t.db.selectFrom('studentActivity').select('type').where('enrollmentId', '=', enrollment.id).orderBy('createdAt').execute()).map((a) => a.type);
    expect(types.filter((x) => x === 'StartedCourse')).toHaveLength(1);
    expect(types.filter((x) => x === 'ViewedLesson')).toHaveLength(2);
    expect(types.filter((x) => x === 'CompletedLesson')).toHaveLength(1);
    const row = await t.db.selectFrom('enrollment').select('lastActivityAt').where('id', '=', enrollment.id).executeTakeFirstOrThrow();
    expect(row.lastActivityAt).not.toBeNull();
    // Issue 23: login_session rows are written per Active enrollment at sign-in (tests/accounts/sign-in-records.test.ts).
    expect(await t.db.selectFrom('loginSession').selectAll().where('enrollmentId', '=', enrollment.id).execute()).toEqual([]);
  });

  it('a lesson viewed again and again (also in parallel) records ViewedLesson once a day, and StartedCourse once', async () => {
    const { course, lessons, student, enrollment } = await enrolledStudent();
    const url = `/learn/${course.slug}/lessons/${lessons[0]!.id}`;
    await Promise.all(Array.from({ length: 10 }, () => student.agent.get(url).expect(200)));
    for (let i = 0; i < 10; i++) await student.agent.get(url).expect(200);
    await student.agent.get(`/learn/${course.slug}/lessons/${lessons[1]!.id}`).expect(200);
    const count = async (type: 'ViewedLesson' | 'StartedCourse') =>
      (await t.db.selectFrom('studentActivity').select('id').where('enrollmentId', '=', enrollment.id).where('type', '=', type).execute()).length;
    expect(await count('ViewedLesson')).toBe(2);
    expect(await count('StartedCourse')).toBe(1);
    // Yesterday's view does not stand in for today's.
    await t.db.updateTable('studentActivity').set({ createdAt: days(-1) }).where('enrollmentId', '=', enrollment.id).execute();
    await student.agent.get(url).expect(200);
    expect(await count('ViewedLesson')).toBe(3);
    expect(await count('StartedCourse')).toBe(1);
  });

  it('every lesson completed at once: the course badge and the certificate come exactly once', async () => {
    const { course, chapter, lessons, student, enrollment } = await enrolledStudent();
    for (let i = 0; i < 4; i++) lessons.push(await createLesson(t.db, { chapterId: chapter.id, title: `Extra ${i}` }));
    const answers = await Promise.all(lessons.map((l) => student.post(`/learn/${course.slug}/lessons/${l.id}/complete`)));
    expect(answers.map((a) => a.status)).toEqual(lessons.map(() => 303));
    const badges = (await t.db.selectFrom('studentBadge').select('badgeType').where('enrollmentId', '=', enrollment.id).execute()).map((b) => b.badgeType).sort();
    expect(badges).toEqual(['FirstLessonCompleted', 'HundredPercentProgress']);
    const row = await t.db.selectFrom('enrollment').select(['certificateEarned', 'certificateKey']).where('id', '=', enrollment.id).executeTakeFirstOrThrow();
    expect(row.certificateEarned).toBe(true);
    expect(row.certificateKey).toBeTruthy();
  });

  it('a badge is awarded once, with its points and a PointsEarned notification', async () => {
    const { course, lessons, student, enrollment } = await enrolledStudent();
    await student.post(`/learn/${course.slug}/lessons/${lessons[0]!.id}/complete`).expect(303);
    // The flash names the badge as a person reads it, never the enum.
    const shown = await student.agent.get(`/learn/${course.slug}/lessons/${lessons[0]!.id}`);
    expect(shown.text).toContain('Badge earned: First lesson completed.');
    expect(shown.text).not.toContain('FirstLessonCompleted');
    await student.post(`/learn/${course.slug}/lessons/${lessons[0]!.id}/complete`).expect(303); // undone
    await student.post(`/learn/${course.slug}/lessons/${lessons[0]!.id}/complete`).expect(303); // done again
    const badges = await t.db.selectFrom('studentBadge').select('badgeType').where('enrollmentId', '=', enrollment.id).execute();
    expect(badges).toEqual([{ badgeType: 'FirstLessonCompleted' }]);
    expect((await t.db.selectFrom('user').select('points').where('id', '=', student.user.id).executeTakeFirstOrThrow()).points).toBe(10);
    const notes = await t.db.selectFrom('notification').select(['type', 'title']).where('userId', '=', student.user.id).execute();
    expect(notes).toEqual([{ type: 'PointsEarned', title: 'Badge earned: First lesson completed' }]);
  });

  it('the seven-day streak badge needs activity on seven days in a row', async () => {
    const { course, lessons, student, enrollment } = await enrolledStudent();
    for (let d = 1; d <= 6; d++) {
      await t.db.insertInto('studentActivity').values({ enrollmentId: enrollment.id, type: 'ViewedLesson', createdAt: days(-d) }).execute();
    }
    await student.post(`/learn/${course.slug}/lessons/${lessons[0]!.id}/complete`).expect(303);
    const badges = (await t.db.selectFrom('studentBadge').select('badgeType').where('enrollmentId', '=', enrollment.id).execute()).map((b) => b.badgeType).sort();
    expect(badges).toEqual(['FirstLessonCompleted', 'SevenDayStreak']);
  });

  it('the seven-day streak is counted in the student\'s time zone, as the dashboard counts it', async () => {
    const { student, enrollment } = await enrolledStudent();
    await t.db.updateTable('user').set({ timeZone: 'Pacific/Auckland' }).where('id', '=', student.user.id).execute();
    // Seven local days: today at 00:01, yesterday at 00:01 and the day before at 23:59 (the same UTC
    // day as yesterday's), the four before at noon. In UTC that is six days at most.
    const local = (daysBack: number, time: string) =>
      sql<Date>`(((now() at time zone 'Pacific/Auckland')::date - ${daysBack}::int) + ${time}::time) at time zone 'Pacific/Auckland'`;
    const at = [local(0, '00:01'), local(1, '00:01'), local(2, '23:59'), local(3, '12:00'), local(4, '12:00'), local(5, '12:00'), local(6, '12:00')];
    for (const createdAt of at) await t.db.insertInto('studentActivity').values({ enrollmentId: enrollment.id, type: 'ViewedLesson', createdAt }).execute();
    const utcDays = await sql<{ n: number }>`select count(distinct (created_at at time zone 'UTC')::date)::int as n from student_activity where enrollment_id = ${enrollment.id}`.execute(t.db);
    expect(utcDays.rows[0]!.n).toBeLessThan(7);
    expect(await t.db.transaction().execute((trx) => hasSevenDayStreak(trx, enrollment.id))).toBe(true);
  });

  it('signing in or missing work on six days is no streak: only learning counts', async () => {
    const { course, lessons, student, enrollment } = await enrolledStudent();
    for (let d = 1; d <= 6; d++) {
      await t.db.insertInto('studentActivity').values({ enrollmentId: enrollment.id, type: d % 2 ? 'LoggedIn' : 'MissedAssignment', createdAt: days(-d) }).execute();
    }
    await student.post(`/learn/${course.slug}/lessons/${lessons[0]!.id}/complete`).expect(303);
    const badges = (await t.db.selectFrom('studentBadge').select('badgeType').where('enrollmentId', '=', enrollment.id).execute()).map((b) => b.badgeType);
    expect(badges).toEqual(['FirstLessonCompleted']);
  });

  it('at 100% the course badge and the certificate: a valid public page and a PDF', async () => {
    const { course, lessons, student, enrollment } = await enrolledStudent();
    for (const lesson of lessons) await student.post(`/learn/${course.slug}/lessons/${lesson.id}/complete`).expect(303);
    const row = await t.db.selectFrom('enrollment').selectAll().where('id', '=', enrollment.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ certificateEarned: true, certificateRevoked: false });
    expect(row.certificateKey).toMatch(/^certificates\//);
    expect(row.certificateIssuedAt).not.toBeNull();
    const badges = (await t.db.selectFrom('studentBadge').select('badgeType').where('enrollmentId', '=', enrollment.id).execute()).map((b) => b.badgeType).sort();
    expect(badges).toEqual(['FirstLessonCompleted', 'HundredPercentProgress']);
    const page = await t.request().get(`/certificates/${enrollment.id}`).expect(200);
    expect(page.text).toMatch(/valid/i);
    const pdf = await student.agent.get(`/certificates/${enrollment.id}/download`).expect(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    const dashboard = await student.agent.get('/dashboard').expect(200);
    expect(dashboard.text).toContain(`/certificates/${enrollment.id}`);
    expect(dashboard.text).toContain('Course completed');
  });

  it('50 parallel unlocks with points for 3 make exactly 3, and points never go below zero', async () => {
    const course = await createCourse(t.db);
    const chapter = await createChapter(t.db, { courseId: course.id });
    await createLesson(t.db, { chapterId: chapter.id });
    const scheduled = [];
    for (let i = 0; i < 50; i++) scheduled.push(await createLesson(t.db, { chapterId: chapter.id, status: 'Scheduled', releaseAt: days(10) }));
    const student = await signedInAs(t.app, t.db, 'student', { points: 150 });
    await createEnrollment(t.db, { userId: student.user.id, courseId: course.id, status: 'Active' });
    const results = await Promise.all(scheduled.map((l) => student.post(`/learn/${course.slug}/unlock`, { lessonId: l.id })));
    expect(results.every((r) => r.status === 303)).toBe(true);
    const unlocks = await t.db.selectFrom('earlyUnlock').select(['pointsSpent']).where('userId', '=', student.user.id).execute();
    expect(unlocks).toHaveLength(3);
    expect(unlocks.every((u) => u.pointsSpent === 50)).toBe(true);
    expect((await t.db.selectFrom('user').select('points').where('id', '=', student.user.id).executeTakeFirstOrThrow()).points).toBe(0);
  });

  it('an early unlock opens the scheduled lesson; a draft cannot be unlocked', async () => {
    const { course, later, draft, student } = await enrolledStudent(60);
    await student.agent.get(`/learn/${course.slug}/lessons/${later.id}`).expect(404);
    await student.post(`/learn/${course.slug}/unlock`, { lessonId: draft.id }).expect(404);
    const res = await student.post(`/learn/${course.slug}/unlock`, { lessonId: later.id });
    expect(res.headers.location).toBe(`/learn/${course.slug}/lessons/${later.id}`);
    await student.agent.get(`/learn/${course.slug}/lessons/${later.id}`).expect(200);
    // Unlocking again costs nothing.
    await student.post(`/learn/${course.slug}/unlock`, { lessonId: later.id }).expect(404);
    expect((await t.db.selectFrom('user').select('points').where('id', '=', student.user.id).executeTakeFirstOrThrow()).points).toBe(10);
    const poor = await enrolledStudent(10);
    const refused = await poor.student.post(`/learn/${poor.course.slug}/unlock`, { lessonId: poor.later.id });
    expect(refused.status).toBe(303);
    expect((await poor.student.agent.get(refused.headers.location!).redirects(1)).text).toContain('costs 50 points');
    await poor.student.agent.get(`/learn/${poor.course.slug}/lessons/${poor.later.id}`).expect(404);
  });

  it('watch time: upserted, never going down, completion within 0-100; a bad report is 422', async () => {
    const { course, lessons, student } = await enrolledStudent();
    const report = (watched: number, duration: number) => student.post(`/learn/${course.slug}/watch`, { lessonId: lessons[0]!.id, watched: String(watched), duration: String(duration) });
    await report(30, 120).expect(204);
    await report(90, 120).expect(204);
    await report(10, 120).expect(204);
    await report(500, 120).expect(204);
    const row = await t.db.selectFrom('lessonWatchAnalytics').selectAll().where('userId', '=', student.user.id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ watchDuration: 500, totalDuration: 120, completionRate: 100 });
    await student.post(`/learn/${course.slug}/watch`, { lessonId: 'nope', watched: 'x', duration: '-1' }).expect(422);
    await student.post(`/learn/${course.slug}/watch`, { lessonId: lessons[0]!.id, watched: '5', duration: '10' }).expect(204);
  });

  it('rates 1 to 5 with a comment, once per course and editable; the course page shows the average', async () => {
    const { course, lessons, student } = await enrolledStudent();
    const bad = await student.post(`/learn/${course.slug}/rating`, { rating: '9', lessonId: lessons[0]!.id });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('Choose 1 to 5 stars.');
    await student.post(`/learn/${course.slug}/rating`, { rating: '4', comment: 'Clear and short.', lessonId: lessons[0]!.id }).expect(303);
    await student.post(`/learn/${course.slug}/rating`, { rating: '5', comment: 'Even better on a second look.', lessonId: lessons[0]!.id }).expect(303);
    const ratings = await t.db.selectFrom('courseRating').select(['rating', 'comment']).where('courseId', '=', course.id).execute();
    expect(ratings).toEqual([{ rating: 5, comment: 'Even better on a second look.' }]);
    expect((await t.request().get(`/courses/${course.slug}`)).text).toContain('5 of 5 from 1 rating');
    expect((await t.request().get(`/courses?q=${encodeURIComponent('Learning Course')}`)).text).toContain('5<span class="sr-only"> of 5 stars from</span> (1)');
    const outsider = await signedInAs(t.app, t.db, 'student');
    await outsider.post(`/learn/${course.slug}/rating`, { rating: '1' }).expect(404);
  });

  it('the lesson page and the dashboard stay within budget, with a fixed number of queries', async () => {
    const { course, chapter, lessons, student } = await enrolledStudent();
    // The first visit also writes StartedCourse: measure visits after it.
    await student.agent.get(`/learn/${course.slug}/lessons/${lessons[0]!.id}`).expect(200);
    const few = await countQueries(t.db, () => student.agent.get(`/learn/${course.slug}/lessons/${lessons[0]!.id}`).expect(200));
    const dashFew = await countQueries(t.db, () => student.agent.get('/dashboard').expect(200));
    for (let i = 0; i < 40; i++) await createLesson(t.db, { chapterId: chapter.id, title: `Another lesson with a longer title ${i}` });
    for (let i = 0; i < 5; i++) {
      const other = await createCourse(t.db);
      await createEnrollment(t.db, { userId: student.user.id, courseId: other.id, status: 'Active' });
    }
    const many = await countQueries(t.db, () => student.agent.get(`/learn/${course.slug}/lessons/${lessons[0]!.id}`).expect(200));
    const dashMany = await countQueries(t.db, () => student.agent.get('/dashboard').expect(200));
    expect(many.count).toBe(few.count);
    expect(dashMany.count).toBe(dashFew.count);
    const size = expectWithinPageBudget(many.result);
    expectWithinPageBudget(dashMany.result);
    console.info(`lesson page (44 lessons): ${size} bytes gzipped, ${many.count} queries; dashboard: ${dashMany.count} queries`);
  });
});

describe('certificates from the students table', () => {
  const t = useTestApp();

  it('the teacher revokes a certificate and issues it again; the public page follows', async () => {
    const teacher = await signedInAs(t.app, t.db, 'teacher');
    const course = await createCourse(t.db, { userId: teacher.user.id });
    const chapter = await createChapter(t.db, { courseId: course.id });
    const lesson = await createLesson(t.db, { chapterId: chapter.id });
    const student = await signedInAs(t.app, t.db, 'student');
    const enrollment = await createEnrollment(t.db, { userId: student.user.id, courseId: course.id, status: 'Active' });
    await student.post(`/learn/${course.slug}/lessons/${lesson.id}/complete`).expect(303);
    const issued = await t.db.selectFrom('enrollment').select('certificateKey').where('id', '=', enrollment.id).executeTakeFirstOrThrow();

    const table = await teacher.agent.get(`/teach/courses/${course.id}/students`).expect(200);
    expect(table.text).toContain('Revoke');
    await teacher.post(`/teach/courses/${course.id}/students/${enrollment.id}/certificate/revoke`).expect(303);
    expect((await t.request().get(`/certificates/${enrollment.id}`)).text).toContain('<strong>REVOKED</strong>');
    // Completing again does not quietly re-issue a revoked certificate.
    await student.post(`/learn/${course.slug}/lessons/${lesson.id}/complete`).expect(303);
    await student.post(`/learn/${course.slug}/lessons/${lesson.id}/complete`).expect(303);
    expect((await t.db.selectFrom('enrollment').select('certificateRevoked').where('id', '=', enrollment.id).executeTakeFirstOrThrow()).certificateRevoked).toBe(true);

    await teacher.post(`/teach/courses/${course.id}/students/${enrollment.id}/certificate/issue`).expect(303);
    const again = await t.db.selectFrom('enrollment').select(['certificateRevoked', 'certificateKey']).where('id', '=', enrollment.id).executeTakeFirstOrThrow();
    expect(again.certificateRevoked).toBe(false);
    expect(again.certificateKey).not.toBe(issued.certificateKey);
    expect((await t.request().get(`/certificates/${enrollment.id}`)).text).toContain('<strong>VALID</strong>');
    const issueValid = await teacher.post(`/teach/courses/${course.id}/students/${enrollment.id}/certificate/issue`);
    expect(issueValid.status).toBe(422);
  });
});
