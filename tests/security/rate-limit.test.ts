import { beforeEach, describe, expect, it } from 'vitest';
import { clearRateLimit, hitRateLimit, RATE_LIMITS } from '../../src/http/rate-limit.ts';
import { useTestApp } from '../setup/app.ts';
import { createUser } from '../setup/factories.ts';
import { newAgent, submitForm } from '../setup/forms.ts';

describe('rate limits in PostgreSQL', () => {
  const t = useTestApp();
  beforeEach(async () => {
    await t.db.deleteFrom('rateLimit').execute();
  });

  it('parallel hits never pass the limit together', async () => {
    const rule = { name: 'test-parallel', limit: 5, windowSeconds: 60 };
    const results = await Promise.all(Array.from({ length: 25 }, () => hitRateLimit(t.db, rule, 'someone')));
    expect(results.filter((r) => r.allowed)).toHaveLength(5);
    expect(results.every((r) => r.retryAfterSeconds > 0 && r.retryAfterSeconds <= 60)).toBe(true);
  });

  it('a new window starts when the old one ends, and clearing resets the count', async () => {
    const rule = { name: 'test-window', limit: 1, windowSeconds: 60 };
    expect((await hitRateLimit(t.db, rule, 'k')).allowed).toBe(true);
    expect((await hitRateLimit(t.db, rule, 'k')).allowed).toBe(false);
    await t.db.updateTable('rateLimit').set({ windowEndsAt: new Date(Date.now() - 1) }).execute();
    expect((await hitRateLimit(t.db, rule, 'k')).allowed).toBe(true);
    await clearRateLimit(t.db, rule, 'k');
    expect((await hitRateLimit(t.db, rule, 'K')).hits).toBe(1);
  });

  it('registration is limited per address: the 11th in an hour gets 429', async () => {
    for (let i = 0; i < RATE_LIMITS.registerIp.limit; i++) {
      const res = await submitForm(newAgent(t.app), '/auth/register', '/auth/register', { firstName: 'R', email: `r${i}@example.test`, password: 'long enough password' });
      expect(res.status, `registration ${i + 1}`).toBe(200);
    }
    const over = await submitForm(newAgent(t.app), '/auth/register', '/auth/register', { firstName: 'R', email: 'r-over@example.test', password: 'long enough password' });
    expect(over.status).toBe(429);
    expect(Number(over.headers['retry-after'])).toBeGreaterThan(60);
    expect(await t.db.selectFrom('user').select('id').where('email', '=', 'r-over@example.test').execute()).toEqual([]);
  });

  it('sign-ins are limited per address too', async () => {
    const user = await createUser(t.db);
    for (let i = 0; i < RATE_LIMITS.loginIp.limit; i++) {
      // Different accounts, so only the per-address limit can trip.
      await submitForm(newAgent(t.app), '/auth/login', '/auth/login', { email: `x${i}@example.test`, password: 'wrong password' });
    }
    const res = await submitForm(newAgent(t.app), '/auth/login', '/auth/login', { email: user.email, password: user.password });
    expect(res.status).toBe(429);
  });
});

describe('TRUST_PROXY decides whose address counts', () => {
  const behindProxy = useTestApp({ config: { TRUST_PROXY: 'loopback' } });

  it('behind a trusted proxy, X-Forwarded-For is the address recorded and limited', async () => {
    const user = await createUser(behindProxy.db);
    const agent = newAgent(behindProxy.app).set('X-Forwarded-For', '203.0.113.7');
    const res = await submitForm(agent, '/auth/login', '/auth/login', { email: user.email, password: user.password });
    expect(res.status).toBe(303);
    const device = await behindProxy.db.selectFrom('session').select('ipAddress').where('userId', '=', user.id).executeTakeFirstOrThrow();
    expect(device.ipAddress).toBe('203.0.113.7');
    const keys = await behindProxy.db.selectFrom('rateLimit').select('key').execute();
    expect(keys.map((k) => k.key)).toContain('login-ip:203.0.113.7');
  });
});

describe('without TRUST_PROXY', () => {
  const direct = useTestApp();

  it('X-Forwarded-For is ignored: a client cannot pick its own address', async () => {
    const user = await createUser(direct.db);
    const agent = newAgent(direct.app).set('X-Forwarded-For', '203.0.113.7');
    await submitForm(agent, '/auth/login', '/auth/login', { email: user.email, password: user.password });
    const device = await direct.db.selectFrom('session').select('ipAddress').where('userId', '=', user.id).executeTakeFirstOrThrow();
    expect(device.ipAddress).not.toBe('203.0.113.7');
  });
});
