import { z } from 'zod';
import { msg } from '../../i18n/catalogue.ts';

/**
 * The support calls' forms, with the spec's field names (`title`, `description`, `supportType`)
 * and the additions' (`meetingUrl`, the rejection `reason`).
 */

export const TITLE_MAX = 120;
export const DESCRIPTION_MAX = 1000;
export const REASON_MAX = 300;
export const MEETING_URL_MAX = 2000;

/** What a student may ask help with: the only values `supportType` takes. */
export const SUPPORT_TYPES = ['Question about a lesson', 'Assignment help', 'Technical problem', 'Other'] as const;
export type SupportType = (typeof SUPPORT_TYPES)[number];

/** How each kind of help reads: the stored English value is its catalogue message (views pass it through t()). */
export const SUPPORT_TYPE_LABELS: Record<SupportType, string> = {
  'Question about a lesson': msg('Question about a lesson'),
  'Assignment help': msg('Assignment help'),
  'Technical problem': msg('Technical problem'),
  Other: msg('Other'),
};

/** What the requests of a call ended with nobody answering are told (rejection_reason). */
export const CALL_ENDED_REASON = msg('The call ended');

export const CALL_FIELDS = ['title', 'description', 'meetingUrl'] as const;

// Tabs and line breaks are text; other control characters are not.
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

const text = (v: unknown) => (typeof v === 'string' ? v.replace(/\r\n?/g, '\n').trim() : '');

export const callInput = z.object({
  title: z.preprocess(
    text,
    z
      .string()
      .min(1, msg('Give the call a title, such as "Office hours: week 3".'))
      .max(TITLE_MAX, msg('Keep the title to 120 characters.'))
      .refine((v) => !CONTROL.test(v) && !v.includes('\n'), msg('The title is one line of text.')),
  ),
  description: z.preprocess(
    text,
    z
      .string()
      .max(DESCRIPTION_MAX, msg('Keep the description to 1000 characters.'))
      .refine((v) => !CONTROL.test(v), msg('The description holds text only.')),
  ),
  meetingUrl: z.preprocess(text, z.string().max(MEETING_URL_MAX, msg('Keep the link to 2000 characters.'))),
});
export type CallInput = z.infer<typeof callInput>;

/** A pasted meeting link: an absolute https URL (never javascript:, never plain http). */
export function meetingUrlError(value: string): string | undefined {
  if (value === '') return msg('Paste the meeting link students join by (https://...).');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return msg('Paste the whole link, starting with https://.');
  }
  if (url.protocol !== 'https:') return msg('The meeting link must start with https://.');
  if (url.username || url.password) return msg('Paste a link without a user name or password in it.');
  return undefined;
}

export const requestInput = z.object({
  supportType: z.enum(SUPPORT_TYPES, { error: msg('Choose what you need help with: Question about a lesson, Assignment help, Technical problem, Other.') }),
});

export const rejectInput = z.object({
  reason: z.preprocess(
    text,
    z
      .string()
      .min(1, msg('Say why, so the student knows what to do instead.'))
      .max(REASON_MAX, msg('Keep the reason to 300 characters.'))
      .refine((v) => !CONTROL.test(v), msg('The reason holds text only.')),
  ),
});

export const callIdParam = z.object({ callId: z.uuid() });
export const requestIdParam = z.object({ callId: z.uuid(), requestId: z.uuid() });
