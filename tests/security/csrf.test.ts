import { describe, expect, it } from 'vitest';
import { useTestApp } from '../setup/app.ts';
import { createUser } from '../setup/factories.ts';
import { newAgent, signIn } from '../setup/forms.ts';
import { csrfTokenOf } from '../setup/login.ts';

describe('CSRF', () => {
  const t = useTestApp();

  it.each([
    ['/auth/login', { email: 'a@example.test', password: 'whatever-long' }],
    ['/auth/register', { firstName: 'A', email: 'a@example.test', password: 'whatever-long' }],
    ['/auth/forgot', { email: 'a@example.test' }],
    ['/auth/logout', {}],
  ])('POST %s without the token gets 403 and changes nothing', async (path, body) => {
    const agent = newAgent(t.app);
    await agent.get('/auth/login');
    const res = await agent.post(path).type('form').send(body);
    expect(res.status).toBe(403);
    expect(res.text).toContain('This form has expired');
    expect(await t.db.selectFrom('user').select('id').where('email', '=', 'a@example.test').execute()).toEqual([]);
  });

  it("a signed-in user's forms need the token too; a wrong token is refused", async () => {
    const user = await createUser(t.db);
    const agent = newAgent(t.app);
    await signIn(agent, user.email, user.password);
    await agent.post('/account').type('form').send({ firstName: 'Changed' }).expect(403);
    await agent.post('/account').type('form').send({ firstName: 'Changed', _csrf: 'forged-token' }).expect(403);
    await agent.post('/auth/logout').type('form').send({}).expect(403);
    const saved = await t.db.selectFrom('user').select('firstName').where('id', '=', user.id).executeTakeFirstOrThrow();
    expect(saved.firstName).toBe(user.firstName);
  });

  it('htmx sends the token as the x-csrf-token header, from the layout', async () => {
    const user = await createUser(t.db);
    const agent = newAgent(t.app);
    await signIn(agent, user.email, user.password);
    const page = await agent.get('/account');
    const token = csrfTokenOf(page.text);
    expect(page.text).toContain(`hx-headers='{"x-csrf-token": "${token}"}'`);
    const res = await agent.post('/account').set('HX-Request', 'true').set('x-csrf-token', token).type('form').send({ firstName: 'Via htmx' });
    expect(res.status).toBe(303);
  });

  it("another visitor's token does not work", async () => {
    const mallory = newAgent(t.app);
    const stolen = csrfTokenOf((await mallory.get('/auth/login')).text);
    const victim = newAgent(t.app);
    await victim.get('/auth/login');
    await victim.post('/auth/forgot').type('form').send({ email: 'a@example.test', _csrf: stolen }).expect(403);
  });

  it('visitors who only read get no session cookie', async () => {
    const res = await t.request().get('/').expect(200);
    expect(res.headers['set-cookie']).toBeUndefined();
  });
});
