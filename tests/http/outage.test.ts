import net from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import supertest from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { createDatabase, type Database } from '../../src/db/database.ts';
import { buildAssetManifest } from '../../src/http/assets.ts';
import { isDatabaseUnavailable } from '../../src/http/outage.ts';
import { testConfig } from '../setup/app.ts';
import { useTestDatabase } from '../setup/database.ts';
import { freePort } from '../setup/postgres.ts';
import { signedInAs } from '../setup/users.ts';

/**
 * A database outage answered 500 with a stack trace logged per request. Now: 503, Retry-After and a
 * page saying the site will be back; one log line when the outage begins and one when it is over.
 */

const assets = buildAssetManifest();

function capturingLogger() {
  const lines: Array<{ level: number; msg: string; req?: unknown }> = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  const logger = pino({ level: 'info' }, stream);
  return {
    logger,
    lines,
    /** Lines of our own, not pino-http's one line per request. */
    own: () => lines.filter((line) => line.req === undefined),
    starts: () => lines.filter((line) => line.msg.startsWith('database unavailable')),
    ends: () => lines.filter((line) => line.msg.startsWith('database is back')),
  };
}

/** A TCP proxy in front of PostgreSQL that can be taken down (connections cut, port closed) and up again. */
function tcpProxy(targetPort: number) {
  const sockets = new Set<net.Socket>();
  let server: net.Server | undefined;
  let port = 0;
  return {
    get port() {
      return port;
    },
    async up() {
      server = net.createServer((client) => {
        const upstream = net.connect(targetPort, '127.0.0.1');
        for (const socket of [client, upstream]) {
          sockets.add(socket);
          socket.on('close', () => sockets.delete(socket));
          socket.on('error', () => {});
        }
        client.pipe(upstream).pipe(client);
      });
      await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', resolve));
      port = (server.address() as net.AddressInfo).port;
    },
    async down() {
      const closed = new Promise((resolve) => server!.close(resolve));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

const withPort = (url: string, port: number) => {
  const parsed = new URL(url);
  parsed.hostname = '127.0.0.1';
  parsed.port = String(port);
  return parsed.toString();
};

async function until(check: () => boolean, timeoutMs = 15_000) {
  const began = Date.now();
  while (!check()) {
    if (Date.now() - began > timeoutMs) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function expectOutagePage(res: supertest.Response) {
  expect(res.status).toBe(503);
  expect(res.headers['retry-after']).toBe('30');
  expect(res.headers['cache-control']).toBe('no-store');
  expect(res.text).toContain('Edupeak is briefly unavailable; it will be back shortly.');
  expect(res.text).not.toMatch(/ECONNREFUSED|terminated|at .*\.ts:\d+/);
}

describe('a database nobody can reach', () => {
  let dead: Database;
  const log = capturingLogger();
  beforeAll(async () => {
    dead = createDatabase({ connectionString: `postgres://edupeak:nothing@127.0.0.1:${await freePort()}/gone`, max: 3 });
  });
  afterAll(() => dead.destroy());

  it('GET / and GET /courses answer 503 with Retry-After and a page that says the site will be back', async () => {
    const app = createApp({ config: testConfig(), db: dead, logger: log.logger, assets });
    const request = supertest(app);
    expectOutagePage(await request.get('/'));
    expectOutagePage(await request.get('/courses'));
    const fragment = await request.get('/courses?q=web').set('HX-Request', 'true');
    expectOutagePage(fragment);
    expect(fragment.text).not.toContain('<html');

    // 20 requests in all, 10 of them at once: one outage line, no error line per request.
    for (let i = 0; i < 7; i++) expectOutagePage(await request.get(i % 2 ? '/' : '/courses'));
    for (const res of await Promise.all(Array.from({ length: 10 }, () => request.get('/')))) expectOutagePage(res);
    expect(log.starts()).toHaveLength(1);
    expect(log.own()).toEqual(log.starts());
    expect(log.lines.filter((line) => line.msg === 'request failed' || line.msg === 'could not write error_log')).toEqual([]);
  });
});

describe('an outage and its end', () => {
  const t = useTestDatabase();
  const log = capturingLogger();
  let proxy: ReturnType<typeof tcpProxy>;
  let db: Database;
  let app: ReturnType<typeof createApp>;
  beforeAll(async () => {
    proxy = tcpProxy(Number(new URL(t.url).port));
    await proxy.up();
    db = createDatabase({ connectionString: withPort(t.url, proxy.port), max: 3 });
    app = createApp({ config: testConfig(), db, logger: log.logger, assets });
  });
  afterAll(() => db.destroy());

  it('a signed-in visitor (the session store fails first) gets 503; one line when it begins, one when it is over; a new outage logs again', async () => {
    const me = await signedInAs(app, t.db, 'student');
    await me.agent.get('/dashboard').expect(200);

    await proxy.down();
    for (let i = 0; i < 10; i++) expectOutagePage(await me.agent.get(i % 2 ? '/dashboard' : '/'));
    expect(log.starts()).toHaveLength(1);
    expect(log.ends()).toHaveLength(0);

    await proxy.up();
    await until(() => log.ends().length === 1);
    await me.agent.get('/dashboard').expect(200);
    expect(log.ends()[0]).toMatchObject({ failedRequests: 10 });

    await proxy.down();
    expectOutagePage(await me.agent.get('/dashboard'));
    expect(log.starts()).toHaveLength(2);
    await proxy.up();
    await until(() => log.ends().length === 2);
    await me.agent.get('/dashboard').expect(200);
    expect(log.own()).toHaveLength(4);
  });

});

describe('what counts as the database being unreachable', () => {
  it.each([
    ['connection refused', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })],
    ['every address refused', new AggregateError([Object.assign(new Error('a'), { code: 'ECONNREFUSED' }), Object.assign(new Error('b'), { code: 'ECONNREFUSED' })])],
    ['the server shutting down', Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' })],
    ['the server starting up', Object.assign(new Error('the database system is starting up'), { code: '57P03' })],
    ['too many connections', Object.assign(new Error('sorry, too many clients already'), { code: '53300' })],
    ['a connection exception', Object.assign(new Error('connection failure'), { code: '08006' })],
    ['the pool timing out', new Error('timeout exceeded when trying to connect')],
    ['a connection cut', new Error('Connection terminated unexpectedly')],
    ['wrapped', new Error('query failed', { cause: new Error('Connection terminated due to connection timeout') })],
  ])('%s', (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it.each([
    ['a bug', new Error('column "x" does not exist')],
    ['a protocol violation (our bug)', Object.assign(new Error('bind message supplies 1 parameters'), { code: '08P01' })],
    ['a deadlock', Object.assign(new Error('deadlock detected'), { code: '40P01' })],
    ['a storage (AWS SDK) error', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET', $metadata: {} })],
  ])('not %s', (_name, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
  });
});
