import { describe, expect, it } from 'vitest';
import { useTestApp } from '../setup/app.ts';
import { expectWithinPageBudget } from '../setup/budget.ts';
import { createCourse } from '../setup/factories.ts';
import { countQueries } from '../setup/queries.ts';
import { createSupportCall, createSupportRequest } from '../setup/support-call-factories.ts';
import { signedInAs } from '../setup/users.ts';

// No SUPPORT_CALL_URL_TEMPLATE here: the host pastes the meeting link (template.test.ts has one).
const t = useTestApp();

async function teacherWithCourse() {
  const me = await signedInAs(t.app, t.db, 'teacher');
  const course = await createCourse(t.db, { userId: me.user.id, title: 'Spreadsheets' });
  return { ...me, course, base: `/teach/courses/${course.id}/support-calls` };
}

const callsOf = (courseId: string) => t.db.selectFrom('supportCall').selectAll().where('courseId', '=', courseId).execute();

describe('starting a call without a URL template', () => {
  it('the course page links to Live help; the form asks for the meeting link; a pasted https link starts the call', async () => {
    const me = await teacherWithCourse();
    expect((await me.agent.get(`/teach/courses/${me.course.id}`)).text).toContain(`href="${me.base}">Live help</a>`);
    const form = await me.agent.get(me.base);
    expect(form.status).toBe(200);
    expect(form.text).toContain('name="meetingUrl"');
    const started = await me.post(me.base, { title: 'Office hours', description: 'Week 3', meetingUrl: 'https://zoom.example.com/j/123?pwd=abc' });
    expect(started.status).toBe(303);
    const [call] = await callsOf(me.course.id);
    expect(call).toMatchObject({ title: 'Office hours', description: 'Week 3', status: 'Active', meetingUrl: 'https://zoom.example.com/j/123?pwd=abc', streamCallId: null, createdBy: me.user.id });
    expect(started.headers.location).toBe(`${me.base}/${call!.id}`);
    const page = await me.agent.get(started.headers.location!);
    expect(page.text).toContain('The call is live');
    expect(page.text).toContain('href="https://zoom.example.com/j/123?pwd=abc"');
    expect(await t.db.selectFrom('activityLog').select('action').where('entityId', '=', call!.id).execute()).toEqual([{ action: 'support_call_started' }]);
    // The list: the live call first, and no second start form while it is live.
    const list = await me.agent.get(me.base);
    expect(list.text).toContain('Live now:');
    expect(list.text).not.toContain('name="meetingUrl"');
  });

  it.each([
    [{ title: '', meetingUrl: 'https://meet.example.org/x' }, 'title', 'Give the call a title'],
    [{ title: 'x'.repeat(121), meetingUrl: 'https://meet.example.org/x' }, 'title', 'Keep the title to 120 characters.'],
    [{ title: 'Hours', description: 'd'.repeat(1001), meetingUrl: 'https://meet.example.org/x' }, 'description', 'Keep the description to 1000 characters.'],
    [{ title: 'Hours', meetingUrl: '' }, 'meetingUrl', 'Paste the meeting link'],
    [{ title: 'Hours', meetingUrl: 'http://meet.example.org/x' }, 'meetingUrl', 'must start with https://'],
    [{ title: 'Hours', meetingUrl: 'javascript:alert(1)' }, 'meetingUrl', 'must start with https://'],
    [{ title: 'Hours', meetingUrl: 'meet.example.org/x' }, 'meetingUrl', 'Paste the whole link'],
  ])('refuses %o with 422, the message and the typed values', async (fields, field, message) => {
    const me = await teacherWithCourse();
    const res = await me.post(me.base, fields);
    expect(res.status).toBe(422);
    expect(res.text).toContain(message);
    expect(res.text).toContain(`id="f-${field}-error"`);
    if (fields.title && fields.title.length < 50) expect(res.text).toContain(`value="${fields.title}"`);
    expect(await callsOf(me.course.id)).toHaveLength(0);
  });

  it('a draft course cannot start a call (422: its students could not see it)', async () => {
    const me = await signedInAs(t.app, t.db, 'teacher');
    const course = await createCourse(t.db, { userId: me.user.id, status: 'Draft' });
    const res = await me.post(`/teach/courses/${course.id}/support-calls`, { title: 'Hours', meetingUrl: 'https://meet.example.org/a' });
    expect(res.status).toBe(422);
    expect(res.text).toContain('Publish the course first');
    expect(res.text).toContain('value="Hours"');
    expect(await callsOf(course.id)).toHaveLength(0);
  });

  it('a second call while one is live is refused (409), even two started at once', async () => {
    const me = await teacherWithCourse();
    const fields = { title: 'Hours', meetingUrl: 'https://meet.example.org/a' };
    const [a, b] = await Promise.all([me.post(me.base, fields), me.post(me.base, fields)]);
    expect([a.status, b.status].sort()).toEqual([303, 409]);
    expect((a.status === 409 ? a : b).text).toContain('A call is already live for this course');
    expect(await callsOf(me.course.id)).toHaveLength(1);
  });

  it("another teacher's course: the list, the form, a call and its buttons are 404", async () => {
    const me = await signedInAs(t.app, t.db, 'teacher');
    const theirs = await createCourse(t.db);
    const call = await createSupportCall(t.db, { courseId: theirs.id });
    const r = await createSupportRequest(t.db, { supportCallId: call.id, position: 1 });
    const base = `/teach/courses/${theirs.id}/support-calls`;
    expect((await me.agent.get(base)).status).toBe(404);
    expect((await me.post(base, { title: 'Mine now', meetingUrl: 'https://meet.example.org/x' })).status).toBe(404);
    expect((await me.agent.get(`${base}/${call.id}`)).status).toBe(404);
    for (const action of ['accept', 'done']) expect((await me.post(`${base}/${call.id}/requests/${r.id}/${action}`)).status).toBe(404);
    expect((await me.post(`${base}/${call.id}/requests/${r.id}/reject`, { reason: 'No' })).status).toBe(404);
    expect((await me.post(`${base}/${call.id}/cancel`)).status).toBe(404);
    // Their own course with the other course's call id: 404 too.
    const mine = await createCourse(t.db, { userId: me.user.id });
    expect((await me.agent.get(`/teach/courses/${mine.id}/support-calls/${call.id}`)).status).toBe(404);
    expect((await me.post(`/teach/courses/${mine.id}/support-calls/${call.id}/end`)).status).toBe(404);
    expect((await t.db.selectFrom('supportCallRequest').select('status').where('id', '=', r.id).executeTakeFirstOrThrow()).status).toBe('Pending');
    expect((await t.db.selectFrom('supportCall').select('status').where('id', '=', call.id).executeTakeFirstOrThrow()).status).toBe('Active');
  });
});

describe("the host's pages", () => {
  it('the call page (queue of 5 or 50) stays within the page budget at the same number of queries', async () => {
    const measure = async (n: number) => {
      const me = await teacherWithCourse();
      const call = await createSupportCall(t.db, { courseId: me.course.id });
      // Mixed: a few in the call, some closed, the rest waiting.
      for (let i = 1; i <= n; i++) {
        const status = i % 10 === 0 ? 'Accepted' : i % 7 === 0 ? 'Rejected' : 'Pending';
        await createSupportRequest(t.db, { supportCallId: call.id, position: i, status, ...(status === 'Rejected' ? { rejectionReason: 'Asked twice' } : {}) });
      }
      const { result, count } = await countQueries(t.db, () => me.agent.get(`${me.base}/${call.id}`));
      expect(result.status).toBe(200);
      const size = expectWithinPageBudget(result);
      const fragment = await countQueries(t.db, () => me.agent.get(`${me.base}/${call.id}`).set('HX-Request', 'true'));
      expect(fragment.result.text).toMatch(/^\s*<section id="queue"/);
      return { count, size, fragment: fragment.count };
    };
    const few = await measure(5);
    const many = await measure(50);
    console.log(`host call page: ${few.count} queries / ${few.size} B gzipped with 5 requests, ${many.count} / ${many.size} B with 50`);
    expect(many.count).toBe(few.count);
    expect(many.fragment).toBe(few.fragment);
  });

  it('the list of calls (5 or 50) stays within the page budget at the same number of queries, live first, and downloads as CSV', async () => {
    const measure = async (n: number) => {
      const me = await teacherWithCourse();
      const host = me.user.id;
      await t.db
        .insertInto('supportCall')
        .values(Array.from({ length: n }, (_, i) => ({ courseId: me.course.id, createdBy: host, title: `=Past call ${i}`, status: 'Ended' as const, meetingUrl: 'https://meet.example.org/x', endedAt: new Date() })))
        .execute();
      const live = await createSupportCall(t.db, { courseId: me.course.id, title: 'Now', createdAt: new Date(Date.now() - 86_400_000) });
      const { result, count } = await countQueries(t.db, () => me.agent.get(me.base));
      expect(result.status).toBe(200);
      expectWithinPageBudget(result);
      // The live call heads the table although it is the oldest.
      const firstRow = result.text.split('<tbody>')[1]!.split('</tr>')[0]!;
      expect(firstRow).toContain(`${me.base}/${live.id}`);
      const csv = await me.agent.get(`${me.base}?format=csv`);
      expect(csv.headers['content-type']).toMatch(/text\/csv/);
      expect(csv.text.trim().split('\n')).toHaveLength(n + 2);
      expect(csv.text).toContain("'=Past call 0");
      return count;
    };
    const few = await measure(5);
    const many = await measure(50);
    console.log(`host call list: ${few} queries with 5 calls, ${many} with 50`);
    expect(many).toBe(few);
  });

  it('Accept, Turn down and Mark done show in the queue only while the call is live', async () => {
    const me = await teacherWithCourse();
    const call = await createSupportCall(t.db, { courseId: me.course.id });
    await createSupportRequest(t.db, { supportCallId: call.id, position: 1 });
    const live = await me.agent.get(`${me.base}/${call.id}`);
    expect(live.text).toContain('/accept"');
    expect(live.text).toContain('hx-target="#queue"');
    expect(live.text).toContain('End call');
    await me.post(`${me.base}/${call.id}/end`).expect(303);
    const ended = await me.agent.get(`${me.base}/${call.id}`);
    expect(ended.text).not.toContain('/accept"');
    expect(ended.text).not.toContain('End call');
    expect(ended.text).not.toContain('https://meet.example.org');
  });
});
