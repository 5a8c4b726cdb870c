import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { useTestApp } from '../setup/app.ts';
import { expectWithinPageBudget } from '../setup/budget.ts';
import { createUser } from '../setup/factories.ts';
import { newAgent, submitForm } from '../setup/forms.ts';
import { lastMailTo, linkPath } from '../setup/outbox.ts';

const valid = { firstName: 'Amina', lastName: 'Okafor', email: 'amina@example.test', password: 'a long enough password' };

describe('registration', () => {
  const t = useTestApp();

  it('shows the form, with a CSRF field, within the page budget', async () => {
    const res = await t.request().get('/auth/register').expect(200);
    expect(res.text).toContain('name="_csrf"');
    for (const field of ['firstName', 'lastName', 'email', 'password']) expect(res.text).toContain(`name="${field}"`);
    expectWithinPageBudget(res);
  });

  it('creates a student with an argon2id credential, signs them in and mails a confirmation link', async () => {
    const agent = newAgent(t.app);
    const res = await submitForm(agent, '/auth/register', '/auth/register', valid);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/');

    const user = await t.db.selectFrom('user').selectAll().where('email', '=', valid.email).executeTakeFirstOrThrow();
    expect(user).toMatchObject({ firstName: 'Amina', lastName: 'Okafor', role: 'student', emailVerified: false, points: 0 });
    const account = await t.db.selectFrom('account').selectAll().where('userId', '=', user.id).executeTakeFirstOrThrow();
    expect(account.providerId).toBe('credential');
    expect(account.password).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
    expect(await t.db.selectFrom('session').select('id').where('userId', '=', user.id).execute()).toHaveLength(1);

    const mail = await lastMailTo(t.config.dataDir, valid.email);
    expect(mail.subject).toBe('Confirm your email address');
    expect(linkPath(mail, '/auth/verify')).toMatch(/^\/auth\/verify\?token=/);
    expect(mail.html).toContain('Confirm my email address');

    const home = await agent.get('/').expect(200);
    expect(home.text).toContain('Signed in as');
    expect(home.text).toContain('Please confirm your email address');
    expect(home.text).toContain('Welcome to Edupeak!');
  });

  it('refuses an email that exists in another case, keeping what was typed but never the password', async () => {
    await createUser(t.db, { email: 'Taken.Person@example.test' });
    const res = await submitForm(newAgent(t.app), '/auth/register', '/auth/register', {
      ...valid,
      firstName: 'Second',
      email: 'taken.person@EXAMPLE.test',
    });
    expect(res.status).toBe(422);
    expect(res.text).toContain('An account with this email already exists');
    expect(res.text).toContain('value="Second"');
    expect(res.text).toContain('value="taken.person@EXAMPLE.test"');
    expect(res.text).not.toContain(valid.password);
    const { n } = await t.db
      .selectFrom('user')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where(sql<string>`lower(email)`, '=', 'taken.person@example.test')
      .executeTakeFirstOrThrow();
    expect(Number(n)).toBe(1);
  });

  it('says what is wrong, field by field, with 422', async () => {
    const res = await submitForm(newAgent(t.app), '/auth/register', '/auth/register', {
      firstName: '  ',
      lastName: 'Kept',
      email: 'not-an-email',
      password: 'short',
    });
    expect(res.status).toBe(422);
    expect(res.text).toContain('Enter your first name.');
    expect(res.text).toContain('Enter a valid email address');
    expect(res.text).toContain('Use at least 10 characters.');
    expect(res.text).toContain('value="Kept"');
    expect(res.text).toContain('value="not-an-email"');
    expect(res.text).toContain('aria-invalid="true"');
    expect(res.text).not.toContain('value="short"');
  });

  it('ignores role, points and emailVerified smuggled into the form', async () => {
    const agent = newAgent(t.app);
    const email = 'sneaky@example.test';
    const res = await submitForm(agent, '/auth/register', '/auth/register', {
      ...valid,
      email,
      role: 'admin',
      points: '999',
      emailVerified: 'true',
    });
    expect(res.status).toBe(303);
    const user = await t.db.selectFrom('user').selectAll().where('email', '=', email).executeTakeFirstOrThrow();
    expect(user).toMatchObject({ role: 'student', points: 0, emailVerified: false });
  });

  it('shows a name with <script> escaped', async () => {
    const agent = newAgent(t.app);
    await submitForm(agent, '/auth/register', '/auth/register', { ...valid, email: 'xss@example.test', firstName: '<script>alert(1)</script>' });
    const home = await agent.get('/').expect(200);
    expect(home.text).not.toContain('<script>alert(1)</script>');
    expect(home.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  it('a signed-in user who opens the form goes home', async () => {
    const agent = newAgent(t.app);
    await submitForm(agent, '/auth/register', '/auth/register', { ...valid, email: 'again@example.test' });
    await agent.get('/auth/register').expect(303).expect('Location', '/');
  });
});
