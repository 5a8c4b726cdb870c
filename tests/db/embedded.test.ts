import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedPostgres } from '../../src/db/embedded.ts';
import { freePort } from '../setup/postgres.ts';

async function query(url: string, text: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end();
  }
}

describe('embedded PostgreSQL', () => {
  let root: string;
  let directory: string;
  beforeAll(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'edupeak-embedded-'));
    directory = path.join(root, 'postgres');
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('initialises on first start only, and keeps data across restarts', async () => {
    const port = await freePort();
    const first = await startEmbeddedPostgres({ directory, port, database: 'keep' });
    expect(first.startedHere).toBe(true);
    await query(first.url, 'create table kept (v int); insert into kept values (42)');
    const initialisedAt = readFileSync(path.join(directory, 'PG_VERSION'));
    await first.stop();

    const second = await startEmbeddedPostgres({ directory, port, database: 'keep' });
    expect(readFileSync(path.join(directory, 'PG_VERSION'))).toEqual(initialisedAt);
    expect(await query(second.url, 'select v from kept')).toEqual([{ v: 42 }]);
    // Listens on loopback only.
    expect(await query(second.url, 'show listen_addresses')).toEqual([{ listen_addresses: '127.0.0.1' }]);
    await second.stop();
  }, 60_000);

  it('starts although postmaster.pid names a live process that is not PostgreSQL (a reused pid)', async () => {
    writeFileSync(path.join(directory, 'postmaster.pid'), `${process.pid}\n${directory}\n0\n5999\n`);
    const server = await startEmbeddedPostgres({ directory, port: await freePort(), database: 'keep' });
    expect(await query(server.url, 'select v from kept')).toEqual([{ v: 42 }]);
    await server.stop();
  }, 60_000);

  it('shares a server that another process of ours is running instead of starting a second', async () => {
    const running = await startEmbeddedPostgres({ directory, port: await freePort(), database: 'keep' });
    const shared = await startEmbeddedPostgres({ directory, port: await freePort(), database: 'other' });
    expect(shared.startedHere).toBe(false);
    expect(new URL(shared.url).port).toBe(new URL(running.url).port);
    expect(await query(shared.url, 'select current_database() as db')).toEqual([{ db: 'other' }]);
    await shared.stop(); // leaves it running for its owner
    expect(await query(running.url, 'select 1 as ok')).toEqual([{ ok: 1 }]);
    await running.stop();
  }, 60_000);

  it('loading it keeps the process exit code (a failing test run must not exit 0)', () => {
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const child = spawnSync(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', "await import('./src/db/embedded.ts'); process.exitCode = 3;"],
      { cwd: root, encoding: 'utf8' },
    );
    expect(child.stderr).toBe('');
    expect(child.status).toBe(3);
  });
});
