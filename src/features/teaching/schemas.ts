import { z } from 'zod';
import { zonedToUtc } from '../../lib/dates.ts';
import { MARKDOWN_MAX_CHARS } from '../../lib/markdown.ts';
import { parsePrice } from '../../lib/money.ts';
import { SLUG_PATTERN } from '../../lib/slug.ts';
import { msg } from '../../i18n/catalogue.ts';

/** A required text: its two messages are whole sentences of the catalogue (msg), never built from a label. */
const required = (max: number, missing: string, tooLong: string) => z.string({ message: missing }).trim().min(1, missing).max(max, tooLong);

export const LEVELS = ['Beginner', 'Intermediate', 'Advanced'] as const;

export const courseInput = z.object({
  title: required(120, msg('Title is required.'), msg('Title must be at most 120 characters.')).min(3, msg('Title must be at least 3 characters.')),
  smallDescription: required(200, msg('Short description is required.'), msg('Short description must be at most 200 characters.')),
  description: required(10_000, msg('Description is required.'), msg('Description must be at most 10000 characters.')),
  category: required(60, msg('Category is required.'), msg('Category must be at most 60 characters.')),
  level: z.enum(LEVELS, { message: msg('Choose a level.') }),
  price: z
    .string({ message: msg('Enter a price (0 for a free course).') })
    .trim()
    .transform((v, ctx) => {
      const cents = parsePrice(v === '' ? 'x' : v);
      if (cents === undefined) {
        ctx.addIssue({ code: 'custom', message: msg('Enter a price like 19.99, or 0 for a free course.') });
        return z.NEVER;
      }
      return cents;
    })
    .refine((cents) => cents === 0 || cents >= 50, msg('A paid course costs at least 0.50.')),
  duration: z.coerce
    .number({ message: msg('Enter the duration in minutes.') })
    .int(msg('Enter whole minutes.'))
    .min(1, msg('Enter the duration in minutes.'))
    .max(100_000, msg('That is too long.')),
  slug: z
    .string()
    .trim()
    .toLowerCase()
    .max(80, msg('The address must be at most 80 characters.'))
    .optional()
    .transform((v) => (v ? v : undefined))
    .refine((v) => v === undefined || SLUG_PATTERN.test(v), msg('Use lower-case letters, digits and single dashes, like intro-to-algebra.')),
});
export type CourseInput = z.infer<typeof courseInput>;

export const titleInput = z.object({ title: required(200, msg('Title is required.'), msg('Title must be at most 200 characters.')) });

export const lessonInput = z.object({
  title: required(200, msg('Title is required.'), msg('Title must be at most 200 characters.')),
  description: z
    .string()
    .trim()
    .max(10_000, msg('Description must be at most 10000 characters.'))
    .optional()
    .transform((v) => (v ? v : null)),
});

/** The lesson page's form: the details and the lesson text in Markdown (absent: left as it is; empty: none). */
export const lessonUpdateInput = lessonInput.extend({
  content: z
    .string()
    .max(MARKDOWN_MAX_CHARS, msg('The lesson text must be at most 100,000 characters: shorten it, or split it over two lessons.'))
    .optional()
    .transform((v) => (v === undefined ? undefined : v.trim() === '' ? null : v.replace(/\r\n?/g, '\n').trimEnd())),
});

export const attachmentIdInput = z.object({ attachmentId: z.uuid() });

export const moveInput = z.object({ direction: z.enum(['up', 'down'], { message: msg('Choose up or down.') }) });

/** Its {timeZone} is filled where it is shown: the routes pass the teacher's zone as its value. */
export const SCHEDULE_IN_FUTURE = msg('A scheduled release needs a date and time in the future ({timeZone}).');

/**
 * Publishing: Published now, Scheduled for `releaseAt` (in the future), or back to Draft. The
 * datetime-local value ("2026-12-01T09:00") is the teacher's wall clock in their zone, stored as
 * the UTC instant it names (lib/dates.ts); a value with its own offset ("...Z") is taken as it is.
 */
export const releaseInput = (timeZone: string) =>
  z
    .object({
      status: z.enum(['Published', 'Scheduled', 'Draft']).default('Published'),
      releaseAt: z
        .string()
        .trim()
        .max(40)
        .optional()
        .transform((v) => (v ? (/[zZ]|[+-]\d\d:?\d\d$/.test(v) ? new Date(v) : (zonedToUtc(v, timeZone) ?? new Date(NaN))) : undefined))
        .refine((d) => d === undefined || !Number.isNaN(d.getTime()), msg('Enter a date and time, like 2027-01-31 09:00.')),
    })
    .superRefine((v, ctx) => {
      if (v.status === 'Scheduled' && (!v.releaseAt || v.releaseAt.getTime() <= Date.now())) {
        ctx.addIssue({ code: 'custom', path: ['releaseAt'], message: SCHEDULE_IN_FUTURE });
      }
    });

export const courseStatusInput = z.object({ status: z.enum(['Published', 'Draft', 'Archived']).default('Published') });

export const applicationInput = z.object({
  experience: required(2000, msg('Teaching experience is required.'), msg('Teaching experience must be at most 2000 characters.')),
  subjects: required(300, msg('Subjects is required.'), msg('Subjects must be at most 300 characters.')),
  sampleLink: z
    .string()
    .trim()
    .max(300, msg('The link must be at most 300 characters.'))
    .optional()
    .transform((v) => (v ? v : null))
    .refine((v) => v === null || /^https?:\/\/[^\s/$.?#].[^\s]*$/i.test(v), msg('The sample link must start with http:// or https://.')),
  motivation: required(2000, msg('Motivation is required.'), msg('Motivation must be at most 2000 characters.')),
});

export const rejectionInput = z.object({ reason: required(1000, msg('A reason is required.'), msg('A reason must be at most 1000 characters.')).min(5, msg('Give the applicant a reason of a few words at least.')) });
