import path from 'node:path';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import { createDatabase, type Database } from './database.ts';
import { startEmbeddedPostgres } from './embedded.ts';

export interface OpenDatabase {
  db: Database;
  url: string;
  /** Whether the embedded server runs (started here or by another of our processes). */
  embedded: boolean;
  /** Closes the pool, then stops the embedded server if this process started it. */
  close(): Promise<void>;
}

export const EMBEDDED_DATABASE_NAME = 'edupeak';

/** DATABASE_URL when set; otherwise the embedded PostgreSQL in DATA_DIR/postgres. */
export async function openDatabase(config: Config, logger: Logger): Promise<OpenDatabase> {
  if (config.databaseUrl) {
    const db = createDatabase({ connectionString: config.databaseUrl });
    return { db, url: config.databaseUrl, embedded: false, close: () => db.destroy() };
  }
  const server = await startEmbeddedPostgres({
    directory: path.join(config.dataDir, 'postgres'),
    port: config.embeddedPgPort,
    runtimeDir: config.embeddedPgRuntimeDir,
    database: EMBEDDED_DATABASE_NAME,
    log: (line) => logger.debug({ postgres: line }),
  });
  const db = createDatabase({ connectionString: server.url });
  return {
    db,
    url: server.url,
    embedded: true,
    async close() {
      await db.destroy();
      await server.stop();
    },
  };
}
