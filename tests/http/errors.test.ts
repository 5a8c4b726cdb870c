import { Router } from 'express';
import { describe, expect, it } from 'vitest';
import { HttpError } from '../../src/http/errors.ts';
import { useTestApp } from '../setup/app.ts';
import { expectWithinPageBudget } from '../setup/budget.ts';

const boom = Router();
boom.get('/test/boom', async () => {
  throw new Error('database exploded: secret internals');
});
boom.get('/test/forbidden', () => {
  throw new HttpError(403, 'You may not do that.');
});

describe('error pages', () => {
  const t = useTestApp({ extraRoutes: boom });

  it('an unknown path gets the 404 page, inside the layout', async () => {
    const res = await t.request().get('/no/such/page').expect(404);
    expect(res.text).toContain('<html lang="en">');
    expect(res.text).toContain('Page not found');
    expect(res.text).toContain('href="/"');
    expect(res.headers['vary']).toMatch(/HX-Request/i);
    expectWithinPageBudget(res);
  });

  it('an htmx request gets the 404 fragment alone', async () => {
    const res = await t.request().get('/no/such/page').set('HX-Request', 'true').expect(404);
    expect(res.text).not.toContain('<html');
    expect(res.text).toContain('Page not found');
  });

  it('a route that throws gives the 500 page, no internals, and an error_log row', async () => {
    const res = await t.request().get('/test/boom').expect(500);
    expect(res.text).toContain('Something went wrong');
    expect(res.text).not.toContain('secret internals');
    expect(res.text).not.toMatch(/at .*\.ts:\d+/);
    const row = await t.db.selectFrom('errorLog').selectAll().where('endpoint', '=', '/test/boom').executeTakeFirstOrThrow();
    expect(row).toMatchObject({ statusCode: 500, method: 'GET', errorType: 'Error', message: 'database exploded: secret internals' });
    expect(row.stack).toContain('errors.test.ts');
  });

  it('the 500 fragment for htmx is a fragment too', async () => {
    const res = await t.request().get('/test/boom').set('HX-Request', 'true').expect(500);
    expect(res.text).not.toContain('<html');
    expect(res.text).toContain('Something went wrong');
  });

  it('a 4xx is shown with its message and not logged as an error', async () => {
    const before = await t.db.selectFrom('errorLog').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    const res = await t.request().get('/test/forbidden').expect(403);
    expect(res.text).toContain('You may not do that.');
    const after = await t.db.selectFrom('errorLog').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);
  });

  it('a malformed body is a 400, not a 500', async () => {
    await t.request().post('/').type('form').send('a=%E0%A4%A').expect((res) => expect(res.status).toBeLessThan(500));
  });
});
