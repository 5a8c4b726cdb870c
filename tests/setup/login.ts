import type { Express } from 'express';
import supertest from 'supertest';

/**
 * A supertest agent signed in through the real sign-in form (GET for the CSRF token, then POST),
 * keeping its cookies for the requests that follow. The sign-in route lands with the Accounts
 * issue; until then nothing calls this.
 */
export async function signedInAgent(app: Express, credentials: { email: string; password: string }) {
  const agent = supertest.agent(app);
  const form = await agent.get('/auth/login');
  const csrf = /name="_csrf" value="([^"]+)"/.exec(form.text)?.[1];
  if (!csrf) throw new Error(`no CSRF token on /auth/login (status ${form.status})`);
  const res = await agent.post('/auth/login').type('form').send({ ...credentials, _csrf: csrf });
  if (res.status !== 303) throw new Error(`sign-in as ${credentials.email} failed: ${res.status}`);
  return agent;
}

/** The CSRF token of the page an agent fetched, for the form post that follows. */
export function csrfTokenOf(html: string): string {
  const token = /name="csrf-token" content="([^"]+)"/.exec(html)?.[1] ?? /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
  if (!token) throw new Error('no CSRF token on the page');
  return token;
}
