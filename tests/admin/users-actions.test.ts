import { beforeEach, describe, expect, it } from 'vitest';
import { liftExpiredBans } from '../../src/jobs/lift-expired-bans.ts';
import { useTestApp } from '../setup/app.ts';
import { addMembership } from '../setup/admin-factories.ts';
import { createUser } from '../setup/factories.ts';
import { isSignedIn, newAgent, submitForm } from '../setup/forms.ts';
import { linkPath, readOutbox, waitForMailTo } from '../setup/outbox.ts';
import { signedInAs, startSession, type SignedIn } from '../setup/users.ts';

/** The actions of /admin/users/:userId: site bans, roles, a hand-verified email, a reset mail. */

describe('admin user actions', () => {
  const t = useTestApp();
  beforeEach(async () => {
    await t.db.deleteFrom('rateLimit').execute();
  });

  const userRow = (id: string) => t.db.selectFrom('user').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const auditRows = (id: string) => t.db.selectFrom('activityLog').selectAll().where('entityId', '=', id).where('entityType', '=', 'user').orderBy('createdAt').execute();
  const sessionsOf = async (id: string) => (await t.db.selectFrom('session').select('id').where('userId', '=', id).execute()).length;

  async function superAdmin(overrides = {}): Promise<SignedIn> {
    const a = await signedInAs(t.app, t.db, 'admin', overrides);
    await addMembership(t.db, a.user.id, 'SuperAdmin');
    return a;
  }

  /** A form post from the user page, as a browser sends it. */
  const act = (who: SignedIn, userId: string, action: string, fields: Record<string, string> = {}) => who.post(`/admin/users/${userId}/${action}`, fields);

  it('a ban signs the person out on every device at their next request and refuses sign-in with the reason and end; on the admin\'s clock; audited', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin', { timeZone: 'America/Sao_Paulo' });
    const victim = await signedInAs(t.app, t.db, 'student', { timeZone: 'UTC' });
    // A second browser, signed in elsewhere.
    const phone = newAgent(t.app);
    await startSession(phone, t.db, victim.user);
    expect(await isSignedIn(phone)).toBe(true);
    expect(await sessionsOf(victim.user.id)).toBe(2);

    const res = await act(admin, victim.user.id, 'ban', { banReason: '  Posting spam links ', banLength: 'until', banExpires: '2030-01-15T09:00' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/admin/users/${victim.user.id}`);
    const page = await admin.agent.get(res.headers.location!).expect(200);
    expect(page.text).toMatch(/Banned until [^<]*2030, 09:00 \(America\/Sao_Paulo\)\. 2 devices were signed out\./);
    expect(page.text).toContain('Reason: Posting spam links');

    const row = await userRow(victim.user.id);
    expect(row).toMatchObject({ banned: true, banReason: 'Posting spam links' });
    // 09:00 in São Paulo (UTC-3) is 12:00 UTC.
    expect(new Date(row.banExpires!).toISOString()).toBe('2030-01-15T12:00:00.000Z');
    expect(await sessionsOf(victim.user.id)).toBe(0);

    // Both browsers are signed out at their next request.
    expect(await isSignedIn(victim.agent)).toBe(false);
    expect(await isSignedIn(phone)).toBe(false);
    await victim.agent.get('/account').expect(303);
    // Sign-in is refused with the reason and the end date.
    const again = await submitForm(newAgent(t.app), '/auth/login', '/auth/login', { email: victim.user.email, password: victim.user.password });
    expect(again.status).toBe(403);
    expect(again.text).toContain('Your account is suspended until');
    expect(again.text).toContain('2030');
    expect(again.text).toContain('Reason: Posting spam links');

    const log = await auditRows(victim.user.id);
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ action: 'user_banned', userId: admin.user.id });
    expect(log[0]!.ipAddress).toBeTruthy();
    expect(log[0]!.metadata).toEqual({ reason: 'Posting spam links', expires: '2030-01-15T12:00:00.000Z', sessionsEnded: 2 });
  });

  it('a permanent ban has no end; the table and the user page show it; unban clears every field and sign-in works again', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    const victim = await createUser(t.db);
    await act(admin, victim.id, 'ban', { banReason: 'Fraud', banLength: 'permanent', banExpires: '2030-01-15T09:00' }).expect(303);
    expect(await userRow(victim.id)).toMatchObject({ banned: true, banReason: 'Fraud', banExpires: null });
    const table = await admin.agent.get(`/admin/users?q=${encodeURIComponent(victim.email)}`).expect(200);
    expect(table.text).toContain('Banned</span> permanently');
    const page = await admin.agent.get(`/admin/users/${victim.id}`).expect(200);
    expect(page.text).toContain('Banned</span> permanently. Reason: Fraud');
    expect(page.text).toContain('Lift the ban');

    await act(admin, victim.id, 'unban').expect(303);
    expect(await userRow(victim.id)).toMatchObject({ banned: false, banReason: null, banExpires: null });
    expect((await admin.agent.get(`/admin/users/${victim.id}`)).text).not.toContain('Lift the ban');
    // A second click: nothing to lift, no second audit row.
    const twice = await act(admin, victim.id, 'unban').expect(303);
    expect((await admin.agent.get(twice.headers.location!)).text).toContain('There was no ban to lift.');
    const log = await auditRows(victim.id);
    expect(log.map((r) => [r.action, r.userId])).toEqual([['user_banned', admin.user.id], ['user_unbanned', admin.user.id]]);
    expect(log[1]!.metadata).toEqual({ reason: 'Fraud', expires: null });
    expect((await submitForm(newAgent(t.app), '/auth/login', '/auth/login', { email: victim.email, password: victim.password })).status).toBe(303);
  });

  it('bad ban input is 422: the page again with the message beside the field and what was typed; nothing changes', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    const victim = await createUser(t.db);
    const cases: Array<[Record<string, string>, string]> = [
      [{ banReason: '', banLength: 'permanent' }, 'Give a reason'],
      [{ banReason: '   ', banLength: 'permanent' }, 'Give a reason'],
      [{ banReason: 'x'.repeat(501), banLength: 'permanent' }, 'Keep the reason to 500 characters.'],
      [{ banReason: 'Spam', banLength: 'until', banExpires: '' }, 'Enter when the ban ends'],
      [{ banReason: 'Spam', banLength: 'until', banExpires: '2020-01-01T10:00' }, 'The end of the ban must be in the future'],
      [{ banReason: 'Spam', banLength: 'until', banExpires: '2030-02-31T10:00' }, 'Enter when the ban ends'],
      [{ banReason: 'Spam', banLength: 'forever' }, 'Choose a ban until a date or a permanent ban.'],
    ];
    for (const [fields, message] of cases) {
      const res = await act(admin, victim.id, 'ban', fields);
      expect(res.status, JSON.stringify(fields)).toBe(422);
      expect(res.text).toContain(message);
      expect(res.text).toContain('role="alert"');
      expect(res.text).toContain('aria-invalid="true"');
      expect(res.text).toContain('<details open>');
      if (fields.banReason?.trim()) expect(res.text).toContain(`>${fields.banReason}</textarea>`);
      if (fields.banExpires) expect(res.text).toContain(`value="${fields.banExpires}"`);
    }
    expect(await userRow(victim.id)).toMatchObject({ banned: false, banReason: null });
    expect(await auditRows(victim.id)).toEqual([]);
  });

  it('an admin cannot ban themself (422); a plain admin cannot ban or unban another admin (403); a SuperAdmin can', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    const self = await act(admin, admin.user.id, 'ban', { banReason: 'Oops', banLength: 'permanent' });
    expect(self.status).toBe(422);
    expect(self.text).toContain('You cannot ban yourself.');
    expect(await isSignedIn(admin.agent)).toBe(true);

    const other = await signedInAs(t.app, t.db, 'admin');
    const refused = await act(admin, other.user.id, 'ban', { banReason: 'Rogue', banLength: 'permanent' });
    expect(refused.status).toBe(403);
    expect(refused.text).toContain('Only a workspace SuperAdmin can ban another admin.');
    expect(await userRow(other.user.id)).toMatchObject({ banned: false });
    expect(await isSignedIn(other.agent)).toBe(true);
    // The page says so instead of offering a role form.
    expect((await admin.agent.get(`/admin/users/${other.user.id}`)).text).toContain('Only a workspace SuperAdmin changes roles or bans an admin.');

    const boss = await superAdmin();
    await act(boss, other.user.id, 'ban', { banReason: 'Rogue', banLength: 'permanent' }).expect(303);
    expect(await userRow(other.user.id)).toMatchObject({ banned: true, banReason: 'Rogue' });
    expect(await isSignedIn(other.agent)).toBe(false);
    // Lifting another admin's ban is the SuperAdmin's too.
    await act(admin, other.user.id, 'unban').expect(403);
    expect(await userRow(other.user.id)).toMatchObject({ banned: true });
    await act(boss, other.user.id, 'unban').expect(303);
    expect(await userRow(other.user.id)).toMatchObject({ banned: false });
    expect((await auditRows(other.user.id)).map((r) => [r.action, r.userId])).toEqual([['user_banned', boss.user.id], ['user_unbanned', boss.user.id]]);
    expect(await auditRows(admin.user.id)).toEqual([]);
  });

  it('the lift-expired-bans job lifts a timed ban at its end (every field), not a permanent one nor one still running', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    const [timed, permanent, running] = [await createUser(t.db), await createUser(t.db), await createUser(t.db)];
    await act(admin, timed.id, 'ban', { banReason: 'Cool off', banLength: 'until', banExpires: '2031-01-01T00:00' }).expect(303);
    await act(admin, permanent.id, 'ban', { banReason: 'Fraud', banLength: 'permanent' }).expect(303);
    await act(admin, running.id, 'ban', { banReason: 'Later', banLength: 'until', banExpires: '2031-01-01T00:00' }).expect(303);
    // Time passes for one of them.
    await t.db.updateTable('user').set({ banExpires: new Date(Date.now() - 1000) }).where('id', '=', timed.id).execute();
    await liftExpiredBans(t.db);
    expect(await userRow(timed.id)).toMatchObject({ banned: false, banReason: null, banExpires: null });
    expect(await userRow(permanent.id)).toMatchObject({ banned: true, banReason: 'Fraud', banExpires: null });
    expect(await userRow(running.id)).toMatchObject({ banned: true, banReason: 'Later' });
    expect((await submitForm(newAgent(t.app), '/auth/login', '/auth/login', { email: timed.email, password: timed.password })).status).toBe(303);
    const page = await admin.agent.get(`/admin/users?q=${encodeURIComponent(timed.email)}&banned=yes`).expect(200);
    expect(page.text).toContain('No users match these filters.');
  });

  it('role changes are for SuperAdmins (a plain admin gets 403), never their own; the person\'s old session id stops working and the next request carries the new role', async () => {
    const boss = await superAdmin();
    const plain = await signedInAs(t.app, t.db, 'admin');
    const person = await signedInAs(t.app, t.db, 'student');
    await person.agent.get('/teach').expect(404);

    const refused = await act(plain, person.user.id, 'role', { role: 'teacher' });
    expect(refused.status).toBe(403);
    expect(refused.text).toContain('Only a workspace SuperAdmin can do this.');
    expect(await userRow(person.user.id)).toMatchObject({ role: 'student' });
    expect((await plain.agent.get(`/admin/users/${person.user.id}`)).text).not.toContain('name="role"');

    const own = await act(boss, boss.user.id, 'role', { role: 'student' });
    expect(own.status).toBe(422);
    expect(own.text).toContain('You cannot change your own role.');
    expect(await userRow(boss.user.id)).toMatchObject({ role: 'admin' });

    const bad = await act(boss, person.user.id, 'role', { role: 'wizard' });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('Choose student, teacher or admin.');

    const done = await act(boss, person.user.id, 'role', { role: 'teacher' });
    expect(done.status).toBe(303);
    expect((await boss.agent.get(done.headers.location!)).text).toContain('Role changed from student to teacher.');
    expect(await userRow(person.user.id)).toMatchObject({ role: 'teacher' });

    // The person's next request gets a new session id and the new role.
    const next = await person.agent.get('/teach');
    expect(next.status).toBe(200);
    expect(String(next.headers['set-cookie'])).toContain('edupeak.sid=');
    // The session id from before the change is worth nothing now.
    const stale = await t.request().get('/').set('Cookie', person.cookie).set('User-Agent', 'Mozilla/5.0 Firefox/140.0');
    expect(stale.text).not.toContain('Signed in as');
    expect(await isSignedIn(person.agent)).toBe(true);

    // The same role again changes nothing and writes nothing.
    await act(boss, person.user.id, 'role', { role: 'teacher' }).expect(303);
    const log = await auditRows(person.user.id);
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({ action: 'user_role_changed', userId: boss.user.id, metadata: { from: 'student', to: 'teacher' } });
  });

  it('verifying an email by hand marks it verified, spends its pending link and is audited once', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    const person = await createUser(t.db, { emailVerified: false });
    await t.db.insertInto('verification').values({ identifier: `email-verification:${person.id}`, value: 'x', expiresAt: new Date(Date.now() + 3_600_000) }).execute();
    expect((await admin.agent.get(`/admin/users/${person.id}`)).text).toContain('Mark the email as verified');
    const res = await act(admin, person.id, 'verify').expect(303);
    expect((await admin.agent.get(res.headers.location!)).text).toContain('Email address marked as verified.');
    expect(await userRow(person.id)).toMatchObject({ emailVerified: true });
    expect(await t.db.selectFrom('verification').select('id').where('identifier', '=', `email-verification:${person.id}`).execute()).toEqual([]);
    await act(admin, person.id, 'verify').expect(303);
    const log = await auditRows(person.id);
    expect(log.map((r) => [r.action, r.userId])).toEqual([['user_email_verified', admin.user.id]]);
  });

  it('a password reset mail arrives with a working link; audited; limited like the public form (3 an hour an address, shared with it)', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    const person = await createUser(t.db, { firstName: 'Resa' });
    const res = await act(admin, person.id, 'password-reset').expect(303);
    expect((await admin.agent.get(res.headers.location!)).text).toContain(`A password reset link was mailed to ${person.email}.`);
    const mail = await waitForMailTo(t.config.dataDir, person.email, 'Reset your password');
    expect(mail.text).toContain('Hello Resa,');
    const link = linkPath(mail, '/auth/reset');
    const form = await newAgent(t.app).get(link).expect(200);
    expect(form.text).toContain('name="password"');

    // Two more from the public form reach the address's limit; the admin's fourth is refused.
    expect((await submitForm(newAgent(t.app), '/auth/forgot', '/auth/forgot', { email: person.email })).status).toBe(200);
    expect((await submitForm(newAgent(t.app), '/auth/forgot', '/auth/forgot', { email: person.email })).status).toBe(200);
    const before = (await readOutbox(t.config.dataDir)).length;
    const limited = await act(admin, person.id, 'password-reset');
    expect(limited.status).toBe(429);
    expect(limited.text).toContain(`${person.email} was sent 3 reset mails in the last hour already.`);
    await new Promise((r) => setTimeout(r, 300));
    expect((await readOutbox(t.config.dataDir)).length).toBeLessThanOrEqual(before + 2);
    const log = await auditRows(person.id);
    expect(log.map((r) => [r.action, r.userId])).toEqual([['user_password_reset_sent', admin.user.id]]);
  });

  it('two admins banning at once: both answered, one ban (the last), every device gone, one audit row each', async () => {
    const [a, b] = [await signedInAs(t.app, t.db, 'admin'), await signedInAs(t.app, t.db, 'admin')];
    const victim = await signedInAs(t.app, t.db, 'student');
    const [ra, rb] = await Promise.all([
      act(a, victim.user.id, 'ban', { banReason: 'From A', banLength: 'permanent' }),
      act(b, victim.user.id, 'ban', { banReason: 'From B', banLength: 'permanent' }),
    ]);
    expect([ra.status, rb.status]).toEqual([303, 303]);
    const log = await auditRows(victim.user.id);
    expect(log).toHaveLength(2);
    // The second waited for the first (row lock) and saw its ban.
    expect((log[1]!.metadata as { previousReason?: string }).previousReason).toBe((log[0]!.metadata as { reason: string }).reason);
    expect((await userRow(victim.user.id)).banReason).toBe((log[1]!.metadata as { reason: string }).reason);
    expect(await sessionsOf(victim.user.id)).toBe(0);
    expect(await isSignedIn(victim.agent)).toBe(false);
  });

  it('a device that signed in around the ban (its row made after the ban ended the others) is refused at its next request', async () => {
    const admin = await signedInAs(t.app, t.db, 'admin');
    const victim = await createUser(t.db);
    await act(admin, victim.id, 'ban', { banReason: 'Spam', banLength: 'until', banExpires: '2030-06-01T10:00' }).expect(303);
    const late = newAgent(t.app);
    await startSession(late, t.db, victim);
    const res = await late.get('/');
    expect(res.text).not.toContain('Signed in as');
    expect(res.text).toContain('Your account is suspended until');
    expect(res.text).toContain('Reason: Spam');
    expect(await sessionsOf(victim.id)).toBe(0);
  });

  it('actions on an unknown or malformed user are 404', async () => {
    const boss = await superAdmin();
    for (const id of ['00000000-0000-4000-8000-000000000000', 'nope']) {
      await act(boss, id, 'ban', { banReason: 'x', banLength: 'permanent' }).expect(404);
      await act(boss, id, 'unban').expect(404);
      await act(boss, id, 'role', { role: 'teacher' }).expect(404);
      await act(boss, id, 'verify').expect(404);
      await act(boss, id, 'password-reset').expect(404);
    }
  });
});
