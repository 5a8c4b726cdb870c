import { Router, type Request, type Response } from 'express';
import type { Database } from '../../db/database.ts';
import { auditOf } from '../../http/audit-context.ts';
import { notFound } from '../../http/errors.ts';
import { setFlash } from '../../http/flash.ts';
import { typedValues, type FieldErrors } from '../../http/forms.ts';
import { render } from '../../http/render.ts';
import { msg } from '../../i18n/catalogue.ts';
import { translatorOf } from '../../i18n/negotiate.ts';
import { TOPIC_TEXT } from '../notifications/preferences.ts';
import { definitionOf, isSettingKey, SETTING_GROUPS, type SettingKey } from '../system/settings.ts';
import { findSetting, listSettings, resetSetting, saveSetting, unknownSettingsTable, type SettingRow } from './settings.ts';
import { serveAdminTable } from './table.ts';
import { isSuperAdmin, requireSuperAdmin, staffRoleOfResponse } from './staff.ts';

/**
 * /admin/settings: every key of the settings registry (features/system/settings.ts) with its
 * current value, default and last change, for any admin; a workspace SuperAdmin also edits one
 * (GET and POST /admin/settings/:key, a form field per number or property, validated by the key's
 * schema: 422 with the message and what was typed) or resets it to its default. Keys in
 * system_config that the code does not read are listed apart, read-only.
 */

const PATH = '/admin/settings';

/** The registry key in the path, or 404 (a key the code does not read cannot be edited here). */
function keyOf(req: Request): SettingKey {
  const key = req.params.key;
  if (typeof key !== 'string' || !isSettingKey(key)) throw notFound();
  return key;
}

function renderEdit(res: Response, row: SettingRow, values: Record<string, string>, errors: FieldErrors = {}, status = 200) {
  const def = definitionOf(row.key);
  // Mail topics read better as the account page names them than as their enum names.
  const labels: Record<string, string> = row.key === 'notifications.mailDefaults' ? Object.fromEntries(Object.entries(TOPIC_TEXT).map(([k, v]) => [k, v.label])) : {};
  const fields = def.fields.map((f) => ({ ...f, label: labels[f.name] ?? f.label }));
  const tr = translatorOf(res);
  render(
    res,
    'admin/setting',
    {
      title: tr.t('Setting {key}', { key: row.key }),
      setting: row,
      fields,
      legend: row.key === 'notifications.mailDefaults' ? msg('Mail people about (until they choose for themselves)') : msg('Ticked means yes'),
      values,
      errors,
      defaultValues: def.toForm(def.default),
    },
    status,
  );
}

export function settingsAdminRoutes({ db }: { db: Database }): Router {
  const router = Router();

  const unknownTable = unknownSettingsTable(db);

  // The registry's keys, then the other keys' table (its filter, sort, pages and CSV in the query string).
  router.get('/', (req, res) =>
    serveAdminTable(req, res, unknownTable, async (page) => {
      const tr = translatorOf(res);
      const known = await listSettings(db, tr);
      render(res, 'admin/settings', {
        title: tr.t('Settings'),
        groups: SETTING_GROUPS.map((group) => ({ group, rows: known.filter((r) => r.group === group) })).filter((g) => g.rows.length > 0),
        unknown: page.rows.map((u) => {
          const text = JSON.stringify(u.value);
          return { ...u, valueLabel: text.length > 200 ? `${text.slice(0, 200)}…` : text };
        }),
        filter: page.filter,
        pageInfo: page.pageInfo,
        canEdit: isSuperAdmin(staffRoleOfResponse(res)),
      });
    }),
  );

  router.get('/:key', requireSuperAdmin, async (req, res) => {
    const row = await findSetting(db, keyOf(req), translatorOf(res));
    if (!row) throw notFound();
    const def = definitionOf(row.key);
    // The form shows the value the code reads now (the default when nothing valid is stored).
    const current = row.state === 'set' ? def.read(row.stored!.value) : def.default;
    renderEdit(res, row, def.toForm(current));
  });

  router.post('/:key', requireSuperAdmin, async (req, res) => {
    const key = keyOf(req);
    const result = await saveSetting(db, auditOf(req, res), key, req.body, translatorOf(res));
    if (!result.ok) {
      const row = (await findSetting(db, key, translatorOf(res)))!;
      const values = typedValues(req.body, definitionOf(key).fields.map((f) => f.name));
      return renderEdit(res, row, values, result.errors, 422);
    }
    setFlash(req, result.changed ? 'success' : 'info', result.changed ? msg('Saved {key}: it applies from now on.') : msg('{key} already had that value.'), { key });
    res.redirect(303, PATH);
  });

  router.post('/:key/reset', requireSuperAdmin, async (req, res) => {
    const key = keyOf(req);
    const reset = await resetSetting(db, auditOf(req, res), key);
    setFlash(req, reset ? 'success' : 'info', reset ? msg('{key} is back to its default.') : msg('{key} was at its default already.'), { key });
    res.redirect(303, PATH);
  });

  return router;
}
