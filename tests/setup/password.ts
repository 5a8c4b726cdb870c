import { loadConfig } from '../../src/config.ts';
import { configurePasswordHashing } from '../../src/features/accounts/password.ts';

/**
 * A setup file of every test process (vitest.config.ts): argon2 hashes with cheap parameters when
 * NODE_ENV=test, which Vitest sets. The environment is read the app's way, through config.ts, and
 * password.ts decides (OWASP's parameters for anything but `test`). tests/accounts/password.test.ts
 * checks both sets of parameters.
 */
configurePasswordHashing(loadConfig({ NODE_ENV: process.env.NODE_ENV, SESSION_SECRET: 'only-NODE_ENV-matters-here-0123456789' }));
