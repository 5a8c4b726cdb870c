import type { Database } from '../../db/database.ts';
import type { FieldErrors } from '../../http/forms.ts';
import { recordActivity, type AuditContext } from '../audit/activity.ts';
import { definitionOf, isSettingKey, SETTING_KEYS, SETTINGS, type SettingGroup, type SettingKey } from '../system/settings.ts';

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
  description: string;
  defaultLabel: string;
  /** The value the code reads now. */
  currentLabel: string;
  /** 'default' (nothing stored), 'set' (a stored value in use) or 'invalid' (stored but refused by the schema: the default applies). */
  state: 'default' | 'set' | 'invalid';
  stored: StoredSetting | undefined;
}

/** system_config's rows with who changed them last: the whole table is a few keys, read in one query. */
async function storedSettings(db: Database): Promise<StoredSetting[]> {
  const rows = await db
    .selectFrom('systemConfig as c')
    .leftJoin('user as u', 'u.id', 'c.updatedBy')
    .select(['c.key', 'c.value', 'c.updatedAt', 'u.email as updatedByEmail', 'u.firstName', 'u.lastName'])
    .orderBy('c.key')
    .execute();
  return rows.map((r) => ({
    key: r.key,
    value: r.value,
    updatedAt: r.updatedAt,
    updatedByEmail: r.updatedByEmail,
    updatedByName: r.firstName === null ? null : `${r.firstName} ${r.lastName ?? ''}`.trim(),
  }));
}

function rowOf(key: SettingKey, stored: StoredSetting | undefined): SettingRow {
  const def = definitionOf(key);
  const read = stored === undefined || stored.value === null ? undefined : def.read(stored.value);
  return {
    key,
    group: def.group,
    description: def.description,
    defaultLabel: def.describe(def.default),
    currentLabel: def.describe(read ?? def.default),
    state: stored === undefined ? 'default' : read === undefined ? 'invalid' : 'set',
    stored,
  };
}

/** Every registry key (registry order) and the keys system_config holds that the code does not read. One query. */
export async function listSettings(db: Database): Promise<{ known: SettingRow[]; unknown: StoredSetting[] }> {
  const stored = await storedSettings(db);
  const byKey = new Map(stored.map((s) => [s.key, s]));
  return {
    known: SETTING_KEYS.map((key) => rowOf(key, byKey.get(key))),
    unknown: stored.filter((s) => !isSettingKey(s.key)),
  };
}

/** One registry key with its stored row, for its edit page. One query. */
export async function findSetting(db: Database, key: string): Promise<SettingRow | undefined> {
  if (!isSettingKey(key)) return undefined;
  const stored = (await storedSettings(db)).find((s) => s.key === key);
  return rowOf(key, stored);
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
export async function saveSetting(db: Database, audit: AuditContext, key: SettingKey, body: unknown): Promise<SaveResult> {
  const def = definitionOf(key);
  const parsed = def.parseForm(body);
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
