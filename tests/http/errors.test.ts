import { Router } from 'express';
import { describe, expect, it } from 'vitest';
import { HttpError } from '../../src/http/errors.ts';
import { useTestApp } from '../setup/app.ts';
import { expectWithinPageBudget } from '../setup/budget.ts';

const boom = Router();
boom.get('/test/boom', async () => {
  throw new Error('database exploded: secret internals');
});
boom.get('/test/repeat/:name', (req) => {
  throw new Error(`repeatable failure: ${req.params.name}`);
});
boom.get('/test/forbidden', () => {
  throw new HttpError(403, 'You may not do that.');
});

describe('error pages', () => {
  const t = useTestApp({ extraRoutes: boom });

  it('an unknown path gets the 404 page, inside the layout', async () => {
    const res = await t.request().get('/no/such/page').expect(404);
    expect(res.text).toContain('<html lang="en" dir="ltr">');
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

  describe('error_log is capped: a repeat within a minute counts up one row', () => {
    const rowsOf = (name: string) =>
      t.db.selectFrom('errorLog').selectAll().where('message', '=', `repeatable failure: ${name}`).orderBy('createdAt').execute();

    it('50 identical 500s in a row make one row with occurrences 50', async () => {
      for (let i = 0; i < 50; i++) await t.request().get('/test/repeat/serial').expect(500);
      const rows = await rowsOf('serial');
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ occurrences: 50, statusCode: 500, endpoint: '/test/repeat/serial' });
      expect(rows[0]!.lastSeenAt.getTime()).toBeGreaterThan(rows[0]!.createdAt.getTime());
    });

    it('50 identical 500s in parallel make one row with occurrences 50 too', async () => {
      const answers = await Promise.all(Array.from({ length: 50 }, () => t.request().get('/test/repeat/parallel')));
      expect(answers.map((res) => res.status)).toEqual(Array(50).fill(500));
      const rows = await rowsOf('parallel');
      expect(rows.map((row) => row.occurrences)).toEqual([50]);
    });

    it('another message is a row of its own', async () => {
      await t.request().get('/test/repeat/first').expect(500);
      await t.request().get('/test/repeat/second').expect(500);
      await t.request().get('/test/repeat/first').expect(500);
      expect((await rowsOf('first')).map((row) => row.occurrences)).toEqual([2]);
      expect((await rowsOf('second')).map((row) => row.occurrences)).toEqual([1]);
    });

    it('a minute after a row began, the same error starts a new row', async () => {
      await t.request().get('/test/repeat/later').expect(500);
      await t.request().get('/test/repeat/later').expect(500);
      await t.db
        .updateTable('errorLog')
        .set({ createdAt: new Date(Date.now() - 61_000) })
        .where('message', '=', 'repeatable failure: later')
        .execute();
      await t.request().get('/test/repeat/later').expect(500);
      await t.request().get('/test/repeat/later').expect(500);
      expect((await rowsOf('later')).map((row) => row.occurrences)).toEqual([2, 2]);
    });
  });
});
