import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * One module owns each state machine (DESIGN.md): enrollment state (status, the course ban, tags) is
 * written only by src/features/enrollments/service.ts, and certificate state only by
 * src/features/certificates/service.ts. This reads every source file under src/ and finds each
 * statement that writes the `enrollment` table: a Kysely insertInto/updateTable/mergeInto chain (up
 * to its execute call) or raw SQL (`insert into enrollment`, `update enrollment`).
 */

const ROOT = path.resolve(import.meta.dirname, '../..');
const SRC = path.join(ROOT, 'src');
const ENROLLMENTS_SERVICE = 'src/features/enrollments/service.ts';
const CERTIFICATES_SERVICE = 'src/features/certificates/service.ts';

const STATE_COLUMNS = /\b(status|banned|banType|banUntil|banReason|tags|ban_type|ban_until|ban_reason)\b/;
const CERTIFICATE_COLUMNS = /\bcertificate(Earned|IssuedAt|Key|Revoked|RevokedAt|_earned|_issued_at|_key|_revoked|_revoked_at)\b/;

/**
 * Writers of enrollment state not yet moved onto the service, each with who is to move it (none
 * today). The test below fails if an entry is stale.
 */
const NOT_YET_MOVED: Record<string, string> = {};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return /\.(ts|js|mjs|cjs)$/.test(entry.name) ? [full] : [];
  });
}

interface Write {
  file: string;
  line: number;
  kind: 'insert' | 'update';
  text: string;
}

/** Every write to the enrollment table in one file's text. */
function enrollmentWrites(file: string, source: string): Write[] {
  const writes: Write[] = [];
  const lineOf = (index: number) => source.slice(0, index).split('\n').length;
  // Kysely: from the call to the end of its chain (the first execute…() after it), aliases included.
  const builder = /\.(insertInto|updateTable|mergeInto)\(\s*(['"`])enrollment(\s+as\s+\w+)?\2\s*\)/g;
  for (const match of source.matchAll(builder)) {
    const rest = source.slice(match.index);
    const end = rest.search(/\.execute(TakeFirst|TakeFirstOrThrow)?\(|\.compile\(/);
    const text = end < 0 ? rest.slice(0, 2000) : rest.slice(0, end);
    writes.push({ file, line: lineOf(match.index), kind: match[1] === 'updateTable' ? 'update' : 'insert', text });
  }
  // Raw SQL in template strings.
  for (const match of source.matchAll(/\b(insert\s+into|update|merge\s+into)\s+"?enrollment"?\b(?!_)/gi)) {
    const rest = source.slice(match.index);
    const end = rest.search(/`|;/);
    writes.push({ file, line: lineOf(match.index), kind: /^update/i.test(match[1]!) ? 'update' : 'insert', text: end < 0 ? rest.slice(0, 2000) : rest.slice(0, end) });
  }
  return writes;
}

const relative = (file: string) => path.relative(ROOT, file).split(path.sep).join('/');

describe('enrollment state has one owner', () => {
  const files = sourceFiles(SRC);
  const writes = files.flatMap((file) => enrollmentWrites(relative(file), readFileSync(file, 'utf8')));
  const where = (list: Write[]) => list.map((w) => `${w.file}:${w.line}`);

  it('finds the writes it is looking for (the service has inserts and status, ban and tag updates)', () => {
    const own = writes.filter((w) => w.file === ENROLLMENTS_SERVICE);
    expect(own.some((w) => w.kind === 'insert')).toBe(true);
    for (const column of ['status', 'banned', 'tags']) expect(own.some((w) => w.kind === 'update' && new RegExp(`\\b${column}\\b`).test(w.text)), column).toBe(true);
    // And the checker itself catches the shapes a stray write could take.
    const stray = [
      "await db.updateTable('enrollment').set({ status: 'Active' }).where('id', '=', id).execute();",
      'await trx.updateTable("enrollment as e").set({ banned: true }).executeTakeFirst();',
      "await db.insertInto('enrollment').values({ userId, courseId, amount: 0 }).execute();",
      'await sql`update enrollment set status = ${status} where id = ${id}`.execute(db);',
      'await sql`UPDATE "enrollment" SET tags = ${tags}`.execute(db);',
    ];
    for (const line of stray) expect(enrollmentWrites('x.ts', line), line).toHaveLength(1);
    expect(enrollmentWrites('x.ts', "await db.updateTable('enrollment').set({ lastActivityAt: new Date() }).execute();")[0]!.text).not.toMatch(STATE_COLUMNS);
    expect(enrollmentWrites('x.ts', 'await sql`update enrollment_thing set status = 1`.execute(db);')).toEqual([]);
  });

  it('no file but the enrollments service inserts an enrollment', () => {
    const inserts = writes.filter((w) => w.kind === 'insert' && w.file !== ENROLLMENTS_SERVICE);
    expect(where(inserts)).toEqual([]);
  });

  it('no file but the enrollments service writes status, bans or tags', () => {
    const stray = writes.filter((w) => w.kind === 'update' && w.file !== ENROLLMENTS_SERVICE && !(w.file in NOT_YET_MOVED) && STATE_COLUMNS.test(w.text));
    expect(where(stray)).toEqual([]);
  });

  it('every file on the not-yet-moved list still writes enrollment state (else take it off the list)', () => {
    for (const file of Object.keys(NOT_YET_MOVED)) {
      const state = writes.filter((w) => w.file === file && STATE_COLUMNS.test(w.text));
      expect(state.length, `${file} no longer writes enrollment state: remove it from NOT_YET_MOVED`).toBeGreaterThan(0);
    }
  });

  it('no file but the certificates service writes certificate fields (one revoke, one issue)', () => {
    const stray = writes.filter((w) => w.file !== CERTIFICATES_SERVICE && CERTIFICATE_COLUMNS.test(w.text));
    expect(where(stray)).toEqual([]);
  });
});
