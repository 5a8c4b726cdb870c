import type { Express } from 'express';
import supertest from 'supertest';
import { expect } from 'vitest';
import { csrfTokenOf } from './login.ts';

export type Agent = ReturnType<typeof supertest.agent>;

export const FIREFOX_LINUX = 'Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0';
export const CHROME_ANDROID = 'Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0 Mobile Safari/537.36';

export function newAgent(app: Express, userAgent = FIREFOX_LINUX): Agent {
  return supertest.agent(app).set('User-Agent', userAgent);
}

/** GETs `page` (for its CSRF token, as a browser would), then POSTs the form to `action`. */
export async function submitForm(agent: Agent, page: string, action: string, fields: Record<string, string>) {
  const form = await agent.get(page);
  expect(form.status, `GET ${page}`).toBeLessThan(400);
  return agent.post(action).type('form').send({ ...fields, _csrf: csrfTokenOf(form.text) });
}

/** The session cookie a response set, if any: `edupeak.sid=<value>`. */
export function sessionCookieOf(res: { headers: Record<string, unknown> }): string | undefined {
  const cookies = (res.headers['set-cookie'] as string[] | undefined) ?? [];
  return cookies.map((c) => c.split(';')[0]!).find((c) => c.startsWith('edupeak.sid='));
}

/** Signs in through the form; returns the agent, now carrying the session cookie. */
export async function signIn(agent: Agent, email: string, password: string, next?: string) {
  const res = await submitForm(agent, '/auth/login', '/auth/login', { email, password, ...(next ? { next } : {}) });
  expect(res.status, `sign-in as ${email}: ${res.text.slice(0, 200)}`).toBe(303);
  return res;
}

/** Whether the agent is signed in, judged as a user would: by the page header. */
export async function isSignedIn(agent: Agent): Promise<boolean> {
  const res = await agent.get('/');
  return res.text.includes('Signed in as');
}
