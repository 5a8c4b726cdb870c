import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestDatabase } from '../setup/database.ts';

/**
 * The migrated schema against a list taken from the spec (tests/db/spec-schema.json, extracted from
 * ../shared/spec/database-design.md): every table, field, enum value and unique constraint exists.
 */

interface SpecField {
  field: string;
  type: string;
  constraints: string;
}
const spec = JSON.parse(readFileSync(new URL('./spec-schema.json', import.meta.url), 'utf8')) as {
  tables: Record<string, SpecField[]>;
  enums: Record<string, string[]>;
  uniques: Record<string, string[][]>;
  indexes: Record<string, string[][]>;
};

const snake = (name: string) => name.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase());

// Decided deviations from the spec's nullability, each explained in its migration.
// payment_transaction.enrollmentId: a payment kept for accounting after its payer deleted their
// account has none (migration 20261201000000; README "Deviations from the spec").
const NULLABLE_ALTHOUGH_REQUIRED = new Set(['course.stripePriceId', 'course.fileKey', 'payment_transaction.enrollmentId']);
// Fields the spec types as String that hold user ids: stored as uuid foreign keys.
const USER_ID_FIELDS = new Set(['createdBy', 'invitedBy', 'reviewedBy', 'updatedBy', 'impersonatedBy']);

function expectedType(table: string, f: SpecField): string {
  if (f.type === 'String[]') return table === 'announcement' && f.field === 'targetUserIds' ? '_uuid' : '_text';
  if (f.type.endsWith('[]')) return '_' + f.type.slice(0, -2);
  if (f.field === 'id' || f.constraints.includes('Foreign Key') || USER_ID_FIELDS.has(f.field)) return 'uuid';
  const byType: Record<string, string> = {
    String: 'text',
    UUID: 'uuid',
    Int: 'int4',
    Float: 'float8',
    Boolean: 'bool',
    DateTime: 'timestamptz',
    JSON: 'jsonb',
  };
  return byType[f.type] ?? f.type; // an enum: the type of the same name
}

describe('schema matches the spec', () => {
  const t = useTestDatabase();
  let columns: Map<string, { type: string; nullable: boolean; hasDefault: boolean }>;

  beforeAll(async () => {
    const { rows } = await sql<{ table: string; column: string; udt: string; nullable: 'YES' | 'NO'; def: string | null }>`
      select table_name as table, column_name as column, udt_name as udt, is_nullable as nullable, column_default as def
      from information_schema.columns where table_schema = 'public'`.execute(t.db);
    columns = new Map(rows.map((r) => [`${r.table}.${r.column}`, { type: r.udt, nullable: r.nullable === 'YES', hasDefault: r.def !== null }]));
  });

  it('has all 43 tables of the spec, the session store and the rate limits', async () => {
    expect(Object.keys(spec.tables)).toHaveLength(43);
    const { rows } = await sql<{ name: string }>`select tablename as name from pg_tables where schemaname = 'public'`.execute(t.db);
    const names = rows.map((r) => r.name);
    for (const table of Object.keys(spec.tables)) expect(names, table).toContain(table);
    expect(names).toContain('http_session');
    expect(names).toContain('rate_limit');
    expect(names).toContain('stripe_event');
  });

  it.each(Object.entries(spec.tables))('table %s has every field with its type and nullability', (table, fields) => {
    for (const f of fields) {
      const key = `${table}.${snake(f.field)}`;
      const column = columns.get(key);
      expect(column, `${key} is missing`).toBeDefined();
      expect(column!.type, `${key} type`).toBe(expectedType(table, f));
      const optional = /Optional/.test(f.constraints) || NULLABLE_ALTHOUGH_REQUIRED.has(`${table}.${f.field}`);
      expect(column!.nullable, `${key} nullable`).toBe(optional);
      if (/^Default|Auto/.test(f.constraints) || f.field === 'id') expect(column!.hasDefault, `${key} default`).toBe(true);
    }
  });

  it('has all 23 enums with exactly the spec values, in order, then only the documented additions', async () => {
    expect(Object.keys(spec.enums)).toHaveLength(23);
    // Values added after the spec's, each by a migration that says why.
    const ADDITIONS: Record<string, string[]> = {
      // migrations/20261127184000-assessment-additions.ts, 20261127230000-help-desk-additions.ts, 20261127230100-support-call-additions.ts,
      // 20261202000200-follow-up-mail.ts
      NotificationType: ['AssignmentGraded', 'HelpRequestReply', 'SupportCallAccepted', 'CourseReminder'],
    };
    const { rows } = await sql<{ name: string; labels: string[] }>`
      select t.typname as name, array_agg(e.enumlabel order by e.enumsortorder)::text[] as labels
      from pg_type t join pg_enum e on e.enumtypid = t.oid group by t.typname`.execute(t.db);
    const enums = new Map(rows.map((r) => [r.name, r.labels]));
    for (const [name, values] of Object.entries(spec.enums)) expect(enums.get(name), name).toEqual([...values, ...(ADDITIONS[name] ?? [])]);
  });

  it('has every unique constraint of the spec', async () => {
    const { rows } = await sql<{ table: string; columns: string[]; definition: string }>`
      select c.relname as table,
             array(select a.attname::text from unnest(i.indkey) k join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k) as columns,
             pg_get_indexdef(i.indexrelid) as definition
      from pg_index i join pg_class c on c.oid = i.indrelid join pg_namespace n on n.oid = c.relnamespace
      where i.indisunique and n.nspname = 'public'`.execute(t.db);
    for (const [table, uniques] of Object.entries(spec.uniques)) {
      for (const fields of uniques) {
        const wanted = fields.map(snake).sort();
        const found = rows.some(
          (r) =>
            r.table === table &&
            (JSON.stringify([...r.columns].sort()) === JSON.stringify(wanted) ||
              // email and username are unique whatever their case: an index on lower(column).
              (wanted.length === 1 && r.definition.includes(`lower(${wanted[0]})`))),
        );
        expect(found, `unique (${fields.join(', ')}) on ${table}`).toBe(true);
      }
    }
  });

  it('has every index the spec lists (as the leading columns of some index)', async () => {
    const { rows } = await sql<{ table: string; columns: string[] }>`
      select c.relname as table,
             array(select a.attname::text from unnest(i.indkey) with ordinality k(attnum, n)
                   join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum order by k.n) as columns
      from pg_index i join pg_class c on c.oid = i.indrelid join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public'`.execute(t.db);
    for (const [table, indexes] of Object.entries(spec.indexes)) {
      for (const fields of indexes) {
        const wanted = fields.map(snake);
        const found = rows.some((r) => r.table === table && wanted.every((column, i) => r.columns[i] === column));
        expect(found, `index (${fields.join(', ')}) on ${table}`).toBe(true);
      }
    }
  });

  it('indexes every foreign key column (as the leading column of some index)', async () => {
    const { rows } = await sql<{ table: string; column: string }>`
      select c.relname as table, a.attname as column
      from pg_constraint f
      join pg_class c on c.oid = f.conrelid
      join pg_attribute a on a.attrelid = f.conrelid and a.attnum = f.conkey[1]
      -- Our schema only: pg-boss keeps its own tables in "pgboss" (src/queue/boss.ts).
      where f.contype = 'f' and c.relnamespace = 'public'::regnamespace and not exists (
        select 1 from pg_index i where i.indrelid = f.conrelid and i.indkey[0] = f.conkey[1])`.execute(t.db);
    expect(rows, 'foreign keys without an index').toEqual([]);
  });

  it('keeps updated_at by a trigger on every table that has it', async () => {
    const { rows } = await sql<{ table: string }>`
      select c.table_name as table from information_schema.columns c
      where c.table_schema = 'public' and c.column_name = 'updated_at' and not exists (
        select 1 from pg_trigger tr join pg_class k on k.oid = tr.tgrelid
        where k.relname = c.table_name and not tr.tgisinternal and tr.tgname like '%updated_at%')`.execute(t.db);
    expect(rows).toEqual([]);
  });
});
