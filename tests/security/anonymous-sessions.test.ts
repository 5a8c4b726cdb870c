import { beforeEach, describe, expect, it } from 'vitest';
import { useTestApp } from '../setup/app.ts';
import { createUser } from '../setup/factories.ts';
import { newAgent, sessionCookieOf } from '../setup/forms.ts';
import { csrfTokenOf } from '../setup/login.ts';
import { signedInThroughForm } from '../setup/users.ts';

/** A visitor who only looks costs no stored session: a bot could otherwise fill http_session. */
describe('anonymous visitors and CSRF without a stored session', () => {
  const t = useTestApp();
  beforeEach(async () => {
    await t.db.deleteFrom('rateLimit').execute();
  });
  const sessionRows = async () => Number((await t.db.selectFrom('httpSession').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

  it('50 visits to the sign-in, register and reset forms store no session and set no session cookie', async () => {
    const before = await sessionRows();
    for (let i = 0; i < 50; i++) {
      for (const page of ['/auth/login', '/auth/register', '/auth/forgot', '/', '/courses']) {
        const res = await t.request().get(page).expect(200);
        expect(sessionCookieOf(res), page).toBeUndefined();
      }
    }
    expect(await sessionRows()).toBe(before);
  });

  it('the form signed for this browser signs in; a token without its cookie, or another browser\'s, is refused', async () => {
    const user = await createUser(t.db);
    const mine = newAgent(t.app);
    const theirs = newAgent(t.app);
    const myToken = csrfTokenOf((await mine.get('/auth/login')).text);
    const theirToken = csrfTokenOf((await theirs.get('/auth/login')).text);
    expect(myToken).not.toBe(theirToken);

    const fields = { email: user.email, password: user.password };
    await mine.post('/auth/login').type('form').send({ ...fields, _csrf: theirToken }).expect(403);
    await t.request().post('/auth/login').type('form').send({ ...fields, _csrf: myToken }).expect(403);
    await t.request().post('/auth/login').type('form').send({ ...fields, _csrf: 's1.forged' }).expect(403);
    const ok = await mine.post('/auth/login').type('form').send({ ...fields, _csrf: myToken });
    expect(ok.status).toBe(303);
    expect(sessionCookieOf(ok)).toBeDefined();
  });

  it('signed in, a stateless token is not enough: the session token is required', async () => {
    const student = await signedInThroughForm(t.app, t.db, 'student');
    // The same browser still holds its signed-out nonce cookie; a token made from it is refused now.
    const stateless = csrfTokenOf((await newAgent(t.app).get('/auth/login')).text);
    await student.agent.post('/account').type('form').send({ firstName: 'Changed', _csrf: stateless }).expect(403);
    await student.post('/account', { firstName: 'Changed' }).expect(303);
  });
});
