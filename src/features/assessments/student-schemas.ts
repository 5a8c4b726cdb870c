import { z } from 'zod';
import { msg } from '../../i18n/catalogue.ts';

/** Students' inputs on assessments (the quiz's answers are parsed against its questions: quiz-taking.ts). */

export const DESCRIPTION_MAX = 10_000;
export const LINK_MAX = 2000;

export const lessonParams = z.object({ lessonId: z.uuid() });

const isWebUrl = (value: string) => {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
};

/** An assignment hand-in's text fields (the file comes through receiveUpload). Empty fields are null. */
export const handInInput = z.object({
  description: z
    .string({ error: msg('Write your answer as text.') })
    .max(DESCRIPTION_MAX, msg('Keep the text to 10,000 characters.'))
    .optional()
    .transform((v) => (v && v.trim() ? v.trim() : null)),
  link: z
    .string({ error: msg('Enter a link starting with http:// or https://.') })
    .trim()
    .max(LINK_MAX, msg('Keep the link to 2000 characters.'))
    .optional()
    .transform((v) => v || null)
    .refine((v) => v === null || isWebUrl(v), msg('Enter a link starting with http:// or https://.')),
});

export type HandInFields = z.infer<typeof handInInput>;
