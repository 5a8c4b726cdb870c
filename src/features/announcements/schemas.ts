import { z } from 'zod';
import type { Announcementtargetrole as TargetRole } from '../../db/types.ts';
import { msg } from '../../i18n/catalogue.ts';
import { zonedToUtc } from '../../lib/dates.ts';

/**
 * The writer's announcement form (/admin/announcements and /teach/courses/:courseId/announcements),
 * with the spec's field names. `targetUserIds` is typed as email addresses (one a line or comma
 * separated); the service turns them into ids and refuses addresses that are unknown or of the
 * wrong role. `scheduledAt` and `expiresAt` are datetime-local values on the writer's clock.
 */

export const ANNOUNCEMENT_FIELDS = ['title', 'body', 'targetRole', 'targetCourseId', 'targetUserIds', 'scheduledAt', 'expiresAt', 'isUrgent'] as const;

export const TARGET_ROLES = ['AllUsers', 'AllStudents', 'AllTeachers', 'CourseStudents', 'SpecificStudents', 'SpecificTeachers'] as const satisfies readonly TargetRole[];

/** How each audience reads in forms and tables. */
export const TARGET_LABELS: Record<TargetRole, string> = {
  AllUsers: msg('Everyone'),
  AllStudents: msg('All enrolled students'),
  AllTeachers: msg('All teachers'),
  CourseStudents: msg('Students of one course'),
  SpecificStudents: msg('Chosen students'),
  SpecificTeachers: msg('Chosen teachers'),
};

export const TITLE_MAX = 200;
export const BODY_MAX = 20_000;
/** People one Specific* announcement may name. */
export const TARGET_USERS_MAX = 500;

// Tabs and line breaks are text; other control characters (and DEL) are not. The form is
// urlencoded, which the app already checks, but the rule belongs to the field.
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

/** A field's messages, each a whole sentence (catalogue messages: translated where they are shown). */
interface TextMessages {
  control: string;
  oneLine?: string;
  required: string;
  tooLong: string;
}

const text = (messages: TextMessages, max: number, multiline: boolean) =>
  z
    .string()
    .optional()
    .transform((v) => (v ?? '').replace(/\r\n?/g, '\n'))
    .transform((v) => (multiline ? v.replace(/\s+$/, '') : v.trim()))
    .refine((v) => !CONTROL.test(v), messages.control)
    .refine((v) => multiline || !/[\n\u2028\u2029]/.test(v), messages.oneLine ?? messages.required)
    .refine((v) => v.trim().length > 0, messages.required)
    .refine((v) => v.length <= max, messages.tooLong);

/** A datetime-local value read in the writer's zone (an explicit offset is taken as is); blank is none. */
const when = (timeZone: string, message: string) =>
  z
    .string()
    .trim()
    .max(40)
    .optional()
    .transform((v) => (v ? (/[zZ]|[+-]\d\d:?\d\d$/.test(v) ? new Date(v) : (zonedToUtc(v, timeZone) ?? new Date(NaN))) : null))
    .refine((d) => d === null || !Number.isNaN(d.getTime()), message);

/** The typed addresses: split on commas, semicolons and line breaks, trimmed, lower-cased, each once. */
export function parseEmails(value: string): string[] {
  const seen = new Set<string>();
  for (const part of value.split(/[\s,;]+/)) {
    const email = part.trim().toLowerCase();
    if (email) seen.add(email);
  }
  return [...seen];
}

export const announcementInput = (timeZone: string) =>
  z.object({
    title: text(
      {
        control: msg('Title contains characters that cannot be shown.'),
        oneLine: msg('Title must be one line.'),
        required: msg('Title is required.'),
        tooLong: msg('Title must be at most 200 characters.'),
      },
      TITLE_MAX,
      false,
    ),
    body: text(
      {
        control: msg('The announcement contains characters that cannot be shown.'),
        required: msg('The announcement is required.'),
        tooLong: msg('The announcement must be at most 20,000 characters.'),
      },
      BODY_MAX,
      true,
    ),
    targetRole: z.enum(TARGET_ROLES, { error: msg('Choose who the announcement is for.') }),
    targetCourseId: z
      .string()
      .optional()
      .transform((v) => (v ?? '').trim())
      .refine((v) => v === '' || z.uuid().safeParse(v).success, msg('Choose a course from the list.'))
      .transform((v) => (v === '' ? null : v)),
    targetUserIds: z
      .string()
      .max(40_000, msg('That is too long a list of addresses.'))
      .optional()
      .transform((v) => parseEmails(v ?? ''))
      .refine((list) => list.length <= TARGET_USERS_MAX, msg('Name at most 500 people; for more, choose a wider audience.')),
    scheduledAt: when(timeZone, msg('Enter a date and time, like 2027-01-31 09:00, or leave it blank.')),
    expiresAt: when(timeZone, msg('Enter a date and time, like 2027-02-28 18:00, or leave it blank.')),
    isUrgent: z
      .string()
      .optional()
      .transform((v) => v === 'on' || v === '1' || v === 'true'),
    /**
     * Which button: "Save draft" (draft), "Save and publish" / "Schedule" (publish: Scheduled when
     * scheduledAt is in the future, else Published at once), or "Save changes" (save: keeps the status).
     */
    intent: z.enum(['draft', 'publish', 'save']).catch('save'),
  });
export type AnnouncementInput = z.infer<ReturnType<typeof announcementInput>>;

export const announcementIdParam = z.object({ announcementId: z.uuid() });
export const attachmentKeyInput = z.object({ key: z.string().min(1).max(300) });
