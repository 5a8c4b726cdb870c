import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Express, Router } from 'express';
import { pino } from 'pino';
import supertest from 'supertest';
import { beforeAll } from 'vitest';
import { createApp } from '../../src/app.ts';
import { loadConfig, type Config } from '../../src/config.ts';
import type { Database } from '../../src/db/database.ts';
import { buildAssetManifest } from '../../src/http/assets.ts';
import { useTestDatabase } from './database.ts';

export const silentLogger = pino({ level: 'silent' });

const assets = buildAssetManifest();

/** The session secret of every test app (users.ts signs session cookies with it). */
export const TEST_SESSION_SECRET = 'test-secret-test-secret-test-secret-0123';

export function testConfig(overrides: NodeJS.ProcessEnv = {}): Config {
  return loadConfig({
    NODE_ENV: 'test',
    DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'edupeak-test-data-')),
    SESSION_SECRET: TEST_SESSION_SECRET,
    LOG_LEVEL: 'silent',
    BASE_URL: 'http://edupeak.test',
    ...overrides,
  });
}

export function buildTestApp(db: Database, options: { config?: Config; extraRoutes?: Router } = {}): Express {
  return createApp({ config: options.config ?? testConfig(), db, logger: silentLogger, assets, extraRoutes: options.extraRoutes });
}

/** A database of the file's own and the app over it; read the fields inside tests. */
export function useTestApp(options: { config?: NodeJS.ProcessEnv; extraRoutes?: Router } = {}) {
  const database = useTestDatabase();
  let app: Express | undefined;
  let config: Config | undefined;
  beforeAll(() => {
    config = testConfig(options.config);
    app = buildTestApp(database.db, { config, extraRoutes: options.extraRoutes });
  });
  return {
    get db() {
      return database.db;
    },
    get app() {
      if (!app) throw new Error('the test app is ready only inside tests and hooks');
      return app;
    },
    get config() {
      if (!config) throw new Error('the test app is ready only inside tests and hooks');
      return config;
    },
    /** A plain supertest client (no cookies kept). */
    request() {
      return supertest(this.app);
    },
  };
}
