import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, freePorts } from '../setup/postgres.ts';

/**
 * The real process, as `npm start` runs it: config -> embedded PostgreSQL -> migrations -> demo
 * data -> listen; then SIGTERM, a crash (SIGKILL) and bad configuration.
 */

const root = fileURLToPath(new URL('../../', import.meta.url));

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function startServer(env: NodeJS.ProcessEnv): Started {
  const cleanEnv = { ...process.env };
  for (const key of ['DATABASE_URL', 'TEST_DATABASE_URL', 'NODE_ENV', 'SESSION_SECRET', 'PORT', 'BASE_URL']) delete cleanEnv[key];
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: root,
    env: { ...cleanEnv, NODE_ENV: 'development', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

async function waitFor(started: Started, pattern: RegExp, timeoutMs = 60_000): Promise<number> {
  const begin = Date.now();
  while (!pattern.test(started.output())) {
    if (started.child.exitCode !== null) throw new Error(`server exited early:\n${started.output()}`);
    if (Date.now() - begin > timeoutMs) throw new Error(`timed out waiting for ${pattern}:\n${started.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return Date.now() - begin;
}

describe('the server process', () => {
  let dataDir: string;
  let env: NodeJS.ProcessEnv;
  const timings: Record<string, number> = {};

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'edupeak-process-'));
    const [port, pgPort] = (await freePorts(2)) as [number, number];
    env = { DATA_DIR: dataDir, PORT: String(port), EMBEDDED_PG_PORT: String(pgPort) };
  });
  afterAll(() => {
    console.info(`server start times (ms): ${JSON.stringify(timings)}`);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('first start: creates the database, adds demo data, serves the home page, stops on SIGTERM', async () => {
    const server = startServer(env);
    timings.first = await waitFor(server, /running at/);
    expect(server.output()).toContain('demo data added');
    expect(server.output()).toContain('student@example.com');
    const home = await fetch(`http://127.0.0.1:${env.PORT}/`);
    expect(home.status).toBe(200);
    expect(await home.text()).toContain('Web Basics on Any Connection');
    server.child.kill('SIGTERM');
    expect(await server.exited, server.output()).toBe(0);
    expect(existsSync(path.join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);
  }, 90_000);

  it('warm start: keeps the data and adds nothing; SIGINT stops it cleanly too', async () => {
    // No video worker from here on: the first start stopped one mid-transcode (above). This case
    // exited 1 twice beside the whole suite (never alone, nor under a synthetic load in 9 tries);
    // the server's output now goes with the assertion, to tell why if it happens again.
    const server = startServer({ ...env, VIDEO_WORKERS: '0' });
    timings.warm = await waitFor(server, /running at/);
    expect(server.output()).not.toContain('demo data added');
    server.child.kill('SIGINT');
    expect(await server.exited, server.output()).toBe(0);
    expect(existsSync(path.join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);
  }, 60_000);

  it('recovers after a crash that left PostgreSQL and postmaster.pid behind', async () => {
    const crashed = startServer(env);
    await waitFor(crashed, /running at/);
    crashed.child.kill('SIGKILL');
    await crashed.exited;
    expect(existsSync(path.join(dataDir, 'postgres', 'postmaster.pid'))).toBe(true);

    const server = startServer(env);
    timings.afterCrash = await waitFor(server, /running at/);
    expect((await fetch(`http://127.0.0.1:${env.PORT}/readyz`)).status).toBe(200);
    server.child.kill('SIGTERM');
    expect(await server.exited, server.output()).toBe(0);
    expect(existsSync(path.join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);
  }, 90_000);

  it('a bad value stops start-up with one line naming the variable', async () => {
    const server = startServer({ ...env, PORT: 'eighty' });
    expect(await server.exited).toBe(1);
    expect(server.output().trim().split('\n')).toHaveLength(1);
    expect(server.output()).toMatch(/^PORT: /);
    // A tsx start-up (type-stripping the sources) took over 20 s once beside the whole suite on a loaded machine.
  }, 60_000);

  it('production without SESSION_SECRET refuses to start', async () => {
    const server = startServer({ ...env, NODE_ENV: 'production', BASE_URL: 'https://edupeak.example' });
    expect(await server.exited).toBe(1);
    expect(server.output()).toMatch(/^SESSION_SECRET: required in production/);
    // A tsx process starting on a busy 2-core machine: 20 s was not always enough.
  }, 60_000);

  it('a taken database port gives a clear message', async () => {
    const blocker = net.createServer();
    const port = await freePort();
    await new Promise<void>((resolve) => blocker.listen(port, '127.0.0.1', resolve));
    try {
      const server = startServer({ ...env, EMBEDDED_PG_PORT: String(port) });
      expect(await server.exited).toBe(1);
      expect(server.output()).toContain(`EMBEDDED_PG_PORT: port ${port} is already in use`);
    } finally {
      blocker.close();
    }
    // As above: tsx starting on a busy 2-core machine took 30 s in a clean run.
  }, 60_000);

  it('a taken HTTP port gives a clear message and leaves no database running', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(Number(env.PORT), resolve));
    try {
      const server = startServer(env);
      expect(await server.exited).toBe(1);
      expect(server.output()).toContain(`PORT: port ${env.PORT} is already in use`);
      expect(existsSync(path.join(dataDir, 'postgres', 'postmaster.pid'))).toBe(false);
    } finally {
      blocker.close();
    }
  }, 60_000);
});
