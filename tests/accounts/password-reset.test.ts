import { beforeEach, describe, expect, it } from 'vitest';
import { useTestApp } from '../setup/app.ts';
import { createUser } from '../setup/factories.ts';
import { isSignedIn, newAgent, signIn, submitForm } from '../setup/forms.ts';
import { csrfTokenOf } from '../setup/login.ts';
import { linkPath, readOutbox, waitForMailTo } from '../setup/outbox.ts';

const stripTokens = (html: string) => html.replace(/[A-Za-z0-9_-]{20,}/g, 'TOKEN');

describe('password reset', () => {
  const t = useTestApp();
  beforeEach(async () => {
    await t.db.deleteFrom('rateLimit').execute();
  });

  it('answers the same, in status and body, whether or not the email is known', async () => {
    const user = await createUser(t.db);
    const known = await submitForm(newAgent(t.app), '/auth/forgot', '/auth/forgot', { email: user.email });
    const unknown = await submitForm(newAgent(t.app), '/auth/forgot', '/auth/forgot', { email: 'nobody-here@example.test' });
    expect(known.status).toBe(200);
    expect(unknown.status).toBe(200);
    // The address first: a factory's address can itself be as long as a token.
    expect(stripTokens(known.text.replace(user.email, 'EMAIL'))).toBe(stripTokens(unknown.text.replace('nobody-here@example.test', 'EMAIL')));
    await waitForMailTo(t.config.dataDir, user.email);
    expect((await readOutbox(t.config.dataDir)).some((m) => m.to.includes('nobody-here'))).toBe(false);
  });

  it('sets a new password through the mailed link, once, and signs out every device', async () => {
    const user = await createUser(t.db, { emailVerified: false });
    const elsewhere = newAgent(t.app);
    await signIn(elsewhere, user.email, user.password);

    await submitForm(newAgent(t.app), '/auth/forgot', '/auth/forgot', { email: user.email });
    const mail = await waitForMailTo(t.config.dataDir, user.email);
    expect(mail.subject).toBe('Reset your password');
    const link = linkPath(mail, '/auth/reset');

    const agent = newAgent(t.app);
    const form = await agent.get(link).expect(200);
    expect(form.text).toContain('Choose a new password');
    const token = new URLSearchParams(link.split('?')[1]).get('token')!;

    const tooShort = await agent.post('/auth/reset').type('form').send({ token, password: 'short', _csrf: csrfTokenOf(form.text) });
    expect(tooShort.status).toBe(422);
    expect(tooShort.text).toContain('Use at least 10 characters.');

    const done = await agent.post('/auth/reset').type('form').send({ token, password: 'my brand new password', _csrf: csrfTokenOf(form.text) });
    expect(done.status).toBe(303);
    expect(done.headers.location).toBe('/auth/login');

    expect(await isSignedIn(elsewhere)).toBe(false);
    const old = await submitForm(newAgent(t.app), '/auth/login', '/auth/login', { email: user.email, password: user.password });
    expect(old.status).toBe(422);
    await signIn(newAgent(t.app), user.email, 'my brand new password');
    const after = await t.db.selectFrom('user').select('emailVerified').where('id', '=', user.id).executeTakeFirstOrThrow();
    expect(after.emailVerified).toBe(true);

    // Used: the link fails now.
    const again = await agent.get(link).expect(400);
    const reuse = await agent.post('/auth/reset').type('form').send({ token, password: 'another new password', _csrf: csrfTokenOf(again.text) });
    expect(reuse.status).toBe(400);
  });

  it('an expired reset link fails', async () => {
    const user = await createUser(t.db);
    await submitForm(newAgent(t.app), '/auth/forgot', '/auth/forgot', { email: user.email });
    const link = linkPath(await waitForMailTo(t.config.dataDir, user.email), '/auth/reset');
    await t.db.updateTable('verification').set({ expiresAt: new Date(Date.now() - 1000) }).where('identifier', '=', `password-reset:${user.id}`).execute();
    const res = await t.request().get(link).expect(400);
    expect(res.text).toContain('This password reset link has expired.');
  });

  it('a verification token cannot be used as a reset token', async () => {
    const user = await createUser(t.db);
    const { issueToken } = await import('../../src/features/accounts/tokens.ts');
    const token = await issueToken(t.db, 'email-verification', user.id);
    await t.request().get(`/auth/reset?token=${encodeURIComponent(token)}`).expect(400);
  });

  it('limits reset mails per address, the same for unknown addresses', async () => {
    for (const email of ['limited@example.test', 'unknown-limited@example.test']) {
      for (let i = 0; i < 3; i++) {
        expect((await submitForm(newAgent(t.app), '/auth/forgot', '/auth/forgot', { email })).status).toBe(200);
      }
      const fourth = await submitForm(newAgent(t.app), '/auth/forgot', '/auth/forgot', { email });
      expect(fourth.status).toBe(429);
    }
  });
});
