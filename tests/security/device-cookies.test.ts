import { beforeEach, describe, expect, it } from 'vitest';
import { RATE_LIMITS } from '../../src/http/rate-limit.ts';
import { useTestApp } from '../setup/app.ts';
import { createUser } from '../setup/factories.ts';
import { newAgent, signIn, submitForm, type Agent } from '../setup/forms.ts';

/** Wrong passwords from elsewhere must not lock the owner out of a browser they have used before. */
describe('device cookies and the per-account sign-in limit', () => {
  const t = useTestApp();
  beforeEach(async () => {
    await t.db.deleteFrom('rateLimit').execute();
  });
  const attempt = (agent: Agent, email: string, password: string) => submitForm(agent, '/auth/login', '/auth/login', { email, password });
  const signOut = (agent: Agent) => submitForm(agent, '/', '/auth/logout', {});

  it('an attacker who locks the email does not lock out the browser the owner signed in with before', async () => {
    const owner = await createUser(t.db);
    const ownersBrowser = newAgent(t.app);
    await signIn(ownersBrowser, owner.email, owner.password);
    await signOut(ownersBrowser);

    const attacker = newAgent(t.app);
    for (let i = 0; i < RATE_LIMITS.loginAccount.limit; i++) expect((await attempt(attacker, owner.email, 'guess ' + i)).status).toBe(422);
    expect((await attempt(attacker, owner.email, 'one more guess')).status).toBe(429);
    // A new browser is limited too, even with the right password: it could be the attacker.
    expect((await attempt(newAgent(t.app), owner.email, owner.password)).status).toBe(429);

    // The owner's known browser gets through, even after a typo of its own.
    expect((await attempt(ownersBrowser, owner.email, 'typo')).status).toBe(422);
    expect((await attempt(ownersBrowser, owner.email, owner.password)).status).toBe(303);
  });

  it('a known browser still has a limit of its own, and its cookie is no key to another account', async () => {
    const owner = await createUser(t.db);
    const other = await createUser(t.db);
    const browser = newAgent(t.app);
    await signIn(browser, owner.email, owner.password);
    await signOut(browser);

    for (let i = 0; i < RATE_LIMITS.loginDevice.limit; i++) expect((await attempt(browser, owner.email, 'wrong ' + i)).status).toBe(422);
    expect((await attempt(browser, owner.email, owner.password)).status).toBe(429);

    // The cookie names the owner's account: for another email this browser is as unknown as any.
    for (let i = 0; i < RATE_LIMITS.loginAccount.limit; i++) await attempt(newAgent(t.app), other.email, 'wrong ' + i);
    expect((await attempt(browser, other.email, other.password)).status).toBe(429);
  });

  it('a forged device cookie counts for nothing', async () => {
    const owner = await createUser(t.db);
    for (let i = 0; i < RATE_LIMITS.loginAccount.limit; i++) await attempt(newAgent(t.app), owner.email, 'wrong ' + i);
    const forger = newAgent(t.app).set('Cookie', `edupeak.device=${'a'.repeat(24)}.${'b'.repeat(43)}`);
    const res = await attempt(forger as Agent, owner.email, owner.password);
    expect(res.status).toBe(429);
  });
});
