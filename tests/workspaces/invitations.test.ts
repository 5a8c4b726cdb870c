import { createHash } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import { expireInvitationsJob } from '../../src/jobs/expire-invitations.ts';
import { jobs } from '../../src/jobs/schedule.ts';
import { redactUrl } from '../../src/http/request-log.ts';
import { createApp } from '../../src/app.ts';
import { silentLogger, testConfig, useTestApp } from '../setup/app.ts';
import { addMembership } from '../setup/admin-factories.ts';
import { createUser } from '../setup/factories.ts';
import { newAgent, sessionCookieOf, signIn, submitForm } from '../setup/forms.ts';
import { csrfTokenOf } from '../setup/login.ts';
import { linkPath, readOutbox, waitForMailTo } from '../setup/outbox.ts';
import { signedInAs, type SignedIn } from '../setup/users.ts';
import { createWorkspace, memberOf, superAdmin } from '../setup/workspace-factories.ts';

/** Invitations (spec workflow 7): invite, the mail and its link, accept, single use, expiry, revoke, another person's token. */

describe('workspace invitations', () => {
  const t = useTestApp();
  beforeEach(async () => {
    await t.db.deleteFrom('rateLimit').execute();
  });

  const post = (who: { agent: SignedIn['agent']; csrf: string }, path: string, fields: Record<string, string> = {}) =>
    who.agent.post(path).type('form').send({ ...fields, _csrf: who.csrf });
  const invitationsTo = (email: string) => t.db.selectFrom('invitation').selectAll().where('email', '=', email.toLowerCase()).orderBy('createdAt').execute();
  const roleOf = async (userId: string) => (await t.db.selectFrom('user').select('role').where('id', '=', userId).executeTakeFirstOrThrow()).role;

  /** A SuperAdmin invites `email` to a new workspace; returns the link's path from the mail. */
  async function invited(email: string, role = 'Admin', workspaceName = 'Invited Workspace') {
    const admin = await superAdmin(t);
    const ws = await createWorkspace(t.db, { name: workspaceName });
    const res = await post(admin, `/admin/workspaces/${ws.id}/invitations`, { email, role });
    expect(res.status, res.text.slice(0, 300)).toBe(303);
    const mail = await waitForMailTo(t.config.dataDir, email, `Invitation to ${workspaceName} on Edupeak`);
    return { admin, ws, mail, path: linkPath(mail, '/invitations/') };
  }

  it('invite: the mail carries the link; only the token\'s hash is stored; expiry from the setting; audited; the page lists it open', async () => {
    await t.db.insertInto('systemConfig').values({ key: 'workspaces.invitationDays', value: JSON.stringify(3) }).onConflict((oc) => oc.column('key').doUpdateSet({ value: JSON.stringify(3) })).execute();
    const before = Date.now();
    const { admin, ws, mail, path } = await invited('New.Person@Example.test', 'SuperAdmin');
    await t.db.deleteFrom('systemConfig').where('key', '=', 'workspaces.invitationDays').execute();
    const token = path.slice('/invitations/'.length);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(mail.text).toContain(`http://edupeak.test/invitations/${token}`);
    expect(mail.text).toContain('as SuperAdmin');
    const [inv] = await invitationsTo('new.person@example.test');
    expect(inv).toMatchObject({ email: 'new.person@example.test', role: 'SuperAdmin', status: 'Pending', workspaceId: ws.id, invitedBy: admin.user.id, userId: null });
    expect(inv!.token).toBe(createHash('sha256').update(token).digest('hex'));
    expect(inv!.token).not.toContain(token);
    const days = (new Date(inv!.expiresAt).getTime() - before) / 86_400_000;
    expect(days).toBeGreaterThan(2.99);
    expect(days).toBeLessThan(3.01);
    const log = await t.db.selectFrom('activityLog').selectAll().where('entityId', '=', inv!.id).execute();
    expect(log).toMatchObject([{ action: 'invitation_sent', userId: admin.user.id, metadata: { email: 'new.person@example.test', role: 'SuperAdmin', existingUser: false } }]);
    const page = await admin.agent.get(`/admin/workspaces/${ws.id}`).expect(200);
    expect(page.text).toContain(`<tr id="i-${inv!.id}">`);
    expect(page.text).toContain('new.person@example.test');
  });

  it('a signed-out person sees the invitation and is asked to sign in or register with the invited address (prefilled)', async () => {
    const { path } = await invited('visitor@example.test', 'Admin', 'Visitor Workspace');
    const res = await t.request().get(path).expect(200);
    expect(res.text).toContain('invited <strong>visitor@example.test</strong> to join <strong>Visitor Workspace</strong> as <strong>Admin</strong>');
    expect(res.text).toContain(`href="/auth/login?next=${encodeURIComponent(path)}"`);
    expect(res.text).toContain('action="/auth/register"');
    expect(res.text).toContain('value="visitor@example.test"');
    expect(res.text).toContain(`name="next" value="${path}"`);
  });

  it('accepted by the invited user (other case): membership, Accepted with the date and user, admin role with a new session id; audited; a second accept is 410', async () => {
    const student = await signedInAs(t.app, t.db, 'student', { email: 'Invitee.One@example.test' });
    const { ws, path } = await invited('invitee.one@EXAMPLE.test', 'Admin');
    const page = await student.agent.get(path).expect(200);
    expect(page.text).toContain('Accept the invitation');
    const res = await post(student, path);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/admin');
    expect(await memberOf(t.db, ws.id, student.user.id)).toBe('Admin');
    expect(await roleOf(student.user.id)).toBe('admin');
    const [inv] = await invitationsTo('invitee.one@example.test');
    expect(inv).toMatchObject({ status: 'Accepted', userId: student.user.id });
    expect(inv!.acceptedAt).toBeTruthy();
    const actions = (await t.db.selectFrom('activityLog').select('action').where('userId', '=', student.user.id).execute()).map((r) => r.action);
    expect(actions.sort()).toEqual(['invitation_accepted', 'user_role_changed']);

    // The next request renews the session id (sessions.ts) and opens the admin area.
    const admin = await student.agent.get('/admin').expect(200);
    expect(sessionCookieOf(admin)).toBeTruthy();
    expect(sessionCookieOf(admin)).not.toBe(student.cookie.split(';')[0]);
    expect(admin.text).toContain('Welcome to Invited Workspace: you are Admin.');

    const again = await post({ agent: student.agent, csrf: csrfTokenOf(admin.text) }, path);
    expect(again.status).toBe(410);
    expect(again.text).toContain('This invitation has been accepted already');
    await t.request().get(path).expect(410);
    expect(await t.db.selectFrom('membership').select('id').where('userId', '=', student.user.id).execute()).toHaveLength(1);
  });

  it('two accepts of one link at the same moment: one membership, one 303 and one 410', async () => {
    const user = await signedInAs(t.app, t.db, 'teacher', { email: 'racer@example.test' });
    const { ws, path } = await invited('racer@example.test', 'Member');
    const results = await Promise.all([post(user, path), post(user, path)]);
    expect(results.map((r) => r.status).sort()).toEqual([303, 410]);
    expect(await memberOf(t.db, ws.id, user.user.id)).toBe('Member');
    expect(await roleOf(user.user.id)).toBe('teacher');
    expect(await t.db.selectFrom('activityLog').select('id').where('action', '=', 'invitation_accepted').where('userId', '=', user.user.id).execute()).toHaveLength(1);
  });

  it('register with the invited address, sign in, then accept (a Member invitation leaves a student a student)', async () => {
    const { ws, path } = await invited('fresh@example.test', 'Member');
    const agent = newAgent(t.app);
    const reg = await submitForm(agent, path, '/auth/register', { firstName: 'Fresh', lastName: 'Person', email: 'Fresh@example.test', password: 'a long enough password', next: path });
    expect(reg.status).toBe(200);
    expect(reg.text).toContain(`/auth/login?next=${encodeURIComponent(path)}`);
    const signedIn = await signIn(agent, 'fresh@example.test', 'a long enough password', path);
    expect(signedIn.headers.location).toBe(path);
    const page = await agent.get(path).expect(200);
    const res = await agent.post(path).type('form').send({ _csrf: csrfTokenOf(page.text) });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/dashboard');
    const user = await t.db.selectFrom('user').select(['id', 'role']).where('email', '=', 'Fresh@example.test').executeTakeFirstOrThrow();
    expect(await memberOf(t.db, ws.id, user.id)).toBe('Member');
    expect(user.role).toBe('student');
  });

  it('another person\'s token: the page says whose it is; accepting is 403 and nothing changes', async () => {
    const { ws, path } = await invited('intended@example.test', 'SuperAdmin');
    const other = await signedInAs(t.app, t.db, 'student', { email: 'someone.else@example.test' });
    const page = await other.agent.get(path).expect(200);
    expect(page.text).toContain('this invitation is for intended@example.test');
    expect(page.text).not.toContain('Accept the invitation');
    const res = await post(other, path);
    expect(res.status).toBe(403);
    expect(res.text).toContain('This invitation is for another email address.');
    expect(await memberOf(t.db, ws.id, other.user.id)).toBeNull();
    expect(await roleOf(other.user.id)).toBe('student');
    expect((await invitationsTo('intended@example.test'))[0]).toMatchObject({ status: 'Pending', userId: null, acceptedAt: null });
  });

  it('unknown or malformed tokens are 404; a visitor posting is sent to sign in', async () => {
    const user = await signedInAs(t.app, t.db, 'student');
    for (const token of ['A'.repeat(43), 'short', 'bad token!']) {
      const res = await user.agent.get(`/invitations/${encodeURIComponent(token)}`);
      expect(res.status).toBe(404);
      expect(res.text).toContain('This invitation link is not valid.');
      await post(user, `/invitations/${encodeURIComponent(token)}`).expect(404);
    }
    const { path } = await invited('later@example.test');
    const res = await t.request().post(path).type('form').send({});
    expect([303, 403]).toContain(res.status);
    expect((await invitationsTo('later@example.test'))[0]!.status).toBe('Pending');
  });

  it('expired: refused (410) as soon as expiresAt passes; the expire-invitations job marks it Expired and leaves others', async () => {
    expect(jobs.find((j) => j.name === 'expire-invitations')).toBeTruthy();
    const user = await signedInAs(t.app, t.db, 'student', { email: 'late@example.test' });
    const { ws, path } = await invited('late@example.test');
    const { path: openPath } = await invited('still-open@example.test');
    await t.db.updateTable('invitation').set({ expiresAt: new Date(Date.now() - 1000) }).where('email', '=', 'late@example.test').execute();
    expect((await user.agent.get(path)).status).toBe(410);
    const refused = await post(user, path);
    expect(refused.status).toBe(410);
    expect(refused.text).toContain('This invitation has expired.');
    expect(await memberOf(t.db, ws.id, user.user.id)).toBeNull();

    const { expired } = await expireInvitationsJob(t.db);
    expect(expired).toBeGreaterThanOrEqual(1);
    expect((await invitationsTo('late@example.test'))[0]!.status).toBe('Expired');
    expect((await invitationsTo('still-open@example.test'))[0]!.status).toBe('Pending');
    await t.request().get(openPath).expect(200);
    expect((await post(user, path)).status).toBe(410);
  });

  it('revoked: the link is refused (410), the row says Revoked, audited; revoking again says it was revoked already', async () => {
    const user = await signedInAs(t.app, t.db, 'student', { email: 'revoked@example.test' });
    const { admin, ws, path } = await invited('revoked@example.test');
    const [inv] = await invitationsTo('revoked@example.test');
    await post(admin, `/admin/workspaces/${ws.id}/invitations/${inv!.id}/revoke`).expect(303);
    expect((await invitationsTo('revoked@example.test'))[0]!.status).toBe('Revoked');
    const res = await post(user, path);
    expect(res.status).toBe(410);
    expect(res.text).toContain('This invitation was withdrawn.');
    expect(await memberOf(t.db, ws.id, user.user.id)).toBeNull();
    const again = await post(admin, `/admin/workspaces/${ws.id}/invitations/${inv!.id}/revoke`).expect(303);
    expect((await admin.agent.get(again.headers.location!)).text).toContain('was revoked already');
    expect(await t.db.selectFrom('activityLog').select('action').where('entityId', '=', inv!.id).execute()).toEqual([{ action: 'invitation_sent' }, { action: 'invitation_revoked' }]);
  });

  it('inviting again replaces the open invitation (the old link is 410); a member with that role already is 422; bad input is 422 with the typing', async () => {
    const user = await signedInAs(t.app, t.db, 'student', { email: 'twice@example.test' });
    const { admin, ws, path: first } = await invited('twice@example.test', 'Member');
    await post(admin, `/admin/workspaces/${ws.id}/invitations`, { email: 'TWICE@example.test', role: 'Admin' }).expect(303);
    const rows = await invitationsTo('twice@example.test');
    expect(rows.map((r) => [r.status, r.role])).toEqual([['Revoked', 'Member'], ['Pending', 'Admin']]);
    expect((await post(user, first)).status).toBe(410);

    await addMembership(t.db, user.user.id, 'Admin', ws.id);
    const member = await post(admin, `/admin/workspaces/${ws.id}/invitations`, { email: 'twice@example.test', role: 'Admin' });
    expect(member.status).toBe(422);
    expect(member.text).toContain('twice@example.test is already a member of this workspace as Admin.');

    const bad = await post(admin, `/admin/workspaces/${ws.id}/invitations`, { email: 'not an address', role: 'Owner' });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('Enter a valid email address');
    expect(bad.text).toContain('Choose Member, Admin or SuperAdmin.');
    expect(bad.text).toContain('value="not an address"');
  });

  it('an existing user gets a SuperAdminInvitation notice (no second mail) linking /invitations, where a confirmed address can accept', async () => {
    const user = await signedInAs(t.app, t.db, 'teacher', { email: 'known@example.test' });
    const { ws } = await invited('known@example.test', 'SuperAdmin', 'Known Workspace');
    const notes = await t.db.selectFrom('notification').selectAll().where('userId', '=', user.user.id).execute();
    expect(notes).toMatchObject([{ type: 'SuperAdminInvitation', title: 'Invitation to Known Workspace', link: '/invitations' }]);
    expect(await t.db.selectFrom('mailOutbox').select('id').where('userId', '=', user.user.id).execute()).toEqual([]);
    expect((await readOutbox(t.config.dataDir)).filter((m) => m.to.includes('known@example.test'))).toHaveLength(1);
    const [inv] = await invitationsTo('known@example.test');
    expect(inv!.userId).toBe(user.user.id);

    const list = await user.agent.get('/invitations').expect(200);
    expect(list.text).toContain('Known Workspace');
    expect(list.text).toContain(`action="/invitations/${inv!.id}/accept"`);
    // Someone else cannot accept it by its id.
    const other = await signedInAs(t.app, t.db, 'student');
    expect((await post(other, `/invitations/${inv!.id}/accept`)).status).toBe(403);
    await post(user, `/invitations/${inv!.id}/accept`).expect(303);
    expect(await memberOf(t.db, ws.id, user.user.id)).toBe('SuperAdmin');
    expect(await roleOf(user.user.id)).toBe('admin');
  });

  it('accepting by id needs a confirmed address (the mailed link does not); someone with an account can belong to several workspaces', async () => {
    const user = await signedInAs(t.app, t.db, 'student', { email: 'unconfirmed@example.test', emailVerified: false });
    const { ws: a } = await invited('unconfirmed@example.test', 'Member', 'First Workspace');
    const [inv] = await invitationsTo('unconfirmed@example.test');
    const list = await user.agent.get('/invitations').expect(200);
    expect(list.text).toContain('Confirm your email address first');
    const res = await post(user, `/invitations/${inv!.id}/accept`);
    expect(res.status).toBe(403);
    expect(await memberOf(t.db, a.id, user.user.id)).toBeNull();

    const mailLink = linkPath(await waitForMailTo(t.config.dataDir, 'unconfirmed@example.test'), '/invitations/');
    await post(user, mailLink).expect(303);
    const { ws: b, path } = await invited('unconfirmed@example.test', 'Member', 'Second Workspace');
    await post(user, path).expect(303);
    expect([await memberOf(t.db, a.id, user.user.id), await memberOf(t.db, b.id, user.user.id)]).toEqual(['Member', 'Member']);
  });

  it('when the mail cannot be sent, the invitation stands and the SuperAdmin is told so', async () => {
    const failing = createApp({ config: testConfig(), db: t.db, logger: silentLogger, mailer: { send: () => Promise.reject(new Error('SMTP is down')) } });
    const admin = await signedInAs(failing, t.db, 'admin');
    await addMembership(t.db, admin.user.id, 'SuperAdmin');
    const ws = await createWorkspace(t.db);
    const res = await post(admin, `/admin/workspaces/${ws.id}/invitations`, { email: 'unmailed@example.test', role: 'Admin' }).expect(303);
    expect((await admin.agent.get(res.headers.location!)).text).toContain('The invitation to unmailed@example.test is saved, but its mail could not be sent.');
    expect(await invitationsTo('unmailed@example.test')).toMatchObject([{ status: 'Pending' }]);
  });

  it('request logs never hold an invitation token (it is in the path)', () => {
    expect(redactUrl('/invitations/abcDEF_123-xyz')).toBe('/invitations/[redacted]');
    expect(redactUrl('/invitations/abcDEF_123-xyz?x=1')).toBe('/invitations/[redacted]?x=1');
    expect(redactUrl('/invitations')).toBe('/invitations');
  });

  it('/invitations needs a signed-in person', async () => {
    const res = await t.request().get('/invitations').expect(303);
    expect(res.headers.location).toBe('/auth/login?next=%2Finvitations');
    expect(await createUser(t.db)).toBeTruthy();
  });
});
