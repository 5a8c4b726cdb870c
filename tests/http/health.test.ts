import supertest from 'supertest';
import { describe, expect, it } from 'vitest';
import { createDatabase } from '../../src/db/database.ts';
import { buildTestApp, useTestApp } from '../setup/app.ts';
import { freePort } from '../setup/postgres.ts';

describe('health checks', () => {
  const t = useTestApp();

  it('/healthz says the process is alive', async () => {
    const res = await t.request().get('/healthz').expect(200);
    expect(res.body).toEqual({ status: 'ok' });
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('/readyz checks the database', async () => {
    const res = await t.request().get('/readyz').expect(200);
    expect(res.body).toEqual({ status: 'ok', database: 'ok' });
  });

  it('/readyz answers 503 when the database cannot be reached', async () => {
    const unreachable = createDatabase({ connectionString: `postgres://nobody@127.0.0.1:${await freePort()}/none`, max: 1 });
    try {
      const res = await supertest(buildTestApp(unreachable)).get('/readyz').expect(503);
      expect(res.body).toEqual({ status: 'unavailable', database: 'unreachable' });
    } finally {
      await unreachable.destroy();
    }
  });
});
