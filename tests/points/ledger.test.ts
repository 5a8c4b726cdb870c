import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { creditPoints, spendPoints } from '../../src/features/points/ledger.ts';
import { useTestDatabase } from '../setup/database.ts';
import { createUser } from '../setup/factories.ts';

const SRC = path.resolve(import.meta.dirname, '../../src');
const OWNER = path.join(SRC, 'features/points/ledger.ts');
// Kysely's `points: eb('points', ...)` and raw SQL `set points = ...`.
const WRITES = [/points:\s*eb\(\s*['"`]points['"`]/, /set\s+points\s*=/i, /insertInto\(\s*['"`]pointLedger['"`]\s*\)/, /insert\s+into\s+point_ledger/i];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return /\.(ts|js|mjs|cjs)$/.test(entry.name) ? [full] : [];
  });
}

describe('the points ledger', () => {
  const t = useTestDatabase();

  const history = (userId: string) =>
    t.db.selectFrom('pointLedger').select(['points', 'reason', 'description']).where('userId', '=', userId).orderBy('createdAt').orderBy('points').execute();
  const balance = async (userId: string) => (await t.db.selectFrom('user').select('points').where('id', '=', userId).executeTakeFirstOrThrow()).points;

  it('is the only code that changes a balance or writes its history', () => {
    const offenders = sourceFiles(SRC)
      .filter((file) => file !== OWNER)
      .filter((file) => WRITES.some((pattern) => pattern.test(readFileSync(file, 'utf8'))))
      .map((file) => path.relative(SRC, file));
    expect(offenders).toEqual([]);
  });

  it('credits and spends with a history row each, and refuses a spend beyond the balance without writing anything', async () => {
    const user = await createUser(t.db);
    await creditPoints(t.db, { userId: user.id, points: 30, reason: 'Badge', description: 'First lesson completed in "A"' });
    expect(await spendPoints(t.db, { userId: user.id, points: 20, reason: 'EarlyUnlock', description: 'Opened a lesson before its release' })).toBe(true);
    expect(await spendPoints(t.db, { userId: user.id, points: 11, reason: 'EarlyUnlock', description: 'Opened a lesson before its release' })).toBe(false);
    expect(await balance(user.id)).toBe(10);
    expect(await history(user.id)).toEqual([
      { points: 30, reason: 'Badge', description: 'First lesson completed in "A"' },
      { points: -20, reason: 'EarlyUnlock', description: 'Opened a lesson before its release' },
    ]);
  });

  it('never overspends between racing spends: the balance and the history agree', async () => {
    const user = await createUser(t.db);
    await creditPoints(t.db, { userId: user.id, points: 50, reason: 'Quiz', description: 'Quiz' });
    const results = await Promise.all(
      Array.from({ length: 8 }, () => t.db.transaction().execute((trx) => spendPoints(trx, { userId: user.id, points: 20, reason: 'EarlyUnlock', description: 'x' }))),
    );
    expect(results.filter(Boolean)).toHaveLength(2);
    expect(await balance(user.id)).toBe(10);
    const rows = await history(user.id);
    expect(rows.reduce((sum, r) => sum + r.points, 0)).toBe(10);
  });
});
