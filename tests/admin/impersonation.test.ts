import { describe, expect, it } from 'vitest';
import { verifyPassword } from '../../src/features/accounts/password.ts';
import { useTestApp } from '../setup/app.ts';
import { addMembership } from '../setup/admin-factories.ts';
import { expectWithinPageBudget } from '../setup/budget.ts';
import { createAdmin, createCourse, createUser, TEST_PASSWORD } from '../setup/factories.ts';
import { newAgent, sessionCookieOf } from '../setup/forms.ts';
import { csrfTokenOf } from '../setup/login.ts';
import { countQueries } from '../setup/queries.ts';
import { signedInAs, startSession } from '../setup/users.ts';

describe('viewing as someone else (audited impersonation)', () => {
  const t = useTestApp();

  async function superAdmin() {
    const admin = await signedInAs(t.app, t.db, 'admin', { firstName: 'Ada', lastName: 'Admin' });
    await addMembership(t.db, admin.user.id, 'SuperAdmin');
    return admin;
  }

  /** The SuperAdmin starts viewing as `target`; returns the new session cookie and a poster with the new CSRF token. */
  async function viewAs(admin: Awaited<ReturnType<typeof superAdmin>>, target: { id: string }) {
    const start = await admin.post(`/admin/users/${target.id}/impersonate`).expect(303);
    expect(start.headers.location).toBe('/dashboard');
    const dashboard = await admin.agent.get('/dashboard').expect(200);
    const csrf = csrfTokenOf(dashboard.text);
    return {
      start,
      dashboard,
      cookie: sessionCookieOf(start),
      post: (path: string, fields: Record<string, string> = {}) => admin.agent.post(path).type('form').send({ ...fields, _csrf: csrf }),
    };
  }

  const sessionsOf = (userId: string) =>
    t.db.selectFrom('session').select(['id', 'token', 'userId', 'impersonatedBy', 'expiresAt', 'updatedAt']).where('userId', '=', userId).execute();

  const activity = (action: string, entityId: string) =>
    t.db.selectFrom('activityLog').select(['userId', 'metadata', 'ipAddress']).where('action', '=', action).where('entityId', '=', entityId).execute();

  const text = (html: string) => html.replace(/\s+/g, ' ');

  it('start and stop: a new one-hour session for the target, the admin back as themself with their own session row untouched', async () => {
    const admin = await superAdmin();
    const sam = await createUser(t.db, { firstName: 'Sam', lastName: 'Student' });
    const [adminRowBefore] = await sessionsOf(admin.user.id);

    const viewing = await viewAs(admin, sam);
    // The browser is Sam now: Sam's dashboard, Sam's name in the nav, no Admin link, the banner first under the header.
    const page = text(viewing.dashboard.text);
    expect(page).toContain('<span class="sr-only">Signed in as </span>Sam</a>');
    expect(page).not.toContain('href="/admin"');
    expect(page).toMatch(/<\/header> <div class="banner impersonation-banner" role="region"/);
    expect(page).toContain('You are viewing Edupeak as Sam Student');
    expect(page).toContain('<form method="post" action="/impersonation/stop"');
    await admin.agent.get('/admin').expect(404);

    const [row] = await sessionsOf(sam.id);
    expect(row!.impersonatedBy).toBe(admin.user.id);
    const lifetime = new Date(row!.expiresAt).getTime() - Date.now();
    expect(lifetime).toBeGreaterThan(59 * 60_000);
    expect(lifetime).toBeLessThanOrEqual(60 * 60_000);
    const started = await activity('impersonation_started', sam.id);
    expect(started).toHaveLength(1);
    expect(started[0]!.userId).toBe(admin.user.id);
    expect(started[0]!.metadata).toMatchObject({ adminId: admin.user.id, sessionId: row!.id });

    const stop = await viewing.post('/impersonation/stop').expect(303);
    expect(stop.headers.location).toBe(`/admin/users/${sam.id}`);
    expect(await sessionsOf(sam.id)).toEqual([]);
    // The admin's own device row is the same row, token and all: nothing was signed out or re-issued.
    expect(await sessionsOf(admin.user.id)).toEqual([adminRowBefore]);
    // Back on Sam's admin page, with the flash and the View as button to start again.
    const back = await admin.agent.get(stop.headers.location!).expect(200);
    expect(back.text).toContain('You stopped viewing as them: you are back as yourself.');
    expect(back.text).toContain(`action="/admin/users/${sam.id}/impersonate"`);
    const home = await admin.agent.get('/admin').expect(200);
    expect(text(home.text)).toContain('<span class="sr-only">Signed in as </span>Ada</a>');
    expect(home.text).not.toContain('impersonation-banner');
    const stopped = await activity('impersonation_stopped', sam.id);
    expect(stopped).toHaveLength(1);
    expect(stopped[0]!.userId).toBe(admin.user.id);
    expect(stopped[0]!.metadata).toMatchObject({ adminId: admin.user.id, reason: 'stopped' });
  });

  it('a new session id at start and at stop: an id seen before either switch is worth nothing after it', async () => {
    const admin = await superAdmin();
    const sam = await createUser(t.db);
    const viewing = await viewAs(admin, sam);
    expect(viewing.cookie).toBeDefined();
    expect(viewing.cookie).not.toBe(admin.cookie);
    // The admin's pre-switch id no longer signs anyone in (not the admin, not Sam).
    const before = await t.request().get('/').set('Cookie', admin.cookie).expect(200);
    expect(before.text).not.toContain('Signed in as');

    const stop = await viewing.post('/impersonation/stop').expect(303);
    const after = sessionCookieOf(stop);
    expect(after).toBeDefined();
    expect(after).not.toBe(viewing.cookie);
    const during = await t.request().get('/').set('Cookie', viewing.cookie!).expect(200);
    expect(during.text).not.toContain('Signed in as');
  });

  it('the banner is on every page while viewing as someone (dashboard, catalog, account, blog), within the page budget, in the same one user query', async () => {
    const admin = await superAdmin();
    const sam = await createUser(t.db, { firstName: 'Sam', lastName: 'Student' });
    await createCourse(t.db);
    const viewing = await viewAs(admin, sam);
    expectWithinPageBudget(viewing.dashboard);
    for (const path of ['/dashboard', '/courses', '/account', '/blog', '/notifications']) {
      const res = await admin.agent.get(path).expect(200);
      expect(text(res.text), path).toContain('You are viewing Edupeak as Sam Student');
      expect(res.text, path).toContain('action="/impersonation/stop"');
    }
    // Who is looking comes with the signed-in user's one query, not a second one.
    const { queries } = await countQueries(t.db, () => admin.agent.get('/account').expect(200));
    expect(queries.filter((q) => q.includes('from "session"'))).toHaveLength(1);
    // Sam's own sign-in elsewhere shows no banner.
    const own = await signedInAs(t.app, t.db, 'student');
    expect((await own.agent.get('/dashboard').expect(200)).text).not.toContain('impersonation-banner');
  });

  it('payments, password, email, devices and sign-in are refused (403) and change nothing', async () => {
    const admin = await superAdmin();
    const sam = await createUser(t.db, { emailVerified: false });
    // Sam is also signed in on a phone: that device must stay signed in.
    const phone = newAgent(t.app);
    await startSession(phone, t.db, sam);
    const paid = await createCourse(t.db, { price: 4900 });
    const viewing = await viewAs(admin, sam);
    const hashBefore = (await t.db.selectFrom('account').select('password').where('userId', '=', sam.id).executeTakeFirstOrThrow()).password;

    const refused: Array<[string, Record<string, string>]> = [
      ['/account/password', { currentPassword: TEST_PASSWORD, newPassword: 'a brand new password 123' }],
      ['/Account/Password/', { currentPassword: TEST_PASSWORD, newPassword: 'a brand new password 123' }],
      ['/account/email/verify', {}],
      ['/account/billing', { firstName: 'Sam', lastName: 'S', email: 'sam@example.test', addressLine1: '1 Road', city: 'Town', state: 'Shire', postalCode: '12345', country: 'GB' }],
      [`/courses/${paid.slug}/enroll`, {}],
      ['/checkout/test/00000000-0000-4000-8000-000000000000/complete', {}],
      ['/account/sessions/others/revoke', {}],
      ['/auth/reset', { token: 'x'.repeat(43), password: 'a brand new password 123' }],
      ['/auth/forgot', { email: sam.email }],
      ['/auth/login', { email: sam.email, password: TEST_PASSWORD }],
      [`/learn/${paid.slug}/unlock`, { lessonId: '00000000-0000-4000-8000-000000000000' }],
      ['/blog/posts/00000000-0000-4000-8000-000000000000/submit', {}],
      ['/blog/new', { title: 'As Sam', content: 'Words Sam never wrote.' }],
      // Issue 22: signing in with a provider, and connecting or disconnecting one, as Sam.
      ['/auth/providers/google', {}],
      ['/account/sign-in-methods/github/unlink', {}],
      ['/account/sign-in-methods/password', {}],
    ];
    for (const [path, fields] of refused) {
      const res = await viewing.post(path, fields);
      expect(res.status, path).toBe(403);
      expect(res.text, path).toContain('Not while viewing as someone else.');
    }
    // The checkout pages themselves too, and Sam's personal data download (and the page offering it).
    expect((await admin.agent.get('/checkout/success?enrollment=00000000-0000-4000-8000-000000000000')).status).toBe(403);
    expect((await admin.agent.get('/account/data/export.zip')).status).toBe(403);
    expect((await admin.agent.get('/account/data')).status).toBe(403);

    const hashAfter = (await t.db.selectFrom('account').select('password').where('userId', '=', sam.id).executeTakeFirstOrThrow()).password;
    expect(hashAfter).toBe(hashBefore);
    expect(await verifyPassword(hashAfter!, TEST_PASSWORD)).toBe(true);
    expect(await t.db.selectFrom('enrollment').select('id').where('userId', '=', sam.id).execute()).toEqual([]);
    expect(await t.db.selectFrom('billingAddress').select('id').where('userId', '=', sam.id).execute()).toEqual([]);
    expect(await t.db.selectFrom('verification').select('id').where('identifier', 'like', `%${sam.id}%`).execute()).toEqual([]);
    // The phone and the impersonation are both still signed in; still Sam in this browser.
    expect(await sessionsOf(sam.id)).toHaveLength(2);
    expect((await phone.get('/').expect(200)).text).toContain('Signed in as');
    expect((await admin.agent.get('/dashboard').expect(200)).text).toContain('You are viewing Edupeak as');
    // Pages still show (only their forms are refused).
    await admin.agent.get('/account').expect(200);
    await admin.agent.get('/account/sessions').expect(200);
  });

  it('a free enrollment goes through, and its audit row names the impersonator; Sam acting alone later does not', async () => {
    const admin = await superAdmin();
    const sam = await createUser(t.db);
    const free = await createCourse(t.db, { price: 0 });
    const viewing = await viewAs(admin, sam);
    await viewing.post(`/courses/${free.slug}/enroll`).expect(303);
    const enrollment = await t.db.selectFrom('enrollment').select('id').where('userId', '=', sam.id).executeTakeFirstOrThrow();
    const rows = await t.db.selectFrom('activityLog').select(['userId', 'metadata']).where('action', '=', 'enrollment_created').where('entityId', '=', enrollment.id).execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.userId).toBe(sam.id);
    expect(rows[0]!.metadata).toMatchObject({ impersonatedBy: admin.user.id });

    // Sam, signed in on their own, enrolling in another course: no impersonator on that row.
    await viewing.post('/impersonation/stop').expect(303);
    const other = await createCourse(t.db, { price: 0 });
    const own = newAgent(t.app);
    await startSession(own, t.db, sam);
    const csrf = csrfTokenOf((await own.get('/').expect(200)).text);
    await own.post(`/courses/${other.slug}/enroll`).type('form').send({ _csrf: csrf }).expect(303);
    const second = await t.db.selectFrom('enrollment').select('id').where('userId', '=', sam.id).where('courseId', '=', other.id).executeTakeFirstOrThrow();
    const [ownRow] = await t.db.selectFrom('activityLog').select('metadata').where('action', '=', 'enrollment_created').where('entityId', '=', second.id).execute();
    expect(JSON.stringify(ownRow!.metadata ?? {})).not.toContain('impersonatedBy');
  });

  it('cannot view as an admin (422), a banned person (422), nobody (404); a plain admin gets 403, students and teachers 404', async () => {
    const admin = await superAdmin();
    const otherAdmin = await createAdmin(t.db);
    const banned = await createUser(t.db, { banned: true, banReason: 'spam', banExpires: null });
    const sam = await createUser(t.db);

    const refusedAdmin = await admin.post(`/admin/users/${otherAdmin.id}/impersonate`).expect(422);
    expect(refusedAdmin.text).toContain('admins cannot be viewed as');
    expect(await sessionsOf(otherAdmin.id)).toEqual([]);
    await admin.post(`/admin/users/${admin.user.id}/impersonate`).expect(422);
    const refusedBanned = await admin.post(`/admin/users/${banned.id}/impersonate`).expect(422);
    expect(refusedBanned.text).toContain('lift the ban');
    await admin.post('/admin/users/00000000-0000-4000-8000-000000000000/impersonate').expect(404);
    await admin.post('/admin/users/not-a-uuid/impersonate').expect(404);
    expect(await activity('impersonation_started', otherAdmin.id)).toEqual([]);

    const plain = await signedInAs(t.app, t.db, 'admin');
    const forbidden = await plain.post(`/admin/users/${sam.id}/impersonate`).expect(403);
    expect(forbidden.text).toContain('Only a workspace SuperAdmin');
    for (const role of ['student', 'teacher'] as const) {
      const who = await signedInAs(t.app, t.db, role);
      await who.post(`/admin/users/${sam.id}/impersonate`).expect(404);
    }
    expect(await sessionsOf(sam.id)).toEqual([]);
  });

  it('after an hour the impersonation ends by itself and the browser is the admin again (not signed out)', async () => {
    const admin = await superAdmin();
    const sam = await createUser(t.db, { firstName: 'Sam' });
    await viewAs(admin, sam);
    await t.db.updateTable('session').set({ expiresAt: new Date(Date.now() - 1000) }).where('userId', '=', sam.id).execute();

    const res = await admin.agent.get('/dashboard').expect(200);
    const page = text(res.text);
    expect(page).toContain('<span class="sr-only">Signed in as </span>Ada</a>');
    expect(page).not.toContain('impersonation-banner');
    expect(page).toContain('Your hour of viewing as someone else is over: you are back as yourself.');
    expect(await sessionsOf(sam.id)).toEqual([]);
    await admin.agent.get('/admin').expect(200);
    const stopped = await activity('impersonation_stopped', sam.id);
    expect(stopped.map((r) => r.metadata)).toEqual([expect.objectContaining({ reason: 'expired' })]);
  });

  it('a form sent as the target after the hour is not carried out as the admin', async () => {
    const admin = await superAdmin();
    const sam = await createUser(t.db);
    const free = await createCourse(t.db, { price: 0 });
    const viewing = await viewAs(admin, sam);
    await t.db.updateTable('session').set({ expiresAt: new Date(Date.now() - 1000) }).where('userId', '=', sam.id).execute();
    const res = await viewing.post(`/courses/${free.slug}/enroll`).expect(303);
    expect(res.headers.location).toBe(`/admin/users/${sam.id}`);
    expect(await t.db.selectFrom('enrollment').select('id').where('courseId', '=', free.id).execute()).toEqual([]);
    await admin.agent.get('/admin').expect(200);
  });

  it('Sign out while viewing as someone stops viewing as them: back to the admin, not out of both', async () => {
    const admin = await superAdmin();
    const sam = await createUser(t.db);
    const viewing = await viewAs(admin, sam);
    const res = await viewing.post('/auth/logout').expect(303);
    expect(res.headers.location).toBe(`/admin/users/${sam.id}`);
    expect(await sessionsOf(sam.id)).toEqual([]);
    await admin.agent.get('/admin').expect(200);
  });

  it('made an admin meanwhile, the target is viewed as no longer: the next request is the admin again', async () => {
    const admin = await superAdmin();
    const sam = await createUser(t.db);
    await viewAs(admin, sam);
    await t.db.updateTable('user').set({ role: 'admin' }).where('id', '=', sam.id).execute();
    const res = await admin.agent.get('/admin').expect(200);
    expect(text(res.text)).toContain('<span class="sr-only">Signed in as </span>Ada</a>');
    expect(await sessionsOf(sam.id)).toEqual([]);
  });

  it("when the admin's own sign-in ended meanwhile, stopping signs the browser out", async () => {
    const admin = await superAdmin();
    const sam = await createUser(t.db);
    const viewing = await viewAs(admin, sam);
    await t.db.deleteFrom('session').where('userId', '=', admin.user.id).execute();
    const res = await viewing.post('/impersonation/stop').expect(303);
    expect(res.headers.location).toBe('/auth/login');
    expect((await admin.agent.get('/').expect(200)).text).not.toContain('Signed in as');
    expect(await sessionsOf(sam.id)).toEqual([]);
  });

  it('Stop sent twice at once: one stop recorded, the admin back, the row gone', async () => {
    const admin = await superAdmin();
    const sam = await createUser(t.db);
    const viewing = await viewAs(admin, sam);
    const answers = await Promise.all([viewing.post('/impersonation/stop'), viewing.post('/impersonation/stop')]);
    // The first to arrive stops it; the other is a 303 too, or, when it reaches the app after the
    // first has switched the session id, a 403 (its CSRF token belonged to the old session) that
    // changes nothing.
    const statuses = answers.map((r) => r.status).sort();
    expect(statuses[0]).toBe(303);
    expect([303, 403]).toContain(statuses[1]);
    expect(await activity('impersonation_stopped', sam.id)).toHaveLength(1);
    expect(await sessionsOf(sam.id)).toEqual([]);
    await admin.agent.get('/admin').expect(200);
  });

  it('banned meanwhile (every session of theirs deleted), the target is viewed as no longer: the admin is back, the end recorded', async () => {
    const admin = await superAdmin();
    const sam = await createUser(t.db);
    await viewAs(admin, sam);
    await t.db.updateTable('user').set({ banned: true, banReason: 'spam' }).where('id', '=', sam.id).execute();
    await t.db.deleteFrom('session').where('userId', '=', sam.id).execute();
    const res = await admin.agent.get('/dashboard').expect(200);
    expect(text(res.text)).toContain('<span class="sr-only">Signed in as </span>Ada</a>');
    expect((await activity('impersonation_stopped', sam.id)).map((r) => r.metadata)).toEqual([expect.objectContaining({ reason: 'ended' })]);
  });

  it('Stop when viewing as no one changes nothing', async () => {
    const sam = await signedInAs(t.app, t.db, 'student');
    const res = await sam.post('/impersonation/stop').expect(303);
    expect(res.headers.location).toBe('/');
    expect(await sessionsOf(sam.user.id)).toHaveLength(1);
    await t.request().post('/impersonation/stop').expect((r) => expect([303, 403]).toContain(r.status));
  });
});
