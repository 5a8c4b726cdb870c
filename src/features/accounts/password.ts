import argon2 from 'argon2';
import type { Config } from '../../config.ts';

export type PasswordHashing = Readonly<{ type: typeof argon2.argon2id; memoryCost: number; timeCost: number; parallelism: number }>;

/** OWASP's argon2id baseline (Password Storage Cheat Sheet): 19 MiB of memory, 2 iterations, 1 lane. */
export const OWASP_ARGON2: PasswordHashing = Object.freeze({ type: argon2.argon2id, memoryCost: 19 * 1024, timeCost: 2, parallelism: 1 });

/**
 * NODE_ENV=test only: still argon2id, at 1 MiB and 1 iteration (well under a millisecond instead
 * of tens), so that a test suite making hundreds of hashes and sign-ins is not spent in argon2.
 * argon2 writes its parameters into every hash and verifies by them, so a hash verifies whichever
 * parameters are in force when it is checked.
 */
export const TEST_ARGON2: PasswordHashing = Object.freeze({ type: argon2.argon2id, memoryCost: 1024, timeCost: 1, parallelism: 1 });

let options: PasswordHashing = OWASP_ARGON2;

/**
 * Picks the hashing cost from the parsed configuration: cheap under NODE_ENV=test, OWASP's in every
 * other case (and OWASP's until this is called, so a process that never calls it is safe).
 *
 * A module setting rather than a parameter of hashPassword: config.ts is the only reader of
 * process.env, and the callers of hashPassword (the accounts service, the seeds, the test
 * factories) should not each have to carry the config to it. The test setup
 * (tests/setup/password.ts) calls this in every test process with the config parsed from the
 * environment Vitest sets (NODE_ENV=test); the server does not need to call it.
 */
export function configurePasswordHashing(config: Pick<Config, 'env'>): void {
  options = config.env === 'test' ? TEST_ARGON2 : OWASP_ARGON2;
}

/** The parameters new hashes are made with. */
export function passwordHashingOptions(): PasswordHashing {
  return options;
}

export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, options);
}

/** False for a wrong password and for a malformed hash alike. */
export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false;
  }
}
