import { beforeEach, describe, expect, it } from 'vitest';
import { safeNext } from '../../src/http/forms.ts';
import { useTestApp } from '../setup/app.ts';
import { createUser } from '../setup/factories.ts';
import { newAgent } from '../setup/forms.ts';
import { csrfTokenOf } from '../setup/login.ts';
import { signedInThroughForm } from '../setup/users.ts';

/**
 * `?next=` may only lead to a path on this site. Each value below is resolved as a browser resolves
 * a Location header (WHATWG URL parsing against our origin): it must stay on our origin.
 */
const ORIGIN = 'http://edupeak.test';
const HOSTILE = [
  '//evil.example',
  '/.//evil.example',
  '/..//evil.example',
  '/a/..//evil.example',
  '/%2e//evil.example',
  '/%2e%2e//evil.example',
  '/%2E%2E//evil.example',
  '/./%2e/..//evil.example',
  '/\\evil.example',
  '\\/evil.example',
  '/\\/evil.example',
  '/\t/evil.example',
  '/%09/evil.example',
  '/\n/evil.example',
  '/\r\n/evil.example',
  '/ /evil.example',
  'https://evil.example',
  'http:evil.example',
  'javascript:alert(1)',
  '/%5c%5cevil.example',
  '/%2f%2fevil.example',
  '/.%2e//evil.example',
  '/..%2f/evil.example',
  '///evil.example',
  '/\u0000/evil.example',
  'evil.example',
];

const staysHome = (location: string | undefined) => {
  expect(location, 'a redirect').toBeDefined();
  // A browser would also drop tabs/newlines and read backslashes as slashes: do the same.
  const asBrowser = location!.replace(/[\t\n\r]/g, '').replace(/\\/g, '/');
  expect(new URL(asBrowser, ORIGIN).origin, `Location ${JSON.stringify(location)}`).toBe(ORIGIN);
  expect(asBrowser.startsWith('//'), `Location ${JSON.stringify(location)}`).toBe(false);
};

describe('?next= never leaves the site', () => {
  it('safeNext keeps local paths and refuses every hostile value', () => {
    for (const value of HOSTILE) {
      const result = safeNext(value, '/fallback');
      staysHome(result);
    }
    // The exact ones the probe found fall back to the default.
    for (const value of ['/.//evil.example', '/..//evil.example', '/a/..//evil.example', '/%2e//evil.example', '/%2e%2e//evil.example']) {
      expect(safeNext(value, '/fallback')).toBe('/fallback');
    }
    expect(safeNext('/courses?q=a#b')).toBe('/courses?q=a#b');
    expect(safeNext('/learn/x/../y')).toBe('/learn/y');
    expect(safeNext('/dashboard', '')).toBe('/dashboard');
  });

  const t = useTestApp();
  beforeEach(async () => {
    await t.db.deleteFrom('rateLimit').execute();
  });

  it('signed in, GET /auth/login?next= redirects only within the site', async () => {
    const { agent } = await signedInThroughForm(t.app, t.db, 'student');
    for (const value of HOSTILE) {
      const res = await agent.get('/auth/login').query({ next: value });
      // Control characters are refused at the edge (control-characters.test.ts): no redirect at all.
      if (/[\u0000-\u0008\u000a-\u001f]/.test(value)) expect(res.status).toBe(400);
      else {
        expect(res.status).toBe(303);
        staysHome(res.headers.location);
      }
    }
  });

  it('signed out, the sign-in and register forms carry only a local next, and POST /auth/login redirects within the site', async () => {
    const user = await createUser(t.db);
    for (const value of HOSTILE) {
      for (const page of ['/auth/login', '/auth/register']) {
        const form = await t.request().get(page).query({ next: value });
        const hidden = /name="next" value="([^"]*)"/.exec(form.text)?.[1] ?? '';
        if (hidden) staysHome(hidden.replace(/&amp;/g, '&').replace(/&#39;/g, "'").replace(/&quot;/g, '"'));
      }
      // Whatever the form carried, a crafted POST is judged again.
      const agent = newAgent(t.app);
      const form = await agent.get('/auth/login');
      const res = await agent.post('/auth/login').type('form').send({ email: user.email, password: user.password, next: value, _csrf: csrfTokenOf(form.text) });
      if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/.test(value)) expect(res.status).toBe(422);
      else {
        expect(res.status, `POST next=${JSON.stringify(value)}`).toBe(303);
        staysHome(res.headers.location);
      }
    }
  });

  it('a local next is followed after sign-in', async () => {
    const user = await createUser(t.db);
    const agent = newAgent(t.app);
    const form = await agent.get('/auth/login?next=%2Fdashboard%3Ftab%3D1');
    expect(form.text).toContain('name="next" value="/dashboard?tab=1"');
    const res = await agent.post('/auth/login').type('form').send({ email: user.email, password: user.password, next: '/dashboard?tab=1', _csrf: csrfTokenOf(form.text) });
    expect(res.headers.location).toBe('/dashboard?tab=1');
  });
});
