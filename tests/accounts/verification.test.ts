import { Router } from 'express';
import { describe, expect, it } from 'vitest';
import { requireVerified } from '../../src/http/guards.ts';
import { useTestApp } from '../setup/app.ts';
import { createUser } from '../setup/factories.ts';
import { newAgent, signIn, submitForm, type Agent } from '../setup/forms.ts';
import { csrfTokenOf } from '../setup/login.ts';
import { linkPath, readOutbox, waitForMailTo } from '../setup/outbox.ts';

// Stands in for enrolling, posting and paying, which later issues mount behind requireVerified.
const verifiedOnly = Router();
verifiedOnly.post('/test/enroll', requireVerified, (_req, res) => {
  res.status(201).send('enrolled');
});

async function registered(t: ReturnType<typeof useTestApp>, email: string): Promise<{ agent: Agent; link: string }> {
  const agent = newAgent(t.app);
  const res = await submitForm(agent, '/auth/register', '/auth/register', { firstName: 'Vera', email, password: 'a long enough password' });
  expect(res.status).toBe(200);
  const link = linkPath(await waitForMailTo(t.config.dataDir, email), '/auth/verify');
  // Registering does not sign in (see register.test.ts); an unconfirmed account may sign in.
  await signIn(agent, email, 'a long enough password');
  return { agent, link };
}

describe('email verification', () => {
  const t = useTestApp({ extraRoutes: verifiedOnly });

  it('the mailed link asks for a click (a GET changes nothing), then confirms the address once', async () => {
    const { agent, link } = await registered(t, 'vera@example.test');
    const page = await agent.get(link).expect(200);
    expect(page.text).toContain('Confirm my email address');
    const before = await t.db.selectFrom('user').select('emailVerified').where('email', '=', 'vera@example.test').executeTakeFirstOrThrow();
    expect(before.emailVerified).toBe(false);

    const token = new URLSearchParams(link.split('?')[1]).get('token')!;
    const confirm = await agent.post('/auth/verify').type('form').send({ token, _csrf: csrfTokenOf(page.text) });
    expect(confirm.status).toBe(303);
    const after = await t.db.selectFrom('user').select('emailVerified').where('email', '=', 'vera@example.test').executeTakeFirstOrThrow();
    expect(after.emailVerified).toBe(true);
    const home = await agent.get(confirm.headers.location!);
    expect(home.text).toContain('Your email address is confirmed');
    expect(home.text).not.toContain('Please confirm your email address');

    // Used once: the same link now fails, as a GET and as a POST.
    const again = await agent.get(link).expect(400);
    expect(again.text).toContain('not valid');
    await agent.post('/auth/verify').type('form').send({ token, _csrf: csrfTokenOf(again.text) }).expect(400);
  });

  it('an expired link fails and says so', async () => {
    const { agent, link } = await registered(t, 'late@example.test');
    await t.db.updateTable('verification').set({ expiresAt: new Date(Date.now() - 1000) }).where('identifier', 'like', 'email-verification:%').execute();
    const res = await agent.get(link).expect(400);
    expect(res.text).toContain('This confirmation link has expired.');
  });

  it.each(['garbage', '00000000-0000-0000-0000-000000000000.abc', ''])('a made-up token (%s) fails', async (token) => {
    await t.request().get(`/auth/verify?token=${encodeURIComponent(token)}`).expect(400);
  });

  it('"send the link again" mails a new link, and only the newest one works', async () => {
    const { agent, link: first } = await registered(t, 'resend@example.test');
    const home = await agent.get('/');
    expect(home.text).toContain('Send the link again');
    const res = await agent.post('/account/email/verify').type('form').set('Referer', 'http://127.0.0.1/').send({ _csrf: csrfTokenOf(home.text) });
    expect(res.status).toBe(303);
    const mails = (await readOutbox(t.config.dataDir)).filter((m) => m.to.includes('resend@example.test'));
    expect(mails).toHaveLength(2);
    const second = linkPath(mails[1]!, '/auth/verify');
    expect(second).not.toBe(first);
    await agent.get(first).expect(400);
    await agent.get(second).expect(200);
  });

  it('an unverified user may sign in but not enroll, post or pay; a verified one may', async () => {
    const unverified = await createUser(t.db, { emailVerified: false });
    const agent = newAgent(t.app);
    await signIn(agent, unverified.email, unverified.password);
    const home = await agent.get('/');
    const refused = await agent.post('/test/enroll').type('form').send({ _csrf: csrfTokenOf(home.text) });
    expect(refused.status).toBe(403);
    expect(refused.text).toContain('Please confirm your email address first');

    const verified = await createUser(t.db, { emailVerified: true });
    const other = newAgent(t.app);
    await signIn(other, verified.email, verified.password);
    const page = await other.get('/');
    expect(page.text).not.toContain('Please confirm your email address');
    await other.post('/test/enroll').type('form').send({ _csrf: csrfTokenOf(page.text) }).expect(201);
  });
});
