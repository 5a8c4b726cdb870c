import { formatDateTime } from '../../src/lib/dates.ts';
import { beforeEach, describe, expect, it } from 'vitest';
import { useTestApp } from '../setup/app.ts';
import { expectWithinPageBudget } from '../setup/budget.ts';
import { createUser } from '../setup/factories.ts';
import { isSignedIn, newAgent, sessionCookieOf, signIn, submitForm } from '../setup/forms.ts';
import { csrfTokenOf } from '../setup/login.ts';

const days = (n: number) => new Date(Date.now() + n * 86_400_000);

describe('sign-in and sign-out', () => {
  const t = useTestApp();
  // Every request here comes from 127.0.0.1: start each test with fresh per-IP counts.
  beforeEach(async () => {
    await t.db.deleteFrom('rateLimit').execute();
  });

  it('the sign-in page fits the budget', async () => {
    expectWithinPageBudget(await t.request().get('/auth/login').expect(200));
  });

  it('signs in on a tracked device and records the attempt', async () => {
    const user = await createUser(t.db);
    const agent = newAgent(t.app);
    const res = await signIn(agent, user.email.toUpperCase(), user.password);
    expect(res.headers.location).toBe('/');
    expect(await isSignedIn(agent)).toBe(true);

    const device = await t.db.selectFrom('session').selectAll().where('userId', '=', user.id).executeTakeFirstOrThrow();
    expect(device.token.length).toBeGreaterThanOrEqual(40);
    expect(device.userAgent).toContain('Firefox');
    expect(device.ipAddress).toBeTruthy();
    expect(new Date(device.expiresAt).getTime()).toBeGreaterThan(days(29).getTime());

    const history = await t.db.selectFrom('loginHistory').selectAll().where('userId', '=', user.id).execute();
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({ success: true, failureReason: null });
    expect(history[0]!.deviceInfo).toMatchObject({ browser: 'Firefox', os: 'Linux' });
  });

  it('gives the session a new id at sign-in (no fixation), and the old id is not signed in', async () => {
    const user = await createUser(t.db);
    const agent = newAgent(t.app);
    // A visitor with a stored session of their own (a flash message after signing out, here).
    const out = await submitForm(agent, '/auth/login', '/auth/logout', {});
    const before = sessionCookieOf(out);
    expect(before).toBeDefined();
    const form = await agent.get('/auth/login');
    const res = await agent.post('/auth/login').type('form').send({ email: user.email, password: user.password, _csrf: csrfTokenOf(form.text) });
    expect(res.status).toBe(303);
    const after = sessionCookieOf(res);
    expect(after).toBeDefined();
    expect(after).not.toBe(before);
    const withOldCookie = await t.request().get('/').set('Cookie', before!);
    expect(withOldCookie.text).not.toContain('Signed in as');
  });

  it('answers a wrong password and an unknown email alike, and records the failure', async () => {
    const user = await createUser(t.db);
    const wrong = await submitForm(newAgent(t.app), '/auth/login', '/auth/login', { email: user.email, password: 'not the password' });
    const unknown = await submitForm(newAgent(t.app), '/auth/login', '/auth/login', { email: 'nobody@example.test', password: 'not the password' });
    expect(wrong.status).toBe(422);
    expect(unknown.status).toBe(422);
    expect(wrong.text).toContain('Email or password is incorrect.');
    expect(unknown.text).toContain('Email or password is incorrect.');
    expect(wrong.text).toContain(`value="${user.email}"`);
    expect(wrong.text).not.toContain('not the password');
    const history = await t.db.selectFrom('loginHistory').selectAll().where('userId', '=', user.id).execute();
    expect(history).toMatchObject([{ success: false, failureReason: 'wrong_password' }]);
  });

  it('the 6th quick wrong password gets 429 with a time to wait, even with the right password', async () => {
    const user = await createUser(t.db);
    for (let i = 1; i <= 5; i++) {
      const res = await submitForm(newAgent(t.app), '/auth/login', '/auth/login', { email: user.email, password: `wrong ${i}` });
      expect(res.status, `attempt ${i}`).toBe(422);
    }
    const sixth = await submitForm(newAgent(t.app), '/auth/login', '/auth/login', { email: user.email, password: user.password });
    expect(sixth.status).toBe(429);
    expect(Number(sixth.headers['retry-after'])).toBeGreaterThan(0);
    expect(sixth.text).toMatch(/Please wait \d+ minutes? and try again/);
    const last = await t.db.selectFrom('loginHistory').select('failureReason').where('userId', '=', user.id).orderBy('createdAt', 'desc').executeTakeFirstOrThrow();
    expect(last.failureReason).toBe('rate_limited');
  });

  it('parallel guesses cannot slip past the limit', async () => {
    const user = await createUser(t.db);
    const agents = await Promise.all(
      Array.from({ length: 12 }, async () => {
        const agent = newAgent(t.app);
        const form = await agent.get('/auth/login');
        return { agent, csrf: csrfTokenOf(form.text) };
      }),
    );
    const results = await Promise.all(
      agents.map(({ agent, csrf }, i) => agent.post('/auth/login').type('form').send({ email: user.email, password: `guess ${i}`, _csrf: csrf })),
    );
    expect(results.filter((r) => r.status === 422)).toHaveLength(5);
    expect(results.filter((r) => r.status === 429)).toHaveLength(7);
  });

  it.each([
    ['//evil.example', '/'],
    ['https://evil.example', '/'],
    ['/\\evil.example', '/'],
    ['javascript:alert(1)', '/'],
    ['/account?tab=1', '/account?tab=1'],
  ])('?next=%s lands on %s', async (next, expected) => {
    const user = await createUser(t.db);
    const agent = newAgent(t.app);
    const form = await agent.get(`/auth/login?next=${encodeURIComponent(next)}`);
    const res = await agent.post('/auth/login').type('form').send({ email: user.email, password: user.password, next, _csrf: csrfTokenOf(form.text) });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(expected);
  });

  it('a guarded page sends a visitor to sign in and back', async () => {
    const user = await createUser(t.db);
    const agent = newAgent(t.app);
    const res = await agent.get('/account/sessions').expect(303);
    expect(res.headers.location).toBe('/auth/login?next=%2Faccount%2Fsessions');
    const form = await agent.get(res.headers.location!);
    expect(form.text).toContain('name="next" value="/account/sessions"');
    const signedIn = await agent.post('/auth/login').type('form').send({ email: user.email, password: user.password, next: '/account/sessions', _csrf: csrfTokenOf(form.text) });
    expect(signedIn.headers.location).toBe('/account/sessions');
  });

  it('signs out with a form post: the device row goes and the cookie no longer works', async () => {
    const user = await createUser(t.db);
    const agent = newAgent(t.app);
    await signIn(agent, user.email, user.password);
    const home = await agent.get('/');
    const res = await agent.post('/auth/logout').type('form').send({ _csrf: csrfTokenOf(home.text) });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/');
    expect(await t.db.selectFrom('session').select('id').where('userId', '=', user.id).execute()).toEqual([]);
    expect(await isSignedIn(agent)).toBe(false);
    await agent.get('/account').expect(303);
  });

  it('deleting the device row signs that device out at its next request', async () => {
    const user = await createUser(t.db);
    const agent = newAgent(t.app);
    await signIn(agent, user.email, user.password);
    await t.db.deleteFrom('session').where('userId', '=', user.id).execute();
    const res = await agent.get('/');
    expect(res.text).not.toContain('Signed in as');
    expect(res.text).toContain('You were signed out');
  });

  it('ends a sign-in after a week without activity (idle) and after its expiry (absolute)', async () => {
    const user = await createUser(t.db);
    const idle = newAgent(t.app);
    await signIn(idle, user.email, user.password);
    await t.db.updateTable('session').set({ updatedAt: days(-8) }).where('userId', '=', user.id).execute();
    expect((await idle.get('/')).text).toContain('Your session expired');
    expect(await isSignedIn(idle)).toBe(false);

    const old = newAgent(t.app);
    await signIn(old, user.email, user.password);
    await t.db.updateTable('session').set({ expiresAt: days(-1) }).where('userId', '=', user.id).execute();
    expect(await isSignedIn(old)).toBe(false);
    expect(await t.db.selectFrom('session').select('id').where('userId', '=', user.id).execute()).toEqual([]);
  });

  it('a banned user cannot sign in and is told why and until when', async () => {
    const until = days(10);
    const user = await createUser(t.db, { banned: true, banReason: 'Spamming the forums', banExpires: until });
    const res = await submitForm(newAgent(t.app), '/auth/login', '/auth/login', { email: user.email, password: user.password });
    expect(res.status).toBe(403);
    // The end as a moment on the person's clock, with its zone (UTC for this user): a ban may end mid-day.
    expect(res.text).toContain(`Your account is suspended until ${formatDateTime(until, 'UTC')} (UTC).`);
    expect(res.text).toContain('Spamming the forums');
    const history = await t.db.selectFrom('loginHistory').select('failureReason').where('userId', '=', user.id).execute();
    expect(history).toEqual([{ failureReason: 'banned' }]);

    const forever = await createUser(t.db, { banned: true, banReason: 'Fraud', banExpires: null });
    const permanent = await submitForm(newAgent(t.app), '/auth/login', '/auth/login', { email: forever.email, password: forever.password });
    expect(permanent.status).toBe(403);
    expect(permanent.text).toContain('Your account is suspended. Reason: Fraud');
  });

  it('a ban that has run out does not stop sign-in', async () => {
    const user = await createUser(t.db, { banned: true, banReason: 'Cooling off', banExpires: days(-1) });
    await signIn(newAgent(t.app), user.email, user.password);
  });

  it("a banned user's open session is refused at the next request", async () => {
    const user = await createUser(t.db);
    const agent = newAgent(t.app);
    await signIn(agent, user.email, user.password);
    await t.db.updateTable('user').set({ banned: true, banReason: 'Abuse', banExpires: null }).where('id', '=', user.id).execute();
    const res = await agent.get('/');
    expect(res.text).not.toContain('Signed in as');
    expect(res.text).toContain('Your account is suspended. Reason: Abuse');
    await agent.get('/account').expect(303);
    expect(await t.db.selectFrom('session').select('id').where('userId', '=', user.id).execute()).toEqual([]);
  });
});
