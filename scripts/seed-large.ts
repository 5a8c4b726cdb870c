import { ConfigError, loadConfig, loadDotEnv } from '../src/config.ts';
import { openDatabase } from '../src/db/connect.ts';
import { EmbeddedPostgresError } from '../src/db/embedded.ts';
import { migrateToLatest } from '../src/db/migrator.ts';
import { createLogger } from '../src/logger.ts';
import { analyzeLarge, LargeSeedRefused, seedLarge } from '../seeds/large.ts';

/**
 * `npm run seed:large`: adds the benchmark's large data set (seeds/large.ts) to the database
 * (DATABASE_URL, or the embedded one in DATA_DIR). `LARGE_SCALE=0.1` makes a tenth of it.
 * Refuses in production, and refuses a second time.
 */

loadDotEnv();
try {
  const config = loadConfig();
  const scale = Number(process.env.LARGE_SCALE ?? '1');
  const logger = createLogger({ logLevel: 'warn' });
  const database = await openDatabase(config, logger);
  try {
    await migrateToLatest(database.db);
    const started = Date.now();
    const counts = await seedLarge(database.db, { env: config.env, scale });
    await analyzeLarge(database.db);
    console.log(`large data set added in ${((Date.now() - started) / 1000).toFixed(1)} s:`);
    for (const [table, count] of Object.entries(counts)) console.log(`  ${table.padEnd(22)} ${count.toLocaleString('en-US')}`);
  } finally {
    await database.close();
  }
} catch (error) {
  if (error instanceof ConfigError || error instanceof EmbeddedPostgresError || error instanceof LargeSeedRefused) console.error(error.message);
  else console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
}
