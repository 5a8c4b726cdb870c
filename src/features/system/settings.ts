import { z } from 'zod';
import type { Database } from '../../db/database.ts';
import type { FieldErrors } from '../../http/forms.ts';

/**
 * The settings admins can change in `system_config` (key -> JSON value): ONE typed registry. Each
 * key has its zod schema (the ranges that make sense), its default, a one-line description and a
 * group; /admin/settings lists and edits exactly these (features/admin/settings.ts), and the code
 * reads them with `setting(db, key)`. Reading one costs one indexed lookup; nothing is cached, so a
 * change applies at the next read, without a restart. A stored value that does not fit its schema
 * (typed by hand in SQL, or from an older release) falls back to the default rather than breaking
 * pages. Objects are read over their default, so a stored `{ "comment": 7 }` keeps the other
 * properties' defaults.
 */

export type SettingGroup = 'learning' | 'assessments' | 'blog' | 'notifications' | 'workspaces' | 'help';
export const SETTING_GROUPS: readonly SettingGroup[] = ['learning', 'assessments', 'blog', 'notifications', 'workspaces', 'help'];

/** One field of a setting's form: a whole number (a number input) or a yes/no (a checkbox). */
export interface SettingField {
  /** The form field's name: `value` for a plain number, else the object's property. */
  name: string;
  label: string;
  kind: 'integer' | 'boolean';
  min?: number;
  max?: number;
}

export type FormResult<T> = { ok: true; value: T } | { ok: false; errors: FieldErrors };

export interface SettingDefinition<T> {
  group: SettingGroup;
  description: string;
  default: T;
  schema: z.ZodType<T>;
  /** The edit form: one field per number or property (no raw JSON). */
  fields: readonly SettingField[];
  /** The stored JSON as the code gets it, or undefined when it does not fit the schema. */
  read(stored: unknown): T | undefined;
  /** A posted form, validated by the schema (messages per field). */
  parseForm(body: unknown): FormResult<T>;
  /** A value as the form's field values (numbers as text, checkboxes as 'true' or absent). */
  toForm(value: T): Record<string, string>;
  /** A value as one short line for tables. */
  describe(value: T): string;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const bodyOf = (body: unknown): Record<string, unknown> => (isPlainObject(body) ? body : {});

/** A form's text as a number: '' is missing, anything but a plain decimal is NaN (refused by the schema). */
function numberOf(text: unknown): number | undefined {
  if (typeof text !== 'string' || text.trim() === '') return undefined;
  return /^[-+]?\d+(\.\d+)?$/.test(text.trim()) ? Number(text.trim()) : Number.NaN;
}

const wholeNumber = (min: number, max: number) =>
  z
    .number({ error: 'Type a whole number.' })
    .int('Type a whole number.')
    .min(min, `Type a number from ${min.toLocaleString('en')} to ${max.toLocaleString('en')}.`)
    .max(max, `Type a number from ${min.toLocaleString('en')} to ${max.toLocaleString('en')}.`);

/** "FirstLessonCompleted" -> "First lesson completed". */
const labelOf = (name: string) => {
  const words = name.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
};

const errorsOf = (error: z.ZodError, fallbackField: string): FieldErrors => {
  const errors: FieldErrors = {};
  for (const issue of error.issues) errors[issue.path.length ? String(issue.path[0]) : fallbackField] ??= issue.message;
  return errors;
};

function integer(options: { group: SettingGroup; description: string; default: number; min: number; max: number; label: string }): SettingDefinition<number> {
  const schema = wholeNumber(options.min, options.max);
  return {
    group: options.group,
    description: options.description,
    default: options.default,
    schema,
    fields: [{ name: 'value', label: options.label, kind: 'integer', min: options.min, max: options.max }],
    read: (stored) => {
      const parsed = schema.safeParse(stored);
      return parsed.success ? parsed.data : undefined;
    },
    parseForm: (body) => {
      const parsed = schema.safeParse(numberOf(bodyOf(body).value));
      return parsed.success ? { ok: true, value: parsed.data } : { ok: false, errors: errorsOf(parsed.error, 'value') };
    },
    toForm: (value) => ({ value: String(value) }),
    describe: (value) => value.toLocaleString('en'),
  };
}

/** An object of whole numbers, one per known property (badge points per badge, say). */
function integerMap<K extends string>(options: { group: SettingGroup; description: string; default: Record<K, number>; min: number; max: number }): SettingDefinition<Record<K, number>> {
  const names = Object.keys(options.default) as K[];
  const schema = z.object(Object.fromEntries(names.map((name) => [name, wholeNumber(options.min, options.max)]))) as unknown as z.ZodType<Record<K, number>>;
  return {
    group: options.group,
    description: options.description,
    default: options.default,
    schema,
    fields: names.map((name) => ({ name, label: labelOf(name), kind: 'integer', min: options.min, max: options.max })),
    read: (stored) => {
      if (!isPlainObject(stored)) return undefined;
      const parsed = schema.safeParse({ ...options.default, ...stored });
      return parsed.success ? parsed.data : undefined;
    },
    parseForm: (body) => {
      const source = bodyOf(body);
      const parsed = schema.safeParse(Object.fromEntries(names.map((name) => [name, numberOf(source[name])])));
      return parsed.success ? { ok: true, value: parsed.data } : { ok: false, errors: errorsOf(parsed.error, names[0]!) };
    },
    toForm: (value) => Object.fromEntries(names.map((name) => [name, String(value[name])])),
    describe: (value) => names.map((name) => `${labelOf(name)}: ${value[name].toLocaleString('en')}`).join('; '),
  };
}

/** An object of yes/no choices, one per known property (mail per topic): checkboxes. */
function booleanMap<K extends string>(options: { group: SettingGroup; description: string; default: Record<K, boolean> }): SettingDefinition<Record<K, boolean>> {
  const names = Object.keys(options.default) as K[];
  const schema = z.object(Object.fromEntries(names.map((name) => [name, z.boolean({ error: 'Tick the box or leave it empty.' })]))) as unknown as z.ZodType<Record<K, boolean>>;
  return {
    group: options.group,
    description: options.description,
    default: options.default,
    schema,
    fields: names.map((name) => ({ name, label: labelOf(name), kind: 'boolean' })),
    read: (stored) => {
      if (!isPlainObject(stored)) return undefined;
      const parsed = schema.safeParse({ ...options.default, ...stored });
      return parsed.success ? parsed.data : undefined;
    },
    parseForm: (body) => {
      const source = bodyOf(body);
      // A checkbox sends its value when ticked and nothing when not: absent is "no".
      const parsed = schema.safeParse(Object.fromEntries(names.map((name) => [name, source[name] !== undefined])));
      return parsed.success ? { ok: true, value: parsed.data } : { ok: false, errors: errorsOf(parsed.error, names[0]!) };
    },
    toForm: (value) => Object.fromEntries(names.filter((name) => value[name]).map((name) => [name, 'true'])),
    describe: (value) => {
      const on = names.filter((name) => value[name]);
      return on.length === 0 ? 'none' : on.length === names.length ? 'all' : on.map(labelOf).join(', ');
    },
  };
}

/** Every setting the code reads. Adding one here lists it on /admin/settings. */
export const SETTINGS = {
  'learning.earlyUnlockPoints': integer({
    group: 'learning',
    description: 'Points a student spends to open a scheduled chapter or lesson early.',
    default: 50,
    min: 0,
    max: 10_000,
    label: 'Points',
  }),
  'learning.badgePoints': integerMap({
    group: 'learning',
    description: 'Points credited with each badge.',
    default: { FirstLessonCompleted: 10, SevenDayStreak: 25, HundredPercentProgress: 50 },
    min: 0,
    max: 10_000,
  }),
  'leaderboard.winners': integer({
    group: 'learning',
    description: 'Students placed (and given the Top performer badge) each week and each month by the award-leaderboards job.',
    default: 3,
    min: 1,
    max: 100,
    label: 'Students',
  }),
  'assessments.passMark': integer({
    group: 'assessments',
    description: 'The score (percent) at which a required quiz completes its lesson.',
    default: 60,
    min: 0,
    max: 100,
    label: 'Percent',
  }),
  'blog.pointsRequired': integer({
    group: 'blog',
    description: 'Points a blog post costs when it is sent to moderation (refunded if it is rejected).',
    default: 5,
    min: 0,
    max: 10_000,
    label: 'Points',
  }),
  'blog.engagementPoints': integerMap({
    group: 'blog',
    description: 'Points an author earns for engagement by another user, once per user, post and kind.',
    default: { reaction: 1, comment: 2 },
    min: 0,
    max: 10_000,
  }),
  'blog.discussionContributorComments': integer({
    group: 'blog',
    description: 'Comments a user writes to earn the DiscussionContributor badge.',
    default: 10,
    min: 1,
    max: 10_000,
    label: 'Comments',
  }),
  'notifications.mailDefaults': booleanMap({
    group: 'notifications',
    description: 'Which kinds of notification are mailed to a person until they choose on /account/notifications.',
    default: {
      AdminReply: true,
      BlogApproved: true,
      BlogRejected: true,
      AssignmentGraded: true,
      UrgentAnnouncement: true,
      CommentReceived: false,
      ReactionReceived: false,
      PointsEarned: false,
      SuperAdminInvitation: true,
      // On: an admin hears by mail when the person they answered on the help desk writes back.
      HelpRequestReply: true,
      // Off: the accepted student is on the call's page, which shows the link at its next refresh.
      SupportCallAccepted: false,
    },
  }),
  'notifications.pruneReadAfterDays': integer({
    group: 'notifications',
    description: 'Read notifications older than this many days are deleted by the prune job.',
    default: 180,
    min: 1,
    max: 3650,
    label: 'Days',
  }),
  'help.autoCloseResolvedDays': integer({
    group: 'help',
    description: 'Days a Resolved help request waits for a reply before the close-resolved-help job closes it.',
    default: 14,
    min: 1,
    max: 365,
    label: 'Days',
  }),
  'workspaces.invitationDays': integer({
    group: 'workspaces',
    description: "Days a workspace invitation's link works before the expire-invitations job marks it Expired.",
    default: 7,
    min: 1,
    max: 365,
    label: 'Days',
  }),
};

export type SettingKey = keyof typeof SETTINGS;
export type SettingValue<K extends SettingKey> = (typeof SETTINGS)[K] extends SettingDefinition<infer T> ? T : never;

export const SETTING_KEYS = Object.keys(SETTINGS) as SettingKey[];

export const isSettingKey = (key: string): key is SettingKey => Object.hasOwn(SETTINGS, key);

/** The registry's entry of a key, typed loosely (for code that handles every key alike). */
export const definitionOf = (key: SettingKey): SettingDefinition<unknown> => SETTINGS[key] as unknown as SettingDefinition<unknown>;

/** The defaults, by key (frozen: callers spread them, never change them). */
export const DEFAULTS = Object.freeze(
  Object.fromEntries(SETTING_KEYS.map((key) => [key, Object.freeze(SETTINGS[key].default)])),
) as { readonly [K in SettingKey]: Readonly<SettingValue<K>> };

/** A stored JSON value as the code gets it: its schema's value, else the default. */
export function settingFrom<K extends SettingKey>(key: K, stored: unknown): SettingValue<K> {
  if (stored === undefined || stored === null) return DEFAULTS[key] as SettingValue<K>;
  return ((SETTINGS[key] as unknown as SettingDefinition<SettingValue<K>>).read(stored) ?? DEFAULTS[key]) as SettingValue<K>;
}

/** The current value of a setting: the stored one when it fits its schema, else the default. One query. */
export async function setting<K extends SettingKey>(db: Database, key: K): Promise<SettingValue<K>> {
  const row = await db.selectFrom('systemConfig').select('value').where('key', '=', key).executeTakeFirst();
  return settingFrom(key, row?.value);
}
