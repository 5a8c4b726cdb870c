import { describe, expect, it } from 'vitest';
import { useTestApp } from '../setup/app.ts';
import { expectWithinPageBudget } from '../setup/budget.ts';
import { createHelpRequest } from '../setup/help-factories.ts';
import { waitForMailTo } from '../setup/outbox.ts';
import { countQueries } from '../setup/queries.ts';
import { signedInAs } from '../setup/users.ts';

/** The team's side of the help desk: /admin/help/:id, answers, notices and mail, the conversation (issue 18). */

describe('the help desk, for the team', () => {
  const t = useTestApp();

  const requestOf = (id: string) => t.db.selectFrom('helpRequest').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const threadOf = (id: string) =>
    t.db.selectFrom('helpRequestMessage').select(['authorRole', 'body', 'authorId']).where('helpRequestId', '=', id).orderBy('createdAt').orderBy('id').execute();
  const noticesOf = (userId: string) => t.db.selectFrom('notification').select(['type', 'title', 'message', 'link']).where('userId', '=', userId).orderBy('createdAt').execute();

  it('is the same 404 as a missing page for students and teachers; a visitor signs in first', async () => {
    const owner = await signedInAs(t.app, t.db, 'student');
    const request = await createHelpRequest(t.db, { userId: owner.user.id });
    for (const role of ['student', 'teacher'] as const) {
      const who = await signedInAs(t.app, t.db, role);
      await who.agent.get('/admin/help').expect(404);
      await who.agent.get(`/admin/help/${request.id}`).expect(404);
      await who.post(`/admin/help/${request.id}/answer`, { body: 'Hi' }).expect(404);
      await who.post(`/admin/help/${request.id}/close`).expect(404);
    }
    await owner.post(`/admin/help/${request.id}/answer`, { body: 'Answering myself' }).expect(404);
    expect(await threadOf(request.id)).toHaveLength(1);
    const visitor = await t.request().get('/admin/help').expect(303);
    expect(visitor.headers.location).toBe('/auth/login?next=%2Fadmin%2Fhelp');
    const admin = await signedInAs(t.app, t.db, 'admin');
    await admin.agent.get('/admin/help/00000000-0000-4000-8000-000000000000').expect(404);
    await admin.post('/admin/help/00000000-0000-4000-8000-000000000000/answer', { body: '' }).expect(404);
  });

  it('an answer: InProgress, the admin assigned, the requester notified (AdminReply, link to the thread) and mailed; a user reply notifies and mails the assigned admin', async () => {
    const student = await signedInAs(t.app, t.db, 'student');
    const admin = await signedInAs(t.app, t.db, 'admin');
    const request = await createHelpRequest(t.db, { userId: student.user.id, subject: 'Certificate missing' });

    const res = await admin.post(`/admin/help/${request.id}/answer`, { body: 'It is on your dashboard now: https://edupeak.test/dashboard' }).expect(303);
    expect(res.headers.location).toMatch(new RegExp(`^/admin/help/${request.id}#m-[0-9a-f-]{36}$`));
    const row = await requestOf(request.id);
    expect(row).toMatchObject({ status: 'InProgress', response: 'It is on your dashboard now: https://edupeak.test/dashboard', assignedAdminId: admin.user.id });
    expect(row.respondedAt).not.toBeNull();
    expect(await noticesOf(student.user.id)).toEqual([
      { type: 'AdminReply', title: 'The Edupeak team answered: Certificate missing', message: 'It is on your dashboard now: https://edupeak.test/dashboard', link: `/help/${request.id}` },
    ]);
    const mail = await waitForMailTo(t.config.dataDir, student.user.email);
    expect(mail.subject).toContain('Certificate missing');
    expect(mail.text).toContain('It is on your dashboard now');
    expect(mail.links).toContain(`http://edupeak.test/help/${request.id}`);
    const audit = await t.db.selectFrom('activityLog').select(['userId', 'action']).where('entityId', '=', request.id).execute();
    expect(audit).toEqual([{ userId: admin.user.id, action: 'help_request_answered' }]);

    await student.post(`/help/${request.id}/reply`, { body: 'Found it, but the date is wrong.' }).expect(303);
    expect(await noticesOf(admin.user.id)).toEqual([
      { type: 'HelpRequestReply', title: `${student.user.firstName} ${student.user.lastName} replied: Certificate missing`, message: 'Found it, but the date is wrong.', link: `/admin/help/${request.id}` },
    ]);
    const adminMail = await waitForMailTo(t.config.dataDir, admin.user.email);
    expect(adminMail.text).toContain('Found it, but the date is wrong.');
    expect(adminMail.links).toContain(`http://edupeak.test/admin/help/${request.id}`);
    // A second admin answering later is not assigned instead: the first one keeps hearing of replies.
    const other = await signedInAs(t.app, t.db, 'admin');
    await other.post(`/admin/help/${request.id}/answer`, { body: 'Fixed the date.', resolve: '1' }).expect(303);
    expect(await requestOf(request.id)).toMatchObject({ status: 'Resolved', assignedAdminId: admin.user.id, response: 'Fixed the date.' });
  });

  it('a reply to a request nobody answered yet tells no admin in particular: it waits in the queue', async () => {
    const student = await signedInAs(t.app, t.db, 'student');
    const request = await createHelpRequest(t.db, { userId: student.user.id });
    await student.post(`/help/${request.id}/reply`, { body: 'Anyone?' }).expect(303);
    expect(await t.db.selectFrom('notification').select('id').where('type', '=', 'HelpRequestReply').where('link', '=', `/admin/help/${request.id}`).execute()).toEqual([]);
    expect((await requestOf(request.id)).status).toBe('Pending');
  });

  it('a conversation of 6 turns keeps every message in order; response and userReply hold the latest of each side', async () => {
    const student = await signedInAs(t.app, t.db, 'student');
    const admin = await signedInAs(t.app, t.db, 'admin');
    const opened = await student.post('/help/new', { subject: 'Payment twice', message: 'Turn 1: I was charged twice.' }).expect(303);
    const id = opened.headers.location!.replace('/help/', '');
    await admin.post(`/admin/help/${id}/answer`, { body: 'Turn 2: Which card?' }).expect(303);
    await student.post(`/help/${id}/reply`, { body: 'Turn 3: The Visa.' }).expect(303);
    await admin.post(`/admin/help/${id}/answer`, { body: 'Turn 4: Refunded one.', resolve: '1' }).expect(303);
    expect((await requestOf(id)).status).toBe('Resolved');
    await student.post(`/help/${id}/reply`, { body: 'Turn 5: Not arrived yet.' }).expect(303);
    expect((await requestOf(id)).status).toBe('InProgress');
    await admin.post(`/admin/help/${id}/answer`, { body: 'Turn 6: It takes five days.', resolve: '1' }).expect(303);

    expect(await threadOf(id)).toEqual([1, 2, 3, 4, 5, 6].map((n) => expect.objectContaining({ authorRole: n % 2 ? 'user' : 'admin', body: expect.stringMatching(new RegExp(`^Turn ${n}:`)) })));
    expect(await requestOf(id)).toMatchObject({ status: 'Resolved', message: 'Turn 1: I was charged twice.', response: 'Turn 6: It takes five days.', userReply: 'Turn 5: Not arrived yet.' });
    for (const who of [student.agent.get(`/help/${id}`), admin.agent.get(`/admin/help/${id}`)]) {
      const page = await who.expect(200);
      expect([...page.text.matchAll(/Turn (\d):/g)].map((m) => m[1])).toEqual(['1', '2', '3', '4', '5', '6']);
    }
    const actions = await t.db.selectFrom('activityLog').select('action').where('entityId', '=', id).orderBy('createdAt').execute();
    expect(actions.map((a) => a.action)).toEqual(['help_request_opened', 'help_request_answered', 'help_request_replied', 'help_request_resolved', 'help_request_replied', 'help_request_resolved']);
  });

  it('an answer with htmx comes back as the thread; an empty one is 422 with the message; a Closed request takes no answer; an admin can close one', async () => {
    const student = await signedInAs(t.app, t.db, 'student');
    const admin = await signedInAs(t.app, t.db, 'admin');
    const request = await createHelpRequest(t.db, { userId: student.user.id });
    const page = await admin.agent.get(`/admin/help/${request.id}`).expect(200);
    expect(page.text).toContain(`<a href="/admin/users/${student.user.id}">`);
    expect(page.text).toContain('Not assigned yet');
    expect(page.text).toContain('name="resolve" value="1"');
    const htmx = await admin.post(`/admin/help/${request.id}/answer`, { body: 'Try another browser.' }).set('HX-Request', 'true').expect(200);
    expect(htmx.text).toMatch(/^<div id="thread"/);
    expect(htmx.text).toContain('Try another browser.');
    expect(htmx.text).toContain('status-inprogress');
    const empty = await admin.post(`/admin/help/${request.id}/answer`, { body: '' }).expect(422);
    expect(empty.text).toContain('Write your message first.');

    await admin.post(`/admin/help/${request.id}/close`).expect(303);
    expect((await requestOf(request.id)).status).toBe('Closed');
    const refused = await admin.post(`/admin/help/${request.id}/answer`, { body: 'Late answer' }).expect(409);
    expect(refused.text).toContain('This request is closed: it takes no more answers.');
    expect(await threadOf(request.id)).toHaveLength(2);
    const closing = await t.db.selectFrom('activityLog').select(['userId', 'metadata']).where('entityId', '=', request.id).where('action', '=', 'help_request_closed').execute();
    expect(closing).toEqual([{ userId: admin.user.id, metadata: { by: 'admin', from: 'InProgress' } }]);
  });

  it('an answer and a reply at the same moment both land, in order, and the status is what the later one leaves', async () => {
    const student = await signedInAs(t.app, t.db, 'student');
    const admin = await signedInAs(t.app, t.db, 'admin');
    for (let round = 0; round < 5; round++) {
      const request = await createHelpRequest(t.db, { userId: student.user.id, status: 'InProgress', assignedAdminId: admin.user.id });
      await Promise.all([
        admin.post(`/admin/help/${request.id}/answer`, { body: `Answer ${round}`, resolve: '1' }).expect(303),
        student.post(`/help/${request.id}/reply`, { body: `Reply ${round}` }).expect(303),
      ]);
      const thread = await threadOf(request.id);
      expect(thread).toHaveLength(3);
      expect(thread.slice(1).map((m) => m.body).sort()).toEqual([`Answer ${round}`, `Reply ${round}`]);
      const row = await requestOf(request.id);
      // The later write decides: an answer-and-resolve after the reply leaves it Resolved; a reply after it reopens it.
      expect(row.status).toBe(thread[2]!.authorRole === 'admin' ? 'Resolved' : 'InProgress');
      expect(row).toMatchObject({ response: `Answer ${round}`, userReply: `Reply ${round}` });
      const times = await t.db.selectFrom('helpRequestMessage').select('createdAt').where('helpRequestId', '=', request.id).orderBy('createdAt').execute();
      expect(new Set(times.map((m) => new Date(m.createdAt).getTime())).size).toBe(3);
    }
  });

  it('/admin/help/:id: within the page budget, the same queries with 2 and 20 messages', async () => {
    const student = await signedInAs(t.app, t.db, 'student');
    const admin = await signedInAs(t.app, t.db, 'admin');
    const turns = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ authorId: i % 2 ? student.user.id : admin.user.id, authorRole: (i % 2 ? 'user' : 'admin') as 'user' | 'admin', body: `Turn ${i + 2}: ${'a fairly long sentence about what happened. '.repeat(6)}` }));
    const short = await createHelpRequest(t.db, { userId: student.user.id, assignedAdminId: admin.user.id }, turns(1));
    const long = await createHelpRequest(t.db, { userId: student.user.id, assignedAdminId: admin.user.id }, turns(19));
    const two = await countQueries(t.db, () => admin.agent.get(`/admin/help/${short.id}`).expect(200));
    const twenty = await countQueries(t.db, () => admin.agent.get(`/admin/help/${long.id}`).expect(200));
    expect(twenty.count).toBe(two.count);
    expectWithinPageBudget(twenty.result);
    expect(twenty.result.text).toContain(`Assigned to ${admin.user.firstName} ${admin.user.lastName}`);
  });
});
