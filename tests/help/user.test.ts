import { describe, expect, it } from 'vitest';
import { hitRateLimit, RATE_LIMITS } from '../../src/http/rate-limit.ts';
import { useTestApp } from '../setup/app.ts';
import { expectWithinPageBudget } from '../setup/budget.ts';
import { createHelpRequest } from '../setup/help-factories.ts';
import { countQueries } from '../setup/queries.ts';
import { signedInAs } from '../setup/users.ts';

/** The requester's side of the help desk: /help, /help/new, /help/:id (issue 18). */

describe('the help desk, for the person asking', () => {
  const t = useTestApp();

  const requestOf = (id: string) => t.db.selectFrom('helpRequest').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const threadOf = (id: string) =>
    t.db.selectFrom('helpRequestMessage').select(['authorRole', 'body', 'authorId']).where('helpRequestId', '=', id).orderBy('createdAt').orderBy('id').execute();

  it('is linked from the footer of every page for a signed-in person', async () => {
    const student = await signedInAs(t.app, t.db, 'student');
    expect((await student.agent.get('/dashboard').expect(200)).text).toContain('<a href="/help">Help</a>');
    expect((await t.request().get('/').expect(200)).text).not.toContain('<a href="/help">Help</a>');
  });

  it('sends a visitor to sign in', async () => {
    const res = await t.request().get('/help').expect(303);
    expect(res.headers.location).toBe('/auth/login?next=%2Fhelp');
    await t.request().get('/help/new').expect(303);
  });

  it('opens a request: Pending, its message the first of the thread, listed on /help; the user type comes from the role, never the form', async () => {
    const student = await signedInAs(t.app, t.db, 'student');
    await student.agent.get('/help/new').expect(200);
    const res = await student.post('/help/new', { subject: 'Video will not play', message: 'Lesson 3 stays black.', userType: 'Admin' }).expect(303);
    const id = res.headers.location!.replace('/help/', '');
    const row = await requestOf(id);
    expect(row).toMatchObject({ userId: student.user.id, subject: 'Video will not play', message: 'Lesson 3 stays black.', userType: 'Student', status: 'Pending', assignedAdminId: null });
    expect(await threadOf(id)).toEqual([{ authorRole: 'user', body: 'Lesson 3 stays black.', authorId: student.user.id }]);
    const page = await student.agent.get(`/help/${id}`).expect(200);
    expect(page.text).toContain('Your request is sent.');
    expect(page.text).toContain('<strong>You</strong>');
    const list = await student.agent.get('/help').expect(200);
    expect(list.text).toContain(`<a href="/help/${id}">Video will not play</a>`);
    expect(list.text).toContain('status-pending');
    const audit = await t.db.selectFrom('activityLog').select(['userId', 'action']).where('entityId', '=', id).execute();
    expect(audit).toEqual([{ userId: student.user.id, action: 'help_request_opened' }]);

    const teacher = await signedInAs(t.app, t.db, 'teacher');
    const admin = await signedInAs(t.app, t.db, 'admin');
    for (const [who, type] of [[teacher, 'Teacher'], [admin, 'Admin']] as const) {
      const made = await who.post('/help/new', { subject: 'Hello', message: 'Help', userType: 'Student' }).expect(303);
      expect((await requestOf(made.headers.location!.replace('/help/', ''))).userType).toBe(type);
    }
  });

  it('refuses an empty or too long request with 422, the form kept', async () => {
    const student = await signedInAs(t.app, t.db, 'student');
    const empty = await student.post('/help/new', { subject: '  ', message: 'Something' }).expect(422);
    expect(empty.text).toContain('Give your request a subject.');
    expect(empty.text).toContain('>Something</textarea>');
    const long = await student.post('/help/new', { subject: 'Long', message: 'x'.repeat(5001) }).expect(422);
    expect(long.text).toContain('Keep your message to 5,000 characters.');
    expect(long.text).toContain('value="Long"');
    expect(await t.db.selectFrom('helpRequest').select('id').where('userId', '=', student.user.id).execute()).toEqual([]);
  });

  it("another person's request is 404 everywhere: page, reply, close", async () => {
    const owner = await signedInAs(t.app, t.db, 'student');
    const other = await signedInAs(t.app, t.db, 'student');
    const request = await createHelpRequest(t.db, { userId: owner.user.id });
    await other.agent.get(`/help/${request.id}`).expect(404);
    await other.post(`/help/${request.id}/reply`, { body: 'Me too' }).expect(404);
    await other.post(`/help/${request.id}/reply`, { body: '' }).expect(404);
    await other.post(`/help/${request.id}/close`).expect(404);
    await other.agent.get('/help/not-an-id').expect(404);
    expect(await requestOf(request.id)).toMatchObject({ status: 'Pending', userReply: null });
    expect(await threadOf(request.id)).toHaveLength(1);
    // Even an admin sees someone else's request only in /admin/help, never as theirs on /help.
    const admin = await signedInAs(t.app, t.db, 'admin');
    await admin.agent.get(`/help/${request.id}`).expect(404);
  });

  it('a reply without JavaScript: 303 to the message; with htmx the thread comes back with it, the form empty', async () => {
    const student = await signedInAs(t.app, t.db, 'student');
    const request = await createHelpRequest(t.db, { userId: student.user.id });
    const plain = await student.post(`/help/${request.id}/reply`, { body: 'Still blank today.' }).expect(303);
    const [, second] = await threadOf(request.id);
    expect(second).toMatchObject({ authorRole: 'user', body: 'Still blank today.' });
    expect(plain.headers.location).toMatch(new RegExp(`^/help/${request.id}#m-[0-9a-f-]{36}$`));
    const row = await requestOf(request.id);
    expect(row).toMatchObject({ userReply: 'Still blank today.', status: 'Pending' });
    expect(row.userRepliedAt).not.toBeNull();

    const htmx = await student.post(`/help/${request.id}/reply`, { body: 'And on my phone.' }).set('HX-Request', 'true').expect(200);
    expect(htmx.headers.vary).toMatch(/HX-Request/);
    expect(htmx.text).toMatch(/^<div id="thread"/);
    expect(htmx.text).not.toContain('<html');
    expect(htmx.text).toContain('And on my phone.');
    expect(htmx.text).toMatch(/<textarea id="body"[^>]*><\/textarea>/);
    const refused = await student.post(`/help/${request.id}/reply`, { body: ' ' }).set('HX-Request', 'true').expect(422);
    expect(refused.text).toContain('Write your message first.');
  });

  it('a reply to a Resolved request opens it again (InProgress); Close makes it Closed, which takes no more replies', async () => {
    const student = await signedInAs(t.app, t.db, 'student');
    const request = await createHelpRequest(t.db, { userId: student.user.id, status: 'Resolved', response: 'Clear the cache.', respondedAt: new Date() });
    await student.post(`/help/${request.id}/reply`, { body: 'It came back.' }).expect(303);
    expect((await requestOf(request.id)).status).toBe('InProgress');
    const audit = await t.db.selectFrom('activityLog').select(['action', 'metadata']).where('entityId', '=', request.id).execute();
    expect(audit).toEqual([{ action: 'help_request_replied', metadata: { reopened: true } }]);

    await student.post(`/help/${request.id}/close`).expect(303);
    expect((await requestOf(request.id)).status).toBe('Closed');
    const page = await student.agent.get(`/help/${request.id}`).expect(200);
    expect(page.text).toContain('This request is closed');
    expect(page.text).not.toContain(`action="/help/${request.id}/reply"`);
    const refused = await student.post(`/help/${request.id}/reply`, { body: 'One more thing' }).expect(409);
    expect(refused.text).toContain('This request is closed: it takes no more messages.');
    expect(refused.text).toContain('One more thing');
    await student.post(`/help/${request.id}/reply`, { body: 'One more thing' }).set('HX-Request', 'true').expect(422);
    expect(await threadOf(request.id)).toHaveLength(2);
    // Closing again changes nothing (one audit row).
    await student.post(`/help/${request.id}/close`).expect(303);
    expect(await t.db.selectFrom('activityLog').select('action').where('entityId', '=', request.id).where('action', '=', 'help_request_closed').execute()).toHaveLength(1);
  });

  it('shows a <script> subject and body as text, and makes links clickable', async () => {
    const student = await signedInAs(t.app, t.db, 'student');
    const res = await student.post('/help/new', { subject: '<script>alert(1)</script>', message: 'See https://example.org/page. <b hx-get="/x">bold</b>' }).expect(303);
    const page = await student.agent.get(res.headers.location!).expect(200);
    expect(page.text).not.toContain('<script>alert(1)</script>');
    expect(page.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page.text).toContain('<a href="https://example.org/page" rel="nofollow noopener ugc">https://example.org/page</a>.');
    expect(page.text).toContain('&lt;b hx-get=&quot;/x&quot;&gt;bold&lt;/b&gt;');
    expect(page.text).toMatch(/<div class="comment-text" hx-disable>/);
    const list = await student.agent.get('/help').expect(200);
    expect(list.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('rate limits new requests and replies: 429 with the message and the form kept (422 for htmx)', async () => {
    const fast = await signedInAs(t.app, t.db, 'student');
    for (let i = 0; i < RATE_LIMITS.helpRequest.limit; i++) await hitRateLimit(t.db, RATE_LIMITS.helpRequest, fast.user.id);
    const refused = await fast.post('/help/new', { subject: 'Again', message: 'Please' }).expect(429);
    expect(refused.text).toContain('You are opening requests very fast');
    expect(refused.text).toContain('value="Again"');
    expect(refused.headers['retry-after']).toMatch(/^\d+$/);

    const request = await createHelpRequest(t.db, { userId: fast.user.id });
    for (let i = 0; i < RATE_LIMITS.helpReply.limit; i++) await hitRateLimit(t.db, RATE_LIMITS.helpReply, fast.user.id);
    const reply = await fast.post(`/help/${request.id}/reply`, { body: 'Hello?' }).expect(429);
    expect(reply.text).toContain('You are replying very fast');
    expect(reply.text).toContain('>Hello?</textarea>');
    const htmx = await fast.post(`/help/${request.id}/reply`, { body: 'Hello?' }).set('HX-Request', 'true').expect(422);
    expect(htmx.text).toContain('You are replying very fast');
    expect(await threadOf(request.id)).toHaveLength(1);
  });

  it('an admin viewing as someone cannot write to the help desk in their name', async () => {
    const { REFUSED_WHILE_IMPERSONATING } = await import('../../src/features/admin/impersonation-limits.ts');
    expect(REFUSED_WHILE_IMPERSONATING.some(([method, path]) => method === 'POST' && path === '/help')).toBe(true);
  });

  it('/help: within the page budget, the same queries for 5 and 50 requests, 20 a page', async () => {
    const student = await signedInAs(t.app, t.db, 'student');
    const seed = (from: number, to: number) =>
      t.db
        .insertInto('helpRequest')
        .values(Array.from({ length: to - from + 1 }, (_, i) => ({ userId: student.user.id, subject: `A question about lesson ${from + i} and how it plays`, message: 'Help', userType: 'Student' as const })))
        .execute();
    await seed(1, 5);
    const few = await countQueries(t.db, () => student.agent.get('/help').expect(200));
    await seed(6, 50);
    const many = await countQueries(t.db, () => student.agent.get('/help').expect(200));
    expect(many.count).toBe(few.count);
    expectWithinPageBudget(many.result);
    expect(many.result.text.match(/<a href="\/help\/[0-9a-f-]{36}">/g)).toHaveLength(20);
    expect(many.result.text).toContain('Page 1 of 3 (50)');
  });

  it('/help/:id: within the page budget, the same queries with 2 and 20 messages, every message in order', async () => {
    const student = await signedInAs(t.app, t.db, 'student');
    const admin = await signedInAs(t.app, t.db, 'admin');
    const turns = (n: number) =>
      Array.from({ length: n }, (_, i) => ({ authorId: i % 2 ? student.user.id : admin.user.id, authorRole: (i % 2 ? 'user' : 'admin') as 'user' | 'admin', body: `Turn ${i + 2}: ${'a fairly long sentence about what happened. '.repeat(6)}` }));
    const short = await createHelpRequest(t.db, { userId: student.user.id }, turns(1));
    const long = await createHelpRequest(t.db, { userId: student.user.id }, turns(19));
    const two = await countQueries(t.db, () => student.agent.get(`/help/${short.id}`).expect(200));
    const twenty = await countQueries(t.db, () => student.agent.get(`/help/${long.id}`).expect(200));
    expect(twenty.count).toBe(two.count);
    expectWithinPageBudget(twenty.result);
    const order = [...twenty.result.text.matchAll(/Turn (\d+):/g)].map((m) => Number(m[1]));
    expect(order).toEqual(Array.from({ length: 19 }, (_, i) => i + 2));
    expect(twenty.result.text).toContain(`Edupeak team (${admin.user.firstName} ${admin.user.lastName})`);
  });
});
