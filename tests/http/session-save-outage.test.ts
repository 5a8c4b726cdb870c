import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import session from 'express-session';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createDatabase, type Database } from '../../src/db/database.ts';
import { handleErrors } from '../../src/http/errors.ts';
import { freePort } from '../setup/postgres.ts';

/**
 * The database goes away between a write's commit and the session save that follows its redirect
 * (found by tests/server/faults-postgres.test.ts, kill -9 of PostgreSQL): express-session has then
 * already sent the redirect's headers and ends the response anyway. The error handler must not cut
 * the connection and print the stack (Express's default once headers are out): the browser gets the
 * 303 of a write that did happen, and the log gets the outage's one line, not a stack per request.
 */

/** A session store whose writes fail as pg's do when PostgreSQL is gone. */
class DownStore extends session.Store {
  override get(_sid: string, callback: (err: unknown, session?: session.SessionData | null) => void) {
    callback(null, null);
  }
  override set(_sid: string, _session: session.SessionData, callback?: (err?: unknown) => void) {
    setTimeout(() => callback?.(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })), 5);
  }
  override destroy(_sid: string, callback?: (err?: unknown) => void) {
    callback?.();
  }
}

/** A raw HTTP/1.1 exchange: what arrived, and whether the server cut the connection first. */
function rawPost(port: number): Promise<{ head: string; body: string; complete: boolean }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ port, host: '127.0.0.1', method: 'POST', path: '/write', agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ head: `${res.statusCode} ${res.headers.location}`, body, complete: res.complete }));
      res.on('aborted', () => resolve({ head: `${res.statusCode}`, body, complete: false }));
      res.on('error', () => resolve({ head: `${res.statusCode}`, body, complete: false }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('a session save that fails after the response was written', () => {
  let server: http.Server;
  let dead: Database;
  beforeAll(async () => {
    dead = createDatabase({ connectionString: `postgres://x:y@127.0.0.1:${await freePort()}/gone`, max: 1 });
    const app = express();
    // As in production: Express prints the stack of an error it handles itself (not under 'test').
    app.set('env', 'production');
    app.use(session({ secret: 'test-secret-test-secret-test-secret', resave: false, saveUninitialized: false, store: new DownStore() }));
    app.post('/write', (req, res) => {
      (req.session as unknown as { flash: string }).flash = 'Saved.';
      res.redirect(303, '/done');
    });
    app.use(handleErrors({ db: dead, logger: pino({ level: 'silent' }) }));
    server = app.listen(0);
    await new Promise((resolve) => server.once('listening', resolve));
  });
  afterAll(async () => {
    server.close();
    await dead.destroy();
  });

  it('the redirect arrives whole, 20 times in a row, and no stack trace is printed', async () => {
    const { port } = server.address() as AddressInfo;
    const printed = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      for (let i = 0; i < 20; i++) {
        const res = await rawPost(port);
        expect(res).toMatchObject({ head: '303 /done', complete: true });
        expect(res.body).toContain('/done');
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(printed.mock.calls.map((call) => String(call[0]).split('\n')[0])).toEqual([]);
    } finally {
      printed.mockRestore();
    }
  });

  it('and the kept-alive connection stays usable: 20 writes in a row over one connection', async () => {
    const { port } = server.address() as AddressInfo;
    const answers: string[] = [];
    for (let i = 0; i < 20; i++) {
      try {
        const res = await fetch(`http://127.0.0.1:${port}/write`, { method: 'POST', redirect: 'manual' });
        answers.push(`${res.status} ${res.headers.get('location')} ${(await res.text()).includes('/done')}`);
      } catch (error) {
        answers.push(String((error as { cause?: { code?: string } }).cause?.code ?? error));
      }
    }
    expect(answers).toEqual(Array(20).fill('303 /done true'));
  });
});
