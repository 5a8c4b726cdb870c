import { z } from 'zod';
import type { Database } from '../../db/database.ts';
import type { FieldErrors } from '../../http/forms.ts';
import { msg } from '../../i18n/catalogue.ts';
import { translatorFor, type Translator } from '../../i18n/translator.ts';

/**
 * The settings admins can change in `system_config` (key -> JSON value): ONE typed registry. Each
 * key has its zod schema (the ranges that make sense), its default, a one-line description and a
 * group; /admin/settings lists and edits exactly these (features/admin/settings.ts), and the code
 * reads them with `setting(db, key)`. Reading one costs one indexed lookup; nothing is cached, so a
 * change applies at the next read, without a restart. A stored value that does not fit its schema
 * (typed by hand in SQL, or from an older release) falls back to the default rather than breaking
 * pages. Objects are read over their default, so a stored `{ "comment": 7 }` keeps the other
 * properties' defaults.
 *
 * Descriptions and labels are English catalogue messages (msg), shown through t(); parseForm's
 * messages and describe's lines are written by the reader's translator (English when none is given).
 */

const english = translatorFor('en');

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
  /** A posted form, validated by the schema (messages per field, in the translator's language). */
  parseForm(body: unknown, tr?: Translator): FormResult<T>;
  /** A value as the form's field values (numbers as text, checkboxes as 'true' or absent). */
  toForm(value: T): Record<string, string>;
  /** A value as one short line for tables (in the translator's language). */
  describe(value: T, tr?: Translator): string;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const bodyOf = (body: unknown): Record<string, unknown> => (isPlainObject(body) ? body : {});

/** A form's text as a number: '' is missing, anything but a plain decimal is NaN (refused by the schema). */
function numberOf(text: unknown): number | undefined {
  if (typeof text !== 'string' || text.trim() === '') return undefined;
  return /^[-+]?\d+(\.\d+)?$/.test(text.trim()) ? Number(text.trim()) : Number.NaN;
}

const RANGE_MESSAGE = msg('Type a number from {min} to {max}.');

const wholeNumber = (min: number, max: number) =>
  z
    .number({ error: msg('Type a whole number.') })
    .int(msg('Type a whole number.'))
    .min(min, RANGE_MESSAGE)
    .max(max, RANGE_MESSAGE);

/** The objects' properties as people read them ("FirstLessonCompleted" -> "First lesson completed"). */
const PROPERTY_LABELS: Record<string, string> = {
  FirstLessonCompleted: msg('First lesson completed'),
  SevenDayStreak: msg('Seven day streak'),
  HundredPercentProgress: msg('Hundred percent progress'),
  reaction: msg('Reaction'),
  comment: msg('Comment'),
  AdminReply: msg('Admin reply'),
  BlogApproved: msg('Blog approved'),
  BlogRejected: msg('Blog rejected'),
  AssignmentGraded: msg('Assignment graded'),
  UrgentAnnouncement: msg('Urgent announcement'),
  CommentReceived: msg('Comment received'),
  ReactionReceived: msg('Reaction received'),
  PointsEarned: msg('Points earned'),
  SuperAdminInvitation: msg('Super admin invitation'),
  HelpRequestReply: msg('Help request reply'),
  SupportCallAccepted: msg('Support call accepted'),
  CourseReminder: msg('Course reminder'),
};

/** "FirstLessonCompleted" -> "First lesson completed" (a catalogue message when the property is known). */
const labelOf = (name: string) => {
  if (PROPERTY_LABELS[name]) return PROPERTY_LABELS[name];
  const words = name.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
};

/** Each field's first message, in the translator's language (a range message with the range). */
const errorsOf = (error: z.ZodError, fallbackField: string, tr: Translator, range?: { min: number; max: number }): FieldErrors => {
  const errors: FieldErrors = {};
  const values = range ? { min: tr.number(range.min), max: tr.number(range.max) } : undefined;
  for (const issue of error.issues) errors[issue.path.length ? String(issue.path[0]) : fallbackField] ??= tr.t(issue.message, values);
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
    parseForm: (body, tr = english) => {
      const parsed = schema.safeParse(numberOf(bodyOf(body).value));
      return parsed.success ? { ok: true, value: parsed.data } : { ok: false, errors: errorsOf(parsed.error, 'value', tr, options) };
    },
    toForm: (value) => ({ value: String(value) }),
    describe: (value, tr = english) => tr.number(value),
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
    parseForm: (body, tr = english) => {
      const source = bodyOf(body);
      const parsed = schema.safeParse(Object.fromEntries(names.map((name) => [name, numberOf(source[name])])));
      return parsed.success ? { ok: true, value: parsed.data } : { ok: false, errors: errorsOf(parsed.error, names[0]!, tr, options) };
    },
    toForm: (value) => Object.fromEntries(names.map((name) => [name, String(value[name])])),
    describe: (value, tr = english) => names.map((name) => tr.t('{label}: {value}', { label: tr.t(labelOf(name)), value: tr.number(value[name]) })).join(tr.t('; ')),
  };
}

/** An object of yes/no choices, one per known property (mail per topic): checkboxes. */
function booleanMap<K extends string>(options: { group: SettingGroup; description: string; default: Record<K, boolean> }): SettingDefinition<Record<K, boolean>> {
  const names = Object.keys(options.default) as K[];
  const schema = z.object(Object.fromEntries(names.map((name) => [name, z.boolean({ error: msg('Tick the box or leave it empty.') })]))) as unknown as z.ZodType<Record<K, boolean>>;
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
    parseForm: (body, tr = english) => {
      const source = bodyOf(body);
      // A checkbox sends its value when ticked and nothing when not: absent is "no".
      const parsed = schema.safeParse(Object.fromEntries(names.map((name) => [name, source[name] !== undefined])));
      return parsed.success ? { ok: true, value: parsed.data } : { ok: false, errors: errorsOf(parsed.error, names[0]!, tr) };
    },
    toForm: (value) => Object.fromEntries(names.filter((name) => value[name]).map((name) => [name, 'true'])),
    describe: (value, tr = english) => {
      const on = names.filter((name) => value[name]);
      return on.length === 0 ? tr.t('none') : on.length === names.length ? tr.t('all') : on.map((name) => tr.t(labelOf(name))).join(tr.t(', '));
    },
  };
}

/** Every setting the code reads. Adding one here lists it on /admin/settings. */
export const SETTINGS = {
  'learning.earlyUnlockPoints': integer({
    group: 'learning',
    description: msg('Points a student spends to open a scheduled chapter or lesson early.'),
    default: 50,
    min: 0,
    max: 10_000,
    label: msg('Points'),
  }),
  'learning.badgePoints': integerMap({
    group: 'learning',
    description: msg('Points credited with each badge.'),
    default: { FirstLessonCompleted: 10, SevenDayStreak: 25, HundredPercentProgress: 50 },
    min: 0,
    max: 10_000,
  }),
  'learning.followUpAfterDays': integer({
    group: 'learning',
    description: msg('Days after enrolling before the follow-up-mail job reminds an Active student who has completed no lesson (once per enrollment).'),
    default: 3,
    min: 1,
    max: 60,
    label: msg('Days'),
  }),
  'leaderboard.winners': integer({
    group: 'learning',
    description: msg('Students placed (and given the Top performer badge) each week and each month by the award-leaderboards job.'),
    default: 3,
    min: 1,
    max: 100,
    label: msg('Students'),
  }),
  'assessments.passMark': integer({
    group: 'assessments',
    description: msg('The score (percent) at which a required quiz completes its lesson.'),
    default: 60,
    min: 0,
    max: 100,
    label: msg('Percent'),
  }),
  'blog.pointsRequired': integer({
    group: 'blog',
    description: msg('Points a blog post costs when it is sent to moderation (refunded if it is rejected).'),
    default: 5,
    min: 0,
    max: 10_000,
    label: msg('Points'),
  }),
  'blog.engagementPoints': integerMap({
    group: 'blog',
    description: msg('Points an author earns for engagement by another user, once per user, post and kind.'),
    default: { reaction: 1, comment: 2 },
    min: 0,
    max: 10_000,
  }),
  'blog.discussionContributorComments': integer({
    group: 'blog',
    description: msg('Comments a user writes to earn the DiscussionContributor badge.'),
    default: 10,
    min: 1,
    max: 10_000,
    label: msg('Comments'),
  }),
  'notifications.mailDefaults': booleanMap({
    group: 'notifications',
    description: msg('Which kinds of notification are mailed to a person until they choose on /account/notifications.'),
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
      // On: the follow-up mail (jobs/follow-up-mail.ts) is one nudge per enrollment, for a course the
      // person chose; they can turn it off like any other kind.
      CourseReminder: true,
    },
  }),
  'notifications.pruneReadAfterDays': integer({
    group: 'notifications',
    description: msg('Read notifications older than this many days are deleted by the prune job.'),
    default: 180,
    min: 1,
    max: 3650,
    label: msg('Days'),
  }),
  'help.autoCloseResolvedDays': integer({
    group: 'help',
    description: msg('Days a Resolved help request waits for a reply before the close-resolved-help job closes it.'),
    default: 14,
    min: 1,
    max: 365,
    label: msg('Days'),
  }),
  'workspaces.invitationDays': integer({
    group: 'workspaces',
    description: msg("Days a workspace invitation's link works before the expire-invitations job marks it Expired."),
    default: 7,
    min: 1,
    max: 365,
    label: msg('Days'),
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
