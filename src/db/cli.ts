import { ConfigError, loadConfig, loadDotEnv } from '../config.ts';
import { createLogger } from '../logger.ts';
import { openDatabase } from './connect.ts';
import { EmbeddedPostgresError } from './embedded.ts';
import { migrateDown, migrateToLatest } from './migrator.ts';
import { seedDemo } from '../../seeds/demo.ts';
import { createStorage } from '../storage/index.ts';

/**
 * `npm run migrate` (up to the latest), `npm run migrate:down` (one step back), `npm run seed`.
 * Uses DATABASE_URL, or the embedded server (shared with a running `npm start`, if any).
 */

const commands = {
  up: async (db) => {
    const applied = await migrateToLatest(db);
    return applied.length ? `applied: ${applied.join(', ')}` : 'already up to date';
  },
  down: async (db) => {
    const reverted = await migrateDown(db);
    return reverted.length ? `reverted: ${reverted.join(', ')}` : 'nothing to revert';
  },
  seed: async (db, config) => {
    // A fresh DATA_DIR has no tables yet: migrate first, as `npm start` does.
    await migrateToLatest(db);
    await seedDemo(db, { env: config.env, storage: createStorage(config) });
    return 'demo data in place (admin@example.com, teacher@example.com, student@example.com; password edupeak-demo)';
  },
} satisfies Record<string, (db: Awaited<ReturnType<typeof openDatabase>>['db'], config: ReturnType<typeof loadConfig>) => Promise<string>>;

const name = process.argv[2] as keyof typeof commands;
if (!(name in commands)) {
  console.error(`usage: tsx src/db/cli.ts ${Object.keys(commands).join('|')}`);
  process.exit(2);
}

loadDotEnv();
try {
  const config = loadConfig();
  if (name === 'seed' && config.isProduction) throw new ConfigError('NODE_ENV: the demo seed refuses to run in production');
  const logger = createLogger({ logLevel: config.logLevel === 'info' ? 'warn' : config.logLevel });
  const database = await openDatabase(config, logger);
  try {
    console.log(await commands[name](database.db, config));
  } finally {
    await database.close();
  }
} catch (error) {
  if (error instanceof ConfigError || error instanceof EmbeddedPostgresError) {
    console.error(error.message);
  } else {
    console.error(error instanceof Error ? error.message : String(error));
  }
  process.exit(1);
}
