import { sql } from 'kysely';
import type { z } from 'zod';
import type { Database } from '../../db/database.ts';
import type { FieldErrors } from '../../http/forms.ts';
import { tableQuery } from '../../http/table.ts';
import { translatorFor, type Translator } from '../../i18n/translator.ts';
import { containsPattern } from '../../lib/like.ts';
import { recordActivity, type AuditContext } from '../audit/activity.ts';
import { definitionOf, isSettingKey, SETTING_KEYS, SETTINGS, type SettingGroup, type SettingKey } from '../system/settings.ts';
import { textFilter } from './filters.ts';
import { countOf, defineAdminTable } from './table.ts';
import { msg } from '../../i18n/catalogue.ts';

/**
 * The settings editor's service (/admin/settings): the registry's keys with what system_config
 * holds for them, and the two writes (save, reset), each one transaction with its activity_log
 * row. Knows nothing of HTTP. Every write goes through the key's zod schema; `setting()` reads the
 * table each time, so a change applies at the next read.
 */

export interface StoredSetting {
  key: string;
  value: unknown;
  updatedAt: Date | string;
  updatedByName: string | null;
  updatedByEmail: string | null;
}

export interface SettingRow {
  key: SettingKey;
  group: SettingGroup;
  /** An English catalogue message: the view shows it through t(). */
  description: string;
  /** The labels in the translator's language. */
  defaultLabel: string;
  /** The value the code reads now. */
  currentLabel: string;
  /** 'default' (nothing stored), 'set' (a stored value in use) or 'invalid' (stored but refused by the schema: the default applies). */
  state: 'default' | 'set' | 'invalid';
  stored: StoredSetting | undefined;
}

/** system_config's rows with who changed them last (a query to narrow and run). */
function storedQuery(db: Database) {
  return db
    .selectFrom('systemConfig as c')
    .leftJoin('user as u', 'u.id', 'c.updatedBy')
    .select(['c.id', 'c.key', 'c.value', 'c.updatedAt', 'u.email as updatedByEmail', 'u.firstName', 'u.lastName']);
}

type StoredRow = Awaited<ReturnType<ReturnType<typeof storedQuery>['execute']>>[number];

const storedOf = (r: StoredRow): StoredSetting => ({
  key: r.key,
  value: r.value,
  updatedAt: r.updatedAt,
  updatedByEmail: r.updatedByEmail,
  updatedByName: r.firstName === null ? null : `${r.firstName} ${r.lastName ?? ''}`.trim(),
});

function rowOf(key: SettingKey, stored: StoredSetting | undefined, tr: Translator): SettingRow {
  const def = definitionOf(key);
  const read = stored === undefined || stored.value === null ? undefined : def.read(stored.value);
  return {
    key,
    group: def.group,
    description: def.description,
    defaultLabel: def.describe(def.default, tr),
    currentLabel: def.describe(read ?? def.default, tr),
    state: stored === undefined ? 'default' : read === undefined ? 'invalid' : 'set',
    stored,
  };
}

/** Every registry key, in registry order, with what system_config holds for it. One query (on the key's unique index). */
export async function listSettings(db: Database, tr: Translator = translatorFor('en')): Promise<SettingRow[]> {
  const stored = (await storedQuery(db).where('c.key', 'in', SETTING_KEYS).execute()).map(storedOf);
  const byKey = new Map(stored.map((s) => [s.key, s]));
  return SETTING_KEYS.map((key) => rowOf(key, byKey.get(key), tr));
}

/** One registry key with its stored row, for its edit page. One query. */
export async function findSetting(db: Database, key: string, tr: Translator = translatorFor('en')): Promise<SettingRow | undefined> {
  if (!isSettingKey(key)) return undefined;
  const stored = await storedQuery(db).where('c.key', '=', key).executeTakeFirst();
  return rowOf(key, stored ? storedOf(stored) : undefined, tr);
}

/**
 * The keys system_config holds that the code does not read (left by an older release, or typed by
 * hand): read-only, as an admin table (filter by key, sort, pages, CSV), so any number of them
 * stays within the page budget.
 */
const unknownQuery = tableQuery(['updatedAt', 'key'] as const, 'updatedAt', { key: textFilter });
export type UnknownQuery = z.infer<typeof unknownQuery>;

function unknownFiltered(db: Database, q: UnknownQuery) {
  let base = db.selectFrom('systemConfig as c').where('c.key', 'not in', SETTING_KEYS);
  if (q.key) base = base.where('c.key', 'ilike', containsPattern(q.key));
  return base;
}

export function unknownSettingsTable(db: Database) {
  return defineAdminTable<UnknownQuery, StoredSetting & { id: string }>({
    path: '/admin/settings',
    query: unknownQuery,
    count: (q) => countOf(unknownFiltered(db, q)),
    rows: async (q, _ctx, window) => {
      const ids = unknownFiltered(db, q).select('c.id');
      const rows = await storedQuery(db)
        .where('c.id', 'in', ids)
        .orderBy(sql.ref(q.sort === 'key' ? 'c.key' : 'c.updated_at'), (ob) => (q.dir === 'asc' ? ob.asc() : ob.desc()))
        .orderBy('c.id')
        .limit(window.limit)
        .offset(window.offset)
        .execute();
      return rows.map((r) => ({ ...storedOf(r), id: r.id }));
    },
    csv: {
      filename: 'other-settings.csv',
      columns: [
        [msg('key'), (r) => r.key],
        [msg('value'), (r) => JSON.stringify(r.value)],
        [msg('updated at'), (r) => new Date(r.updatedAt).toISOString()],
        [msg('updated by'), (r) => r.updatedByEmail],
      ],
    },
  });
}

/** JSON with object keys sorted: jsonb hands objects back in its own key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  );
}

export type SaveResult = { ok: true; changed: boolean } | { ok: false; errors: FieldErrors };

/**
 * Validates a posted form by the key's schema and stores it (an upsert with updatedBy), with a
 * `setting_updated` row (from, to) in the same transaction. The same value again writes nothing.
 */
export async function saveSetting(db: Database, audit: AuditContext, key: SettingKey, body: unknown, tr: Translator = translatorFor('en')): Promise<SaveResult> {
  const def = definitionOf(key);
  const parsed = def.parseForm(body, tr);
  if (!parsed.ok) return parsed;
  const value = parsed.value;
  return db.transaction().execute(async (trx) => {
    const before = await trx.selectFrom('systemConfig').select('value').where('key', '=', key).forUpdate().executeTakeFirst();
    const from = before === undefined ? undefined : (def.read(before.value) ?? before.value);
    if (before !== undefined && canonical(before.value) === canonical(value)) return { ok: true as const, changed: false };
    await trx
      .insertInto('systemConfig')
      .values({ key, value: JSON.stringify(value), description: def.description, updatedBy: audit.actorId })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: JSON.stringify(value), description: def.description, updatedBy: audit.actorId }))
      .execute();
    await recordActivity(trx, audit, {
      action: 'setting_updated',
      entityType: 'system_config',
      entityId: key,
      metadata: { key, from: from === undefined ? { default: def.default } : from, to: value },
    });
    return { ok: true as const, changed: true };
  });
}

/** Deletes the key's row (the default applies again), audited. False when nothing was stored. */
export async function resetSetting(db: Database, audit: AuditContext, key: SettingKey): Promise<boolean> {
  const def = SETTINGS[key];
  return db.transaction().execute(async (trx) => {
    const deleted = await trx.deleteFrom('systemConfig').where('key', '=', key).returning('value').executeTakeFirst();
    if (!deleted) return false;
    await recordActivity(trx, audit, {
      action: 'setting_updated',
      entityType: 'system_config',
      entityId: key,
      metadata: { key, from: deleted.value, to: { default: def.default }, reset: true },
    });
    return true;
  });
}
