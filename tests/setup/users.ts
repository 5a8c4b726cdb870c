import { createHmac, randomBytes } from 'node:crypto';
import type { Express } from 'express';
import { expect } from 'vitest';
import type { Database } from '../../src/db/database.ts';
import { SESSION_COOKIE, SESSION_MAX_AGE_MS } from '../../src/http/session.ts';
import { TEST_SESSION_SECRET } from './app.ts';
import { createAdmin, createTeacher, createUser } from './factories.ts';
import { FIREFOX_LINUX, newAgent, signIn, type Agent } from './forms.ts';
import { csrfTokenOf } from './login.ts';

type Role = 'student' | 'teacher' | 'admin';
type User = Awaited<ReturnType<typeof createUser>>;

const makeUser = (db: Database, role: Role, overrides: object) =>
  (role === 'admin' ? createAdmin : role === 'teacher' ? createTeacher : createUser)(db, overrides);

/** express-session's signed cookie value: `s:<sid>.<HMAC-SHA256 of sid, base64 without padding>` (cookie-signature). */
function signedSessionCookie(sid: string, secret: string): string {
  const signature = createHmac('sha256', secret).update(sid).digest('base64').replace(/=+$/, '');
  return `${SESSION_COOKIE}=${encodeURIComponent(`s:${sid}.${signature}`)}`;
}

/**
 * Signs `user` in on `agent` without the sign-in form, as `startDeviceSession` would leave it: a
 * device row in the spec's `session` table, a cookie-session row in `http_session` pointing at it,
 * and the signed `edupeak.sid` cookie in the agent's jar. Needs the app's session secret: apps made
 * by tests/setup/app.ts all use TEST_SESSION_SECRET. Returns the cookie (`edupeak.sid=...`).
 */
export async function startSession(agent: Agent, db: Database, user: { id: string }, secret = TEST_SESSION_SECRET): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  const expiresAt = new Date(Date.now() + SESSION_MAX_AGE_MS);
  await db
    .insertInto('session')
    .values({ token, userId: user.id, expiresAt, ipAddress: '::ffff:127.0.0.1', userAgent: FIREFOX_LINUX })
    .execute();
  const sid = randomBytes(24).toString('base64url');
  // The JSON express-session writes through connect-pg-simple: the cookie's settings and our data.
  const cookie = { originalMaxAge: SESSION_MAX_AGE_MS, expires: expiresAt.toISOString(), secure: false, httpOnly: true, path: '/', sameSite: 'lax' };
  await db
    .insertInto('httpSession')
    .values({ sid, sess: JSON.stringify({ cookie, deviceToken: token }), expire: expiresAt })
    .execute();
  const value = signedSessionCookie(sid, secret);
  // supertest serves the app on 127.0.0.1; a host-only cookie for it, as the app would set.
  agent.jar.setCookie(`${value}; Path=/; HttpOnly`, '127.0.0.1', '/');
  return value;
}

async function withCsrf(agent: Agent, user: User) {
  // One GET: the session's CSRF token (csrf-sync keeps it in the session), and proof the cookie works.
  const home = await agent.get('/');
  expect(home.text, `signed in as ${user.email}`).toContain('Signed in as');
  const csrf = csrfTokenOf(home.text);
  return {
    user,
    agent,
    csrf,
    /** POSTs a urlencoded form with this session's CSRF token. */
    post: (path: string, fields: Record<string, string> = {}) => agent.post(path).type('form').send({ ...fields, _csrf: csrf }),
  };
}

/**
 * A signed-in agent of the given role, with a helper to post forms from any page. The session is
 * made directly (startSession), not through the sign-in form: tests of the form itself use `signIn`
 * (forms.ts) or `signedInThroughForm`.
 */
export async function signedInAs(app: Express, db: Database, role: Role, overrides = {}) {
  const user = await makeUser(db, role, overrides);
  const agent = newAgent(app);
  const cookie = await startSession(agent, db, user);
  return { ...(await withCsrf(agent, user)), cookie };
}

/** The same, signed in through the real form (for tests about sign-in, sessions and CSRF). */
export async function signedInThroughForm(app: Express, db: Database, role: Role, overrides = {}) {
  const user = await makeUser(db, role, overrides);
  const agent = newAgent(app);
  await signIn(agent, user.email, user.password);
  return withCsrf(agent, user);
}

export type SignedIn = Awaited<ReturnType<typeof signedInAs>> & { agent: Agent };
