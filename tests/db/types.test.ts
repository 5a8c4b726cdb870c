import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { useTestDatabase } from '../setup/database.ts';
import { CODEGEN_ARGS } from '../../scripts/generate-db-types.ts';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));

describe('src/db/types.ts', () => {
  const t = useTestDatabase();

  it('matches the migrated database (regenerate with `npm run db:types`)', async () => {
    const result = await run(process.execPath, ['node_modules/kysely-codegen/dist/cli/bin.js', ...CODEGEN_ARGS, '--url', t.url, '--verify'], {
      cwd: root,
    }).then(
      (r) => ({ code: 0, output: r.stdout + r.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, output: e.stdout + e.stderr }),
    );
    expect(result.output).not.toMatch(/out of date|differ/i);
    expect(result.code, result.output).toBe(0);
  });
});
