import { describe, expect, it } from 'vitest';
import { useTestApp } from '../setup/app.ts';
import { createCourse, createEnrollment } from '../setup/factories.ts';
import { createSupportCall, createSupportRequest } from '../setup/support-call-factories.ts';
import { signedInAs } from '../setup/users.ts';

const t = useTestApp();

/** A teacher signed in with a course and a live call on it. */
async function hostWithCall() {
  const host = await signedInAs(t.app, t.db, 'teacher');
  const course = await createCourse(t.db, { userId: host.user.id, title: 'Spreadsheets' });
  const call = await createSupportCall(t.db, { courseId: course.id, title: 'Week 3 office hours' });
  return { host, course, call, base: `/teach/courses/${course.id}/support-calls/${call.id}` };
}

async function studentOf(courseId: string) {
  const s = await signedInAs(t.app, t.db, 'student');
  await createEnrollment(t.db, { userId: s.user.id, courseId });
  return s;
}

const requestsOf = (callId: string) =>
  t.db.selectFrom('supportCallRequest').selectAll().where('supportCallId', '=', callId).orderBy('createdAt').execute();

const placesOf = async (callId: string) =>
  Object.fromEntries((await requestsOf(callId)).map((r) => [r.userId, { status: r.status, position: r.position }]));

describe('the queue', () => {
  it('30 students asking at the same moment get places 1 to 30: no gap, no duplicate', async () => {
    const { course, call } = await hostWithCall();
    const students = await Promise.all(Array.from({ length: 30 }, () => studentOf(course.id)));
    const answers = await Promise.all(
      students.map((s) => s.post(`/learn/${course.slug}/support-calls/${call.id}/requests`, { supportType: 'Assignment help' })),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(30).fill(303));
    const rows = await requestsOf(call.id);
    expect(rows).toHaveLength(30);
    expect(rows.map((r) => r.position).sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(rows.every((r) => r.status === 'Pending')).toBe(true);
  });

  it('one request per student per call: two at once leave one row, and asking again shows the place, not an error', async () => {
    const { course, call } = await hostWithCall();
    const s = await studentOf(course.id);
    const path = `/learn/${course.slug}/support-calls/${call.id}/requests`;
    const [a, b] = await Promise.all([s.post(path, { supportType: 'Other' }), s.post(path, { supportType: 'Technical problem' })]);
    expect([a.status, b.status]).toEqual([303, 303]);
    expect(await requestsOf(call.id)).toHaveLength(1);
    const again = await s.post(path, { supportType: 'Other' }).set('HX-Request', 'true');
    expect(again.status).toBe(200);
    expect(again.text).toContain('You are number 1');
    expect(again.text).toContain('0 ahead of you');
    expect(await requestsOf(call.id)).toHaveLength(1);
  });

  it('a supportType outside the list, or none, is refused with 422 and the form; nothing is stored', async () => {
    const { course, call } = await hostWithCall();
    const s = await studentOf(course.id);
    const path = `/learn/${course.slug}/support-calls/${call.id}/requests`;
    for (const fields of [{ supportType: 'Give me the answers' }, {}] as Array<Record<string, string>>) {
      const res = await s.post(path, fields);
      expect(res.status).toBe(422);
      expect(res.text).toContain('Choose what you need help with');
      expect(res.text).toContain('Ask to join');
    }
    const fragment = await s.post(path, { supportType: 'Homework' }).set('HX-Request', 'true');
    expect(fragment.status).toBe(422);
    expect(fragment.text).not.toContain('<html');
    expect(await requestsOf(call.id)).toHaveLength(0);
  });

  it('places move up when someone ahead is accepted, turned down or marked done; the student sees "number N; K ahead"', async () => {
    const { host, course, call, base } = await hostWithCall();
    const students = [];
    for (let i = 0; i < 5; i++) {
      const s = await studentOf(course.id);
      await s.post(`/learn/${course.slug}/support-calls/${call.id}/requests`, { supportType: 'Question about a lesson' }).expect(303);
      students.push(s);
    }
    const requestOf = async (userId: string) => (await requestsOf(call.id)).find((r) => r.userId === userId)!;
    const [s1, s2, s3, s4, s5] = students as [(typeof students)[0], (typeof students)[0], (typeof students)[0], (typeof students)[0], (typeof students)[0]];

    const page = await s5.agent.get(`/learn/${course.slug}/support-calls/${call.id}`);
    expect(page.text).toContain('You are number 5');
    expect(page.text).toContain('4 ahead of you');

    // Turning down number 3: 4 and 5 move up; 1 and 2 stay.
    const r3 = await requestOf(s3.user.id);
    const rejected = await host.post(`${base}/requests/${r3.id}/reject`, { reason: 'Please post this on the forum.' });
    expect(rejected.status).toBe(303);
    let places = await placesOf(call.id);
    expect(places[s1.user.id]).toEqual({ status: 'Pending', position: 1 });
    expect(places[s2.user.id]).toEqual({ status: 'Pending', position: 2 });
    expect(places[s3.user.id]).toMatchObject({ status: 'Rejected' });
    expect(places[s4.user.id]).toEqual({ status: 'Pending', position: 3 });
    expect(places[s5.user.id]).toEqual({ status: 'Pending', position: 4 });
    expect((await requestOf(s3.user.id)).rejectionReason).toBe('Please post this on the forum.');
    const told = await s3.agent.get(`/learn/${course.slug}/support-calls/${call.id}`);
    expect(told.text).toContain('Your request was turned down.');
    expect(told.text).toContain('Please post this on the forum.');

    // Accepting number 1 (with htmx: the queue comes back, places moved up).
    const r1 = await requestOf(s1.user.id);
    const accepted = await host.post(`${base}/requests/${r1.id}/accept`).set('HX-Request', 'true');
    expect(accepted.status).toBe(200);
    expect(accepted.text).toMatch(/^\s*<section id="queue"/);
    expect(accepted.text).not.toContain('<html');
    places = await placesOf(call.id);
    expect(places[s1.user.id]).toMatchObject({ status: 'Accepted' });
    expect((await requestOf(s1.user.id)).joinedAt).not.toBeNull();
    expect(places[s2.user.id]).toEqual({ status: 'Pending', position: 1 });
    expect(places[s5.user.id]).toEqual({ status: 'Pending', position: 3 });

    // Marking number 2 done while still waiting: the rest move up again.
    const r2 = await requestOf(s2.user.id);
    await host.post(`${base}/requests/${r2.id}/done`).expect(303);
    places = await placesOf(call.id);
    expect(places[s2.user.id]).toMatchObject({ status: 'Completed' });
    expect(places[s4.user.id]).toEqual({ status: 'Pending', position: 1 });
    expect(places[s5.user.id]).toEqual({ status: 'Pending', position: 2 });
    const after = await s5.agent.get(`/learn/${course.slug}/support-calls/${call.id}/status`).set('HX-Request', 'true');
    expect(after.text).toContain('You are number 2');
    expect(after.text).toContain('1 ahead of you');

    // A newcomer takes the place after the last one waiting (3), not after the highest ever given.
    const s6 = await studentOf(course.id);
    await s6.post(`/learn/${course.slug}/support-calls/${call.id}/requests`, { supportType: 'Other' }).expect(303);
    expect((await placesOf(call.id))[s6.user.id]).toEqual({ status: 'Pending', position: 3 });

    // The accepted student is notified, by inbox only (mail is off by default for this kind).
    const notes = await t.db.selectFrom('notification').selectAll().where('userId', '=', s1.user.id).execute();
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatchObject({ type: 'SupportCallAccepted', link: `/learn/${course.slug}/support-calls/${call.id}` });
    expect(await t.db.selectFrom('mailOutbox').select('id').where('userId', '=', s1.user.id).execute()).toHaveLength(0);

    // Each action is in the activity log, by the host.
    const actions = await t.db.selectFrom('activityLog').select(['action', 'userId']).where('entityType', '=', 'support_call_request').execute();
    expect(actions.map((a) => a.action).sort()).toEqual(['support_request_accepted', 'support_request_completed', 'support_request_rejected']);
    expect(actions.every((a) => a.userId === host.user.id)).toBe(true);
  });

  it('a host clicking Accept twice at once accepts once and moves the queue up once', async () => {
    const { host, call, base } = await hostWithCall();
    const first = await createSupportRequest(t.db, { supportCallId: call.id, position: 1 });
    const second = await createSupportRequest(t.db, { supportCallId: call.id, position: 2 });
    const third = await createSupportRequest(t.db, { supportCallId: call.id, position: 3 });
    const [a, b] = await Promise.all([host.post(`${base}/requests/${first.id}/accept`), host.post(`${base}/requests/${first.id}/accept`)]);
    expect([a.status, b.status].sort()).toEqual([303, 409]);
    expect(b.status === 409 ? b.text : a.text).toContain('Only a waiting request can be accepted');
    const rows = Object.fromEntries((await requestsOf(call.id)).map((r) => [r.id, r]));
    expect(rows[second.id]!.position).toBe(1);
    expect(rows[third.id]!.position).toBe(2);
    expect(await t.db.selectFrom('notification').select('id').where('userId', '=', first.userId).execute()).toHaveLength(1);
  });

  it('a rejection needs a reason: 422 with the queue and the message (htmx: the queue alone), nothing changes', async () => {
    const { host, call, base } = await hostWithCall();
    const r = await createSupportRequest(t.db, { supportCallId: call.id, position: 1 });
    const page = await host.post(`${base}/requests/${r.id}/reject`, { reason: '   ' });
    expect(page.status).toBe(422);
    expect(page.text).toContain('Say why, so the student knows what to do instead.');
    expect(page.text).toContain('<html');
    const long = await host.post(`${base}/requests/${r.id}/reject`, { reason: 'x'.repeat(301) }).set('HX-Request', 'true');
    expect(long.status).toBe(422);
    expect(long.text).toContain('Keep the reason to 300 characters.');
    expect(long.text).not.toContain('<html');
    expect((await requestsOf(call.id))[0]).toMatchObject({ status: 'Pending', position: 1, rejectionReason: null });
  });

  it('ending the call closes every open request (in the call: done; waiting: turned down, "The call ended") and the queue disappears', async () => {
    const { host, course, call, base } = await hostWithCall();
    const waiting = await studentOf(course.id);
    const inCall = await studentOf(course.id);
    const answered = await createSupportRequest(t.db, { supportCallId: call.id, position: 1, status: 'Completed' });
    await createSupportRequest(t.db, { supportCallId: call.id, userId: inCall.user.id, position: 1, status: 'Accepted' });
    await createSupportRequest(t.db, { supportCallId: call.id, userId: waiting.user.id, position: 1 });
    const lessonPath = await aLessonOf(course.id);
    expect((await waiting.agent.get(`/learn/${course.slug}/lessons/${lessonPath}`)).text).toContain('Live help now:');

    const ended = await host.post(`${base}/end`);
    expect(ended.status).toBe(303);
    const callRow = await t.db.selectFrom('supportCall').selectAll().where('id', '=', call.id).executeTakeFirstOrThrow();
    expect(callRow.status).toBe('Ended');
    expect(callRow.endedAt).not.toBeNull();
    const places = await placesOf(call.id);
    expect(places[inCall.user.id]!.status).toBe('Completed');
    expect(places[waiting.user.id]!.status).toBe('Rejected');
    expect(places[answered.userId]!.status).toBe('Completed');
    expect((await requestsOf(call.id)).find((r) => r.userId === waiting.user.id)!.rejectionReason).toBe('The call ended');

    // The learn page no longer shows it; the student's page says it ended, with no queue and no poll.
    expect((await waiting.agent.get(`/learn/${course.slug}/lessons/${lessonPath}`)).text).not.toContain('Live help now:');
    const page = await waiting.agent.get(`/learn/${course.slug}/support-calls/${call.id}`);
    expect(page.text).toContain('This call has ended.');
    expect(page.text).not.toContain('hx-trigger');
    expect(page.text).not.toContain('You are number');
    // Nobody can join it now, and it cannot be ended twice.
    const late = await studentOf(course.id);
    const refused = await late.post(`/learn/${course.slug}/support-calls/${call.id}/requests`, { supportType: 'Other' });
    expect(refused.status).toBe(409);
    expect(refused.text).toContain('This call has ended');
    expect((await host.post(`${base}/end`)).status).toBe(409);
    expect(await t.db.selectFrom('activityLog').select('action').where('entityId', '=', call.id).execute()).toEqual([{ action: 'support_call_ended' }]);
  });

  it('cancelling the call closes the open requests the same way (Cancelled)', async () => {
    const { host, course, call, base } = await hostWithCall();
    const waiting = await studentOf(course.id);
    await createSupportRequest(t.db, { supportCallId: call.id, userId: waiting.user.id, position: 1 });
    await host.post(`${base}/cancel`).expect(303);
    expect((await t.db.selectFrom('supportCall').select('status').where('id', '=', call.id).executeTakeFirstOrThrow()).status).toBe('Cancelled');
    expect((await requestsOf(call.id))[0]).toMatchObject({ status: 'Rejected', rejectionReason: 'The call ended' });
    const fragment = await waiting.agent.get(`/learn/${course.slug}/support-calls/${call.id}/status`).set('HX-Request', 'true');
    expect(fragment.text).toContain('This call has been cancelled.');
    expect(fragment.text).not.toContain('hx-trigger');
  });
});

async function aLessonOf(courseId: string): Promise<string> {
  const { createChapter, createLesson } = await import('../setup/factories.ts');
  const chapter = await createChapter(t.db, { courseId });
  return (await createLesson(t.db, { chapterId: chapter.id })).id;
}
