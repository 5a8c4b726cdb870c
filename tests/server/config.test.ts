import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';

const tempDir = () => mkdtempSync(path.join(os.tmpdir(), 'edupeak-config-'));

describe('configuration', () => {
  it('has working defaults for development', () => {
    const dataDir = tempDir();
    const config = loadConfig({ DATA_DIR: dataDir });
    expect(config).toMatchObject({
      env: 'development',
      isProduction: false,
      port: 3000,
      baseUrl: 'http://localhost:3000',
      dataDir,
      databaseUrl: undefined,
      trustProxy: false,
      logLevel: 'info',
      uploadMaxBytes: 500 * 1024 * 1024,
    });
    expect(config.embeddedPgPort).not.toBe(5432);
  });

  it('generates a session secret once in development and keeps it in DATA_DIR', () => {
    const dataDir = tempDir();
    const first = loadConfig({ DATA_DIR: dataDir }).sessionSecret;
    expect(first.length).toBeGreaterThanOrEqual(32);
    expect(readFileSync(path.join(dataDir, 'session-secret'), 'utf8').trim()).toBe(first);
    expect(loadConfig({ DATA_DIR: dataDir }).sessionSecret).toBe(first);
  });

  it('requires SESSION_SECRET in production and never writes one', () => {
    const dataDir = tempDir();
    expect(() => loadConfig({ NODE_ENV: 'production', DATA_DIR: dataDir, BASE_URL: 'https://e.example' })).toThrow(
      /^SESSION_SECRET: required in production/,
    );
    expect(existsSync(path.join(dataDir, 'session-secret'))).toBe(false);
  });

  it.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['EMBEDDED_PG_PORT', '-1'],
    ['DATABASE_URL', 'mysql://localhost/edupeak'],
    ['BASE_URL', 'not a url'],
    ['LOG_LEVEL', 'loud'],
    ['NODE_ENV', 'staging'],
    ['SMTP_URL', 'http://mail.example'],
    ['S3_FORCE_PATH_STYLE', 'maybe'],
    ['UPLOAD_MAX_MB', '0'],
    ['SESSION_SECRET', 'short'],
  ])('a bad %s (%s) is one line that names the variable', (name, value) => {
    const attempt = () => loadConfig({ DATA_DIR: tempDir(), [name]: value });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(new RegExp(`^${name}: `));
    try {
      attempt();
    } catch (error) {
      expect((error as Error).message).not.toContain('\n');
    }
  });

  it('reads TRUST_PROXY as Express does: booleans, hop counts or address lists', () => {
    const dataDir = tempDir();
    expect(loadConfig({ DATA_DIR: dataDir, TRUST_PROXY: 'true' }).trustProxy).toBe(true);
    expect(loadConfig({ DATA_DIR: dataDir, TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(loadConfig({ DATA_DIR: dataDir, TRUST_PROXY: 'loopback, 10.0.0.0/8' }).trustProxy).toBe('loopback, 10.0.0.0/8');
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ DATA_DIR: tempDir(), DATABASE_URL: '', PORT: '' })).toMatchObject({ databaseUrl: undefined, port: 3000 });
  });

  it('wants both S3 keys or neither', () => {
    expect(() => loadConfig({ DATA_DIR: tempDir(), S3_ACCESS_KEY_ID: 'id' })).toThrow(/^S3_SECRET_ACCESS_KEY: /);
  });
});
