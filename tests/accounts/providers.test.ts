import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config.ts';
import { buildTestApp, testConfig } from '../setup/app.ts';
import { expectWithinPageBudget } from '../setup/budget.ts';
import { useTestDatabase } from '../setup/database.ts';
import { createUser } from '../setup/factories.ts';
import { newAgent, type Agent } from '../setup/forms.ts';
import { csrfTokenOf } from '../setup/login.ts';
import { lastMailTo, linkPath } from '../setup/outbox.ts';
import { countQueries } from '../setup/queries.ts';
import { authorizeAtOidcProvider, providerEnv, startGitHubStandIn, startOidcProvider, type GitHubStandIn, type OidcTestProvider } from '../setup/sign-in-providers.ts';
import { signedInAs } from '../setup/users.ts';

const BASE = 'http://edupeak.test';

describe('signing in with Google (OpenID Connect) and GitHub', () => {
  const database = useTestDatabase();
  let google: OidcTestProvider;
  let github: GitHubStandIn;
  let app: Express;
  let config: Config;
  let n = 0;
  const unique = (name: string) => `${name}-${Date.now().toString(36)}-${++n}@example.com`;

  beforeAll(async () => {
    google = await startOidcProvider([`${BASE}/auth/providers/google/callback`]);
    github = await startGitHubStandIn();
    config = testConfig({
      BASE_URL: BASE,
      ...providerEnv(google, github),
    });
    app = buildTestApp(database.db, { config });
  });
  afterAll(async () => {
    await google?.stop();
    await github?.stop();
  });

  /** The browser's side up to the provider: the sign-in page's button, then the provider's URL. */
  async function start(agent: Agent, provider: 'google' | 'github', next = ''): Promise<string> {
    const page = await agent.get('/auth/login').expect(200);
    // The form's script fills in the browser's zone, as on the registration form.
    const res = await agent.post(`/auth/providers/${provider}`).type('form').send({ _csrf: csrfTokenOf(page.text), next, timeZone: 'Europe/Madrid' }).expect(303);
    return res.headers.location!;
  }
  const callbackPath = (url: URL) => url.pathname + url.search;

  async function googlePerson(person: { email: string; email_verified: boolean; given_name?: string }) {
    const sub = `google-${++n}`;
    google.people.set(sub, { given_name: 'Grace', family_name: 'Hopper', ...person });
    return sub;
  }

  /** Signs in with Google as `sub` on `agent` and returns the app's answer to the callback. */
  async function viaGoogle(agent: Agent, sub: string, next = '') {
    const back = await authorizeAtOidcProvider(await start(agent, 'google', next), sub);
    return { back, res: await agent.get(callbackPath(back)) };
  }

  /** GitHub's stand-in approves at once: its authorize URL redirects straight back with a code. */
  const atGitHub = async (authorizationUrl: string) => new URL((await fetch(authorizationUrl, { redirect: 'manual' })).headers.get('location')!);
  const viaGitHub = async (agent: Agent) => agent.get(callbackPath(await atGitHub(await start(agent, 'github'))));

  const accountsOf = (userId: string) => database.db.selectFrom('account').selectAll().where('userId', '=', userId).orderBy('providerId').execute();

  it('offers the buttons only for configured providers, and a provider that is not configured is not found', async () => {
    const page = await newAgent(app).get('/auth/login').expect(200);
    expect(page.text).toContain('Continue with Google');
    expect(page.text).toContain('Continue with GitHub');
    // The button's answer redirects to the provider: browsers apply the CSP's form-action to that redirect.
    expect(page.headers['content-security-policy']).toContain(`form-action 'self' ${google.issuer} ${github.url}`);
    const bare = buildTestApp(database.db);
    const plain = newAgent(bare);
    const login = await plain.get('/auth/login').expect(200);
    expect(login.text).not.toContain('Continue with');
    await plain.post('/auth/providers/google').type('form').send({ _csrf: csrfTokenOf(login.text) }).expect(404);
  });

  it('a new person registers with Google: verified email, no password, no token stored, a sign-in recorded', async () => {
    const email = unique('grace');
    const sub = await googlePerson({ email, email_verified: true });
    const agent = newAgent(app);
    const { back, res } = await viaGoogle(agent, sub, '/dashboard');
    // The provider sent back a code, the state we made, and its issuer; never a token in the URL.
    expect(back.searchParams.get('code')).toBeTruthy();
    expect(back.searchParams.get('state')).toBeTruthy();
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/dashboard');
    const user = await database.db.selectFrom('user').selectAll().where('email', '=', email).executeTakeFirstOrThrow();
    expect(user).toMatchObject({ firstName: 'Grace', lastName: 'Hopper', emailVerified: true, role: 'student', timeZone: 'Europe/Madrid', language: null });
    const accounts = await accountsOf(user.id);
    expect(accounts).toHaveLength(1);
    expect(accounts[0]).toMatchObject({ providerId: 'google', accountId: sub, password: null, accessToken: null, refreshToken: null, idToken: null });
    expect((await agent.get('/account')).status).toBe(200);
    const history = await database.db.selectFrom('loginHistory').select(['success']).where('userId', '=', user.id).execute();
    expect(history).toEqual([{ success: true }]);

    // Signing in again finds the same person by Google's id, not a second account.
    const again = await viaGoogle(newAgent(app), sub);
    expect(again.res.status).toBe(303);
    expect(await database.db.selectFrom('user').select('id').where('email', '=', email).execute()).toHaveLength(1);
  });

  it('refuses a callback whose state is not the one this browser was given', async () => {
    const sub = await googlePerson({ email: unique('state'), email_verified: true });
    const agent = newAgent(app);
    const back = await authorizeAtOidcProvider(await start(agent, 'google'), sub);
    back.searchParams.set('state', 'forged-state');
    const res = await agent.get(callbackPath(back)).expect(400);
    expect(res.text).toContain('We could not confirm your sign-in with Google');
    expect(await agent.get('/account').then((r) => r.status)).toBe(303);
  });

  it('refuses a replayed callback, and a used code even under a fresh state', async () => {
    const sub = await googlePerson({ email: unique('replay'), email_verified: true });
    const agent = newAgent(app);
    const { back, res } = await viaGoogle(agent, sub);
    expect(res.status).toBe(303);
    // The same URL again, in the same browser: the flow was used up.
    const replay = await agent.get(callbackPath(back)).expect(400);
    expect(replay.text).toContain('has expired or was already used');
    // Another browser starts its own flow and presents the stolen code with its own valid state:
    // the provider refuses a code used once (and the PKCE verifier does not match either).
    const thief = newAgent(app);
    const own = new URL(await start(thief, 'google'));
    const forged = new URL(back);
    forged.searchParams.set('state', own.searchParams.get('state')!);
    const stolen = await thief.get(callbackPath(forged)).expect(400);
    expect(stolen.text).toContain('We could not confirm your sign-in with Google');
    expect(await thief.get('/account').then((r) => r.status)).toBe(303);
  });

  it('refuses an ID token whose nonce is not the one this browser was given', async () => {
    const sub = await googlePerson({ email: unique('nonce'), email_verified: true });
    const agent = newAgent(app);
    const url = new URL(await start(agent, 'google'));
    url.searchParams.set('nonce', 'a-nonce-the-app-never-made');
    const back = await authorizeAtOidcProvider(url.href, sub);
    const res = await agent.get(callbackPath(back)).expect(400);
    expect(res.text).toContain('We could not confirm your sign-in with Google');
    expect(await database.db.selectFrom('account').select('id').where('accountId', '=', sub).execute()).toEqual([]);
  });

  it('an unverified email never links to the account that has it, and never marks anyone verified', async () => {
    const owner = await createUser(database.db, { email: unique('owner'), emailVerified: false });
    const sub = await googlePerson({ email: owner.email, email_verified: false });
    const { res } = await viaGoogle(newAgent(app), sub);
    expect(res.status).toBe(409);
    expect(res.text).toContain('has not verified that address');
    expect(await accountsOf(owner.id).then((rows) => rows.map((r) => r.providerId))).toEqual(['credential']);
    expect((await database.db.selectFrom('user').select('emailVerified').where('id', '=', owner.id).executeTakeFirstOrThrow()).emailVerified).toBe(false);

    // A new person with an unverified email may register, but stays unconfirmed (and gets the confirmation mail).
    const email = unique('fresh-unverified');
    const fresh = await googlePerson({ email, email_verified: false });
    expect((await viaGoogle(newAgent(app), fresh)).res.status).toBe(303);
    expect((await database.db.selectFrom('user').select('emailVerified').where('email', '=', email).executeTakeFirstOrThrow()).emailVerified).toBe(false);
  });

  it('a verified email of an existing account links only after its password is given', async () => {
    const owner = await createUser(database.db, { email: unique('linker') });
    const sub = await googlePerson({ email: owner.email, email_verified: true });
    const agent = newAgent(app);
    const { res } = await viaGoogle(agent, sub, '/dashboard');
    expect(res.status).toBe(200);
    expect(res.text).toContain('we never connect an account by its email alone');
    // Nothing linked, nobody signed in yet.
    expect(await accountsOf(owner.id).then((rows) => rows.map((r) => r.providerId))).toEqual(['credential']);
    expect(await agent.get('/account').then((r) => r.status)).toBe(303);

    const wrong = await agent.post('/auth/providers/link').type('form').send({ _csrf: csrfTokenOf(res.text), password: 'not-the-password' }).expect(422);
    expect(wrong.text).toContain('That is not the password of this account.');
    expect(await accountsOf(owner.id).then((rows) => rows.map((r) => r.providerId))).toEqual(['credential']);

    const right = await agent.post('/auth/providers/link').type('form').send({ _csrf: csrfTokenOf(wrong.text), password: owner.password }).expect(303);
    expect(right.headers.location).toBe('/dashboard');
    expect(await accountsOf(owner.id).then((rows) => rows.map((r) => r.providerId))).toEqual(['credential', 'google']);
    expect(await agent.get('/account').then((r) => r.status)).toBe(200);
    // From now on Google signs them in directly.
    expect((await viaGoogle(newAgent(app), sub)).res.status).toBe(303);
  });

  it('or after a mailed link, opened in the same browser', async () => {
    const owner = await createUser(database.db, { email: unique('mailed') });
    const sub = await googlePerson({ email: owner.email, email_verified: true });
    const agent = newAgent(app);
    const { res } = await viaGoogle(agent, sub);
    const sent = await agent.post('/auth/providers/link/mail').type('form').send({ _csrf: csrfTokenOf(res.text) }).expect(200);
    expect(sent.text).toContain(owner.email);
    const link = linkPath(await lastMailTo(config.dataDir, owner.email), '/auth/providers/link/confirm');
    // Another browser (the link forwarded, or opened elsewhere) cannot use it.
    expect((await newAgent(app).get(link)).status).toBe(400);
    const confirm = await agent.get(link).expect(200);
    const token = new URL(link, BASE).searchParams.get('token')!;
    await agent.post('/auth/providers/link/confirm').type('form').send({ _csrf: csrfTokenOf(confirm.text), token }).expect(303);
    expect(await accountsOf(owner.id).then((rows) => rows.map((r) => r.providerId))).toEqual(['credential', 'google']);
    expect(await agent.get('/account').then((r) => r.status)).toBe(200);
    // The link is single use.
    expect((await agent.get(link)).status).toBe(400);
  });

  it('a banned person is refused through a provider too, with the reason, and the attempt is recorded', async () => {
    const email = unique('banned');
    const sub = await googlePerson({ email, email_verified: true });
    expect((await viaGoogle(newAgent(app), sub)).res.status).toBe(303);
    const user = await database.db.selectFrom('user').select('id').where('email', '=', email).executeTakeFirstOrThrow();
    await database.db.updateTable('user').set({ banned: true, banReason: 'Spam in the comments' }).where('id', '=', user.id).execute();
    const agent = newAgent(app);
    const { res } = await viaGoogle(agent, sub);
    expect(res.status).toBe(403);
    expect(res.text).toContain('Your account is suspended.');
    expect(res.text).toContain('Spam in the comments');
    expect(await agent.get('/account').then((r) => r.status)).toBe(303);
    const last = await database.db.selectFrom('loginHistory').select(['success', 'failureReason']).where('userId', '=', user.id).orderBy('createdAt', 'desc').executeTakeFirstOrThrow();
    expect(last).toEqual({ success: false, failureReason: 'banned' });
  });

  it('GitHub: registers with the primary verified email; an unverified primary stays unconfirmed', async () => {
    const email = unique('octo');
    github.person = { id: 9000 + ++n, login: 'octo', name: 'Octo Cat', emails: [{ email: 'other@example.com', primary: false, verified: true }, { email, primary: true, verified: true }] };
    expect((await viaGitHub(newAgent(app))).status).toBe(303);
    const user = await database.db.selectFrom('user').selectAll().where('email', '=', email).executeTakeFirstOrThrow();
    expect(user).toMatchObject({ firstName: 'Octo', lastName: 'Cat', emailVerified: true });
    expect(await accountsOf(user.id).then((rows) => rows.map((r) => [r.providerId, r.accountId, r.accessToken]))).toEqual([['github', String(github.person.id), null]]);

    const unverified = unique('octo-unverified');
    github.person = { id: 9000 + ++n, login: 'octo2', name: null, emails: [{ email: unverified, primary: true, verified: false }] };
    expect((await viaGitHub(newAgent(app))).status).toBe(303);
    expect(await database.db.selectFrom('user').select(['firstName', 'emailVerified']).where('email', '=', unverified).executeTakeFirstOrThrow()).toEqual({ firstName: 'octo2', emailVerified: false });
  });

  it('links and unlinks on /account/sign-in-methods, never the last way in; a password can be set by mail', async () => {
    const signedIn = await signedInAs(app, database.db, 'student');
    const page = await signedIn.agent.get('/account/sign-in-methods').expect(200);
    expect(page.text).toContain('Connect GitHub');
    // Connect GitHub while signed in: the flow comes back to this page, linked.
    github.person = { id: 9000 + ++n, login: 'linker', name: 'Lin Ker', emails: [{ email: unique('gh-linker'), primary: true, verified: true }] };
    const started = await signedIn.post('/account/sign-in-methods/github/link', {}).expect(303);
    const back = await atGitHub(started.headers.location!);
    const done = await signedIn.agent.get(callbackPath(back)).expect(303);
    expect(done.headers.location).toBe('/account/sign-in-methods');
    expect(await accountsOf(signedIn.user.id).then((rows) => rows.map((r) => r.providerId))).toEqual(['credential', 'github']);
    expect((await signedIn.agent.get('/account/sign-in-methods')).text).toContain('Disconnect GitHub');

    // The same GitHub identity cannot be connected to a second Edupeak account.
    const other = await signedInAs(app, database.db, 'student');
    const again = await other.post('/account/sign-in-methods/github/link', {}).expect(303);
    const back2 = await atGitHub(again.headers.location!);
    await other.agent.get(callbackPath(back2)).expect(303);
    expect(await accountsOf(other.user.id).then((rows) => rows.map((r) => r.providerId))).toEqual(['credential']);
    expect((await other.agent.get('/account/sign-in-methods')).text).toContain('already connected to another Edupeak account');

    await signedIn.post('/account/sign-in-methods/github/unlink', {}).expect(303);
    expect(await accountsOf(signedIn.user.id).then((rows) => rows.map((r) => r.providerId))).toEqual(['credential']);
    await signedIn.post('/account/sign-in-methods/github/unlink', {}).expect(404);

    // A person with Google only cannot disconnect it; they can ask for a password by mail.
    const email = unique('google-only');
    const sub = await googlePerson({ email, email_verified: true });
    const agent = newAgent(app);
    await viaGoogle(agent, sub);
    const methods = await agent.get('/account/sign-in-methods').expect(200);
    expect(methods.text).toContain('This is your only way to sign in');
    const refused = await agent.post('/account/sign-in-methods/google/unlink').type('form').send({ _csrf: csrfTokenOf(methods.text) }).expect(409);
    expect(refused.text).toContain('is your only way to sign in');
    await agent.post('/account/sign-in-methods/password').type('form').send({ _csrf: csrfTokenOf(methods.text) }).expect(303);
    expect(linkPath(await lastMailTo(config.dataDir, email), '/auth/reset')).toContain('token=');
  });

  it('two disconnects at once leave one way in', async () => {
    const email = unique('racer');
    const sub = await googlePerson({ email, email_verified: true });
    const agent = newAgent(app);
    await viaGoogle(agent, sub);
    const user = await database.db.selectFrom('user').select('id').where('email', '=', email).executeTakeFirstOrThrow();
    github.person = { id: 9000 + ++n, login: 'racer', name: 'Ra Cer', emails: [{ email, primary: true, verified: true }] };
    const page = await agent.get('/account/sign-in-methods');
    const link = await agent.post('/account/sign-in-methods/github/link').type('form').send({ _csrf: csrfTokenOf(page.text) }).expect(303);
    const back = await atGitHub(link.headers.location!);
    await agent.get(callbackPath(back)).expect(303);
    expect(await accountsOf(user.id).then((rows) => rows.length)).toBe(2);
    const csrf = csrfTokenOf((await agent.get('/account/sign-in-methods')).text);
    const answers = await Promise.all(['google', 'github'].map((p) => agent.post(`/account/sign-in-methods/${p}/unlink`).type('form').send({ _csrf: csrf })));
    expect(answers.map((a) => a.status).sort()).toEqual([303, 409]);
    expect(await accountsOf(user.id).then((rows) => rows.length)).toBe(1);
  });

  it('the sign-in methods page is within the page budget, in a fixed number of queries', async () => {
    const signedIn = await signedInAs(app, database.db, 'student');
    const res = await signedIn.agent.get('/account/sign-in-methods').expect(200);
    const bytes = expectWithinPageBudget(res);
    const { count } = await countQueries(database.db, () => signedIn.agent.get('/account/sign-in-methods').expect(200));
    expect(count).toBeLessThanOrEqual(6);
    console.info(`/account/sign-in-methods: ${bytes} bytes gzipped, ${count} queries`);
  });

});
