import argon2 from 'argon2';
import { afterEach, describe, expect, it } from 'vitest';
import {
  configurePasswordHashing,
  hashPassword,
  OWASP_ARGON2,
  passwordHashingOptions,
  TEST_ARGON2,
  verifyPassword,
} from '../../src/features/accounts/password.ts';

/** The parameters argon2 wrote into a hash (PHC string: $argon2id$v=19$m=...,t=...,p=...$salt$hash). */
function parametersOf(hash: string) {
  const [, type, version, params] = hash.split('$');
  const values = Object.fromEntries(params!.split(',').map((kv) => kv.split('=') as [string, string]));
  return { type, version, m: Number(values.m), t: Number(values.t), p: Number(values.p) };
}

describe('password hashing', () => {
  // The test processes hash cheaply (tests/setup/password.ts); put that back after each case.
  afterEach(() => configurePasswordHashing({ env: 'test' }));

  it("production parameters are OWASP's argon2id baseline: 19 MiB, 2 iterations, 1 lane", () => {
    expect(OWASP_ARGON2).toEqual({ type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 });
  });

  it.each(['production', 'development'] as const)('with NODE_ENV=%s, new hashes are argon2id with m=19456, t=2, p=1', async (env) => {
    configurePasswordHashing({ env });
    expect(passwordHashingOptions()).toBe(OWASP_ARGON2);
    const hash = await hashPassword('correct horse battery staple');
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,p=1,t=2\$/);
    expect(parametersOf(hash)).toEqual({ type: 'argon2id', version: 'v=19', m: 19456, t: 2, p: 1 });
    expect(await verifyPassword(hash, 'correct horse battery staple')).toBe(true);
    expect(await verifyPassword(hash, 'wrong horse battery staple')).toBe(false);
  });

  it('with NODE_ENV=test (as in this process), hashes are still argon2id, only cheaper', async () => {
    expect(passwordHashingOptions()).toBe(TEST_ARGON2);
    expect(TEST_ARGON2.type).toBe(argon2.argon2id);
    const hash = await hashPassword('correct horse battery staple');
    expect(parametersOf(hash)).toEqual({ type: 'argon2id', version: 'v=19', m: TEST_ARGON2.memoryCost, t: TEST_ARGON2.timeCost, p: TEST_ARGON2.parallelism });
    expect(TEST_ARGON2.memoryCost).toBeLessThan(OWASP_ARGON2.memoryCost);
  });

  it('a hash verifies by the parameters stored in it, whichever are in force', async () => {
    const cheap = await hashPassword('a cheap one');
    configurePasswordHashing({ env: 'production' });
    const owasp = await hashPassword('an expensive one');
    expect(await verifyPassword(cheap, 'a cheap one')).toBe(true);
    expect(await verifyPassword(cheap, 'an expensive one')).toBe(false);
    configurePasswordHashing({ env: 'test' });
    expect(await verifyPassword(owasp, 'an expensive one')).toBe(true);
    expect(await verifyPassword(owasp, 'a cheap one')).toBe(false);
  });

  it('a malformed hash is a wrong password, not an error', async () => {
    expect(await verifyPassword('not a hash', 'anything')).toBe(false);
  });
});
