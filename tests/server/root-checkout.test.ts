import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedPostgresError, startEmbeddedPostgres } from '../../src/db/embedded.ts';
import { freePort, freePorts } from '../setup/postgres.ts';

/**
 * As a new user on a fresh server would: root, a checkout in a private folder (mode 700, like
 * /root or `mktemp -d`), then the README's two commands. The `postgres` user that PostgreSQL runs
 * as cannot enter that folder, so binaries and cluster must be put where it can.
 */

const root = fileURLToPath(new URL('../../', import.meta.url));
const isRoot = process.getuid?.() === 0;

interface Running {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Running {
  const clean = { ...process.env };
  for (const key of ['DATABASE_URL', 'TEST_DATABASE_URL', 'NODE_ENV', 'SESSION_SECRET', 'PORT', 'BASE_URL', 'DATA_DIR', 'VITEST', 'VITEST_POOL_ID', 'VITEST_WORKER_ID']) delete clean[key];
  const child = spawn(command, args, { cwd, env: { ...clean, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  return { child, output: () => out, exited: new Promise((resolve) => child.on('exit', (code) => resolve(code))) };
}

async function waitFor(running: Running, pattern: RegExp, timeoutMs = 90_000): Promise<void> {
  const begin = Date.now();
  while (!pattern.test(running.output())) {
    if (running.child.exitCode !== null) throw new Error(`exited early:\n${running.output()}`);
    if (Date.now() - begin > timeoutMs) throw new Error(`timed out waiting for ${pattern}:\n${running.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.skipIf(!isRoot)('as root, from a checkout in a private folder', () => {
  let privateDir: string;
  let checkout: string;
  let runtimeDir: string;

  beforeAll(() => {
    // mkdtemp makes mode 700 folders: exactly what the postgres user cannot enter.
    privateDir = mkdtempSync(path.join(os.tmpdir(), 'edupeak-private-'));
    expect(statSync(privateDir).mode & 0o777).toBe(0o700);
    checkout = path.join(privateDir, 'edupeak');
    for (const entry of ['src', 'seeds', 'migrations', 'views', 'public', 'tests', 'package.json', 'tsconfig.json', 'vitest.config.ts']) {
      cpSync(path.join(root, entry), path.join(checkout, entry), { recursive: true });
    }
    // node_modules as hard links: a real tree of files under the private folder, made in a second.
    const copied = spawnSync('cp', ['-al', path.join(root, 'node_modules'), path.join(checkout, 'node_modules')]);
    expect(copied.status, String(copied.stderr)).toBe(0);
    // The copies of binaries and clusters go to a folder of this test's own (the default is /var/lib/edupeak).
    runtimeDir = mkdtempSync(path.join(os.tmpdir(), 'edupeak-runtime-'));
    chmodSync(runtimeDir, 0o755);
  });
  afterAll(() => {
    rmSync(privateDir, { recursive: true, force: true });
    rmSync(runtimeDir, { recursive: true, force: true });
  });

  it('npm start works: serves /healthz, stops cleanly, and starts again on the same data', async () => {
    // No video worker: the demo's transcodes would only load the machine (process.test.ts covers
    // the worker's start and shutdown, tests/video/ the transcoding).
    const [port, pgPort] = (await freePorts(2)) as [number, number];
    const env = { PORT: String(port), EMBEDDED_PG_PORT: String(pgPort), EMBEDDED_PG_RUNTIME_DIR: runtimeDir, LOG_LEVEL: 'warn', NODE_ENV: 'development', VIDEO_WORKERS: '0' };
    const start = () => run(process.execPath, ['--import', 'tsx', 'src/server.ts'], checkout, env);

    const first = start();
    await waitFor(first, /Edupeak is running at/);
    expect(first.output()).toContain('(demo data added)');
    const health = await fetch(`http://127.0.0.1:${env.PORT}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    // No stack trace, no permission error: only the lines a person is meant to read.
    expect(first.output()).not.toMatch(/EACCES|Error:|^\s+at .+:\d+:\d+\)?$/m);

    // DATA_DIR stays where the person expects it; the cluster it points at is reachable.
    const link = path.join(checkout, 'data', 'postgres');
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readlinkSync(link).startsWith(path.join(runtimeDir, 'clusters'))).toBe(true);
    expect(existsSync(path.join(link, 'PG_VERSION'))).toBe(true);

    const second = start();
    await waitFor(second, /Edupeak is running at/);
    expect(second.output()).not.toContain('(demo data added)');
    expect((await fetch(`http://127.0.0.1:${env.PORT}/courses`)).status).toBe(200);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  }, 180_000);

  it('npm test works: the suite\'s own embedded server starts from there too', async () => {
    const suite = run(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', 'tests/http/health.test.ts'], checkout, {
      EMBEDDED_PG_RUNTIME_DIR: runtimeDir,
      CI: '',
      NO_COLOR: '1',
    });
    const code = await suite.exited;
    expect(code, suite.output().slice(-3000)).toBe(0);
    expect(suite.output()).toMatch(/Tests\s+\S*\s*\d+ passed/);
    expect(suite.output()).not.toContain('EACCES');
  }, 180_000);
});

describe.skipIf(!isRoot)('as root, what cannot work says so in one line', () => {
  it('a cluster already inside a private folder, or a runtime folder that cannot be made, is one clear line', async () => {
    const privateDir = mkdtempSync(path.join(os.tmpdir(), 'edupeak-private-'));
    try {
      const directory = path.join(privateDir, 'data', 'postgres');
      mkdirSync(directory, { recursive: true });
      writeFileSync(path.join(directory, 'PG_VERSION'), '18\n');
      const held = await startEmbeddedPostgres({ directory, port: await freePort(), database: 'x', runtimeDir: privateDir }).catch((e: unknown) => e);
      expect(held).toBeInstanceOf(EmbeddedPostgresError);
      expect((held as Error).message).toMatch(/^DATA_DIR: .* holds a PostgreSQL cluster that the "postgres" user cannot reach/);
      expect((held as Error).message).not.toContain('\n');

      const fresh = path.join(privateDir, 'other', 'postgres');
      // A runtime folder that cannot be made: its parent is a file.
      const notAFolder = path.join(os.tmpdir(), `edupeak-not-a-folder-${process.pid}`);
      writeFileSync(notAFolder, '');
      const noRuntime = await startEmbeddedPostgres({ directory: fresh, port: await freePort(), database: 'x', runtimeDir: path.join(notAFolder, 'runtime') }).catch((e: unknown) => e);
      rmSync(notAFolder);
      expect(noRuntime).toBeInstanceOf(EmbeddedPostgresError);
      expect((noRuntime as Error).message).toMatch(/^DATA_DIR: .*EMBEDDED_PG_RUNTIME_DIR/);
      expect((noRuntime as Error).message).not.toContain('\n');
    } finally {
      rmSync(privateDir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(isRoot)('as root, from a checkout in a private folder', () => {
  it('is skipped: this machine does not run the tests as root, so the postgres user never comes into play', () => {
    expect(isRoot).toBe(false);
  });
});
