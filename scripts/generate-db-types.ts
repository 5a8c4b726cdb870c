import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * `npm run db:types`: migrates a throwaway embedded PostgreSQL and writes src/db/types.ts with
 * kysely-codegen. tests/db/types.test.ts fails when the file and the migrations disagree.
 */
export const CODEGEN_ARGS = [
  '--dialect', 'postgres',
  '--camel-case',
  '--exclude-pattern', 'kysely_migration*',
  // pg-boss's own schema (src/queue/boss.ts) is pg-boss's to read and write, never ours.
  '--include-pattern', 'public.*',
  '--out-file', 'src/db/types.ts',
  '--log-level', 'warn',
];

async function main() {
  const { Kysely, PostgresDialect } = await import('kysely');
  const pg = (await import('pg')).default;
  const { startEmbeddedPostgres } = await import('../src/db/embedded.ts');
  const { migrateToLatest } = await import('../src/db/migrator.ts');
  const net = await import('node:net');

  const port = await new Promise<number>((resolve) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as import('node:net').AddressInfo;
      probe.close(() => resolve(port));
    });
  });
  const directory = mkdtempSync(path.join(os.tmpdir(), 'edupeak-codegen-'));
  const server = await startEmbeddedPostgres({ directory, port, database: 'codegen' });
  try {
    const db = new Kysely<any>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: server.url }) }) });
    await migrateToLatest(db);
    await db.destroy();
    const root = fileURLToPath(new URL('../', import.meta.url));
    execFileSync(process.execPath, ['node_modules/kysely-codegen/dist/cli/bin.js', ...CODEGEN_ARGS, '--url', server.url], { cwd: root, stdio: 'inherit' });
  } finally {
    await server.stop();
    rmSync(directory, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
