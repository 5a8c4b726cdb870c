import { describe, expect, it } from 'vitest';
import { useTestApp } from '../setup/app.ts';
import { expectWithinPageBudget } from '../setup/budget.ts';
import { createChapter, createCourse, createEnrollment, createLesson } from '../setup/factories.ts';
import { newAgent } from '../setup/forms.ts';
import { countQueries } from '../setup/queries.ts';
import { createSupportCall, createSupportRequest } from '../setup/support-call-factories.ts';
import { signedInAs } from '../setup/users.ts';

const t = useTestApp();

const MEETING = 'https://meet.example.org/edupeak-0123456789abcdef';

async function liveCourse() {
  const host = await signedInAs(t.app, t.db, 'teacher');
  const course = await createCourse(t.db, { userId: host.user.id });
  const chapter = await createChapter(t.db, { courseId: course.id });
  const lesson = await createLesson(t.db, { chapterId: chapter.id });
  const call = await createSupportCall(t.db, { courseId: course.id, title: 'Exam questions', meetingUrl: MEETING });
  const page = `/learn/${course.slug}/support-calls/${call.id}`;
  return { host, course, lesson, call, page, hostPage: `/teach/courses/${course.id}/support-calls/${call.id}` };
}

async function studentOf(courseId: string, enrollment: Parameters<typeof createEnrollment>[1] = {}) {
  const s = await signedInAs(t.app, t.db, 'student');
  await createEnrollment(t.db, { ...enrollment, userId: s.user.id, courseId });
  return s;
}

describe('who may see a call, its queue and its link', () => {
  it('another course\'s student, a course-banned student, a Pending or Cancelled enrollment, a teacher of another course: 404 on the page, the request, the fragment and the host page', async () => {
    const { course, call, page, hostPage, lesson } = await liveCourse();
    const otherCourse = await createCourse(t.db);
    const outsiders = {
      'another course\'s student': await studentOf(otherCourse.id),
      'a banned student': await studentOf(course.id, { banned: true, banType: 'Permanent', banReason: 'Spam' }),
      'a pending enrollment': await studentOf(course.id, { status: 'Pending' }),
      'a cancelled enrollment': await studentOf(course.id, { status: 'Cancelled' }),
      'a teacher of another course': await signedInAs(t.app, t.db, 'teacher'),
    };
    for (const [who, s] of Object.entries(outsiders)) {
      expect((await s.agent.get(page)).status, `${who}: page`).toBe(404);
      expect((await s.agent.get(`${page}/status`).set('HX-Request', 'true')).status, `${who}: fragment`).toBe(404);
      expect((await s.post(`${page}/requests`, { supportType: 'Other' })).status, `${who}: request`).toBe(404);
      expect((await s.agent.get(hostPage)).status, `${who}: host page`).toBe(404);
      expect((await s.post(`${hostPage}/end`)).status, `${who}: end`).toBe(404);
      const learn = await s.agent.get(`/learn/${course.slug}/lessons/${lesson.id}`);
      expect(learn.text, `${who}: learn page`).not.toContain(MEETING);
      expect(learn.text, `${who}: learn page`).not.toContain('Live help now');
    }
    expect(await t.db.selectFrom('supportCallRequest').select('id').where('supportCallId', '=', call.id).execute()).toHaveLength(0);
    expect((await t.db.selectFrom('supportCall').select('status').where('id', '=', call.id).executeTakeFirstOrThrow()).status).toBe('Active');
  });

  it('a visitor is sent to sign in, and a call id under another course\'s slug is 404', async () => {
    const { course, page } = await liveCourse();
    const visitor = newAgent(t.app);
    const res = await visitor.get(page);
    expect([302, 303]).toContain(res.status);
    expect(res.headers.location).toMatch(/^\/auth\/login/);
    expect((await visitor.get(`${page}/status`)).text).not.toContain(MEETING);

    // A student of course B asking for course A's call through B's slug.
    const other = await liveCourse();
    const s = await studentOf(other.course.id);
    const crossed = `/learn/${other.course.slug}/support-calls/${(await t.db.selectFrom('supportCall').select('id').where('courseId', '=', course.id).executeTakeFirstOrThrow()).id}`;
    expect((await s.agent.get(crossed)).status).toBe(404);
    expect((await s.post(`${crossed}/requests`, { supportType: 'Other' })).status).toBe(404);
    expect((await s.agent.get(`/learn/${other.course.slug}/support-calls/not-a-uuid`)).status).toBe(404);
  });

  it('the meeting link is only in the HTML of the accepted student: never the page or fragment of one waiting, turned down, or not yet asking', async () => {
    const { course, call, page } = await liveCourse();
    const accepted = await studentOf(course.id);
    const waiting = await studentOf(course.id);
    const rejected = await studentOf(course.id);
    const notAsked = await studentOf(course.id);
    await createSupportRequest(t.db, { supportCallId: call.id, userId: accepted.user.id, position: 1, status: 'Accepted', joinedAt: new Date() });
    await createSupportRequest(t.db, { supportCallId: call.id, userId: waiting.user.id, position: 1 });
    await createSupportRequest(t.db, { supportCallId: call.id, userId: rejected.user.id, position: 2, status: 'Rejected', rejectionReason: 'Not today' });
    for (const s of [waiting, rejected, notAsked]) {
      expect((await s.agent.get(page)).text).not.toContain(MEETING);
      expect((await s.agent.get(`${page}/status`).set('HX-Request', 'true')).text).not.toContain(MEETING);
      expect((await s.agent.get(`/learn/${course.slug}`).redirects(1)).text).not.toContain(MEETING);
    }
    const mine = await accepted.agent.get(page);
    expect(mine.text).toContain(`href="${MEETING}"`);
    expect(mine.text).toContain('Join the call');
    expect((await accepted.agent.get(`${page}/status`).set('HX-Request', 'true')).text).toContain(MEETING);
  });

  it('the link goes when the call ends, even for the accepted student', async () => {
    const { host, course, call, page, hostPage } = await liveCourse();
    const accepted = await studentOf(course.id);
    await createSupportRequest(t.db, { supportCallId: call.id, userId: accepted.user.id, position: 1, status: 'Accepted' });
    await host.post(`${hostPage}/end`).expect(303);
    expect((await accepted.agent.get(page)).text).not.toContain(MEETING);
    expect((await accepted.agent.get(`${page}/status`).set('HX-Request', 'true')).text).not.toContain(MEETING);
  });

  it('the course\'s teacher previewing is sent to the host page; an admin may host any course\'s call', async () => {
    const { host, page, hostPage } = await liveCourse();
    const preview = await host.agent.get(page);
    expect(preview.status).toBe(303);
    expect(preview.headers.location).toBe(hostPage);
    expect((await host.post(`${page}/requests`, { supportType: 'Other' })).status).toBe(404);
    const admin = await signedInAs(t.app, t.db, 'admin');
    const res = await admin.agent.get(hostPage);
    expect(res.status).toBe(200);
    expect(res.text).toContain(MEETING);
  });
});

describe('the poll', () => {
  it('a waiting student\'s page polls a fragment under 1 KB every 10 s, with a Refresh link; after the end the fragment has no hx-trigger', async () => {
    const { host, course, call, page, hostPage } = await liveCourse();
    const s = await studentOf(course.id);
    await createSupportRequest(t.db, { supportCallId: call.id, position: 1 });
    await createSupportRequest(t.db, { supportCallId: call.id, position: 2 });
    await createSupportRequest(t.db, { supportCallId: call.id, userId: s.user.id, position: 3 });
    const full = await s.agent.get(page);
    expect(full.text).toContain(`hx-get="${page}/status"`);
    expect(full.text).toContain('hx-trigger="every 10s"');
    expect(full.text).toContain(`<a href="${page}">Refresh</a>`);
    const fragment = await s.agent.get(`${page}/status`).set('HX-Request', 'true');
    expect(fragment.status).toBe(200);
    expect(fragment.headers['cache-control']).toBe('no-store');
    expect(fragment.text).toContain('You are number 3');
    expect(fragment.text).toContain('2 ahead of you');
    expect(fragment.text).toContain('hx-trigger="every 10s"');
    const bytes = Buffer.byteLength(fragment.text);
    console.log(`support call poll fragment: ${bytes} bytes`);
    expect(bytes).toBeLessThan(1024);

    await host.post(`${hostPage}/end`).expect(303);
    const after = await s.agent.get(`${page}/status`).set('HX-Request', 'true');
    expect(after.text).not.toContain('hx-trigger');
    expect(after.text).not.toContain('hx-get');
    expect(after.text).toContain('This call has ended.');
    expect(Buffer.byteLength(after.text)).toBeLessThan(1024);
  });
});

describe('the learn pages', () => {
  it('show "Live help now: <title> — Ask to join" to a student while a call is live, at no extra query', async () => {
    const { course, lesson, call } = await liveCourse();
    const s = await studentOf(course.id);
    const path = `/learn/${course.slug}/lessons/${lesson.id}`;
    const withCall = await countQueries(t.db, () => s.agent.get(path));
    expect(withCall.result.text).toContain('Live help now:');
    expect(withCall.result.text).toContain('Exam questions');
    expect(withCall.result.text).toContain(`href="/learn/${course.slug}/support-calls/${call.id}">Ask to join</a>`);
    expectWithinPageBudget(withCall.result);

    await t.db.updateTable('supportCall').set({ status: 'Ended', endedAt: new Date() }).where('id', '=', call.id).execute();
    const without = await countQueries(t.db, () => s.agent.get(path));
    expect(without.result.text).not.toContain('Live help now:');
    console.log(`lesson page: ${without.count} queries without a live call, ${withCall.count} with one`);
    expect(withCall.count).toBe(without.count);
  });
});

describe('the student\'s page', () => {
  it('stays within the page budget and costs the same queries whatever the queue\'s length', async () => {
    const measure = async (n: number) => {
      const { course, call, page } = await liveCourse();
      const s = await studentOf(course.id);
      for (let i = 1; i < n; i++) await createSupportRequest(t.db, { supportCallId: call.id, position: i });
      await createSupportRequest(t.db, { supportCallId: call.id, userId: s.user.id, position: n });
      const { result, count } = await countQueries(t.db, () => s.agent.get(page));
      expect(result.status).toBe(200);
      expect(result.text).toContain(`You are number ${n}`);
      expectWithinPageBudget(result);
      return count;
    };
    const few = await measure(5);
    const many = await measure(50);
    console.log(`student call page: ${few} queries with 5 in the queue, ${many} with 50`);
    expect(many).toBe(few);
  });
});
