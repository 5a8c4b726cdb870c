import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * notify() (src/features/notifications/notify.ts) is the one way to write a notification: it also
 * queues the mail the person asked for. A feature inserting rows itself would skip their choice
 * (and the mail), so any other insert into `notification` in src/ fails here.
 */
const SRC = path.resolve(import.meta.dirname, '../../src');
const ALLOWED = path.join(SRC, 'features/notifications/notify.ts');
const INSERTS = [/insertInto\(\s*['"`]notification['"`]\s*\)/, /insert\s+into\s+"?notification"?[\s(]/i];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return /\.(ts|js|mjs|cjs)$/.test(entry.name) ? [full] : [];
  });
}

describe('one notification writer', () => {
  it('only notify.ts inserts into notification', () => {
    const offenders = sourceFiles(SRC)
      .filter((file) => file !== ALLOWED)
      .filter((file) => INSERTS.some((pattern) => pattern.test(readFileSync(file, 'utf8'))))
      .map((file) => path.relative(SRC, file));
    expect(offenders).toEqual([]);
    expect(INSERTS[0]!.test(readFileSync(ALLOWED, 'utf8'))).toBe(true);
  });
});
