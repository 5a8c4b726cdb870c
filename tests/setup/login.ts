import type { Express } from 'express';
import supertest from 'supertest';

/**
 * A supertest agent signed in through the real sign-in form (GET for the CSRF token, then POST),
 * keeping its cookies for the requests that follow.
 */
export async function signedInAgent(app: Express, credentials: { email: string; password: string }) {
  const agent = supertest.agent(app);
  const form = await agent.get('/auth/login');
  const res = await agent.post('/auth/login').type('form').send({ ...credentials, _csrf: csrfTokenOf(form.text) });
  if (res.status !== 303) throw new Error(`sign-in as ${credentials.email} failed: ${res.status}`);
  return agent;
}

/** The CSRF token on a page: the layout's meta tag, or a form's hidden field. */
export function csrfTokenOf(html: string): string {
  const token = /name="csrf-token" content="([^"]+)"/.exec(html)?.[1] ?? /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
  if (!token) throw new Error('no CSRF token on the page');
  return token;
}
