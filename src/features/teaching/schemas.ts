import { z } from 'zod';
import { zonedToUtc } from '../../lib/dates.ts';
import { MARKDOWN_MAX_CHARS } from '../../lib/markdown.ts';
import { parsePrice } from '../../lib/money.ts';
import { SLUG_PATTERN } from '../../lib/slug.ts';

const required = (label: string, max: number) =>
  z
    .string({ message: `${label} is required.` })
    .trim()
    .min(1, `${label} is required.`)
    .max(max, `${label} must be at most ${max} characters.`);

export const LEVELS = ['Beginner', 'Intermediate', 'Advanced'] as const;

export const courseInput = z.object({
  title: required('Title', 120).min(3, 'Title must be at least 3 characters.'),
  smallDescription: required('Short description', 200),
  description: required('Description', 10_000),
  category: required('Category', 60),
  level: z.enum(LEVELS, { message: 'Choose a level.' }),
  price: z
    .string({ message: 'Enter a price (0 for a free course).' })
    .trim()
    .transform((v, ctx) => {
      const cents = parsePrice(v === '' ? 'x' : v);
      if (cents === undefined) {
        ctx.addIssue({ code: 'custom', message: 'Enter a price like 19.99, or 0 for a free course.' });
        return z.NEVER;
      }
      return cents;
    })
    .refine((cents) => cents === 0 || cents >= 50, 'A paid course costs at least 0.50.'),
  duration: z.coerce
    .number({ message: 'Enter the duration in minutes.' })
    .int('Enter whole minutes.')
    .min(1, 'Enter the duration in minutes.')
    .max(100_000, 'That is too long.'),
  slug: z
    .string()
    .trim()
    .toLowerCase()
    .max(80, 'The address must be at most 80 characters.')
    .optional()
    .transform((v) => (v ? v : undefined))
    .refine((v) => v === undefined || SLUG_PATTERN.test(v), 'Use lower-case letters, digits and single dashes, like intro-to-algebra.'),
});
export type CourseInput = z.infer<typeof courseInput>;

export const titleInput = z.object({ title: required('Title', 200) });

export const lessonInput = z.object({
  title: required('Title', 200),
  description: z
    .string()
    .trim()
    .max(10_000, 'Description must be at most 10000 characters.')
    .optional()
    .transform((v) => (v ? v : null)),
});

/** The lesson page's form: the details and the lesson text in Markdown (absent: left as it is; empty: none). */
export const lessonUpdateInput = lessonInput.extend({
  content: z
    .string()
    .max(MARKDOWN_MAX_CHARS, `The lesson text must be at most ${MARKDOWN_MAX_CHARS.toLocaleString('en')} characters: shorten it, or split it over two lessons.`)
    .optional()
    .transform((v) => (v === undefined ? undefined : v.trim() === '' ? null : v.replace(/\r\n?/g, '\n').trimEnd())),
});

export const attachmentIdInput = z.object({ attachmentId: z.uuid() });

export const moveInput = z.object({ direction: z.enum(['up', 'down'], { message: 'Choose up or down.' }) });

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
        .refine((d) => d === undefined || !Number.isNaN(d.getTime()), 'Enter a date and time, like 2027-01-31 09:00.'),
    })
    .superRefine((v, ctx) => {
      if (v.status === 'Scheduled' && (!v.releaseAt || v.releaseAt.getTime() <= Date.now())) {
        ctx.addIssue({ code: 'custom', path: ['releaseAt'], message: `A scheduled release needs a date and time in the future (${timeZone}).` });
      }
    });

export const courseStatusInput = z.object({ status: z.enum(['Published', 'Draft', 'Archived']).default('Published') });

export const applicationInput = z.object({
  experience: required('Teaching experience', 2000),
  subjects: required('Subjects', 300),
  sampleLink: z
    .string()
    .trim()
    .max(300, 'The link must be at most 300 characters.')
    .optional()
    .transform((v) => (v ? v : null))
    .refine((v) => v === null || /^https?:\/\/[^\s/$.?#].[^\s]*$/i.test(v), 'The sample link must start with http:// or https://.'),
  motivation: required('Motivation', 2000),
});

export const rejectionInput = z.object({ reason: required('A reason', 1000).min(5, 'Give the applicant a reason of a few words at least.') });
