import { beforeEach, describe, expect, it } from 'vitest';
import { useTestApp } from '../setup/app.ts';
import { expectWithinPageBudget } from '../setup/budget.ts';
import { createUser } from '../setup/factories.ts';
import { CHROME_ANDROID, isSignedIn, newAgent, signIn, submitForm } from '../setup/forms.ts';
import { csrfTokenOf } from '../setup/login.ts';
import { countQueries } from '../setup/queries.ts';

describe('profile, password and devices', () => {
  const t = useTestApp();
  beforeEach(async () => {
    await t.db.deleteFrom('rateLimit').execute();
  });

  async function signedIn(overrides = {}) {
    const user = await createUser(t.db, overrides);
    const agent = newAgent(t.app);
    await signIn(agent, user.email, user.password);
    return { user, agent };
  }

  it('saves names, username, phone, designation, bio and the five links', async () => {
    const { user, agent } = await signedIn();
    const page = await agent.get('/account').expect(200);
    expectWithinPageBudget(page);
    const fields = {
      firstName: 'Grace',
      lastName: 'Hopper',
      username: 'grace.h',
      phoneNumber: '+1 555 0100',
      designation: 'Rear admiral',
      bio: 'Wrote the first compiler.',
      socialWebsite: 'https://grace.example',
      socialGithub: 'https://github.com/grace',
      socialFacebook: 'https://facebook.com/grace',
      socialTwitter: 'https://x.com/grace',
      socialLinkedin: 'http://linkedin.com/in/grace',
    };
    const res = await agent.post('/account').type('form').send({ ...fields, _csrf: csrfTokenOf(page.text) });
    expect(res.status).toBe(303);
    const saved = await t.db.selectFrom('user').selectAll().where('id', '=', user.id).executeTakeFirstOrThrow();
    expect(saved).toMatchObject(fields);
    const again = await agent.get('/account');
    expect(again.text).toContain('Your profile is saved.');
    expect(again.text).toContain('value="grace.h"');
  });

  it('the message after a save waits for the page: images and stray requests in between do not swallow it', async () => {
    const { agent } = await signedIn();
    expect((await submitForm(agent, '/account', '/account', { firstName: 'Flashy' })).status).toBe(303);
    await agent.get('/favicon.ico').expect(301);
    await agent.get('/media/avatars/2026/01/00000000-0000-0000-0000-000000000000.webp').expect(404);
    await agent.get('/account').set('HX-Request', 'true');
    await agent.get('/account').set('Sec-Purpose', 'prefetch');
    await agent.get('/account').set('Sec-Fetch-Dest', 'image');
    const page = await agent.get('/account').expect(200);
    expect(page.text).toContain('Your profile is saved.');
    expect((await agent.get('/account')).text).not.toContain('Your profile is saved.');
  });

  it('refuses a taken username (whatever its case) and non-web links, keeping what was typed', async () => {
    await createUser(t.db, { username: 'TakenName' });
    const { user, agent } = await signedIn();
    const res = await submitForm(agent, '/account', '/account', {
      firstName: 'Kept First',
      username: 'takenname',
      socialWebsite: 'javascript:alert(1)',
      socialGithub: 'ftp://files.example',
    });
    expect(res.status).toBe(422);
    expect(res.text).toContain('must be a web address starting with http:// or https://');
    expect(res.text).toContain('value="Kept First"');
    const unique = await submitForm(agent, '/account', '/account', { firstName: 'Kept First', username: 'takenname' });
    expect(unique.status).toBe(422);
    expect(unique.text).toContain('That username is taken');
    const saved = await t.db.selectFrom('user').select(['firstName', 'username']).where('id', '=', user.id).executeTakeFirstOrThrow();
    expect(saved).toEqual({ firstName: user.firstName, username: null });
  });

  it('ignores role, points, email and emailVerified posted to the profile', async () => {
    const { user, agent } = await signedIn({ emailVerified: false });
    const res = await submitForm(agent, '/account', '/account', {
      firstName: 'Plain',
      role: 'admin',
      points: '999',
      emailVerified: 'true',
      email: 'hijack@example.test',
    });
    expect(res.status).toBe(303);
    const saved = await t.db.selectFrom('user').selectAll().where('id', '=', user.id).executeTakeFirstOrThrow();
    expect(saved).toMatchObject({ firstName: 'Plain', role: 'student', points: 0, emailVerified: false, email: user.email });
  });

  it('shows <script> in a profile field escaped', async () => {
    const { agent } = await signedIn();
    await submitForm(agent, '/account', '/account', { firstName: '<script>alert(1)</script>', bio: '<img src=x onerror=alert(1)>' });
    const page = await agent.get('/account');
    expect(page.text).not.toContain('<script>alert(1)</script>');
    expect(page.text).not.toContain('<img src=x');
    expect(page.text).toContain('&lt;img src=x onerror=alert(1)&gt;');
  });

  it('changes the password: the current one is required, and every other device is signed out', async () => {
    const { user, agent } = await signedIn();
    const phone = newAgent(t.app, CHROME_ANDROID);
    await signIn(phone, user.email, user.password);

    const wrong = await submitForm(agent, '/account', '/account/password', { currentPassword: 'nope nope nope', newPassword: 'a new long password' });
    expect(wrong.status).toBe(422);
    expect(wrong.text).toContain('That is not your current password.');

    const ok = await submitForm(agent, '/account', '/account/password', { currentPassword: user.password, newPassword: 'a new long password' });
    expect(ok.status).toBe(303);
    expect(await isSignedIn(agent)).toBe(true);
    expect(await isSignedIn(phone)).toBe(false);
    await signIn(newAgent(t.app), user.email, 'a new long password');
  });

  it('lists the signed-in devices and signs out one, or all the others', async () => {
    const { user, agent } = await signedIn();
    const phone = newAgent(t.app, CHROME_ANDROID);
    await signIn(phone, user.email, user.password);
    const tablet = newAgent(t.app, 'Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1');
    await signIn(tablet, user.email, user.password);

    const page = await agent.get('/account/sessions').expect(200);
    expectWithinPageBudget(page);
    expect(page.text).toContain('Firefox on Linux');
    expect(page.text).toContain('(this device)');
    expect(page.text).toContain('Chrome on Android');
    expect(page.text).toContain('Safari on iOS');

    const phoneRow = await t.db.selectFrom('session').select('id').where('userId', '=', user.id).where('userAgent', 'like', '%Android%').executeTakeFirstOrThrow();
    const one = await agent.post(`/account/sessions/${phoneRow.id}/revoke`).type('form').send({ _csrf: csrfTokenOf(page.text) });
    expect(one.status).toBe(303);
    expect(await isSignedIn(phone)).toBe(false);
    expect(await isSignedIn(tablet)).toBe(true);

    const all = await submitForm(agent, '/account/sessions', '/account/sessions/others/revoke', {});
    expect(all.status).toBe(303);
    expect(await isSignedIn(tablet)).toBe(false);
    expect(await isSignedIn(agent)).toBe(true);
  });

  it("cannot sign out another user's device: 404, and it stays signed in", async () => {
    const victim = await signedIn();
    const victimDevice = await t.db.selectFrom('session').select('id').where('userId', '=', victim.user.id).executeTakeFirstOrThrow();
    const { agent } = await signedIn();
    const res = await submitForm(agent, '/account/sessions', `/account/sessions/${victimDevice.id}/revoke`, {});
    expect(res.status).toBe(404);
    expect(await isSignedIn(victim.agent)).toBe(true);
    const bad = await submitForm(agent, '/account/sessions', '/account/sessions/not-a-uuid/revoke', {});
    expect(bad.status).toBe(404);
  });

  it('signing out this device from the list signs this browser out', async () => {
    const { user, agent } = await signedIn();
    const mine = await t.db.selectFrom('session').select('id').where('userId', '=', user.id).executeTakeFirstOrThrow();
    const res = await submitForm(agent, '/account/sessions', `/account/sessions/${mine.id}/revoke`, {});
    expect(res.status).toBe(303);
    expect(await isSignedIn(agent)).toBe(false);
  });

  it('the devices page runs the same number of queries however many devices there are', async () => {
    const { user, agent } = await signedIn();
    // The first page after signing in also records the device as online (one upsert a minute, presence.ts).
    await agent.get('/account/sessions').expect(200);
    const few = await countQueries(t.db, () => agent.get('/account/sessions').expect(200));
    for (let i = 0; i < 10; i++) await signIn(newAgent(t.app), user.email, user.password);
    const many = await countQueries(t.db, () => agent.get('/account/sessions').expect(200));
    expect(many.count).toBe(few.count);
  });
});
