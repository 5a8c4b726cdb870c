import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../setup/database.ts';

/**
 * Every connection the app opens turns PostgreSQL's JIT off: on a server built with LLVM it compiled
 * the admin announcements page's audience count for 1.2 s at 10,000 rows (the query runs in 40 ms).
 */
describe('connection settings', () => {
  const t = useTestDatabase();

  it('opens every connection with JIT off, without an extra query', async () => {
    const { rows } = await sql<{ jit: string }>`show jit`.execute(t.db);
    expect(rows[0]?.jit).toBe('off');
  });
});
