import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePorts } from '../setup/postgres.ts';

/**
 * `npm start` under a process manager: a container runtime or systemd signals the process it
 * started (npm), not the node process under it. The signal must stop the app and its embedded
 * PostgreSQL; and when npm dies without passing anything on (SIGKILL), the app stops by itself.
 */

const root = fileURLToPath(new URL('../../', import.meta.url));

/** Every process whose command line names this run's data directory, or its parent chain. */
function processesMentioning(text: string): string[] {
  const out = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return out.split('\n').filter((line) => line.includes(text));
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const begin = Date.now();
  while (!check()) {
    if (Date.now() - begin > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface Started {
  npm: ChildProcess;
  output: () => string;
  exited: Promise<NodeJS.Signals | number | null>;
  dataDir: string;
  port: number;
}

async function npmStart(): Promise<Started> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'edupeak-npm-start-'));
  const [port, pgPort] = (await freePorts(2)) as [number, number];
  const env = { ...process.env };
  for (const key of ['DATABASE_URL', 'TEST_DATABASE_URL', 'NODE_ENV', 'SESSION_SECRET', 'PORT', 'BASE_URL']) delete env[key];
  const npm = spawn('npm', ['start'], {
    cwd: root,
    // No video worker: the demo's transcodes would only load the machine (process.test.ts covers
    // the worker's start and shutdown, tests/video/ the transcoding).
    env: { ...env, NODE_ENV: 'development', LOG_LEVEL: 'warn', VIDEO_WORKERS: '0', DATA_DIR: dataDir, PORT: String(port), EMBEDDED_PG_PORT: String(pgPort) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  npm.stdout!.on('data', (d) => (out += d));
  npm.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => npm.on('exit', (code, signal) => resolve(code ?? signal)));
  await until(() => /running at/.test(out) || npm.exitCode !== null, 90_000, `npm start:\n${out}`);
  if (!/running at/.test(out)) throw new Error(`npm start failed:\n${out}`);
  return { npm, output: () => out, exited, dataDir, port };
}

function postgresPid(dataDir: string): number {
  return Number(readFileSync(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]);
}

describe('npm start under a process manager', () => {
  const dirs: string[] = [];
  beforeAll(() => {
    // The npm on PATH is the one a user runs.
    execFileSync('npm', ['--version']);
  });
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`${signal} to the npm process stops the app and its PostgreSQL`, async () => {
      const started = await npmStart();
      dirs.push(started.dataDir);
      const pg = postgresPid(started.dataDir);
      expect(pidAlive(pg)).toBe(true);
      expect((await fetch(`http://127.0.0.1:${started.port}/healthz`)).status).toBe(200);

      started.npm.kill(signal);
      await started.exited;
      await until(() => !pidAlive(pg), 15_000, 'PostgreSQL to stop');
      expect(existsSync(path.join(started.dataDir, 'postgres', 'postmaster.pid'))).toBe(false);
      expect(processesMentioning(started.dataDir)).toEqual([]);
      await expect(fetch(`http://127.0.0.1:${started.port}/healthz`)).rejects.toThrow();
    }, 120_000);
  }

  it('when npm is killed outright (SIGKILL), the app notices and stops with its PostgreSQL', async () => {
    const started = await npmStart();
    dirs.push(started.dataDir);
    const pg = postgresPid(started.dataDir);
    started.npm.kill('SIGKILL');
    await started.exited;
    await until(() => !pidAlive(pg), 20_000, 'PostgreSQL to stop');
    expect(existsSync(path.join(started.dataDir, 'postgres', 'postmaster.pid'))).toBe(false);
    await until(() => processesMentioning(started.dataDir).length === 0, 5_000, 'no process left');
  }, 120_000);
});
